"""Meeting times: typed dates, recurrence rules and their occurrences in a group's time zone.

No discord import. Everything here is pure: the caller passes "now" and the zone.

Why local time first: a group meets "the first Tuesday of the month at 12:00" in *its* zone.
Rules are therefore RFC 5545 RRULEs (python-dateutil) expanded over naive wall-clock times, and
each occurrence is converted to UTC on its own, so 12:00 in New York stays 12:00 across daylight
saving changes (16:00Z in summer, 17:00Z in winter). The naive wall-clock time the rule produced
is the stable key of a session: the database stores it for cancelled, moved and reminded sessions.

Impossible and doubled local times are resolved as RFC 5545 (section 3.3.5) says, which is also
what calendar apps do with the .ics file, so the bot and a member's calendar agree:
- a time inside the spring-forward gap is read with the offset from before the gap, which moves
  it forward by the gap's length (02:30 on 2027-03-14 in New York becomes 03:30 EDT);
- a time that happens twice at fall-back is the first of the two (01:30 EDT on 2027-11-07, not
  01:30 EST an hour later).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, rrule, rrulestr
from dateutil.rrule import weekday as Weekday

from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, N_, Translate

RepeatKind = Literal["none", "weekly", "biweekly", "monthly_nth", "monthly_date"]
Adjustment = Literal["gap", "fold"]
Translator = Callable[..., str]

# How far ahead a session may be scheduled, and a series may end.
MAX_AHEAD = timedelta(days=731)
MAX_UNTIL_AHEAD = timedelta(days=3653)
MAX_TYPED = 100  # characters: a date and a time are short; longer text is not parsed at all

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
ORDINALS = {
    1: N_("first"),
    2: N_("second"),
    3: N_("third"),
    4: N_("fourth"),
    5: N_("fifth"),
    -1: N_("last"),
}

MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
# A date typed without a year is its next occurrence only when that is this close: further away,
# it is more likely a slip (a date that has just passed) than a plan, so the year is asked for.
MAX_YEARLESS_AHEAD = timedelta(days=183)


class Term(str):
    """One of our own words (a weekday, an ordinal) put into a sentence as a parameter of a
    UserError. It is a msgid: whoever shows the sentence translates it with the sentence
    (`translate_terms`), so a Spanish reader never gets an English "first Tuesday"."""


def translate_terms(params: dict[str, Any], t: Translator) -> dict[str, Any]:
    """The parameters of a message with each `Term` in the reader's language."""
    return {key: t(value) if isinstance(value, Term) else value for key, value in params.items()}


def repeat_kind(value: str) -> RepeatKind:
    """The repeat option's value, checked (Discord offers only the choices, but our code says
    what it accepts)."""
    for kind in get_args(RepeatKind):
        if value == kind:
            return kind
    raise UserError(N_("Please pick how it repeats from the list."))


@dataclass(frozen=True)
class Repeat:
    """How a series repeats, as a leader picks it."""

    kind: RepeatKind = "none"
    nth: int | None = None  # monthly_nth: 1..5 or -1 (last). None = taken from the start date
    until: date | None = None  # last local date a session may fall on (inclusive), or None


@dataclass(frozen=True)
class Occurrence:
    """One session of a series."""

    local: datetime  # naive wall-clock time the rule produced (the stable key of a session)
    start: datetime  # aware UTC
    adjustment: Adjustment | None  # the local time did not exist / happened twice


# --- local time <-> UTC -----------------------------------------------------------------------


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


# --- recurrence rules -------------------------------------------------------------------------


def nth_weekday_of(day: date) -> int:
    """1 for the first Tuesday of its month, 2 for the second, ... 5 for a fifth."""
    return (day.day - 1) // 7 + 1


def is_last_weekday_of(day: date) -> bool:
    return (day + timedelta(days=7)).month != day.month


def _nth_matches(day: date, nth: int) -> bool:
    return is_last_weekday_of(day) if nth == -1 else nth_weekday_of(day) == nth


def _next_nth_date(weekday: int, nth: int, after: date) -> date:
    """The first date on or after `after` that is the `nth` (or last) `weekday` of its month."""
    rule = rrule(
        MONTHLY, dtstart=datetime.combine(after, time()), byweekday=Weekday(weekday, nth), count=1
    )
    return rule[0].date()


def rrule_for(repeat: Repeat, start_local: datetime) -> str | None:
    """The RFC 5545 RRULE value (e.g. 'FREQ=MONTHLY;BYDAY=+1TU') for the repeat, or None for a
    one-off. UNTIL, if any, is written as the local end of that day (floating time), since the
    rule is evaluated in local wall-clock time. The start date must be a session of the rule (a
    calendar app always shows DTSTART as the first session): otherwise a UserError names the
    first date that fits."""
    if repeat.kind == "none":
        return None
    day = start_local.date()
    code = WEEKDAY_CODES[day.weekday()]
    if repeat.kind == "weekly":
        parts = ["FREQ=WEEKLY", f"BYDAY={code}"]
    elif repeat.kind == "biweekly":
        parts = ["FREQ=WEEKLY", "INTERVAL=2", f"BYDAY={code}"]
    elif repeat.kind == "monthly_nth":
        nth = nth_weekday_of(day) if repeat.nth is None else repeat.nth
        if nth not in ORDINALS:
            raise ValueError(f"nth must be 1..5 or -1, not {nth}")
        if not _nth_matches(day, nth):
            fits = _next_nth_date(day.weekday(), nth, day)
            raise UserError(
                N_(
                    "{date} is not the {ordinal} {weekday} of its month. For this repeat, "
                    "please start on {fits} (or pick the repeat that matches your date)."
                ),
                date=day.isoformat(),
                ordinal=Term(ORDINALS[nth]),
                weekday=Term(WEEKDAY_NAMES[day.weekday()]),
                fits=fits.isoformat(),
            )
        parts = ["FREQ=MONTHLY", f"BYDAY={nth:+d}{code}"]
    elif repeat.kind == "monthly_date":
        parts = ["FREQ=MONTHLY", f"BYMONTHDAY={day.day}"]
    else:
        raise ValueError(f"unknown repeat kind {repeat.kind!r}")
    if repeat.until is not None:
        if repeat.until < day:
            raise UserError(
                N_("The series would end ({until}) before its first session ({start})."),
                until=repeat.until.isoformat(),
                start=day.isoformat(),
            )
        parts.append(f"UNTIL={repeat.until.strftime('%Y%m%d')}T235959")
    return ";".join(parts)


def _rule_parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for item in body.split(";"):
        if item:
            key, _, value = item.partition("=")
            parts[key.strip().upper()] = value.strip().upper()
    return parts


def repeat_from_rrule(rrule: str | None, start_local: datetime) -> Repeat:
    """The Repeat a stored rule came from (for /meeting edit and descriptions). Raises
    ValueError for a rule `rrule_for` does not write."""
    if rrule is None:
        return Repeat()
    parts = _rule_parts(rrule)
    until = None
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
    known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "WKST"}
    if set(parts) - known:
        raise ValueError(f"unsupported rule parts in {rrule!r}")
    freq, interval = parts.get("FREQ"), int(parts.get("INTERVAL", "1"))
    byday, bymonthday = parts.get("BYDAY"), parts.get("BYMONTHDAY")
    if freq == "WEEKLY" and bymonthday is None and interval in (1, 2):
        if byday not in (None, WEEKDAY_CODES[start_local.weekday()]):
            raise ValueError(f"weekly rule on another weekday than its start: {rrule!r}")
        return Repeat("weekly" if interval == 1 else "biweekly", until=until)
    if freq == "MONTHLY" and interval == 1:
        if byday is not None and bymonthday is None:
            match = re.fullmatch(r"([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)", byday)
            if match is None or int(match[1]) not in ORDINALS:
                raise ValueError(f"unsupported BYDAY in {rrule!r}")
            return Repeat("monthly_nth", nth=int(match[1]), until=until)
        if bymonthday is not None and byday is None:
            return Repeat("monthly_date", until=until)
    raise ValueError(f"unsupported rule {rrule!r}")


@lru_cache(maxsize=4096)
def _template(text: str) -> rrule:
    """The parsed rule, independent of its start (`_rule_from` fills in what depends on it).
    Cached: series share few distinct rule texts, and parsing is the costly part."""
    rule = rrulestr(text, dtstart=datetime(2000, 1, 1), cache=False)
    if not isinstance(rule, rrule):
        raise ValueError(f"not a single RRULE: {text!r}")
    return rule


_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYEASTER")


def _rule_from(text: str, start_local: datetime, not_before: datetime) -> rrule:
    """The rule of a series, restarted at a recent session boundary so that expanding it near
    `not_before` does not walk every session since DTSTART.

    dateutil fills the weekday / day of month a rule leaves out from DTSTART; those are passed
    explicitly from the real start, so moving DTSTART forward by whole periods (weeks or months
    times INTERVAL) yields exactly the same sessions from there on. A rule with COUNT is never
    moved, since COUNT counts from the real start."""
    parts = _rule_parts(text)
    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1"))
    has_day = any(p in parts for p in _DAY_PARTS)
    fills: dict[str, Any] = {}
    if not has_day:
        if freq == "WEEKLY":
            fills["byweekday"] = start_local.weekday()
        elif freq == "MONTHLY":
            fills["bymonthday"] = start_local.day
        elif freq == "YEARLY":
            fills["bymonthday"] = start_local.day
            if "BYMONTH" not in parts:
                fills["bymonth"] = start_local.month
    dtstart = start_local
    if "COUNT" not in parts and not_before > start_local:
        if freq in ("DAILY", "WEEKLY"):
            step = interval * (7 if freq == "WEEKLY" else 1)
            dtstart += timedelta(days=(not_before - start_local).days // step * step)
        elif freq in ("MONTHLY", "YEARLY"):
            step = interval * (12 if freq == "YEARLY" else 1)
            months = (not_before.year - start_local.year) * 12 + not_before.month
            months = (months - start_local.month) // step * step
            first = start_local.replace(month=1 if freq == "YEARLY" else start_local.month, day=1)
            dtstart = first + relativedelta(months=months)
            if dtstart > not_before:  # same month, later in the day: restart a period earlier
                dtstart -= relativedelta(months=step)
            dtstart = max(dtstart, start_local)
    return _template(text).replace(dtstart=dtstart, **fills)


def occurrences(
    rrule: str | None,
    start_local: datetime,
    zone: str,
    *,
    after: datetime,
    limit: int,
    exclude: frozenset[datetime] = frozenset(),
) -> list[Occurrence]:
    """The next `limit` sessions of a series that start at or after `after` (aware UTC), leaving
    out the naive local keys in `exclude` (cancelled or moved sessions). The rule is expanded in
    local time and each session converted to UTC on its own. Fast for series that began long ago:
    the expansion starts near `after`, not at DTSTART."""
    if start_local.tzinfo is not None:
        raise ValueError("start_local must be naive wall-clock time")
    if limit <= 0:
        return []
    # Two days' margin: local and UTC order can differ by a few hours around a DST change.
    not_before = local_now(after, zone) - timedelta(days=2)
    if rrule is None:
        candidates: Iterator[datetime] = iter((start_local,))
    else:
        candidates = iter(_rule_from(rrule, start_local, not_before))
    found: list[Occurrence] = []
    for local in candidates:
        if local < not_before or local in exclude:
            continue
        start, adjustment = to_utc(local, zone)
        if start < after:
            continue
        found.append(Occurrence(local=local, start=start, adjustment=adjustment))
        if len(found) >= limit:
            break
    return found


def describe_repeat(repeat: Repeat, start_local: datetime, t: Translator | None = None) -> str:
    """English (or, with `t`, translated) description for the preview: 'every week on Tuesday',
    'monthly on the first Tuesday', 'monthly on day 31 (months without one are skipped)', with
    '... until 2027-06-30'."""
    t = t or Translate(DEFAULT_LANGUAGE)
    weekday = t(WEEKDAY_NAMES[start_local.weekday()])
    day = start_local.day
    if repeat.kind == "none":
        text = t(N_("once"))
    elif repeat.kind == "weekly":
        text = t(N_("every week on {weekday}"), weekday=weekday)
    elif repeat.kind == "biweekly":
        text = t(N_("every 2 weeks on {weekday}"), weekday=weekday)
    elif repeat.kind == "monthly_nth":
        nth = nth_weekday_of(start_local.date()) if repeat.nth is None else repeat.nth
        text = t(
            N_("monthly on the {ordinal} {weekday}"), ordinal=t(ORDINALS[nth]), weekday=weekday
        )
        if nth == 5:
            text = t(
                N_("{rule} (months without a fifth {weekday} are skipped)"),
                rule=text,
                weekday=weekday,
            )
    else:
        text = t(N_("monthly on day {day}"), day=day)
        if day > 28:
            text = t(N_("{rule} (months without that day are skipped)"), rule=text)
    if repeat.until is not None and repeat.kind != "none":
        text = t(N_("{rule} until {until}"), rule=text, until=repeat.until.isoformat())
    return text


# --- typed dates ------------------------------------------------------------------------------

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


def examples_for(today: date) -> str:
    """Examples of what `parse_when` reads, with dates still ahead (a fixed example date would
    itself be refused once it has passed). English words: the parser reads English."""
    soon, later = today + timedelta(days=10), today + timedelta(days=20)
    return (
        f"{soon.isoformat()} 18:00, {MONTH_ABBREVIATIONS[later.month - 1]} {later.day} 12:00, "
        "tomorrow 6pm, Tuesday 6:30pm"
    )


def _refuse(message: str, **params: Any) -> UserError:
    """`examples` (and `zone`) are filled in by parse_when / parse_until."""
    return UserError(message, **params)


def _cleaned(text: str) -> str:
    cleaned = " ".join(text.strip().split())
    cleaned = re.sub(r"\bnoon\b", "12:00", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"\b([ap])\.m\b\.?", r"\1m", cleaned, flags=re.IGNORECASE)
    if re.search(r"\bmidnight\b", cleaned, re.IGNORECASE):
        raise _refuse(
            N_("'Midnight' is easy to misread. Please give a date and a time, like {examples}.")
        )
    if re.search(r"(?<![\d:])12(?::00)?\s*am\b", cleaned, re.IGNORECASE):
        raise _refuse(
            N_(
                "12am is easy to misread (the start or the end of the day?). Please write the "
                "time as 00:00 with the date of that day, or pick another time."
            )
        )
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


def _check_range(local: datetime, zone: str, now: datetime) -> datetime:
    instant, _ = to_utc(local, zone)
    if instant <= now:
        raise UserError(
            N_(
                "That time ({when}) has already passed in the group's time zone ({zone}). "
                "Please pick a time in the future."
            ),
            when=local.strftime("%Y-%m-%d %H:%M"),
        )
    if instant > now + MAX_AHEAD:
        raise UserError(
            N_("That is more than 2 years ahead. Please pick a date within the next 2 years.")
        )
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
    written without a colon (1800, 0630)."""
    try:
        return _parse_when(text, zone, now)
    except UserError as error:
        error.params.setdefault("zone", zone)
        error.params.setdefault("examples", examples_for(local_now(now, zone).date()))
        raise


def _parse_when(text: str, zone: str, now: datetime) -> datetime:
    if not text.strip() or len(text) > MAX_TYPED:
        raise _refuse(N_("Please give a date and a time, like {examples}."))
    cleaned = _cleaned(text)
    today = local_now(now, zone).date()
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
        error.params.setdefault("examples", examples_for(local_now(now, zone).date()))
        raise


def _parse_until(text: str, zone: str, now: datetime) -> date:
    if not text.strip() or len(text) > MAX_TYPED:
        raise _refuse(N_("Please give the date of the last session, like 2027-06-30 or Jun 30."))
    cleaned = _cleaned(text)
    today = local_now(now, zone).date()
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
