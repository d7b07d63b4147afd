"""Anonymous feedback, the Discord side: the feature's services, `FeedbackCog` (the feature's
`Feature`: what it declares to core), /feedback with its digests (and the `feedback_submitted`
event, see free_text.py), and the feature's jobs (at start, and daily). The rules live in
anonymity.py, polls.py and free_text.py; /poll in poll_commands.py, the poll messages in
poll_board.py, and what the feature hears from others in listeners.py.

Nothing here logs a member together with a choice or a text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.dispatcher import Rendered, Renderer
from bot.event_log import DurableHandler
from bot.events import FEEDBACK_SUBMITTED, MEETING_ENDED
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.kit.groups import OwnGroup
from bot.kit.text import escape_member_text
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.feedback.anonymity import HistoryEraser, Tokens
from cogs.feedback.free_text import DIGEST, FeedbackService
from cogs.feedback.poll_board import PollBoardCog
from cogs.feedback.polls import POLL_POST, POLL_RESULTS, VOTE_LOST, PollService
from cogs.feedback.service_facts import RatingFacts
from cogs.feedback.service_privacy import FeedbackPrivacy
from cogs.feedback.views import ConfirmVoteButton, FeedbackModal, PollOptionsModal, VoteButton

log = logging.getLogger(__name__)

DAILY_JOB = "feedback:daily"
DIGEST_HOUR_UTC = 17  # the daily digest of free-text feedback


@dataclass(frozen=True)
class FeedbackServices:
    polls: PollService
    feedback: FeedbackService
    eraser: HistoryEraser  # one for both: deletions of anonymous content leave the files

    @classmethod
    def build(cls, bot: Bot) -> FeedbackServices:
        secret = bot.settings.anon_secret
        if secret is None and bot.mode == "run":
            raise RuntimeError("ANON_SECRET is not set: anonymous feedback cannot run")
        tokens = Tokens(secret) if secret else None
        eraser = HistoryEraser.of(bot.db)
        polls = PollService(
            bot.db, bot.clock, bot.outbox, tokens, lambda: bot.groups, eraser=eraser
        )
        feedback = FeedbackService(
            bot.db,
            bot.clock,
            bot.outbox,
            tokens,
            lambda: bot.groups,
            bot.guild_settings,
            eraser=eraser,
        )
        return cls(polls, feedback, eraser)


class FeedbackCog(Feature, name="Feedback"):
    """The feature's declarations: the digest and poll-results outbox kinds, the vote buttons,
    the jobs (`feedback:` ids) rebuilt at start.

    No data-deletion hook, by design. Votes and feedback are unlinkable: no table holds a
    member's id beside a vote or a text (PRIVACY.md, "Anonymous polls and feedback"). What it
    keeps per member is keyed tokens: a poll's roll (one token per member who may vote,
    dropped when the poll closes); the daily feedback counts live in memory only.
    Deleting one member's tokens would need the secret to find them, would let that member vote
    a second time in an open poll, and the row that vanished would tell whoever watches the
    file whether they had voted. The member ids it keeps are of people acting openly: who
    created a poll (it lets them close it early; deleted with the poll) and who last changed a
    poll setting. PRIVACY.md names no per-member deletion for this feature, so none is
    declared.
    """

    persistent_items = (VoteButton, ConfirmVoteButton)
    persistent_modals = (FeedbackModal, PollOptionsModal)
    job_prefix = "feedback:"

    def __init__(self, bot: Bot, services: FeedbackServices, board: PollBoardCog) -> None:
        super().__init__(bot)
        self.polls = services.polls
        self.feedback = services.feedback
        self.eraser = services.eraser
        self.board = board
        self._facts = RatingFacts(bot.db)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.facts.ratings = self._facts  # for the programme's view

    async def cog_unload(self) -> None:
        if self.bot.facts.ratings is self._facts:
            self.bot.facts.ratings = None
        await super().cog_unload()

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            DIGEST: OutboxKind(self._render_digest, on_failure=self._digest_failed),
            POLL_POST: OutboxKind(
                self.board.render_poll,
                on_failure=self.board.poll_failed,
                on_sent=self.board.poll_posted,
            ),
            POLL_RESULTS: OutboxKind(self.board.render_results, on_sent=self.board.results_posted),
            VOTE_LOST: self.board.render_vote_lost,
        }

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {MEETING_ENDED: self.board.session_ended}  # the post-session poll

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        """`/privacy export`: polls the member created or closed, and why votes and feedback
        are not there (service_privacy.py)."""
        return await FeedbackPrivacy(self.bot.db).export(guild_id, user_id)

    # ------------------------------------------------------------------ jobs

    async def _rebuild(self) -> None:
        """At start: make the file forget (a crash may have left a log), drop polls whose
        message never went out, and arm a close for every open poll."""
        await self.eraser.prepare()
        # Before any vote: the memory of votes is new (of this process's servers only).
        await self.polls.mark_lost_votes(self.bot.shard_set)
        await self.polls.discard_unposted()
        for poll in self.owned(await self.polls.open_polls()):
            self.board.schedule_close(poll)
        self.bot.scheduler.add_job(
            self._daily,
            "cron",
            hour=DIGEST_HOUR_UTC,
            minute=0,
            id=DAILY_JOB,
            replace_existing=True,
        )

    async def _daily(self) -> None:
        """The digest of waiting feedback, then housekeeping; one failing step skips no other."""
        for step in (
            self.feedback.deliver_waiting,
            self.feedback.purge_quota,
            self.polls.prune,
            self.polls.discard_unposted,
        ):
            try:
                await step()
            except Exception:
                log.exception("daily feedback step %s failed", step.__name__)

    # ------------------------------------------------------------------ /feedback

    @app_commands.command(
        name="feedback",
        description=_T("Send anonymous feedback to a group's leaders or to the moderators"),
        extras={"audience": Audience.MEMBER},
    )
    @app_commands.guild_only()
    @app_commands.describe(
        group=_T("A group you belong to, for its leaders (leave empty: to the moderators)")
    )
    async def send_feedback(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, OwnGroup] | None = None,
    ) -> None:
        member = caller(interaction)
        group_id = group.id if group is not None else None
        await self.feedback.check_can_send(member.guild.id, member.id, group_id)
        await FeedbackModal(group=group_id).open(interaction)

    async def feedback_text_submitted(
        self, interaction: discord.Interaction[Bot], group_id: int | None, text: str
    ) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        stored = await self.feedback.submit(member.guild.id, member.id, group_id, text)
        # For escalation's distress check: the text and where it goes, never who wrote it.
        self.bot.dispatch(FEEDBACK_SUBMITTED, member.guild.id, group_id, stored)
        await interaction.response.send_message(
            t(
                "Thank you. Your feedback will reach {to} without your name, together with "
                "others: batches go out once a day, or as soon as three messages have "
                "gathered, so not even the time can point to you.",
                to=t("the group's leaders") if group_id is not None else t("the moderators"),
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ digests

    async def _render_digest(self, message: OutboxMessage) -> Rendered:
        payload = message.payload
        items: list[str] = list(payload["items"])
        t = await self.bot.languages.for_row(message)  # a channel, or a leader's DM
        if payload.get("group_id") is None:
            intro = t(
                "Sent with /feedback to the moderators. Messages come without names, in a "
                "random order and in batches, so no one (not even the bot) can tell who wrote "
                "them or when. Please read them with care."
            )
        else:
            intro = t(
                "Sent with /feedback to the leaders of {group}. Messages come without names, "
                "in a random order and in batches, so no one (not even the bot) can tell who "
                "wrote them or when. Please read them with care.",
                group=escape_member_text(payload.get("group_name") or t("your group")),
            )
        embeds = [
            discord.Embed(
                title=t.plural("{n} anonymous message", "{n} anonymous messages", len(items)),
                description=intro,
                colour=discord.Colour.blurple(),
            )
        ]
        embeds += [
            # Escaped (no markdown, masked link or mention of the sender's), within one
            # message's 6000 characters however many characters the escaping adds.
            discord.Embed(
                description=escape_member_text(item, limit=(5800 - len(intro)) // len(items)),
                colour=discord.Colour.light_grey(),
            )
            for item in items
        ]
        return Rendered(embeds=embeds)

    async def _digest_failed(self, message: OutboxMessage, error: Exception) -> None:
        log.warning(
            "anonymous feedback for guild %s could not reach %s %s: %s",
            message.guild_id,
            message.destination_type,
            message.destination_id if message.destination_type == "channel" else "(a leader)",
            type(error).__name__,
        )
