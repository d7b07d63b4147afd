"""Dates and times typed by people ('tomorrow 6pm', 'Dec 3 12:00'), read in a group's zone.

No discord import. Pure: the caller passes "now" and the zone. What is ambiguous (12/1, 6:30,
'next Friday' early in the week) is refused with a kind message rather than guessed.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil import parser as date_parser

from bot.errors import UserError
from bot.i18n import N_
from cogs.meetings.recurrence import WEEKDAY_NAMES, Term
from cogs.meetings.typed_dates_es import as_english, examples_es, is_spanish
from cogs.meetings.zones import local_now, to_utc

# How far ahead a session may be scheduled, and a series may end.
MAX_AHEAD = timedelta(days=731)
MAX_UNTIL_AHEAD = timedelta(days=3653)
MAX_TYPED = 100  # characters: a date and a time are short; longer text is not parsed at all

MONTH_ABBREVIATIONS = tuple("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())
# A date typed without a year is its next occurrence only when that is this close: further away,
# it is more likely a slip (a date that has just passed) than a plan, so the year is asked for.
MAX_YEARLESS_AHEAD = timedelta(days=183)


_WEEKDAY_WORDS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_WEEKDAY_PATTERN = "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True))
_RELATIVE = re.compile(
    rf"\b(?:(today|tonight|tomorrow)|(next|this)?\s*({_WEEKDAY_PATTERN}))\b", re.IGNORECASE
)
# Zone names and offsets people add out of habit; the group's zone decides, so they are refused.
_ZONE_TEXT = re.compile(
    r"\b(?:utc|gmt|z|et|ct|mt|pt|est|edt|cst|cdt|mst|mdt|pst|pdt|akst|akdt|hst|ast|adt|nst|ndt"
    r"|bst|ist|cet|cest|eet|eest|wet|west|msk|aest|aedt|acst|acdt|awst|nzst|nzdt|jst|kst|sast"
    r"|hkt|sgt|eastern|central|mountain|pacific|timezone|time\s+zone)\b",
    re.IGNORECASE,
)
# 12/1, 1/12/2026, 01.12.2026, 12-1-26: which is the month depends on where the reader lives.
_AMBIGUOUS = re.compile(
    r"(?<![\d/.-])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])"
    r"|(?<![\d.-])\d{1,2}([.-])\d{1,2}\1\d{2,4}(?!\d)"
)
# 18.30 or 6.30pm: a time written with a dot (British usage); a bare 6.30 stays ambiguous.
_COMPACT_AMPM = re.compile(r"(?<![\d:./-])(1[0-2]|0?[1-9])([0-5]\d)(\s*[ap]m)\b", re.IGNORECASE)
# 1800, 0630: a 24-hour time without a colon, as a word of its own (not inside 2026-12-01).
_COMPACT_TIME = re.compile(r"(?<![\d:./-])([01]?\d|2[0-3])([0-5]\d)(?![\d:./-])")
# 6:30 without am/pm: a single-digit hour is read either way (6:30 in the morning in most of the
# world, in the evening by many in North America); 06:30, 18:30, 6:30pm are clear.
_LOOSE_HOUR = re.compile(r"(?<![\d:.])([1-9]):([0-5]\d)(?!\d)(?!\s*[ap]m\b)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?:at\s+)?(\d{1,2})", re.IGNORECASE)
_MONTH_NAME = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])", re.IGNORECASE
)
# 2026-12-01, 2026/12/1, 2026 12 1, 20261201: year first, so the month is the second number.
_YEAR_FIRST = re.compile(r"(?<!\d)\d{4}(?:[-/. ]\d{1,2}[-/. ]\d{1,2}|\d{4})(?!\d)")
_DOT_TIME = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})(?![\d.])(\s*[ap]m\b)?", re.IGNORECASE)


def examples_for(today: date, text: str = "") -> str:
    """Examples of what `parse_when` reads, with dates still ahead (a fixed example date would
    itself be refused once it has passed), in Spanish when `text` (what was typed) is Spanish."""
    if is_spanish(text):
        return examples_es(today)
    soon, later = today + timedelta(days=10), today + timedelta(days=20)
    return (
        f"{soon.isoformat()} 18:00, {MONTH_ABBREVIATIONS[later.month - 1]} {later.day} 12:00, "
        "tomorrow 6pm, Tuesday 6:30pm"
    )


def _refuse(message: str, **params: Any) -> UserError:
    """`examples` (and `zone`) are filled in by parse_when / parse_until."""
    return UserError(message, **params)


def _check_am(text: str) -> None:
    """12am (the start or the end of the day?) and 13am-23am (nonsense) are not read."""
    if re.search(r"(?<![\d:])(1[3-9]|2[0-3])(?::\d\d)?\s*am\b", text, re.IGNORECASE):
        raise _refuse(
            N_("I couldn't read that date and time. Please write it like one of these: {examples}.")
        )
    if re.search(r"(?<![\d:])12(?::00)?\s*am\b", text, re.IGNORECASE):
        raise _refuse(
            N_(
                "12am is easy to misread (the start or the end of the day?). Please write the "
                "time as 00:00 with the date of that day, or pick another time."
            )
        )


def _cleaned(text: str) -> str:
    cleaned = " ".join(text.strip().split())
    cleaned = re.sub(r"\bnoon\b", "12:00", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"\b([ap])\.m\b\.?", r"\1m", cleaned, flags=re.IGNORECASE)
    if re.search(r"\bmidnight\b", cleaned, re.IGNORECASE):
        raise _refuse(
            N_("'Midnight' is easy to misread. Please give a date and a time, like {examples}.")
        )
    _check_am(cleaned)
    if _ZONE_TEXT.search(cleaned):
        raise _refuse(
            N_(
                "No need to add a time zone: I read times in the group's time zone ({zone}). "
                "Please type just the date and time, like {examples}."
            ),
        )
    if _AMBIGUOUS.search(cleaned):
        raise _refuse(
            N_(
                "Dates like 12/1 mean different days in different countries. Please write the "
                "date as 2026-12-01 or with the month's name (Dec 1)."
            )
        )

    def dot_time(match: re.Match[str]) -> str:
        hour, minute, suffix = int(match[1]), match[2], match[3]
        if suffix or hour > 12:
            return f"{hour}:{minute}{suffix or ''}"
        raise _refuse(N_("Please write times with a colon, like 6:30pm or 18:30."))

    cleaned = _DOT_TIME.sub(dot_time, cleaned)
    # 630pm, 1230pm: a time with am/pm but no colon.
    return _COMPACT_AMPM.sub(r"\1:\2\3", cleaned)


@dataclass(frozen=True)
class _Fields:
    """What a person typed, each part None when they left it out."""

    year: int | None
    month: int | None
    day: int | None
    clock: time | None


def _read_fields(text: str) -> _Fields:
    """Parse with dateutil twice, with two defaults that differ in every field: a field that
    comes out the same both times was typed, one that differs was left out."""
    first_default, second_default = datetime(2000, 1, 1, 0, 0), datetime(2004, 3, 3, 1, 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an unknown zone name is a warning in dateutil
            first = date_parser.parse(text, default=first_default, tzinfos=_no_zone)
            second = date_parser.parse(text, default=second_default, tzinfos=_no_zone)
    except _ZoneGiven:
        raise _refuse(
            N_(
                "No need to add a time zone: I read times in the group's time zone ({zone}). "
                "Please type just the date and time, like {examples}."
            )
        ) from None
    except (ValueError, OverflowError, Warning):
        raise _refuse(
            N_("I couldn't read that date and time. Please write it like one of these: {examples}.")
        ) from None
    if first.tzinfo is not None or second.tzinfo is not None:
        raise _refuse(
            N_(
                "No need to add a time zone: I read times in the group's time zone ({zone}). "
                "Please type just the date and time, like {examples}."
            )
        )
    clock = None
    if first.hour == second.hour:
        clock = time(first.hour, first.minute if first.minute == second.minute else 0)
    return _Fields(
        year=first.year if first.year == second.year else None,
        month=first.month if first.month == second.month else None,
        day=first.day if first.day == second.day else None,
        clock=clock,
    )


class _ZoneGiven(Exception):
    """Raised from dateutil's tzinfos hook: the text named a zone or an offset."""


def _no_zone(name: str | None, offset: int | None) -> None:
    """dateutil calls this for every parse; a name or an offset means the text had a zone."""
    if name is not None or offset is not None:
        raise _ZoneGiven(name or offset)


def _too_far() -> UserError:
    return UserError(
        N_("That is more than 2 years ahead. Please pick a date within the next 2 years.")
    )


def _check_range(local: datetime, zone: str, now: datetime) -> datetime:
    if local.year > now.year + 3:
        raise _too_far()  # refused before any arithmetic: 9999-12-31 23:59 has no UTC instant
    try:
        instant, _ = to_utc(local, zone)
    except (OverflowError, ValueError):
        raise _too_far() from None
    if instant <= now:
        raise UserError(
            N_(
                "That time ({when}) has already passed in the group's time zone ({zone}). "
                "Please pick a time in the future."
            ),
            when=local.strftime("%Y-%m-%d %H:%M"),
        )
    if instant > now + MAX_AHEAD:
        raise _too_far()
    return local


def parse_when(text: str, zone: str, now: datetime) -> datetime:
    """A date and time typed by a person, read in the IANA zone `zone`; `now` is aware UTC.
    Returns the NAIVE local wall-clock datetime (which may fall in a DST gap or fold: `to_utc`
    and `adjustment_note` explain it). Accepts e.g. '2026-12-01 18:00', '2026-12-01 6pm',
    'tomorrow 6pm', 'today 18:30', 'tonight 7pm', 'Dec 3 12:00', '3 December 12pm',
    'next tuesday 12:00' (when that can only be next week's), 'tuesday 7pm' (today if it is Tuesday
    and 7pm is still ahead, else the coming Tuesday), '6pm' (today if still ahead, else
    tomorrow), 'noon'. A date without a year is its next occurrence.

    Refused rather than guessed (UserError, params: zone, examples): text it cannot read, a
    missing time of day, a numeric date whose order is ambiguous (12/1, 12 3), an hour that may
    be morning or evening (6:30, 'tomorrow 6'), 'next Friday' said earlier in the same week,
    a year not written in full, a date without a year more than six months away, a time zone
    in the text, a time in the past, or one more than 2 years ahead. 24-hour times may be
    written without a colon (1800, 0630). Spanish ('mañana 18:00', '3 dic a las 6 de la tarde')
    is rewritten by typed_dates_es.py into the English it says, so the same rules apply."""
    try:
        return _parse_when(text, zone, now)
    except UserError as error:
        error.params.setdefault("zone", zone)
        error.params.setdefault("examples", examples_for(local_now(now, zone).date(), text))
        raise


def _parse_when(text: str, zone: str, now: datetime) -> datetime:
    if not text.strip() or len(text) > MAX_TYPED:
        raise _refuse(N_("Please give a date and a time, like {examples}."))
    today = local_now(now, zone).date()
    cleaned = _cleaned(as_english(text, today))  # Spanish is read as the English it says
    relative = _RELATIVE.search(cleaned)
    if relative is None:
        cleaned = _compact_times(cleaned, today, relative=False)
        _check_loose_hour(cleaned)
        fields = _read_fields(cleaned)
        _check_typed_year(fields, cleaned)
        _check_month_order(fields, cleaned)
        return _check_range(_dated(fields, today, zone, now), zone, now)

    rest = (cleaned[: relative.start()] + " " + cleaned[relative.end() :]).strip()
    rest = re.sub(r"^(?:at|on|,)\s+|\s+(?:at|on)$", "", rest, flags=re.IGNORECASE).strip()
    _check_am(rest)  # '12:00 thursday am'
    if _RELATIVE.search(rest):  # 'tomorrow friday 6pm': two days, one would be dropped
        raise _refuse(
            N_("I couldn't read that date and time. Please write it like one of these: {examples}.")
        )
    # With a day word there is no date, so a number of its own is a time: 1800, 18 or 6.
    rest = _compact_times(rest, today, relative=True)
    bare = _BARE_NUMBER.fullmatch(rest)
    if bare is not None:
        rest = _bare_hour(int(bare[1]))
    _check_loose_hour(rest)
    fields = _read_fields(rest) if rest else _Fields(None, None, None, None)
    word, modifier, weekday_word = relative[1], relative[2], relative[3]
    if fields.year is not None or fields.month is not None or fields.day is not None:
        if weekday_word is None or modifier is not None:
            raise _refuse(
                N_("Please give either a day name or a date, not both. For example: {examples}.")
            )
        # "Thursday Dec 3 6pm": the date decides; the day name must agree with it.
        _check_typed_year(fields, rest)
        _check_month_order(fields, rest)
        local = _dated(fields, today, zone, now)
        typed = _WEEKDAY_WORDS[weekday_word.lower()]
        if local.weekday() != typed:
            raise UserError(
                N_("{date} is a {actual}, not a {typed}. Please check the date."),
                date=local.date().isoformat(),
                actual=Term(WEEKDAY_NAMES[local.weekday()]),
                typed=Term(WEEKDAY_NAMES[typed]),
            )
        return _check_range(local, zone, now)
    if fields.clock is None:
        raise _refuse(N_("Please add a time of day, like 'tomorrow 6pm' or 'Dec 3 12:00'."))
    if word is not None:
        day = today + timedelta(days=1 if word.lower() == "tomorrow" else 0)
    else:
        weekday = _WEEKDAY_WORDS[weekday_word.lower()]
        day = today + timedelta(days=(weekday - today.weekday()) % 7)
        if (modifier or "").lower() == "next":
            if day == today:
                day += timedelta(days=7)
            elif weekday > today.weekday():
                # Later this week: "next Friday" is this Friday to some, next week's to others.
                raise _refuse(
                    N_(
                        "“Next {weekday}” can mean {soon} or {later}. Please write the date, "
                        "like {example}."
                    ),
                    weekday=Term(WEEKDAY_NAMES[weekday]),
                    soon=day.isoformat(),
                    later=(day + timedelta(days=7)).isoformat(),
                    example=f"{day.isoformat()} {fields.clock.strftime('%H:%M')}",
                )
        elif day == today and to_utc(datetime.combine(day, fields.clock), zone)[0] <= now:
            day += timedelta(days=7)
    return _check_range(datetime.combine(day, fields.clock), zone, now)


def _compact_times(text: str, today: date, *, relative: bool) -> str:
    """1800 -> 18:00 and 0630 -> 06:30 where the number can only be a time: always next to a
    day word (which leaves no room for a year), else when it is no likely year (1800, 0630) or
    the date already has its year (2026-12-01 2030)."""
    dated = _YEAR_FIRST.search(text)

    def as_time(match: re.Match[str]) -> str:
        number = int(match[0])
        if dated is not None and dated.start() <= match.start() < dated.end():
            return match[0]  # the year of 2026 12 01
        if len(match[0]) == 4 and not relative and dated is None:
            if today.year - 1 <= number <= today.year + 10:
                return match[0]  # Dec 3 2027: a year
        return f"{match[1]}:{match[2]}"

    return _COMPACT_TIME.sub(as_time, text)


def _bare_hour(hour: int) -> str:
    """'tomorrow 18' is 18:00; 'tomorrow 6' could be morning or evening: asked, not guessed."""
    if 12 <= hour <= 23:
        return f"{hour}:00"  # 12 is noon, as on a clock
    if 1 <= hour <= 11:
        raise _refuse(
            N_("Is that {hour} in the morning or in the evening? Please write {am} or {pm}."),
            hour=str(hour),
            am=f"{hour}am",
            pm=f"{hour}pm",
        )
    raise _refuse(
        N_("I couldn't read that date and time. Please write it like one of these: {examples}.")
    )


def _check_loose_hour(text: str) -> None:
    match = _LOOSE_HOUR.search(text)
    if match is None:
        return
    hour, minute = int(match[1]), match[2]
    raise _refuse(
        N_(
            "Is {time} in the morning or in the evening? Please write {am} or {pm} "
            "(or {evening} on a 24-hour clock)."
        ),
        time=match[0],
        am=f"{hour}:{minute}am",
        pm=f"{hour}:{minute}pm",
        evening=f"{hour + 12}:{minute}",
    )


def _check_typed_year(fields: _Fields, text: str) -> None:
    """A year must be typed in full: dateutil reads 'Dec 3 6' as 3 December 2006."""
    if fields.year is None or re.search(rf"(?<!\d){fields.year}(?!\d)", text):
        return
    raise _refuse(
        N_(
            "I couldn't tell whether a number is a year or a time. Please write the year in "
            "full and the time with am/pm or a colon, like {examples}."
        )
    )


def _check_month_order(fields: _Fields, text: str) -> None:
    """A month given as a number is clear only after a year (2026-12-01); '12 3' is refused."""
    if fields.month is None or _MONTH_NAME.search(text) or _YEAR_FIRST.search(text):
        return
    raise _refuse(
        N_(
            "Dates like 12/1 mean different days in different countries. Please write the "
            "date as 2026-12-01 or with the month's name (Dec 1)."
        )
    )


def _dated(fields: _Fields, today: date, zone: str, now: datetime) -> datetime:
    """The local time of typed fields without a relative word: a full date, a date without a
    year (its next occurrence, if within about six months) or a bare time (the next such time,
    today or tomorrow)."""
    clock = fields.clock
    if clock is None:
        raise _refuse(N_("Please add a time of day, like 'Dec 3 6pm' or '2026-12-01 18:00'."))
    if fields.month is None and fields.day is None and fields.year is None:
        local = datetime.combine(today, clock)
        if to_utc(local, zone)[0] <= now:
            local += timedelta(days=1)
        return local
    if fields.month is None or fields.day is None:
        raise _refuse(N_("Please give the month and the day, like {examples}."))
    if fields.year is not None:
        return datetime(fields.year, fields.month, fields.day, clock.hour, clock.minute)
    local = _next_yearly(fields.month, fields.day, clock, today, zone, now)
    if local.date() - today > MAX_YEARLESS_AHEAD:
        # Nov 20 typed on Nov 23 is more likely a slip than a session a year away.
        raise UserError(
            N_(
                "Without a year, that date would be {when}, a long way off. If that is what "
                "you mean, please write the year too, like {example}."
            ),
            when=local.date().isoformat(),
            example=local.strftime("%Y-%m-%d %H:%M"),
        )
    return local


def _next_yearly(
    month: int, day: int, clock: time, today: date, zone: str, now: datetime
) -> datetime:
    """The next time this month, day and time of day comes round (Feb 29 waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            local = datetime(year, month, day, clock.hour, clock.minute)
        except ValueError:
            continue
        if to_utc(local, zone)[0] > now:
            return local
    raise _refuse(
        N_("I couldn't read that date and time. Please write it like one of these: {examples}.")
    )


def parse_until(text: str, zone: str, now: datetime) -> date:
    """The last date of a series as typed ('2027-06-30', 'Jun 30', '30 June 2027', 'tomorrow'):
    a date without a year is its next occurrence (today counts). Refuses ambiguous numeric dates,
    a time of day, dates in the past and dates more than 10 years ahead."""
    try:
        return _parse_until(text, zone, now)
    except UserError as error:
        error.params.setdefault("zone", zone)
        error.params.setdefault("examples", examples_for(local_now(now, zone).date(), text))
        raise


def _parse_until(text: str, zone: str, now: datetime) -> date:
    if not text.strip() or len(text) > MAX_TYPED:
        raise _refuse(N_("Please give the date of the last session, like 2027-06-30 or Jun 30."))
    today = local_now(now, zone).date()
    cleaned = _cleaned(as_english(text, today))
    lowered = cleaned.lower()
    if lowered in ("today", "tomorrow"):
        return today + timedelta(days=1 if lowered == "tomorrow" else 0)
    fields = _read_fields(cleaned)
    if fields.clock is not None or fields.month is None or fields.day is None:
        raise _refuse(
            N_("Please give just the date of the last session, like 2027-06-30 or Jun 30.")
        )
    if fields.year is not None:
        until = date(fields.year, fields.month, fields.day)
    else:
        until = None
        for year in range(today.year, today.year + 9):
            try:
                candidate = date(year, fields.month, fields.day)
            except ValueError:
                continue
            if candidate >= today:
                until = candidate
                break
        if until is None:
            raise _refuse(N_("Please give the date of the last session, like 2027-06-30."))
    if until < today:
        raise UserError(N_("That date ({until}) has already passed."), until=until.isoformat())
    if until > today + MAX_UNTIL_AHEAD:
        raise UserError(N_("Please pick an end date within the next 10 years."))
    return until
