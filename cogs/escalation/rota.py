"""Distress escalation, time on the duty rota: a shift is a local wall time in the moderator's
zone (weekday, minutes since midnight), so "Mondays 09:00 to 17:00 in America/New_York" stays
09:00 to 17:00 there when the clocks change. Pure functions; no discord, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import epoch
from bot.errors import UserError
from bot.i18n import N_
from cogs.escalation.models_duty import RotaEntry

DAY_MINUTES = 1440
WEEK_MINUTES = 7 * DAY_MINUTES


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The wall time `minute` after local midnight of `day` (1440: the next midnight)."""
    day += timedelta(days=minute // DAY_MINUTES)
    minute %= DAY_MINUTES
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)


def _covering_end(entry: RotaEntry, local: datetime) -> datetime | None:
    """When the shift covering the local moment `local` ends, or None if it does not cover it."""
    zone = local.tzinfo
    assert isinstance(zone, ZoneInfo)
    minute = local.hour * 60 + local.minute
    day = local.date()
    if entry.end_minute > entry.start_minute:
        if day.weekday() == entry.weekday and entry.start_minute <= minute < entry.end_minute:
            return _at(day, entry.end_minute, zone)
        return None
    if day.weekday() == entry.weekday and minute >= entry.start_minute:
        return _at(day + timedelta(days=1), entry.end_minute, zone)
    if day.weekday() == (entry.weekday + 1) % 7 and minute < entry.end_minute:
        return _at(day, entry.end_minute, zone)
    return None


def shift_until(entries: Sequence[RotaEntry], zone: ZoneInfo, now: int) -> int | None:
    """If the rota has the moderator on duty at `now`, when that ends (shifts that follow on
    without a gap count as one)."""
    moment = datetime.fromtimestamp(now, UTC)
    until: int | None = None
    for _ in range(8):
        local = moment.astimezone(zone)
        ends = [end for e in entries if (end := _covering_end(e, local)) is not None]
        if not ends:
            break
        latest = max(ends)
        if until is not None and epoch(latest) <= until:
            break
        until = epoch(latest)
        moment = latest.astimezone(UTC)
    return until


def next_start(entry: RotaEntry, zone: ZoneInfo, now: int) -> int | None:
    local = datetime.fromtimestamp(now, UTC).astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() != entry.weekday:
            continue
        starts = epoch(_at(day, entry.start_minute, zone))
        if starts > now:
            return starts
    return None


def span(weekday: int, start: int, end: int) -> tuple[int, int]:
    length = end - start if end > start else end + DAY_MINUTES - start
    return weekday * DAY_MINUTES + start, length


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return (b[0] - a[0]) % WEEK_MINUTES < a[1] or (a[0] - b[0]) % WEEK_MINUTES < b[1]


_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def parse_clock(text: str, *, end: bool = False) -> int:
    """Minutes since midnight from "18:00", "18.30", "9", "6pm", "6:30 pm", "noon", "midnight"
    ("24:00" and "midnight" end a day when `end`)."""
    raw = " ".join(text.strip().lower().split())
    if raw == "noon":
        return 12 * 60
    if raw == "midnight":
        return DAY_MINUTES if end else 0
    found = _CLOCK.match(raw)
    if found is not None:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        suffix = (found.group(3) or "").replace(".", "")
        if suffix and not 1 <= hour <= 12:
            found = None
        elif suffix:
            hour = hour % 12 + (12 if suffix == "pm" else 0)
        if found is not None and minute < 60:
            if hour == 24 and minute == 0 and end:
                return DAY_MINUTES
            if hour < 24:
                return hour * 60 + minute
    raise UserError(
        N_("I couldn't read “{text}” as a time of day. Write it like 09:00, 18:30 or 6pm."),
        text=text.strip()[:20],
    )
