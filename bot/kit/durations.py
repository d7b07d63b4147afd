"""One reader for lengths of time people type: "10m", "1h", "1d 12h", "2 weeks", "1.5h".

Replaces `parse_timeout` (cogs/moderation/service.py) and `parse_duration`
(cogs/feedback/service.py) and the reading of each reminder time in `parse_offsets`
(cogs/meetings/rules.py), and accepts every form they accepted that a person would type
(tests/meetings/test_feature.py pins the reminder forms, ".5h" included).
The forms:

- one or more parts `<number><unit>`, with or without a space: units w/week(s), d/day(s),
  h/hr(s)/hour(s), m/min(s)/minute(s), any case; parts may be joined by spaces, commas or "and"
  ("1d 12h", "1 day, 12 hours", "1 day and 12 hours");
- decimal numbers ("1.5h", ".5h", "2.h", as meetings accepted);
- a bare number when the caller names its unit (`bare_unit="m"`: "90" is 90 minutes, as meeting
  reminders accepted); without `bare_unit` a bare number is refused, as timeouts and polls did.

`parse_durations` reads a list separated by commas or semicolons ("24h, 1h"), each item on its
own (meeting reminders). Each caller keeps its own range and its own words: the error texts
are parameters (msgids marked with N_; fields {value} (or {text}), the text as typed, shortened,
and {low} / {high}, the range in the short form "10m", "28d").
No discord import: services use it.
"""

from __future__ import annotations

import math
import re

from bot.errors import UserError
from bot.i18n import N_

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 7 * 86400
UNITS = {"w": WEEK, "d": DAY, "h": HOUR, "m": MINUTE}
_PART = re.compile(
    r"(\d+(?:\.\d*)?|\.\d+)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)(?![a-z])",
    re.IGNORECASE,
)
_BARE = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_FILLER = re.compile(r",|\band\b")
SHOWN_MAX = 50  # how much of the typed text an error quotes
TOO_LONG = 10**15  # seconds (30 million years): any longer reads as this, out of every range

UNREADABLE = N_(
    "I couldn't read “{value}” as a length of time. Write it like 10m, 1h, 3d or 1w "
    "(minutes, hours, days, weeks)."
)
OUT_OF_RANGE = N_("Please pick a length of time between {low} and {high}.")


class DurationError(UserError):
    """The text is not a length of time, or not one in the allowed range."""


def describe(seconds: int) -> str:
    """'10m', '1h', '1d 12h': the short form, for {low} and {high} in error texts."""
    parts: list[str] = []
    rest = seconds
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or f"{seconds}s"


def _seconds(text: str, bare_unit: str | None) -> int | None:
    """Seconds in `text`, or None when it is not (only) a length of time."""
    raw = text.strip().lower()
    if bare_unit is not None and _BARE.fullmatch(raw):
        return _whole(float(raw) * UNITS[bare_unit])
    parts = _PART.findall(raw)
    leftover = _FILLER.sub("", _PART.sub("", raw)).strip()
    if not parts or leftover:
        return None
    return _whole(sum(float(number) * UNITS[unit[0]] for number, unit in parts))


def _whole(seconds: float) -> int:
    """Whole seconds; a number too large for a float ("999...9w", hundreds of digits, reads as
    infinity) is simply too long: TOO_LONG, which no range allows."""
    return round(seconds) if math.isfinite(seconds) and seconds < TOO_LONG else TOO_LONG


def parse_duration(
    text: str,
    *,
    minimum: int,
    maximum: int,
    bare_unit: str | None = None,
    unreadable: str = UNREADABLE,
    out_of_range: str = OUT_OF_RANGE,
) -> int:
    """Seconds, between `minimum` and `maximum` (inclusive), or a DurationError whose text is
    `unreadable` or `out_of_range` (fields {value} or {text}, {low}, {high})."""
    if bare_unit is not None and bare_unit not in UNITS:
        raise ValueError(f"unknown unit {bare_unit!r}")
    seconds = _seconds(text, bare_unit)
    shown = text.strip()[:SHOWN_MAX]
    params = {
        "value": shown,
        "text": shown,
        "low": describe(minimum),
        "high": describe(maximum),
    }
    if seconds is None:
        raise DurationError(unreadable, **params)
    if not minimum <= seconds <= maximum:
        raise DurationError(out_of_range, **params)
    return seconds


def parse_durations(
    text: str,
    *,
    minimum: int,
    maximum: int,
    bare_unit: str | None = None,
    unreadable: str = UNREADABLE,
    out_of_range: str = OUT_OF_RANGE,
) -> list[int]:
    """A list typed as "24h, 1h" (commas or semicolons): each item's seconds, in the order
    typed, empty items skipped. An error quotes the whole text."""
    items = [item for item in re.split(r"[,;]", text) if item.strip()]
    found: list[int] = []
    for item in items:
        try:
            found.append(
                parse_duration(
                    item,
                    minimum=minimum,
                    maximum=maximum,
                    bare_unit=bare_unit,
                    unreadable=unreadable,
                    out_of_range=out_of_range,
                )
            )
        except DurationError as error:
            whole = text.strip()[:100]
            raise DurationError(
                error.message, **{**error.params, "value": whole, "text": whole}
            ) from None
    return found
