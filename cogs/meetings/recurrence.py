"""Recurrence rules of meeting series and their occurrences in a group's time zone.

No discord import. Pure: the caller passes "now" and the zone.

Why local time first: a group meets "the first Tuesday of the month at 12:00" in *its* zone.
Rules are therefore RFC 5545 RRULEs (python-dateutil) expanded over naive wall-clock times, and
each occurrence is converted to UTC on its own (zones.py), so 12:00 in New York stays 12:00
across daylight saving changes (16:00Z in summer, 17:00Z in winter). The naive wall-clock time
the rule produced is the stable key of a session: the database stores it for cancelled, moved
and reminded sessions.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal, get_args

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, rrule, rrulestr
from dateutil.rrule import weekday as Weekday

from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, N_, Translate
from cogs.meetings.zones import Adjustment, Translator, local_now, to_utc

RepeatKind = Literal["none", "weekly", "biweekly", "monthly_nth", "monthly_date"]

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


@dataclass(frozen=True)
class _Simple:
    """A rule of the shapes `rrule_for` writes, expanded without dateutil (start-up plans the
    next session of thousands of series: dateutil's rule objects cost 60 us a series, this a
    tenth). `step_days`: every that many days from the start (WEEKLY, its BYDAY the start's
    weekday); else monthly on `month_day`, or on the `nth` (1..5, -1 for the last) `weekday`."""

    step_days: int = 0
    month_day: int = 0
    weekday: int = 0
    nth: int = 0
    until: datetime | None = None


@lru_cache(maxsize=4096)
def _simple(text: str) -> _Simple | None:
    """The rule as a `_Simple`, or None for any other rule (dateutil expands it)."""
    parts = _rule_parts(text)
    until = None
    if "UNTIL" in parts:
        match = re.fullmatch(r"(\d{8})T(\d{6})", parts.pop("UNTIL"))
        if match is None:
            return None
        until = datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
    interval = parts.pop("INTERVAL", "1")
    if parts.get("WKST", "MO") != "MO" or not interval.isdigit() or int(interval) < 1:
        return None
    parts.pop("WKST", None)
    freq, byday = parts.pop("FREQ", None), parts.pop("BYDAY", None)
    if freq == "WEEKLY" and not parts and byday in WEEKDAY_CODES:
        # Which weekday: checked against each series' start by the caller.
        return _Simple(step_days=7 * int(interval), weekday=WEEKDAY_CODES.index(byday), until=until)
    if freq != "MONTHLY" or interval != "1":
        return None
    if byday is None and list(parts) == ["BYMONTHDAY"] and parts["BYMONTHDAY"].isdigit():
        day = int(parts["BYMONTHDAY"])
        return _Simple(month_day=day, until=until) if 1 <= day <= 31 else None
    match = re.fullmatch(r"([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)", byday or "")
    if match is None or parts or int(match[1]) not in ORDINALS:
        return None
    return _Simple(weekday=WEEKDAY_CODES.index(match[2]), nth=int(match[1]), until=until)


def _simple_candidates(
    rule: _Simple, start_local: datetime, not_before: datetime
) -> Iterator[datetime]:
    """The sessions of `rule` from `start_local` on, from the first at or after `not_before`:
    exactly those dateutil yields from there (the property test compares them)."""
    start = start_local.replace(microsecond=0)
    at = start.time()
    if rule.step_days:
        step = timedelta(days=rule.step_days)
        gap = not_before - start
        moment = start + step * (-(-gap // step) if gap > timedelta(0) else 0)
        while rule.until is None or moment <= rule.until:
            yield moment
            moment += step
        return
    first = max(start, not_before)
    year, month = first.year, first.month
    while year <= MAX_YEAR:
        day = _day_in_month(rule, year, month)
        if day is not None:
            moment = datetime.combine(date(year, month, day), at)
            if rule.until is not None and moment > rule.until:
                return
            if moment >= first:
                yield moment
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


MAX_YEAR = 9998  # dateutil stops at datetime's last year too; a session never gets near it


def _day_in_month(rule: _Simple, year: int, month: int) -> int | None:
    """The rule's day in that month, or None when the month has none (a 31st, a fifth Monday)."""
    days = calendar.monthrange(year, month)[1]
    if rule.month_day:
        return rule.month_day if rule.month_day <= days else None
    first_weekday = date(year, month, 1).weekday()
    first = 1 + (rule.weekday - first_weekday) % 7
    if rule.nth == -1:
        return first + (days - first) // 7 * 7
    day = first + 7 * (rule.nth - 1)
    return day if day <= days else None


def _candidates(text: str, start_local: datetime, not_before: datetime) -> Iterator[datetime]:
    """A series' sessions from about `not_before` on: the simple shapes without dateutil (a
    weekly rule only when its weekday is the start's, as `rrule_for` writes it), others with."""
    rule = _simple(text)
    if rule is not None and (not rule.step_days or rule.weekday == start_local.weekday()):
        return _simple_candidates(rule, start_local, not_before)
    return iter(_rule_from(text, start_local, not_before))


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
        candidates = _candidates(rrule, start_local, not_before)
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
