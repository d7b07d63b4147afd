"""Distress escalation: Discord glue. Reads every message the bot can see (channels, threads,
edits, DMs, forwarded messages) and anonymous feedback (the `feedback_submitted` event), hands
them to the service, runs the scheduled work, and answers the alert's buttons, the member's
"contact me" button and /support. What the outbox sends is rendered by the alert desk
(alerts.py) and, for alerts from feedback, anonymous.py; /escalation is in settings_cog.py.

Never replies in public, never deletes the member's message, never logs its text above DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import MEMBER, Audience, caller
from bot.client import Bot
from bot.dispatcher import Renderer
from bot.errors import NotFound, UserError
from bot.events import FEEDBACK_SUBMITTED
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_
from bot.outbox import URGENT
from bot.registry import Kept
from bot.tree import translator
from cogs.escalation.alerts import AlertDesk
from cogs.escalation.anonymous import AnonymousAlerts
from cogs.escalation.delivery import DeliveryDesk
from cogs.escalation.detection import Detection, Detector, Lexicon
from cogs.escalation.helplines import Helplines
from cogs.escalation.intake import Deferred, Intake, deferred_reply
from cogs.escalation.service import (
    ALERT,
    FEEDBACK_ALERT,
    FEEDBACK_LEADERS,
    MOD_LOG,
    PAGE,
    RESOURCES,
    UPDATE,
    EscalationService,
    Incoming,
)
from cogs.escalation.service_base import ALERT_DM, SETUP_REMINDER
from cogs.escalation.service_facts import CrisisFacts, DutyFacts
from cogs.escalation.service_privacy import EscalationPrivacy
from cogs.escalation.views import (
    COG_NAME,
    CaseAction,
    CaseButton,
    ContactButton,
    NoteModal,
    SupportModal,
)

log = logging.getLogger(__name__)


def words_of(message: discord.Message) -> tuple[str, bool]:
    """The words a message brings: its own, and those of a message it forwards (Discord puts them
    in `message_snapshots`; the forwarder is the one they concern). True when some are
    forwarded."""
    forwarded = [s.content for s in message.message_snapshots if s.content]
    text = "\n".join(part for part in (message.content, *forwarded) if part)
    return text, bool(forwarded)


DmRouter = Callable[[discord.Message, Incoming, Detection, list[int]], Awaitable[object]]

TICK_SECONDS = 10  # pages, alerts from feedback, pending private threads, redactions
PURGE_HOURS = 1
SCANNED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class EscalationCog(Feature, name=COG_NAME):
    persistent_items = (CaseButton, ContactButton)
    persistent_modals = (NoteModal, SupportModal)
    job_prefix = "escalation:"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.detector = Detector(Lexicon.load())
        self.helplines = Helplines.load()
        self.service = EscalationService(
            bot.db, bot.clock, bot.outbox, bot.guild_settings, self.detector
        )
        self.alerts = AlertDesk(bot, self.service, self.helplines)
        self.delivery = DeliveryDesk(bot, self.service, self.helplines, self.alerts)
        self.anonymous = AnonymousAlerts(bot, self.service)
        # Set by the catch-up cog (catchup_cog.py) while it is loaded: where a crisis DM goes,
        # and who hears that a message was read.
        self.dm_router: DmRouter | None = None
        self.after_read: Callable[[discord.Message], None] | None = None
        self.intake = Intake(bot, self.service, self.helplines, refresh=self._refresh_later)
        self.privacy = EscalationPrivacy(bot.db, bot.clock)
        self._duty_facts = DutyFacts(bot.db, lambda: self.service.duty)
        self._crisis_facts = CrisisFacts(bot.db, lambda: bot.groups)

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        alerts, delivery = self.alerts, self.delivery
        return {
            ALERT: OutboxKind(
                delivery.render_alert,
                on_failure=delivery.alert_failed,
                on_sent=delivery.alert_sent,
                priority=URGENT,
            ),
            ALERT_DM: OutboxKind(
                delivery.render_alert_dm,
                on_failure=delivery.alert_dm_failed,
                on_sent=delivery.alert_dm_sent,
                priority=URGENT,
            ),
            SETUP_REMINDER: delivery.render_setup_reminder,
            RESOURCES: OutboxKind(
                delivery.render_resources,
                on_failure=alerts.resources_failed,
                on_sent=delivery.resources_sent,
                priority=URGENT,
            ),
            PAGE: alerts.render_page,
            UPDATE: alerts.render_update,
            MOD_LOG: alerts.render_mod_log,
            FEEDBACK_ALERT: OutboxKind(
                self.anonymous.render_alert, on_failure=self.anonymous.alert_failed
            ),
            FEEDBACK_LEADERS: self.anonymous.render_leaders,
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._schedule, self._schedule_forgetting)

    # Members' data rights (service_privacy.py): a case keeps the member's words for the
    # retention period after it closes and the member's id for the case retention; `/privacy
    # delete` makes a closed case lose the member as soon as its words are gone.

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.privacy.export(guild_id, user_id)

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        return await self.privacy.erase(guild_id, user_id)

    async def _schedule_forgetting(self) -> None:
        self.bot.scheduler.add_job(
            self.privacy.forget_due,
            "interval",
            hours=PURGE_HOURS,
            id="escalation:forget",
            replace_existing=True,
        )

    async def cog_load(self) -> None:
        await super().cog_load()
        _ = self.detector.builtin  # compile the automaton now, not on the first message
        self.bot.facts.duty = self._duty_facts  # for the programme's view
        self.bot.facts.offer_cases("escalation", self._crisis_facts)
        self.bot.facts.helplines = self.helplines  # for /setup: lines still to be confirmed
        self.bot.metrics.alerts = self._crisis_facts  # unclaimed alerts, for /metrics

    async def cog_unload(self) -> None:
        if self.bot.metrics.alerts is self._crisis_facts:
            self.bot.metrics.alerts = None
        if self.bot.facts.duty is self._duty_facts:
            self.bot.facts.duty = None
        self.bot.facts.withdraw_cases("escalation", self._crisis_facts)
        if self.bot.facts.helplines is self.helplines:
            self.bot.facts.helplines = None
        await super().cog_unload()

    # ------------------------------------------------------------------ scheduled work

    async def _schedule(self) -> None:
        """Rebuilt at every start: all state is in the database, the jobs only look at it."""
        now = datetime.now(UTC)
        self.bot.scheduler.add_job(
            self.tick,
            "interval",
            seconds=TICK_SECONDS,
            id="escalation:tick",
            replace_existing=True,
            next_run_time=now,
        )
        self.bot.scheduler.add_job(
            self.purge,
            "interval",
            hours=PURGE_HOURS,
            id="escalation:purge",
            replace_existing=True,
            next_run_time=now,
        )

    async def tick(self) -> None:
        steps: list[Callable[[], Awaitable[object]]] = [
            self.delivery.catch_up,
            self.service.run_due_pages,
            self._send_feedback_alerts,
            self._retry_threads,
            self._redact_alerts,
        ]
        for step in steps:
            try:
                await step()
            except Exception:
                log.exception("escalation: %s failed; trying again at the next tick", step)

    async def purge(self) -> None:
        await self.service.purge_due()
        await self._redact_alerts()

    async def _send_feedback_alerts(self) -> None:
        """Alerts from anonymous feedback whose random delay is over (service_feedback.py)."""
        for alert in await self.service.due_feedback_alerts():
            group = alert.group_id
            leaders = await self.bot.groups.leader_ids(alert.guild_id, group) if group else []
            await self.service.send_feedback_alert(alert.id, leaders)

    async def _retry_threads(self) -> None:
        for case in await self.service.cases_waiting_for_thread():
            await self.alerts.open_fallback_thread(case)

    async def _redact_alerts(self) -> None:
        """After the retention purge, the alert in Discord must stop showing the words too."""
        for case in await self.service.alerts_to_redact():
            if await self.alerts.refresh(case.id):
                await self.service.alert_redacted(case.id)

    # ------------------------------------------------------------------ reading messages

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._consider(message, edited=False)
        if self.after_read is not None:
            self.after_read(message)  # the catch-up's marks move only once it was read

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        before = payload.cached_message
        if before is not None and before.content == payload.message.content:
            return  # an embed appeared, a pin: the words did not change
        await self._consider(payload.message, edited=True)

    async def consider(
        self, message: discord.Message, *, edited: bool, posted_at: int | None = None
    ) -> bool:
        """Read one message (`posted_at`: read by the catch-up, posted then while the bot was
        away). True when it needed attention (an alert, or a DM in crisis)."""
        return await self._consider(message, edited=edited, posted_at=posted_at)

    async def _consider(
        self, message: discord.Message, *, edited: bool, posted_at: int | None = None
    ) -> bool:
        author = message.author
        if author.bot or message.webhook_id is not None or message.type not in SCANNED_TYPES:
            return False
        text, forwarded = words_of(message)
        if not text:
            return False
        if message.guild is None:
            # A DM goes to one community, or to none for a former member (dm_routing.py).
            guild_ids = [g.id for g in self.bot.guilds if g.get_member(author.id) is not None]
            if not guild_ids and self.dm_router is None:
                return False
        else:
            guild_ids = [message.guild.id]
        # Read with the member's last few messages here (or in DMs), before anything is awaited
        # so that messages arriving together are read in order; kept in memory only.
        key = (message.guild.id if message.guild is not None else None, author.id)
        detection = await self.service.detect_message(
            key, guild_ids, text, message_id=message.id, edited=edited
        )
        if detection is None:
            return False
        channel = message.channel
        parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
        if message.guild is not None:
            # the last known settings when the database cannot answer: a read never stops it
            settings = await self.intake.settings_of(message.guild.id, patience=None)
            private = {settings.escalation_channel_id, settings.mod_log_channel_id} - {None}
            if channel.id in private or parent_id in private:
                # moderators talking about a case are not a new case, nor their own words
                self.service.forget_message(key, message.id)
                return False
        if not detection.alert:
            return False
        log.debug("escalation: message %d matched (%s)", message.id, detection.level)
        incoming = Incoming(
            user_id=author.id,
            channel_id=channel.id,
            parent_channel_id=parent_id,
            message_id=message.id,
            text=text,
            in_dm=message.guild is None,
            edited=edited,
            forwarded=forwarded,
            posted_at=posted_at,
        )
        if message.guild is None and self.dm_router is not None:
            try:
                await self.dm_router(message, incoming, detection, guild_ids)
                return True
            except Exception:
                # Never lost: without the route (database unavailable), every community the
                # member shares with the bot is told, as before, through the patient intake.
                log.exception("escalation: could not route crisis DM %d", message.id)
        outcomes = await self.intake.report(incoming, detection, guild_ids)  # never dropped
        for outcome in outcomes or ():  # None: written when the database is back
            if outcome.what in ("joined", "updated"):
                self._refresh_later(outcome.case_id)
        return True

    @commands.Cog.listener(f"on_{FEEDBACK_SUBMITTED}")
    async def on_feedback_submitted(self, guild_id: int, group_id: int | None, text: str) -> None:
        """Anonymous /feedback, without its author (bot/events.py). Scanned like a message; an
        alert from it waits a random few minutes (service_feedback.py). Nothing goes back to the
        member, and the text is not kept here."""
        try:
            await self.service.feedback_submitted(guild_id, group_id, text)
        except Exception:
            # Logged here, without the arguments: the event carries the feedback's text.
            log.exception("escalation: could not scan feedback in guild %d", guild_id)

    def _refresh_later(self, case_id: int) -> None:
        """Edit the alert in the background (the member's answer or the listener is not held up;
        a failed edit is logged by bot.spawn and caught up by the next one)."""
        self.bot.spawn(self.alerts.refresh(case_id), name=f"escalation: refresh alert {case_id}")

    # ------------------------------------------------------------------ buttons and modals

    async def case_button(
        self, interaction: discord.Interaction[Any], action: CaseAction, case_id: int
    ) -> None:
        member = caller(interaction)  # a moderator: CaseButton checked its audience
        view = await self.service.view(case_id)
        if view is None or view.case.guild_id != member.guild.id:
            raise NotFound(N_("I couldn't find that case."))
        if interaction.message is not None:
            message = interaction.message
            await self.service.alert_pressed(view.case, message.channel.id, message.id)
        self.service.not_about_themselves(view.case, member.id)
        if action == "claim":
            await self.service.claim(case_id, member.guild.id, member.id)
            embed, buttons = await self.alerts.alert_parts(case_id)
            await interaction.response.edit_message(embed=embed, view=buttons)
            return
        if not view.case.is_open:
            raise UserError(N_("This case is already closed."))
        await NoteModal(action=action, case_id=case_id).open(interaction)

    async def note_submitted(
        self,
        interaction: discord.Interaction[Any],
        case_id: int,
        action: Literal["resolve", "false"],
        note: str,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        status: Literal["resolved", "false_alarm"] = (
            "resolved" if action == "resolve" else "false_alarm"
        )
        await self.service.close(case_id, member.guild.id, member.id, status, note)
        embed, buttons = await self.alerts.alert_parts(case_id)
        if interaction.message is not None:
            await interaction.response.edit_message(embed=embed, view=buttons)
        else:
            t = await translator(interaction)
            await interaction.response.send_message(t("The case is closed."), ephemeral=True)

    async def contact_button(self, interaction: discord.Interaction[Any], case_id: int) -> None:
        t = await translator(interaction)
        outcome = await self.service.request_contact(case_id, interaction.user.id)
        if outcome.what == "already_requested":
            text = t(
                "You've already asked, and the moderators know. One of them will contact you "
                "as soon as they can."
            )
        else:
            text = t(
                "Thank you for telling us. I've let the moderators know, privately, that you'd "
                "like one of them to contact you. They will as soon as they can. If you are in "
                "immediate danger, please call your local emergency number now."
            )
        await interaction.response.send_message(text, ephemeral=True)
        self._refresh_later(outcome.case_id)

    async def support_submitted(self, interaction: discord.Interaction[Any], words: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        channel = interaction.channel
        parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
        outcome = await self.intake.request_support(
            guild_id=member.guild.id,
            user_id=member.id,
            channel_id=interaction.channel_id,
            parent_channel_id=parent_id,
            words=words,
        )
        if isinstance(outcome, Deferred):  # the database is unavailable; the case will follow
            t = await translator(interaction)
            await interaction.response.send_message(deferred_reply(outcome, t), ephemeral=True)
            return
        await self.delivery.answer_support(
            interaction, outcome.case_id, opened=outcome.what == "opened"
        )
        if outcome.what != "opened":
            self._refresh_later(outcome.case_id)

    # ------------------------------------------------------------------ /support

    @app_commands.command(
        name="support",
        description=_T("Privately ask a moderator for help, at any time"),
        extras=MEMBER,
    )
    @app_commands.guild_only()
    async def support(self, interaction: discord.Interaction[Bot]) -> None:
        await self.bot.access.require(interaction, Audience.MEMBER)
        await SupportModal().open(interaction)
