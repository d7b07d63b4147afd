"""Distress escalation: the rules. Never imports discord and never sends anything itself: every
message that must not be lost (the alert, the member's crisis resources, pages, mod-log lines) is
written to the outbox in the same transaction as the case change it reports.

A case is one member in one server needing a human. It opens on a detected message (in a
channel, a thread, an edit, or a DM to the bot), on /support, or when the member presses "Ask a
moderator to contact me" after an earlier case closed. While it is open (unclaimed or claimed),
further matches from the same member join it. Unclaimed, it pages along a ladder (the
moderators on duty, then the moderator role, then the admins: duty.py). The member's words are
kept until the server's retention period after it closes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.db import Transaction
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_
from cogs.escalation.detection import HIGH, LEVELS, Detection
from cogs.escalation.models import Case, MessageSource
from cogs.escalation.service_base import (
    ALERT,
    MOD_LOG,
    PAGE,
    RESOURCES,
    UPDATE,
    Event,
)
from cogs.escalation.service_feedback import FEEDBACK_ALERT, FEEDBACK_LEADERS, FeedbackAlerts
from cogs.escalation.service_handling import MAX_NOTE_CHARS, CaseHandling, CaseView, Page
from cogs.escalation.service_phrases import (
    MAX_ADMIN_PAGE_MINUTES,
    MAX_PAGE_MINUTES,
    MAX_SERVER_PHRASES,
    MIN_PAGE_MINUTES,
)

__all__ = [
    "ALERT",
    "FEEDBACK_ALERT",
    "FEEDBACK_LEADERS",
    "MAX_ADMIN_PAGE_MINUTES",
    "MAX_NOTE_CHARS",
    "MAX_PAGE_MINUTES",
    "MAX_SERVER_PHRASES",
    "MAX_SUPPORT_WORDS",
    "MIN_PAGE_MINUTES",
    "MOD_LOG",
    "PAGE",
    "RESOURCES",
    "SUPPORT_REQUEST",
    "UPDATE",
    "CaseView",
    "ContactOutcome",
    "EscalationService",
    "Event",
    "Incoming",
    "Outcome",
    "Page",
]

log = logging.getLogger(__name__)

SUPPORT_REQUEST = "support_request"  # the category of cases a member opened by asking
MAX_SUPPORT_WORDS = 1000


# Asked inside the write's transaction: True, the resources went out by DM already (none are
# queued); False, queue them; a nonce, queue them with it (a direct DM with that nonce is on its
# way, and Discord keeps one of the two).
ResourcesGiven = Callable[[], bool | str]


def _not_given() -> bool | str:
    return False


def check_support_words(words: str) -> str:
    """The member's /support words, stripped; refused (kindly) when too long to pass on."""
    words = words.strip()
    if len(words) > MAX_SUPPORT_WORDS:
        raise UserError(
            N_("That is a little long for me to pass on. Please keep it under {n} characters."),
            n=MAX_SUPPORT_WORDS,
        )
    return words


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
    forwarded: bool = False  # the text is a message the member forwarded (its snapshot)
    posted_at: int | None = None  # read by the catch-up (service_catchup.py): when it was posted
    resources_sent: bool = False  # the member already has their resources (service_routing.py)

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


class EscalationService(CaseHandling, FeedbackAlerts):
    """The whole service: cases open here (a detected message, /support, "contact me"); the
    handling of open cases is in service_handling.py, the server's own settings and detection
    in service_phrases.py, alerts from anonymous feedback in service_feedback.py, what they
    share in service_base.py."""

    # ------------------------------------------------------------------ opening cases

    async def report(
        self,
        incoming: Incoming,
        detection: Detection,
        guild_ids: list[int],
        *,
        resources_given: ResourcesGiven = _not_given,
    ) -> list[Outcome]:
        """Open a case (or join the member's open one) in each server. A DM to the bot concerns
        every server the member shares with it; the member still gets one resources message.
        `resources_given()` is asked, inside the transaction, just before their resources are
        queued: True when they were already sent outside the outbox (intake.py: the database
        was unavailable), and then none are queued."""
        now = self._now()
        outcomes: list[Outcome] = []
        async with self.db.transaction() as tx:
            for guild_id in sorted(set(guild_ids)):
                outcomes.append(await self._report_in(tx, guild_id, incoming, detection, now))
            opened = [o for o in outcomes if o.what == "opened"]
            # An open case already gave the member their resources; otherwise the first new
            # case sends them, once, whichever servers the DM concerns.
            already_given = len(opened) < len(outcomes)
            for index, outcome in enumerate(opened):
                if index == 0 and not already_given:
                    if incoming.resources_sent:
                        continue  # sent with the question of a DM's route (service_routing.py)
                    given = resources_given()  # True: sent by DM already (resources_via 'dm')
                    if given is not True:
                        await self._enqueue_resources(
                            tx, outcome.case_id, outcome.guild_id, incoming.user_id, given
                        )
                else:
                    await self.repository.set_resources_via(tx, outcome.case_id, "not_needed")
        for outcome in outcomes:
            log.info(
                "escalation: case %d %s in guild %d (category %s, severity %d, level %s)",
                outcome.case_id,
                outcome.what,
                outcome.guild_id,
                detection.category,
                detection.severity,
                detection.level or "-",
            )
            log.debug(
                "escalation: case %d: user %d, channel %d, message %d",
                outcome.case_id,
                incoming.user_id,
                incoming.channel_id,
                incoming.message_id,
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
                    level=detection.level or None,
                    cue=detection.cue or None,
                )
                await self._raise(tx, case, detection)
                return Outcome(case.id, guild_id, "updated")
            return Outcome(case.id, guild_id, "unchanged")

        case = await self.repository.open_case_for(tx, guild_id, incoming.user_id)
        if case is not None:
            await self._add_words(tx, case.id, guild_id, incoming, detection, now)
            await self._raise(tx, case, detection)
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
            signal=detection,
            contact_requested=False,
            now=now,
        )
        await self._add_words(tx, case_id, guild_id, incoming, detection, now)
        return Outcome(case_id, guild_id, "opened")

    async def _raise(
        self, tx: Transaction, case: Case, signal: Detection, *, keep_category: bool = False
    ) -> None:
        """A signal joined the case: if it is stronger than the case's (severity first, then the
        C-SSRS level), the moderators see its category, severity, level and cue. A member who
        asked for help keeps their severity, and shows the level of the first signal their words
        carry; `keep_category` keeps "asked for help" (their own /support words)."""
        stronger = _stronger(signal, case)
        if not stronger and not (case.level is None and case.category == SUPPORT_REQUEST):
            return
        await self.repository.raise_severity(
            tx,
            case.id,
            signal.severity,
            signal.category if stronger and not keep_category else None,
            level=signal.level or None,
            cue=signal.cue or None,
        )

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
            level=detection.level or None,
            cue=detection.cue or None,
            now=now,
            forwarded=incoming.forwarded,
            posted_at=incoming.posted_at,
        )

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
        signal: Detection | None,
        contact_requested: bool,
        now: int,
    ) -> int:
        """The case row, its alert and its mod-log line (not the member's resources). `signal`
        gives the level and cue the moderators see (None: a member who only asked for help)."""
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
            level=(signal.level or None) if signal is not None else None,
            cue=(signal.cue or None) if signal is not None else None,
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
        self, tx: Transaction, case_id: int, guild_id: int, user_id: int, nonce: object = None
    ) -> None:
        """The crisis resources, by DM. Rendered from the case, never from the member's words.
        `nonce`: that of a direct DM of them already on its way (bot/outbox.py `enqueue`)."""
        row_id = await self._outbox.enqueue(
            tx,
            kind=RESOURCES,
            guild_id=guild_id,
            user_id=user_id,
            payload={"case_id": case_id},
            nonce=nonce if isinstance(nonce, str) else None,
        )
        await self.repository.set_outbox_ids(tx, case_id, resources_outbox_id=row_id)

    # ------------------------------------------------------------------ the member asks

    async def request_support(
        self,
        *,
        guild_id: int,
        user_id: int,
        channel_id: int | None,
        parent_channel_id: int | None,
        words: str,
        resources_given: ResourcesGiven = _not_given,
    ) -> Outcome:
        """/support: open a case (or mark the open one) with the member's optional words. The
        words are scanned like a message: a signal in them raises the severity the moderators
        see (the member's answer and resources stay those of someone who asked for help).
        `resources_given` as for `report`."""
        words = check_support_words(words)
        signal = await self._signal_in(guild_id, user_id, words)
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self.repository.open_case_for(tx, guild_id, user_id)
            if case is not None:
                if words:
                    await self._add_support_words(tx, case.id, guild_id, words, signal, now)
                if signal is not None:
                    # a case the member opened by asking stays "asked for help"
                    keep = case.category == SUPPORT_REQUEST
                    await self._raise(tx, case, signal, keep_category=keep)
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
                    severity=max(HIGH, signal.severity) if signal is not None else HIGH,
                    signal=signal,
                    contact_requested=True,
                    now=now,
                )
                if words:
                    await self._add_support_words(tx, case_id, guild_id, words, signal, now)
                if (given := resources_given()) is not True:
                    await self._enqueue_resources(tx, case_id, guild_id, user_id, given)
                outcome = Outcome(case_id, guild_id, "opened")
        log.info(
            "escalation: /support in guild %d: case %d %s%s",
            guild_id,
            outcome.case_id,
            outcome.what,
            f" (their words: {signal.category}, severity {signal.severity})" if signal else "",
        )
        log.debug("escalation: case %d: /support by user %d", outcome.case_id, user_id)
        return outcome

    async def _signal_in(self, guild_id: int, user_id: int, words: str) -> Detection | None:
        """What the member's /support words signal, read with their last few messages in the
        server like a message, if it is enough to alert."""
        if not words:
            return None
        found = await self.detect_message((guild_id, user_id), [guild_id], words, message_id=None)
        return found if found is not None and found.alert else None

    async def _add_support_words(
        self,
        tx: Transaction,
        case_id: int,
        guild_id: int,
        words: str,
        signal: Detection | None,
        now: int,
    ) -> None:
        await self.repository.insert_message(
            tx,
            case_id=case_id,
            guild_id=guild_id,
            channel_id=None,
            message_id=None,
            source="support",
            text=words,
            category=signal.category if signal is not None else SUPPORT_REQUEST,
            severity=signal.severity if signal is not None else HIGH,
            modifiers=tuple(sorted(signal.modifiers)) if signal is not None else (),
            level=(signal.level or None) if signal is not None else None,
            cue=(signal.cue or None) if signal is not None else None,
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
                    signal=None,
                    contact_requested=True,
                    now=now,
                )
                await self.repository.set_resources_via(tx, new_id, "not_needed")
                outcome = ContactOutcome(new_id, "reopened")
        log.info(
            "escalation: a member asked to be contacted (case %d, %s)",
            outcome.case_id,
            outcome.what,
        )
        log.debug("escalation: case %d: asked by user %d", outcome.case_id, user_id)
        return outcome


def _stronger(signal: Detection, case: Case) -> bool:
    """Whether `signal` outranks what the case shows: a higher severity, or the same one and a
    higher C-SSRS level."""
    return (signal.severity, _rank(signal.level)) > (case.severity, _rank(case.level))


def _rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else -1
