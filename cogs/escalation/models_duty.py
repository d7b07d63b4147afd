"""Who is on duty, the records: moderators on or off by hand, rota shifts, the server's paging
interval and check-in delay, the paging ladder and the check-in of a case. Shared by the duty
service, its repository and the Discord side; no discord import, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DutyState = Literal["on", "off"]
CheckinStatus = Literal["sent", "failed", "superseded", "resolver_gone", "off", "not_needed"]

DEFAULT_REPAGE_EVERY_SECONDS = 5 * 60
DEFAULT_CHECKIN_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class DutyOverride:
    """A moderator on duty by hand (/duty on), or off in the middle of a rota shift."""

    guild_id: int
    user_id: int
    state: DutyState
    since_at: int
    until_at: int


@dataclass(frozen=True)
class RotaEntry:
    """One weekly shift in the moderator's own zone: weekday 0 is Monday; minutes since local
    midnight; an end at or before the start ends the next day."""

    id: int
    guild_id: int
    user_id: int
    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class DutySettings:
    guild_id: int
    repage_every_seconds: int = DEFAULT_REPAGE_EVERY_SECONDS
    checkin_after_seconds: int = DEFAULT_CHECKIN_AFTER_SECONDS  # 0: no check-in


@dataclass(frozen=True)
class Ladder:
    """Where an unclaimed case is on its paging ladder (besides escalation_cases.page_level)."""

    duty_paged: bool
    page_repeats: int


@dataclass(frozen=True)
class ResolvedCase:
    """What a check-in reminder needs to know about a case."""

    id: int
    guild_id: int
    user_id: int
    status: str
    created_at: int
    closed_at: int | None
    closed_by: int | None
    alert_channel_id: int | None
    alert_message_id: int | None
    checkin: str | None
    checkin_at: int | None
