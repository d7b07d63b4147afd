"""The meetings feature's small rules: what a leader may type and how a session's due actions
are planned. Pure functions and dataclasses; no discord, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import UserError
from bot.i18n import N_
from bot.kit.durations import parse_durations
from cogs.meetings.models import Series, Session
from cogs.meetings.recurrence import Repeat
from cogs.meetings.zones import Adjustment

MIN_DURATION, MAX_DURATION = 15, 8 * 60  # minutes
MAX_TITLE = 100
PREVIEW_COUNT = 5
MAX_OFFSETS = 3
MIN_OFFSET, MAX_OFFSET = 5, 7 * 24 * 60  # minutes


@dataclass(frozen=True)
class Planned:
    """One session a rule produces, with any move applied."""

    key: datetime  # the naive local time the rule produced
    local: datetime  # where it takes place (differs from key when moved)
    starts_at: int
    scheduled_at: int  # the UTC instant of the key: the session's name in bot events
    adjustment: Adjustment | None


@dataclass(frozen=True)
class Draft:
    """A series as the leader typed it, checked, before Confirm."""

    guild_id: int
    group_id: int
    group_name: str
    zone: str
    title: str
    start_local: datetime
    duration_minutes: int
    rrule: str | None
    repeat: Repeat
    previews: tuple[Planned, ...]
    by: int


@dataclass(frozen=True)
class Upcoming:
    series: Series
    session: Session | None


@dataclass(frozen=True)
class Counts:
    going: int
    maybe: int
    no: int


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise UserError(N_("Please give the session a title, e.g. Monthly check-in."))
    if len(cleaned) > MAX_TITLE:
        raise UserError(N_("Please keep the title to {n} characters or fewer."), n=MAX_TITLE)
    return cleaned


def check_duration(minutes: int) -> int:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise UserError(
            N_(
                "A session lasts between {low} minutes and {high} hours. Please pick a length "
                "in that range."
            ),
            low=MIN_DURATION,
            high=MAX_DURATION // 60,
        )
    return minutes


def parse_offsets(text: str) -> tuple[int, ...]:
    """'24h, 1h' -> (1440, 60). Units: d, h, m (bare numbers are minutes); the kit's reader."""
    seconds = parse_durations(
        text,
        minimum=MIN_OFFSET * 60,
        maximum=MAX_OFFSET * 60,
        bare_unit="m",
        unreadable=N_("I couldn't read “{text}” as reminder times. Try something like: 24h, 1h"),
        out_of_range=N_("Each reminder comes between 5 minutes and 7 days before a session."),
    )
    found = {round(value / 60) for value in seconds}
    if len(found) > MAX_OFFSETS:
        raise UserError(N_("Please choose at most {n} reminder times."), n=MAX_OFFSETS)
    return tuple(sorted(found, reverse=True))


def action_plan(starts_at: int, ends_at: int, offsets: tuple[int, ...], now: int) -> dict[str, int]:
    """A session's due actions. A reminder whose time has already passed when the session is
    planned is left out (it would only arrive 'late' for no reason)."""
    plan = {
        f"reminder:{minutes}": starts_at - minutes * 60
        for minutes in offsets
        if starts_at - minutes * 60 > now
    }
    plan["start"] = starts_at
    plan["end"] = ends_at
    return plan


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
