"""The poll messages: posting a poll, answering its vote buttons, keeping its count of voters up
to date, closing it at its time and rendering its results. Discord glue; the rules live in
polls.py. /poll's commands (poll_commands.py) and the post-session poll (`session_ended`, the
feature's durable listener of `meeting_ended`) post through the outbox (kind POLL_POST): the poll
and its message's outbox row are one transaction, the vote buttons are persistent, and the poll
opens when the outbox says its message is out (`poll_posted`).

Nothing here logs a member together with a choice. Discord itself carries each button press (it
knows who pressed what, as it knows who typed what); the bot keeps none of it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import discord
from discord.ext import commands

from bot.checks import caller
from bot.client import Bot
from bot.clock import epoch
from bot.dispatcher import PermanentFailure, Rendered
from bot.errors import UserError
from bot.event_log import Event
from bot.i18n import N_, Translate
from bot.kit.links import jump_url
from bot.kit.text import escape_member_text
from bot.kit.timestamps import stamp, stamp_and_relative
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.feedback.ballots import VoteNotSaved
from cogs.feedback.chart import bar_chart_png
from cogs.feedback.polls import (
    SESSION_POLL_OPTIONS,
    SESSION_POLL_QUESTION,
    Poll,
    PollDraft,
    PollOption,
    PollService,
)
from cogs.feedback.views import POLL_BOARD_COG, confirm_view, poll_view

log = logging.getLogger(__name__)

CLOSE_JOB = "feedback:poll-close:{}"
REFRESH_SECONDS = 1.5  # the live count on a poll is edited at most this often
# A vote press is answered directly when its work is done within ANSWER_WAIT seconds and no
# later than ANSWER_BY seconds after the press (Discord's clock, of its 3); otherwise the bot
# acknowledges it (defers) then, and answers when the work is done. One request instead of two.
ANSWER_WAIT, ANSWER_BY = 1.0, 1.5
ESCAPE = escape_member_text  # questions and options members typed (bot/kit/text.py)


T = TypeVar("T")


async def answer_soon(
    interaction: discord.Interaction[Any],
    work: Coroutine[Any, Any, T],
    defer: Callable[[], Awaitable[object]],
) -> T:
    """Run `work`; if it is not done in the time the press leaves (ANSWER_WAIT, ANSWER_BY),
    acknowledge the press with `defer` and wait on. The caller answers with `response` when
    `interaction.response.is_done()` is False, else with the follow-up or the edit."""
    age = max(0.0, time.time() - interaction.created_at.timestamp())
    task = asyncio.ensure_future(work)
    try:
        await asyncio.wait({task}, timeout=max(0.0, min(ANSWER_WAIT, ANSWER_BY - age)))
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not task.done():
        await defer()
    return await task


class PollBoardCog(commands.Cog, name=POLL_BOARD_COG):
    def __init__(self, bot: Bot, polls: PollService) -> None:
        self.bot = bot
        self.polls = polls
        self.refresh_seconds = REFRESH_SECONDS
        self._refreshers: dict[int, asyncio.Task[None]] = {}
        self._stale: set[int] = set()

    async def cog_unload(self) -> None:
        for task in self._refreshers.values():
            task.cancel()

    # ------------------------------------------------------------------ closing jobs

    def schedule_close(self, poll: Poll, at: int | None = None) -> None:
        self.bot.scheduler.add_job(
            self._close_job,
            "date",
            run_date=datetime.fromtimestamp(at or poll.closes_at, UTC),
            args=[poll.id],
            id=CLOSE_JOB.format(poll.id),
            replace_existing=True,
        )

    def unschedule_close(self, poll_id: int) -> None:
        job = self.bot.scheduler.get_job(CLOSE_JOB.format(poll_id))
        if job is not None:
            job.remove()

    async def _close_job(self, poll_id: int) -> None:
        closed = await self.polls.close_due(poll_id)
        if closed is not None:
            await self.show_poll(closed)
            return
        poll = await self.polls.get(poll_id)
        if poll is not None and poll.status == "open":  # woke early: try again at its time
            self.schedule_close(poll, max(poll.closes_at, epoch(self.bot.clock()) + 1))

    # ------------------------------------------------------------------ posting

    def check_channel(self, guild: discord.Guild, channel_id: int) -> None:
        channel = guild.get_channel_or_thread(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise UserError(N_("I can't post a poll in that channel. Please try a text channel."))

    async def post_poll(
        self, guild: discord.Guild, draft: PollDraft, labels: list[str]
    ) -> tuple[Poll, int]:
        """Write the poll with its message in the outbox (one transaction); the outbox posts
        it. Returns the poll and its outbox row (`bot.dispatcher.outcome` says when it is out).
        /poll create comes through here."""
        self.check_channel(guild, draft.channel_id)
        eligible = await self._eligible(guild.id, draft.group_id)
        created = await self.polls.posting(draft, labels, eligible)
        assert created is not None
        self.schedule_close(created[0])  # armed again when it is out (a job early does nothing)
        return created

    async def _eligible(self, guild_id: int, group_id: int | None) -> list[int]:
        if group_id is not None:
            return await self.bot.groups.member_ids(guild_id, group_id)
        guild = self.bot.get_guild(guild_id)
        return [m.id for m in guild.members if not m.bot] if guild is not None else []

    async def session_ended(self, event: Event) -> None:
        """The durable `meeting_ended` (bot/events.py): if the group's leaders turned it on,
        the group gets its post-session poll, once per session however often the event comes
        (the session is claimed in the poll's own transaction)."""
        guild_id, group_id = int(event.payload["guild_id"]), int(event.payload["group_id"])
        occurrence = str(event.payload["occurrence"])
        hours = await self.polls.session_poll_hours(guild_id, group_id)
        if hours is None:
            return
        group = await self.bot.groups.get(guild_id, group_id)
        if group is None or group.archived:
            return
        if group.channel_id is None:
            log.warning("group %d has no channel for its post-session poll", group_id)
            return
        t = await self.bot.guild_settings.translator(guild_id)
        draft = self.polls.session_draft(
            guild_id=guild_id,
            channel_id=group.channel_id,
            group_id=group_id,
            question=t(SESSION_POLL_QUESTION),
            hours=hours,
            created_by=self.bot.user.id if self.bot.user is not None else 0,
        )
        eligible = await self.bot.groups.member_ids(guild_id, group_id)
        poll = await self.polls.create_session_poll(
            draft, list(SESSION_POLL_OPTIONS), eligible, occurrence
        )
        if poll is not None:
            self.schedule_close(poll)

    async def render_poll(self, message: OutboxMessage) -> Rendered:
        """The renderer of POLL_POST: the poll with its (persistent) vote buttons."""
        poll = await self.polls.get(int(message.payload["poll_id"]))
        if poll is None:
            raise PermanentFailure("the poll was removed before its message went out")
        t = await self.bot.guild_settings.translator(poll.guild_id)
        return Rendered(embeds=[await self._poll_embed(poll, t)], view=poll_view(poll))

    async def poll_posted(self, message: OutboxMessage, message_id: int) -> None:
        """POLL_POST's on_sent (at least once, after a restart too): the poll opens, its close
        is armed."""
        await self.opened(int(message.payload["poll_id"]), message_id)

    async def opened(self, poll_id: int, message_id: int) -> None:
        """The poll's message is out (idempotent: the on_sent hook, the creator's answer and a
        first vote may each be first to know)."""
        poll = await self.polls.mark_posted(poll_id, message_id)
        if poll is not None and poll.status == "open":
            self.schedule_close(poll)

    async def poll_failed(self, message: OutboxMessage, error: Exception) -> None:
        """POLL_POST failed for good (no access to the channel): nothing of the poll stays."""
        log.warning("poll %s could not be posted: %s", message.payload.get("poll_id"), error)
        await self.polls.discard(int(message.payload["poll_id"]))

    # ------------------------------------------------------------------ voting

    async def vote_pressed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None:
        member = caller(interaction)
        t, option = await answer_soon(
            interaction,
            self._ballot(interaction, member, poll_id, position),
            lambda: interaction.response.defer(ephemeral=True, thinking=True),
        )
        text = t(
            "Votes are anonymous and final: no one can see who chose what (not the "
            "leaders, not the moderators, not even the bot's database), and a vote can't "
            "be changed.\n\nConfirm your choice: **{option}**?",
            option=ESCAPE(option.label),
        )
        view = confirm_view(poll_id, position, t("Confirm my vote"))
        if interaction.response.is_done():
            await interaction.followup.send(text, view=view, ephemeral=True)
        else:
            await interaction.response.send_message(text, view=view, ephemeral=True)

    async def _ballot(
        self,
        interaction: discord.Interaction[Any],
        member: discord.Member,
        poll_id: int,
        position: int,
    ) -> tuple[Translate, PollOption]:
        t = await translator(interaction)
        known = None
        if interaction.message is not None:  # pressed on it: its message is surely out
            known = await self.polls.pressed(poll_id, member.id)
            if known[0] is not None and known[0].status == "posting":
                await self.opened(poll_id, interaction.message.id)  # open now: read again
        _, option = await self.polls.ballot(
            poll_id, member.guild.id, member.id, position, known=known
        )
        return t, option

    async def vote_confirmed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None:
        member = caller(interaction)
        text, counted, view = await answer_soon(
            interaction,
            self._count(interaction, member, poll_id, position),
            interaction.response.defer,
        )
        if interaction.response.is_done():
            await interaction.edit_original_response(content=text, view=view)
        else:
            await interaction.response.edit_message(content=text, view=view)
        if counted:
            self._refresh_soon(poll_id)

    async def _count(
        self,
        interaction: discord.Interaction[Any],
        member: discord.Member,
        poll_id: int,
        position: int,
    ) -> tuple[str, bool, discord.ui.View | None]:
        """The answer, whether the vote counted, and the buttons left on the answer: the
        confirm button again when the vote could not be saved (nothing of it was kept)."""
        t = await translator(interaction)
        try:
            await self.polls.vote(poll_id, member.guild.id, member.id, position)
        except VoteNotSaved as error:
            return t(error.message), False, confirm_view(poll_id, position, t("Confirm my vote"))
        except UserError as error:
            return t(error.message, **error.params), False, None
        return (
            t(
                "Thank you: your vote is counted. No one can see what you chose: your choice is "
                "added up only when the poll closes, and the results are posted then."
            ),
            True,
            None,
        )

    # ------------------------------------------------------------------ the poll message

    async def _poll_embed(self, poll: Poll, t: Translate) -> discord.Embed:
        group = await self.polls.group_name(poll)
        who = (
            t("Everyone in this server can vote.")
            if poll.group_id is None
            else t("The members of {group} can vote.", group=group or t("the group"))
        )
        closed = poll.status == "closed"
        embed = discord.Embed(
            title=t("Anonymous poll (closed)") if closed else t("Anonymous poll"),
            description=f"**{ESCAPE(poll.question)}**\n\n{who}",
            colour=discord.Colour.light_grey() if closed else discord.Colour.blurple(),
        )
        embed.add_field(
            name=t("Votes"),
            value=t.plural("{n} person has voted", "{n} people have voted", poll.voters),
        )
        if closed:
            embed.add_field(name=t("Closed"), value=stamp(poll.closed_at or 0, "F"))
        else:
            embed.add_field(
                name=t("Closes"),
                value=stamp_and_relative(poll.closes_at),
            )
        embed.set_footer(
            text=t(
                "Press a button to vote; you'll be asked to confirm. No one can see who chose "
                "what. Results are posted here when the poll closes, if at least {k} people "
                "have voted.",
                k=poll.min_voters,
            )
        )
        return embed

    def _refresh_soon(self, poll_id: int) -> None:
        """Update "N people have voted" soon: many votes at once make one edit."""
        self._stale.add(poll_id)
        if poll_id not in self._refreshers:
            self._refreshers[poll_id] = self.bot.spawn(
                self._refresh(poll_id), name=f"feedback refresh {poll_id}"
            )

    async def _refresh(self, poll_id: int) -> None:
        try:
            while poll_id in self._stale:
                await asyncio.sleep(self.refresh_seconds)
                self._stale.discard(poll_id)
                poll = await self.polls.get(poll_id)
                if poll is not None:
                    await self.show_poll(poll)
        finally:
            self._refreshers.pop(poll_id, None)

    async def show_poll(self, poll: Poll) -> None:
        """Edit the poll message (best effort: the database has the truth, and a closed poll
        refuses votes whatever its buttons look like)."""
        if poll.message_id is None:
            return
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        message = channel.get_partial_message(poll.message_id)
        t = await self.bot.guild_settings.translator(poll.guild_id)
        try:
            if poll.status == "closed":
                await message.edit(
                    embed=await self._poll_embed(poll, t), view=poll_view(poll, disabled=True)
                )
            else:
                await message.edit(embed=await self._poll_embed(poll, t))
        except discord.HTTPException as error:
            log.warning("could not update poll %d's message: %s", poll.id, error)

    # ------------------------------------------------------------------ results

    async def render_results(self, message: OutboxMessage) -> Rendered:
        """The renderer of POLL_RESULTS (FeedbackCog declares it)."""
        results = await self.polls.results(int(message.payload["poll_id"]))
        if results is None:
            raise PermanentFailure("the poll was removed before its results went out")
        poll = results.poll
        t = await self.bot.guild_settings.translator(poll.guild_id)
        embed = discord.Embed(
            title=t("Poll results"),
            description=f"**{ESCAPE(poll.question)}**",
            colour=discord.Colour.blurple(),
        )
        voted = t.plural("{n} person voted.", "{n} people voted.", poll.voters)
        if not results.shown:
            embed.description = (
                (embed.description or "")
                + "\n\n"
                + t(
                    "Too few answers to keep them anonymous: results are shown only when at least "
                    "{k} people vote. {voted}",
                    k=poll.min_voters,
                    voted=voted,
                )
            )
            return Rendered(embeds=[embed])
        lines = [
            t(
                "{option}: **{percent}%** ({votes})",
                option=ESCAPE(row.label),
                percent=row.percent,
                votes=t.plural("{n} vote", "{n} votes", row.votes),
            )
            for row in results.rows
        ]
        embed.description = (embed.description or "") + "\n\n" + "\n".join(lines)
        embed.set_footer(text=voted)
        png = await bar_chart_png(
            [row.label for row in results.rows],
            [row.percent for row in results.rows],
            title=poll.question,
            axis_label=t("Share of voters (%)"),
        )
        filename = f"poll-{poll.id}-results.png"
        embed.set_image(url=f"attachment://{filename}")
        return Rendered(embeds=[embed], files=[discord.File(io.BytesIO(png), filename=filename)])

    async def results_posted(self, message: OutboxMessage, message_id: int) -> None:
        """POLL_RESULTS' on_sent (at least once, after a restart too): the poll's message shows
        it closed, its buttons off. (The closer edits it at once too; this is the edit a crash
        between the closing and that edit would otherwise leave undone.)"""
        poll = await self.polls.get(int(message.payload["poll_id"]))
        if poll is not None and poll.status == "closed":
            await self.show_poll(poll)

    async def render_vote_lost(self, message: OutboxMessage) -> Rendered:
        """The renderer of VOTE_LOST (FeedbackCog declares it): a member whose vote was held in
        memory when the bot restarted is asked, privately, to vote again."""
        poll = await self.polls.get(int(message.payload["poll_id"]))
        if poll is None:
            raise PermanentFailure("the poll was removed before its voters could be told")
        t = await self.bot.languages.for_row(message)  # the member's language
        why = t(
            "To keep votes anonymous, the bot writes down what people chose only when a poll "
            "closes, all together; until then choices are kept only in its memory. The bot "
            "restarted while the poll **{question}** was open, so your vote in it was lost.",
            question=ESCAPE(poll.question),
        )
        if poll.status == "open":
            link = jump_url(poll.guild_id, poll.channel_id, poll.message_id)
            again = t(
                "I'm sorry. Please vote again, if you'd like to: {link} (it closes {when}).",
                link=link or t("the poll is in its channel"),
                when=stamp(poll.closes_at, "R"),
            )
        else:
            again = t("I'm sorry. The poll has closed since, so it can't take your vote any more.")
        return Rendered(content=f"{why}\n\n{again}")

    async def lost_votes_told(self, polls: list[Poll]) -> None:
        """The count of voters on these polls went down (lost votes): show it."""
        for poll in polls:
            current = await self.polls.get(poll.id)
            if current is not None:
                await self.show_poll(current)
