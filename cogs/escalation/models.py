"""The escalation feature's records: cases, the member's words, server phrases, paging settings,
alerts from anonymous feedback.
Shared by the service, the repository and the Discord side; no discord import, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CaseStatus = Literal["open", "claimed", "resolved", "false_alarm"]
CaseSource = Literal["message", "dm", "support", "contact"]
MessageSource = Literal["message", "edit", "dm", "support"]
ResourcesVia = Literal["dm", "thread_pending", "thread", "undeliverable", "not_needed"]
# The delivery chain: escalation channel, mod-log channel, moderators by DM, admins by DM;
# "none" when no link could take the alert (tried again as soon as one can).
AlertLink = Literal["escalation", "mod_log", "moderators", "admins", "none"]
OPEN_STATUSES = ("open", "claimed")

DEFAULT_PAGE_AFTER_SECONDS = 5 * 60
DEFAULT_ADMIN_PAGE_AFTER_SECONDS = 10 * 60


@dataclass(frozen=True)
class EscalationSettings:
    guild_id: int
    page_after_seconds: int = DEFAULT_PAGE_AFTER_SECONDS
    admin_page_after_seconds: int = DEFAULT_ADMIN_PAGE_AFTER_SECONDS


@dataclass(frozen=True)
class Case:
    id: int
    guild_id: int
    user_id: int
    source: CaseSource
    channel_id: int | None
    parent_channel_id: int | None
    category: str
    severity: int
    status: CaseStatus
    created_at: int
    claimed_at: int | None
    claimed_by: int | None
    closed_at: int | None
    closed_by: int | None
    note: str | None
    page_level: int
    next_page_at: int | None
    contact_requested_at: int | None
    alert_channel_id: int | None
    alert_outbox_id: int | None
    alert_message_id: int | None
    resources_outbox_id: int | None
    resources_via: ResourcesVia
    fallback_thread_id: int | None
    text_purged_at: int | None
    alert_redacted: bool
    level: str | None = None  # the C-SSRS level of its strongest signal (detection.model)
    cue: str | None = None  # the words that raised it, normalised; None once purged
    alert_link: AlertLink | None = None  # where on the delivery chain the alert is
    alert_delivered_at: int | None = None  # first delivered (a channel or a DM), None until then
    member_told_at: int | None = None  # the member's resources say the moderators know
    thread_attempts: int = 0  # tries at a private fallback thread

    @property
    def alert_delivered(self) -> bool:
        return self.alert_delivered_at is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def origin_channel_id(self) -> int | None:
        """The channel a private fallback thread can be opened in (a thread's parent)."""
        return self.parent_channel_id or self.channel_id


@dataclass(frozen=True)
class CaseMessage:
    id: int
    case_id: int
    guild_id: int
    channel_id: int | None
    message_id: int | None
    source: MessageSource
    text: str | None
    category: str
    severity: int
    modifiers: tuple[str, ...]
    created_at: int
    forwarded: bool = False  # the member forwarded these words (a message snapshot)
    level: str | None = None  # the C-SSRS level of the signal
    cue: str | None = None  # the words that raised it, normalised; None once purged
    posted_at: int | None = None  # read by the catch-up: when it was posted (bot offline)


@dataclass(frozen=True)
class FeedbackAlert:
    """An alert raised by anonymous feedback, waiting for its random delay. No member, no text,
    not the moment the feedback was written."""

    id: int
    guild_id: int
    group_id: int | None  # None: feedback for the moderators, "someone in the server"
    category: str
    severity: int
    due_at: int
    level: str | None = None  # the C-SSRS level; never a cue (it would quote the feedback)


@dataclass(frozen=True)
class ServerPhrase:
    guild_id: int
    phrase: str
    phrase_key: str
    category: str
    severity: int
    created_at: int
    created_by: int
