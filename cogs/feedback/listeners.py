"""What feedback hears from others: a member joining the server or a group (their token joins
the rolls of the open polls they may vote in), a server becoming available (members whose vote
was lost in a restart are told). The meetings feature's `meeting_ended` (the post-session poll)
is a durable event: FeedbackCog declares its listener (`PollBoardCog.session_ended`). Discord
glue; the rules live in polls.py.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.client import Bot
from cogs.feedback.poll_board import PollBoardCog
from cogs.feedback.polls import PollService

log = logging.getLogger(__name__)


class FeedbackListenersCog(commands.Cog, name="Feedback listeners"):
    def __init__(self, bot: Bot, polls: PollService, board: PollBoardCog) -> None:
        self.bot = bot
        self.polls = polls
        self.board = board

    # ------------------------------------------------------------------ joining

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if not member.bot and self.bot.mode == "run":
            await self.polls.enroll(member.guild.id, member.id, None)

    @commands.Cog.listener()
    async def on_group_member_joined(self, guild_id: int, group_id: int, user_id: int) -> None:
        if self.bot.mode == "run":
            await self.polls.enroll(guild_id, user_id, group_id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Votes held in memory when the bot stopped were marked lost at start: now that the
        server's members are known, each of those voters is told privately to vote again."""
        if self.bot.mode != "run":
            return
        members = [m.id for m in guild.members if not m.bot]
        told = await self.polls.tell_lost_votes(guild.id, members)
        if told:
            await self.board.lost_votes_told(told)
