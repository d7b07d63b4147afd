"""Local wall-clock time <-> UTC in a group's time zone, and how odd local times are resolved.

No discord import. Pure: the caller passes "now" and the zone.

Impossible and doubled local times are resolved as RFC 5545 (section 3.3.5) says, which is also
what calendar apps do with the .ics file, so the bot and a member's calendar agree:
- a time inside the spring-forward gap is read with the offset from before the gap, which moves
  it forward by the gap's length (02:30 on 2027-03-14 in New York becomes 03:30 EDT);
- a time that happens twice at fall-back is the first of the two (01:30 EDT on 2027-11-07, not
  01:30 EST an hour later).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.i18n import DEFAULT_LANGUAGE, N_, Translate

Adjustment = Literal["gap", "fold"]
Translator = Callable[..., str]


def to_utc(local: datetime, zone: str) -> tuple[datetime, Adjustment | None]:
    """The UTC instant of a wall-clock time in `zone`, with the documented resolution of times
    that do not exist (gap: moved forward by the gap's length) or happen twice (fold: the first,
    earlier instant). Returns the aware UTC datetime and which adjustment was made."""
    if local.tzinfo is not None:
        raise ValueError("to_utc takes a naive wall-clock time")
    tz = ZoneInfo(zone)
    first = local.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if first.utcoffset() == local.replace(tzinfo=tz, fold=1).utcoffset():
        return instant, None
    # Two offsets apply: either both readings exist (a fold) or neither does (a gap). With
    # fold=0 zoneinfo uses the offset from before the change, which is RFC 5545's rule for both.
    if instant.astimezone(tz).replace(tzinfo=None) == local.replace(fold=0):
        return instant, "fold"
    return instant, "gap"


def local_now(now: datetime, zone: str) -> datetime:
    """The naive wall-clock time in `zone` at the aware instant `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    return now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def adjustment_note(
    adjustment: Adjustment | None, local: datetime, zone: str, t: Translator | None = None
) -> str:
    """One sentence for the leader's preview explaining how an impossible or doubled local time
    was resolved, or "" when nothing was adjusted."""
    if adjustment is None:
        return ""
    t = t or Translate(DEFAULT_LANGUAGE)
    instant, _ = to_utc(local, zone)
    actual = instant.astimezone(ZoneInfo(zone))
    if adjustment == "gap":
        return t(
            N_(
                "{time} on {date} does not exist in {zone}: the clocks jump forward that night. "
                "That session starts at {actual} instead."
            ),
            time=local.strftime("%H:%M"),
            date=local.date().isoformat(),
            zone=zone,
            actual=actual.strftime("%H:%M"),
        )
    return t(
        N_(
            "{time} on {date} happens twice in {zone}: the clocks go back that night. "
            "That session is at the first {time} ({offset})."
        ),
        time=local.strftime("%H:%M"),
        date=local.date().isoformat(),
        zone=zone,
        offset=actual.tzname() or actual.strftime("UTC%z"),
    )
