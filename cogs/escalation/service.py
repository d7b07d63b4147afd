"""Distress escalation: the rules. Never imports discord and never sends anything itself: every
message that must not be lost (the alert, the member's crisis resources, pages, mod-log lines) is
written to the outbox in the same transaction as the case change it reports.

A case is one member in one server needing a human. It opens on a detected message (in a
channel, a thread, an edit, or a DM to the bot), on /support, or when the member presses "Ask a
moderator to contact me" after an earlier case closed. While it is open (unclaimed or claimed),
further matches from the same member join it. Unclaimed, it pages the moderator role, then the
admins. The member's words are kept until the server's retention period after it closes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.errors import NotAllowed, NotFound, UserError
from bot.guild_settings import GuildSettings, GuildSettingsService
from bot.i18n import N_
from bot.outbox import Delivery, Outbox
from cogs.escalation.detector import (
    CATEGORIES,
    HIGH,
    MAX_PHRASE_CHARS,
    SEVERITIES,
    Detection,
    Detector,
    PhraseSet,
)
from cogs.escalation.models import (
    Case,
    CaseMessage,
    CaseStatus,
    EscalationSettings,
    MessageSource,
    ServerPhrase,
)
from cogs.escalation.repository import EscalationRepository

log = logging.getLogger(__name__)

# Outbox kinds (the cog renders them).
ALERT = "escalation:alert"  # the alert with Claim / Resolved / False alarm, escalation channel
RESOURCES = "escalation:resources"  # crisis resources to the member (DM or private thread)
PAGE = "escalation:page"  # unclaimed: pings the moderator role, later the admins
UPDATE = "escalation:update"  # a note for the moderators under the alert
MOD_LOG = "escalation:mod_log"  # one line per page and state change, never the member's words

SUPPORT_REQUEST = "support_request"  # the category of cases a member opened by asking
MAX_SERVER_PHRASES = 200
MAX_NOTE_CHARS = 1000
MAX_SUPPORT_WORDS = 1000
MIN_PAGE_MINUTES, MAX_PAGE_MINUTES = 1, 60
MAX_ADMIN_PAGE_MINUTES = 240

Event = Literal[
    "opened",
    "paged_moderators",
    "paged_admins",
    "claimed",
    "resolved",
    "false_alarm",
    "contact_requested",
    "support_requested",
    "resources_thread",
    "resources_undeliverable",
    "alert_moved",
    "purged",
]


@dataclass(frozen=True)
class Incoming:
    """A message the bot read that matched the lexicon."""

    user_id: int
    channel_id: int
    parent_channel_id: int | None  # a thread's parent
    message_id: int
    text: str
    in_dm: bool = False
    edited: bool = False

    @property
    def source(self) -> MessageSource:
        return "dm" if self.in_dm else "edit" if self.edited else "message"


@dataclass(frozen=True)
class Outcome:
    case_id: int
    guild_id: int
    what: Literal["opened", "joined", "updated", "unchanged"]


@dataclass(frozen=True)
class ContactOutcome:
    case_id: int
    what: Literal["requested", "already_requested", "reopened"]


@dataclass(frozen=True)
class Page:
    case_id: int
    level: int


@dataclass(frozen=True)
class CaseView:
    case: Case
    messages: list[CaseMessage]


class EscalationService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        guild_settings: GuildSettingsService,
        detector: Detector,
    ) -> None:
        self.db = db
        self.repository = EscalationRepository(db)
        self.detector = detector
        self._clock = clock
        self._outbox = outbox
        self._guild_settings = guild_settings
        self._server_phrases: dict[int, PhraseSet | None] = {}

    def _now(self) -> int:
        return epoch(self._clock())

    # ------------------------------------------------------------------ detection

    async def detect(self, guild_ids: Iterable[int], text: str) -> Detection | None:
        """The strongest signal in `text` with the lexicon and these servers' own phrases."""
        best = self.detector.scan(text)
        for guild_id in guild_ids:
            extra = await self._phrases_of(guild_id)
            if extra is None:
                continue
            found = self.detector.scan(text, extra)
            if found is not None and (best is None or found.severity > best.severity):
                best = found
        return best

    async def _phrases_of(self, guild_id: int) -> PhraseSet | None:
        if guild_id not in self._server_phrases:
            rows = await self.repository.phrases(guild_id)
            self._server_phrases[guild_id] = (
                self.detector.compile(
                    self.detector.phrase(r.phrase, r.category, r.severity) for r in rows
                )
                if rows
                else None
            )
        return self._server_phrases[guild_id]

    # ------------------------------------------------------------------ opening cases

    async def report(
        self, incoming: Incoming, detection: Detection, guild_ids: list[int]
    ) -> list[Outcome]:
        """Open a case (or join the member's open one) in each server. A DM to the bot concerns
        every server the member shares with it; the member still gets one resources message."""
        now = self._now()
        outcomes: list[Outcome] = []
        async with self.db.transaction() as tx:
            for guild_id in sorted(set(guild_ids)):
                outcomes.append(await self._report_in(tx, guild_id, incoming, detection, now))
            opened = [o for o in outcomes if o.what == "opened"]
            # An open case already gave the member their resources; otherwise the first new
            # case sends them, once, whichever servers the DM concerns.
            resources_given = len(opened) < len(outcomes)
            for index, outcome in enumerate(opened):
                if index == 0 and not resources_given:
                    await self._enqueue_resources(
                        tx, outcome.case_id, outcome.guild_id, incoming.user_id
                    )
                else:
                    await self.repository.set_resources_via(tx, outcome.case_id, "not_needed")
        for outcome in outcomes:
            log.info(
                "escalation: case %d %s in guild %d (user %d, channel %d, message %d, "
                "category %s, severity %d)",
                outcome.case_id,
                outcome.what,
                outcome.guild_id,
                incoming.user_id,
                incoming.channel_id,
                incoming.message_id,
                detection.category,
                detection.severity,
            )
        return outcomes

    async def _report_in(
        self, tx: Transaction, guild_id: int, incoming: Incoming, detection: Detection, now: int
    ) -> Outcome:
        modifiers = tuple(sorted(detection.modifiers))
        known = await self.repository.message_by_discord_id(tx, guild_id, incoming.message_id)
        if known is not None:
            case = await self.repository.get_in(tx, known.case_id)
            if case is None or not case.is_open:
                return Outcome(known.case_id, guild_id, "unchanged")
            if incoming.edited and case.text_purged_at is None:
                await self.repository.update_message_text(
                    tx,
                    known.id,
                    text=incoming.text,
                    category=detection.category,
                    severity=detection.severity,
                    modifiers=modifiers,
                )
                await self.repository.raise_severity(
                    tx, case.id, detection.severity, detection.category
                )
                return Outcome(case.id, guild_id, "updated")
            return Outcome(case.id, guild_id, "unchanged")

        case = await self.repository.open_case_for(tx, guild_id, incoming.user_id)
        if case is not None:
            await self._add_words(tx, case.id, guild_id, incoming, detection, now)
            await self.repository.raise_severity(
                tx, case.id, detection.severity, detection.category
            )
            return Outcome(case.id, guild_id, "joined")

        case_id = await self._open_case(
            tx,
            guild_id=guild_id,
            user_id=incoming.user_id,
            source="dm" if incoming.in_dm else "message",
            channel_id=None if incoming.in_dm else incoming.channel_id,
            parent_channel_id=incoming.parent_channel_id,
            category=detection.category,
            severity=detection.severity,
            contact_requested=False,
            now=now,
        )
        await self._add_words(tx, case_id, guild_id, incoming, detection, now)
        return Outcome(case_id, guild_id, "opened")

    async def _add_words(
        self,
        tx: Transaction,
        case_id: int,
        guild_id: int,
        incoming: Incoming,
        detection: Detection,
        now: int,
    ) -> None:
        await self.repository.insert_message(
            tx,
            case_id=case_id,
            guild_id=guild_id,
            channel_id=incoming.channel_id,
            message_id=incoming.message_id,
            source=incoming.source,
            text=incoming.text,
            category=detection.category,
            severity=detection.severity,
            modifiers=tuple(sorted(detection.modifiers)),
            now=now,
        )

    async def _settings_in(self, tx: Transaction, guild_id: int) -> GuildSettings:
        found = await self._guild_settings.repository.get_in(tx, guild_id)
        return found or GuildSettings(guild_id=guild_id)

    async def _open_case(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        source: Literal["message", "dm", "support", "contact"],
        channel_id: int | None,
        parent_channel_id: int | None,
        category: str,
        severity: int,
        contact_requested: bool,
        now: int,
    ) -> int:
        """The case row, its alert and its mod-log line (not the member's resources)."""
        settings = await self._settings_in(tx, guild_id)
        paging = await self.repository.settings_in(tx, guild_id)
        alert_channel = settings.escalation_channel_id or settings.mod_log_channel_id
        case_id = await self.repository.insert_case(
            tx,
            guild_id=guild_id,
            user_id=user_id,
            source=source,
            channel_id=channel_id,
            parent_channel_id=parent_channel_id,
            category=category,
            severity=severity,
            now=now,
            next_page_at=now + paging.page_after_seconds if alert_channel else None,
            contact_requested_at=now if contact_requested else None,
            alert_channel_id=alert_channel,
            resources_via="dm",
        )
        if alert_channel is None:
            log.error(
                "escalation: case %d in guild %d has no escalation or mod-log channel to alert; "
                "an admin must run /setup escalation-channel",
                case_id,
                guild_id,
            )
        else:
            alert_id = await self._outbox.enqueue(
                tx,
                kind=ALERT,
                guild_id=guild_id,
                channel_id=alert_channel,
                payload={"case_id": case_id},
            )
            await self.repository.set_outbox_ids(tx, case_id, alert_outbox_id=alert_id)
        await self._mod_log(tx, settings, case_id, "opened")
        return case_id

    async def _enqueue_resources(
        self, tx: Transaction, case_id: int, guild_id: int, user_id: int
    ) -> None:
        """The crisis resources, by DM. Rendered from the case, never from the member's words."""
        row_id = await self._outbox.enqueue(
            tx,
            kind=RESOURCES,
            guild_id=guild_id,
            user_id=user_id,
            payload={"case_id": case_id},
        )
        await self.repository.set_outbox_ids(tx, case_id, resources_outbox_id=row_id)

    async def _mod_log(
        self,
        tx: Transaction,
        settings: GuildSettings,
        case_id: int,
        event: Event,
        *,
        by: int | None = None,
        level: int | None = None,
    ) -> None:
        if settings.mod_log_channel_id is None:
            return
        payload: dict[str, object] = {"case_id": case_id, "event": event}
        if by is not None:
            payload["by"] = by
        if level is not None:
            payload["level"] = level
        await self._outbox.enqueue(
            tx,
            kind=MOD_LOG,
            guild_id=settings.guild_id,
            channel_id=settings.mod_log_channel_id,
            payload=payload,
        )

    async def _update(self, tx: Transaction, case: Case, event: Event) -> None:
        """A note for the moderators in the alert's channel (no ping, no member words)."""
        if case.alert_channel_id is None:
            return
        await self._outbox.enqueue(
            tx,
            kind=UPDATE,
            guild_id=case.guild_id,
            channel_id=case.alert_channel_id,
            payload={"case_id": case.id, "event": event},
        )

    # ------------------------------------------------------------------ the member asks

    async def request_support(
        self,
        *,
        guild_id: int,
        user_id: int,
        channel_id: int | None,
        parent_channel_id: int | None,
        words: str,
    ) -> Outcome:
        """/support: open a case (or mark the open one) with the member's optional words."""
        words = words.strip()
        if len(words) > MAX_SUPPORT_WORDS:
            raise UserError(
                N_("That is a little long for me to pass on. Please keep it under {n} characters."),
                n=MAX_SUPPORT_WORDS,
            )
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self.repository.open_case_for(tx, guild_id, user_id)
            if case is not None:
                if words:
                    await self._add_support_words(tx, case.id, guild_id, words, now)
                await self.repository.set_contact_requested(tx, case.id, now)
                await self._update(tx, case, "support_requested")
                settings = await self._settings_in(tx, guild_id)
                await self._mod_log(tx, settings, case.id, "support_requested")
                outcome = Outcome(case.id, guild_id, "joined")
            else:
                case_id = await self._open_case(
                    tx,
                    guild_id=guild_id,
                    user_id=user_id,
                    source="support",
                    channel_id=channel_id,
                    parent_channel_id=parent_channel_id,
                    category=SUPPORT_REQUEST,
                    severity=HIGH,
                    contact_requested=True,
                    now=now,
                )
                if words:
                    await self._add_support_words(tx, case_id, guild_id, words, now)
                await self._enqueue_resources(tx, case_id, guild_id, user_id)
                outcome = Outcome(case_id, guild_id, "opened")
        log.info(
            "escalation: /support by user %d in guild %d: case %d %s",
            user_id,
            guild_id,
            outcome.case_id,
            outcome.what,
        )
        return outcome

    async def _add_support_words(
        self, tx: Transaction, case_id: int, guild_id: int, words: str, now: int
    ) -> None:
        await self.repository.insert_message(
            tx,
            case_id=case_id,
            guild_id=guild_id,
            channel_id=None,
            message_id=None,
            source="support",
            text=words,
            category=SUPPORT_REQUEST,
            severity=HIGH,
            modifiers=(),
            now=now,
        )

    async def request_contact(self, case_id: int, user_id: int) -> ContactOutcome:
        """The member pressed "Ask a moderator to contact me" under their resources."""
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None:
                raise NotFound(N_("I couldn't find that request any more."))
            if case.user_id != user_id:
                raise NotAllowed(N_("This button is for the person this message was sent to."))
            if not case.is_open:
                case = await self.repository.open_case_for(tx, case.guild_id, user_id) or case
            if case.is_open:
                if case.contact_requested_at is not None:
                    return ContactOutcome(case.id, "already_requested")
                await self.repository.set_contact_requested(tx, case.id, now)
                await self._update(tx, case, "contact_requested")
                settings = await self._settings_in(tx, case.guild_id)
                await self._mod_log(tx, settings, case.id, "contact_requested")
                outcome = ContactOutcome(case.id, "requested")
            else:
                new_id = await self._open_case(
                    tx,
                    guild_id=case.guild_id,
                    user_id=user_id,
                    source="contact",
                    channel_id=None,
                    parent_channel_id=None,
                    category=SUPPORT_REQUEST,
                    severity=HIGH,
                    contact_requested=True,
                    now=now,
                )
                await self.repository.set_resources_via(tx, new_id, "not_needed")
                outcome = ContactOutcome(new_id, "reopened")
        log.info(
            "escalation: user %d asked to be contacted (case %d, %s)",
            user_id,
            outcome.case_id,
            outcome.what,
        )
        return outcome

    # ------------------------------------------------------------------ moderators act

    async def _case_for_moderator(self, tx: Transaction, case_id: int, guild_id: int) -> Case:
        case = await self.repository.get_in(tx, case_id)
        if case is None or case.guild_id != guild_id:
            raise NotFound(N_("I couldn't find that case."))
        return case

    async def claim(self, case_id: int, guild_id: int, by: int) -> Case:
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self._case_for_moderator(tx, case_id, guild_id)
            if case.status == "claimed":
                if case.claimed_by == by:
                    raise UserError(N_("You have already claimed this case."))
                raise UserError(
                    N_("<@{moderator}> has already claimed this case."),
                    moderator=case.claimed_by,
                )
            if not case.is_open:
                raise UserError(N_("This case is already closed."))
            await self.repository.claim(tx, case_id, by, now)
            settings = await self._settings_in(tx, guild_id)
            await self._mod_log(tx, settings, case_id, "claimed", by=by)
            updated = await self.repository.get_in(tx, case_id)
        assert updated is not None
        log.info("escalation: case %d claimed by %d", case_id, by)
        return updated

    async def close(
        self,
        case_id: int,
        guild_id: int,
        by: int,
        status: Literal["resolved", "false_alarm"],
        note: str,
    ) -> Case:
        note = note.strip()
        if not note:
            raise UserError(
                N_("Please write a short note for the other moderators before closing the case.")
            )
        if len(note) > MAX_NOTE_CHARS:
            raise UserError(N_("Please keep the note under {n} characters."), n=MAX_NOTE_CHARS)
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self._case_for_moderator(tx, case_id, guild_id)
            if not case.is_open:
                raise UserError(N_("This case is already closed."))
            closed: CaseStatus = status
            await self.repository.close(tx, case_id, closed, by, note, now)
            settings = await self._settings_in(tx, guild_id)
            await self._mod_log(tx, settings, case_id, status, by=by)
            updated = await self.repository.get_in(tx, case_id)
        assert updated is not None
        log.info("escalation: case %d closed (%s) by %d", case_id, status, by)
        return updated

    async def view(self, case_id: int) -> CaseView | None:
        case = await self.repository.get(case_id)
        if case is None:
            return None
        return CaseView(case, await self.repository.messages(case_id))

    # ------------------------------------------------------------------ time passes

    async def run_due_pages(self) -> list[Page]:
        """Page the moderator role for cases nobody claimed in time, then the admins."""
        now = self._now()
        pages: list[Page] = []
        for due in await self.repository.due_pages(now):
            async with self.db.transaction() as tx:
                case = await self.repository.get_in(tx, due.id)
                if (
                    case is None
                    or case.status != "open"
                    or case.next_page_at is None
                    or case.next_page_at > now
                ):
                    continue
                settings = await self._settings_in(tx, case.guild_id)
                paging = await self.repository.settings_in(tx, case.guild_id)
                level = case.page_level + 1
                if level == 1 and settings.moderator_role_id is None:
                    level = 2  # no moderator role to ping: the admins are next
                next_at = case.created_at + paging.admin_page_after_seconds if level == 1 else None
                await self.repository.set_page(tx, case.id, level, next_at)
                if case.alert_channel_id is not None:
                    await self._outbox.enqueue(
                        tx,
                        kind=PAGE,
                        guild_id=case.guild_id,
                        channel_id=case.alert_channel_id,
                        payload={"case_id": case.id, "level": level},
                    )
                event: Event = "paged_moderators" if level == 1 else "paged_admins"
                await self._mod_log(tx, settings, case.id, event, level=level)
            pages.append(Page(case.id, level))
            log.warning(
                "escalation: case %d in guild %d unclaimed; page level %d",
                case.id,
                case.guild_id,
                level,
            )
        return pages

    async def purge_due(self) -> list[Case]:
        """Delete the member's words (and the closing note) of cases closed longer ago than the
        server's retention period."""
        now = self._now()
        purged: list[Case] = []
        for due in await self.repository.due_for_purge(now):
            async with self.db.transaction() as tx:
                await self.repository.purge(tx, due.id, now)
                settings = await self._settings_in(tx, due.guild_id)
                await self._mod_log(tx, settings, due.id, "purged")
            purged.append(due)
            log.info("escalation: case %d: the member's words were deleted (retention)", due.id)
        return purged

    # ------------------------------------------------------------------ delivery problems

    async def resources_refused(self, case_id: int, to_user: bool) -> Case | None:
        """The resources could not be delivered. DMs closed: a private thread is next (the
        returned case has resources_via 'thread_pending'); otherwise the moderators are told."""
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None:
                return None
            if to_user and case.origin_channel_id is not None:
                await self.repository.set_resources_via(tx, case_id, "thread_pending")
            else:
                await self._undeliverable(tx, case)
            updated = await self.repository.get_in(tx, case_id)
        log.warning(
            "escalation: case %d: crisis resources refused (%s)",
            case_id,
            updated.resources_via if updated else "?",
        )
        return updated

    async def fallback_thread_opened(self, case_id: int, thread_id: int) -> None:
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or case.resources_via != "thread_pending":
                return
            row_id = await self._outbox.enqueue(
                tx,
                kind=RESOURCES,
                guild_id=case.guild_id,
                channel_id=thread_id,
                payload={"case_id": case_id, "via": "thread"},
            )
            await self.repository.set_resources_via(
                tx, case_id, "thread", thread_id=thread_id, outbox_id=row_id
            )
            settings = await self._settings_in(tx, case.guild_id)
            await self._mod_log(tx, settings, case_id, "resources_thread")
        log.info("escalation: case %d: resources go to private thread %d", case_id, thread_id)

    async def fallback_failed(self, case_id: int) -> None:
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or case.resources_via in ("undeliverable", "not_needed"):
                return
            await self._undeliverable(tx, case)
        log.warning("escalation: case %d: no private way to reach the member", case_id)

    async def _undeliverable(self, tx: Transaction, case: Case) -> None:
        await self.repository.set_resources_via(tx, case.id, "undeliverable")
        await self._update(tx, case, "resources_undeliverable")
        settings = await self._settings_in(tx, case.guild_id)
        await self._mod_log(tx, settings, case.id, "resources_undeliverable")

    async def alert_refused(self, case_id: int, channel_id: int) -> bool:
        """The escalation channel refused the alert for good (deleted, no access): send it to
        the mod-log channel instead. False when there is nowhere else."""
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or case.alert_channel_id != channel_id:
                return False
            settings = await self._settings_in(tx, case.guild_id)
            fallback = settings.mod_log_channel_id
            if fallback is None or fallback == channel_id:
                return False
            row_id = await self._outbox.enqueue(
                tx,
                kind=ALERT,
                guild_id=case.guild_id,
                channel_id=fallback,
                payload={"case_id": case_id},
            )
            await self.repository.move_alert(tx, case_id, fallback, row_id)
            await self._mod_log(tx, settings, case_id, "alert_moved")
        log.error(
            "escalation: case %d: the escalation channel %d refused the alert; sent to the "
            "mod-log channel instead",
            case_id,
            channel_id,
        )
        return True

    # ------------------------------------------------------------------ the alert in Discord

    async def case(self, case_id: int) -> Case | None:
        return await self.repository.get(case_id)

    async def cases_waiting_for_thread(self) -> list[Case]:
        """Cases whose resources wait for a private thread (DMs closed, Discord failed)."""
        return await self.repository.pending_threads()

    async def _alert_delivery(self, case: Case) -> Delivery | None:
        """How the outbox row of the case's alert went. The service learns the alert's Discord
        id only by asking the outbox after it was sent."""
        # round 2: replace with the outbox on_sent hook
        if case.alert_outbox_id is None:
            return None
        return await self._outbox.repository.delivery(case.alert_outbox_id)

    async def alert_message_id(self, case: Case) -> int | None:
        """The Discord id of the case's alert; None while it has not been sent."""
        if case.alert_message_id is not None:
            return case.alert_message_id
        delivery = await self._alert_delivery(case)
        if delivery is None or delivery.status != "sent" or delivery.message_id is None:
            return None
        await self.repository.set_alert_message(case.id, delivery.message_id)
        return delivery.message_id

    async def learn_alert_ids(self) -> None:
        """At every tick: the Discord ids of the alerts sent since (to edit and link them)."""
        for case in await self.repository.alerts_without_message_id():
            await self.alert_message_id(case)

    async def alert_pressed(self, case: Case, channel_id: int, message_id: int) -> None:
        """A button was pressed under a message in the alert's channel: that message is the
        alert, whatever the outbox has learnt so far."""
        if case.alert_message_id is None and channel_id == case.alert_channel_id:
            await self.repository.set_alert_message(case.id, message_id)

    async def alerts_to_redact(self) -> list[Case]:
        """Purged cases whose alert in Discord may still show the member's words: the caller
        edits each, then calls `alert_redacted`. An alert never sent needs no edit; one still
        waiting in the outbox is rendered from the purged case when it goes out."""
        sent: list[Case] = []
        for case in await self.repository.unredacted_alerts():
            if await self.alert_message_id(case) is not None:
                sent.append(case)
                continue
            delivery = await self._alert_delivery(case)
            if delivery is None or delivery.status != "pending":
                await self.repository.mark_redacted(case.id)
        return sent

    async def alert_redacted(self, case_id: int) -> None:
        await self.repository.mark_redacted(case_id)

    # ------------------------------------------------------------------ server phrases

    def _key(self, text: str) -> str:
        text = " ".join(text.split())
        if not text or len(text) > MAX_PHRASE_CHARS:
            raise UserError(N_("Please give a phrase of 1 to {n} characters."), n=MAX_PHRASE_CHARS)
        key = self.detector.normaliser.key(text)
        if len(key.replace(" ", "")) < 3:
            raise UserError(
                N_(
                    "“{phrase}” is too short to look for: it would match ordinary messages. "
                    "Please use a few words."
                ),
                phrase=text,
            )
        return key

    async def add_phrase(
        self, guild_id: int, text: str, category: str, severity: str, by: int
    ) -> ServerPhrase:
        if category not in CATEGORIES:
            raise UserError(N_("Please pick a category from the list."))
        if severity not in SEVERITIES:
            raise UserError(N_("Please pick a severity from the list."))
        text = " ".join(text.split())
        key = self._key(text)
        if any(p.key == key for p in self.detector.builtin.phrases):
            raise UserError(N_("“{phrase}” is already in the bot's built-in list."), phrase=text)
        phrase = ServerPhrase(
            guild_id=guild_id,
            phrase=text,
            phrase_key=key,
            category=category,
            severity=SEVERITIES[severity],
            created_at=self._now(),
            created_by=by,
        )
        async with self.db.transaction() as tx:
            if await self.repository.count_phrases(tx, guild_id) >= MAX_SERVER_PHRASES:
                raise UserError(
                    N_(
                        "This server already has {n} phrases of its own, the most I keep. "
                        "Please remove one first."
                    ),
                    n=MAX_SERVER_PHRASES,
                )
            if not await self.repository.add_phrase(tx, phrase):
                raise UserError(N_("“{phrase}” is already on this server's list."), phrase=text)
        self._server_phrases.pop(guild_id, None)
        log.info("escalation: guild %d added a phrase (by %d)", guild_id, by)
        return phrase

    async def remove_phrase(self, guild_id: int, text: str, by: int) -> None:
        key = self._key(text)
        async with self.db.transaction() as tx:
            removed = await self.repository.remove_phrase(tx, guild_id, key)
        if not removed:
            if any(p.key == key for p in self.detector.builtin.phrases):
                raise UserError(
                    N_(
                        "“{phrase}” is in the bot's built-in list, which a server can't change. "
                        "If it causes false alarms here, please tell the bot's maintainers."
                    ),
                    phrase=text,
                )
            raise NotFound(N_("“{phrase}” is not on this server's list."), phrase=text)
        self._server_phrases.pop(guild_id, None)
        log.info("escalation: guild %d removed a phrase (by %d)", guild_id, by)

    async def phrases(self, guild_id: int) -> list[ServerPhrase]:
        return await self.repository.phrases(guild_id)

    # ------------------------------------------------------------------ paging settings

    async def paging(self, guild_id: int) -> EscalationSettings:
        return await self.repository.settings(guild_id)

    async def set_paging(
        self, guild_id: int, moderators_after: int, admins_after: int, by: int
    ) -> EscalationSettings:
        if not MIN_PAGE_MINUTES <= moderators_after <= MAX_PAGE_MINUTES:
            raise UserError(
                N_("Please page the moderators after {low} to {high} minutes."),
                low=MIN_PAGE_MINUTES,
                high=MAX_PAGE_MINUTES,
            )
        if not moderators_after < admins_after <= MAX_ADMIN_PAGE_MINUTES:
            raise UserError(
                N_(
                    "The admins are paged after the moderators: please choose more than {low} "
                    "and at most {high} minutes."
                ),
                low=moderators_after,
                high=MAX_ADMIN_PAGE_MINUTES,
            )
        settings = EscalationSettings(guild_id, moderators_after * 60, admins_after * 60)
        async with self.db.transaction() as tx:
            await self.repository.save_settings(tx, settings, by, self._now())
        return settings
