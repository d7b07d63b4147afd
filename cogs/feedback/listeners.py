"""What feedback hears from others: a member joining the server or a group (their token joins
the rolls of the open polls they may vote in), a server becoming available (members whose vote
was lost in a restart are told), and the meetings feature's `meeting_ended` (the post-session
poll). Discord glue; the rules live in polls.py.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.client import Bot
from cogs.feedback.poll_board import PollBoardCog
from cogs.feedback.polls import SESSION_POLL_OPTIONS, SESSION_POLL_QUESTION, PollService

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

    # ------------------------------------------------------------------ post-session polls

    @commands.Cog.listener()
    async def on_meeting_ended(self, guild_id: int, group_id: int, occurrence: str) -> None:
        """The meetings feature announces that a session ended (`occurrence` names that one
        session). If the group's leaders turned it on, the group gets its post-session poll,
        once per session whatever happens."""
        hours = await self.polls.session_poll_hours(guild_id, group_id)
        guild = self.bot.get_guild(guild_id)
        group = await self.bot.groups.get(guild_id, group_id)
        if hours is None or guild is None or group is None or group.archived:
            return
        if group.channel_id is None or self.bot.user is None:
            log.warning("group %d has no channel for its post-session poll", group_id)
            return
        if not await self.polls.claim_session(guild_id, group_id, occurrence):
            return  # already asked about this session
        t = await self.bot.guild_settings.translator(guild_id)
        draft = self.polls.session_draft(
            guild_id=guild_id,
            channel_id=group.channel_id,
            group_id=group_id,
            question=t(SESSION_POLL_QUESTION),
            hours=hours,
            created_by=self.bot.user.id,
        )
        try:
            await self.board.post_poll(guild, draft, list(SESSION_POLL_OPTIONS))
        except Exception:
            await self.polls.release_session(guild_id, group_id, occurrence)
            log.exception("could not post the post-session poll of group %d", group_id)
