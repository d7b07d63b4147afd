"""What the meetings feature's rows mean, as dataclasses and constants. No SQL, no discord: the
repository returns these, the service and the Discord glue read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SCHEDULED, STARTED, ENDED, CANCELLED = "scheduled", "started", "ended", "cancelled"
GOING, MAYBE, NO = "going", "maybe", "no"
ANSWERS = (GOING, MAYBE, NO)


def local_text(moment: datetime) -> str:
    """The stored form of a naive local time (the session key)."""
    return moment.replace(microsecond=0).isoformat()


def local_value(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Series:
    id: int
    guild_id: int
    group_id: int
    title: str
    zone: str
    start_local: datetime
    rrule: str | None
    duration_minutes: int
    sequence: int
    created_by: int
    cancelled_at: int | None


@dataclass(frozen=True)
class Session:
    """One materialised session (an occurrence) of a series."""

    id: int
    series_id: int
    guild_id: int
    group_id: int
    local_key: datetime
    scheduled_at: int
    starts_at: int
    ends_at: int
    status: str

    @property
    def occurrence(self) -> str:
        """The name of this session in the bot events (bot/events.py)."""
        return f"{self.series_id}:{self.scheduled_at}"


@dataclass(frozen=True)
class Action:
    occurrence_id: int
    action: str
    due_at: int


@dataclass(frozen=True)
class GroupSettings:
    offsets: tuple[int, ...]  # minutes before a session, largest first
    ping_role: bool
    remind_going: bool


@dataclass(frozen=True)
class EventState:
    group_id: int
    guild_id: int
    occurrence_id: int | None
    event_id: int | None
    fingerprint: str | None
    attempts: int
    reported: bool
    version: int
    creating: bool = False  # a create was asked of Discord and its answer not yet recorded


@dataclass(frozen=True)
class StaleAnnouncement:
    """A session's announcement that no longer shows the session as it is."""

    occurrence_id: int
    guild_id: int
    channel_id: int
    message_id: int
    stale: int  # the changes counted when read (cleared only if none came since)


DEFAULT_OFFSETS = (1440, 60)
