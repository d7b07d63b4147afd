"""The moderation feature's records: reports, warnings, guidelines and their reminders. Shared by
the services, the repository and the Discord side; no discord import, no SQL."""

from __future__ import annotations

from dataclasses import dataclass

SERVER = 0  # guidelines.group_id of the server's own guidelines


@dataclass(frozen=True)
class Report:
    id: int
    guild_id: int
    case_number: int
    reporter_id: int
    author_id: int
    channel_id: int
    message_id: int
    snapshot: str | None
    reason: str | None
    status: str  # open, resolved, dismissed
    claimed_by: int | None
    closed_by: int | None
    closed_at: int | None
    purged_at: int | None
    alert_outbox_id: int | None
    alert_channel_id: int | None
    alert_message_id: int | None
    created_at: int

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class MemberWarning:
    id: int
    guild_id: int
    user_id: int
    group_id: int | None
    guideline_id: int | None
    reason: str
    case_number: int
    created_by: int
    created_at: int


@dataclass(frozen=True)
class Guideline:
    id: int
    guild_id: int
    group_id: int  # SERVER (0) for the server's guidelines
    version: int
    body: str
    created_by: int
    created_at: int
    post_nonce: str | None
    channel_id: int | None
    message_id: int | None
    pinned: bool

    @property
    def for_group(self) -> int | None:
        return None if self.group_id == SERVER else self.group_id


@dataclass(frozen=True)
class Reminder:
    group_id: int
    guild_id: int
    cadence: str  # off, weekly, biweekly, monthly
    at_session: bool
    next_due: int | None
    last_sent: int | None


@dataclass(frozen=True)
class PendingTimeout:
    """A /timeout whose intent was written before Discord applied it, not yet completed."""

    id: int
    guild_id: int
    user_id: int
    actor_id: int
    until: int
    reason: str
    created_at: int
