"""The .ics calendar file of a group's meeting series (RFC 5545, written with icalendar).

No discord import. Each series is one VEVENT with DTSTART in the group's zone (TZID) and its
RRULE; cancelled sessions are EXDATEs and moved sessions are override VEVENTs with the same UID
and a RECURRENCE-ID, which is how calendar apps expect a changed session of a series.

Why the details matter for import:
- The rule is stored with a floating UNTIL (local end of the last day), but RFC 5545 requires
  UNTIL in UTC when DTSTART has a TZID, so it is converted here: a strict reader may otherwise
  reject the rule or end the series at the wrong hour.
- A VTIMEZONE for the zone is included, covering the years of the events, so apps that do not
  know IANA names still place every session at the right instant across daylight saving. The
  bot's resolution of DST folds is RFC 5545's own; sessions in a spring-forward gap, where
  readers disagree, are written out at the time they really start (see `_pinned`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from cogs.meetings.recurrence import occurrences
from cogs.meetings.zones import to_utc

PRODID = "-//peer-support-bot//meetings//EN"
# An unbounded series is covered by the VTIMEZONE this many years past "now".
OPEN_ENDED_YEARS = 20


@dataclass(frozen=True)
class CalendarSeries:
    """One meeting series (or a one-off session) as the calendar shows it."""

    uid: str  # stable, e.g. "meeting-12@peer-support-bot"
    title: str
    description: str | None
    location: str | None
    start_local: datetime  # naive DTSTART
    duration: timedelta
    rrule: str | None
    cancelled: frozenset[datetime]  # naive local keys (EXDATE)
    moved: Mapping[datetime, datetime]  # original local key -> new naive local start
    sequence: int = 0


def calendar_ics(
    calendar_name: str, zone: str, series: Sequence[CalendarSeries], now: datetime
) -> bytes:
    """An .ics file of `series` in the IANA zone `zone`: VTIMEZONE, DTSTART/EXDATE/RECURRENCE-ID
    with TZID, DTSTAMP from `now` (aware), PRODID, VERSION 2.0, CRLF line endings and folded
    lines. A cancelled one-off session is left out; a moved session whose key is also cancelled
    stays cancelled."""
    tz = ZoneInfo(zone)
    stamp = now.astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", calendar_name)
    calendar.add("x-wr-calname", calendar_name)

    if not series:
        return calendar.to_ical()
    first, last = _years(series, stamp)
    zone_changes = _zone_changes(zone, first, last)
    calendar.add_component(_vtimezone(zone, first, last))
    for item in series:
        for event in _events(item, tz, zone, stamp, zone_changes):
            calendar.add_component(event)
    return calendar.to_ical()


def _events(
    item: CalendarSeries, tz: ZoneInfo, zone: str, stamp: datetime, zone_changes: _ZoneChanges
) -> list[Event]:
    """The series' VEVENT, then one override VEVENT per moved session and per session that
    falls in a spring-forward gap (all with the series' UID, told apart by RECURRENCE-ID)."""
    if item.rrule is None:
        if item.start_local in item.cancelled:
            return []
        start = item.moved.get(item.start_local, item.start_local)
        return [_event(item, _pinned(start, zone), tz, stamp)]
    main = _event(item, item.start_local, tz, stamp)
    main.add("rrule", _recur(item.rrule, zone))
    if item.cancelled:
        main.add("exdate", [_aware(key, tz) for key in sorted(item.cancelled)])
    starts = {key: _pinned(start, zone) for key, start in item.moved.items()}
    for key in _gap_sessions(item, zone, zone_changes):
        starts.setdefault(key, _pinned(key, zone))
    overrides = []
    for key, start in sorted(starts.items()):
        if key in item.cancelled:
            continue
        override = _event(item, start, tz, stamp)
        override.add("recurrence-id", _aware(key, tz))
        overrides.append(override)
    return [main, *overrides]


def _pinned(local: datetime, zone: str) -> datetime:
    """The wall-clock time a session really starts at: a time in a spring-forward gap becomes
    the time after the jump (02:30 -> 03:30). Written as such, no reader can place it
    differently; readers disagree about times inside a gap (dateutil's moves them back)."""
    instant, adjustment = to_utc(local, zone)
    if adjustment != "gap":
        return local
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _gap_sessions(item: CalendarSeries, zone: str, zone_changes: _ZoneChanges) -> list[datetime]:
    """Keys of the series' sessions that fall in a spring-forward gap within the covered years:
    each gets an override VEVENT with its pinned start, so every reader agrees with the bot."""
    keys = []
    for onset, before, after in zone_changes.changes:
        jump = after.offset - before
        if jump <= timedelta():
            continue
        gap_start = datetime.fromtimestamp(onset, UTC).replace(tzinfo=None) + before
        found = occurrences(
            item.rrule,
            item.start_local,
            zone,
            after=datetime.fromtimestamp(onset, UTC) - timedelta(days=1),
            limit=3,
        )
        keys.extend(o.local for o in found if gap_start <= o.local < gap_start + jump)
    return keys


def _event(item: CalendarSeries, start_local: datetime, tz: ZoneInfo, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", item.sequence)
    event.add("summary", item.title)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    event.add("dtstart", _aware(start_local, tz))
    event.add("dtend", _aware(start_local + item.duration, tz))
    event.add("status", "CONFIRMED")
    return event


def _aware(local: datetime, tz: ZoneInfo) -> datetime:
    """The wall-clock time with its TZID; fold=0 is RFC 5545's reading of a doubled time."""
    return local.replace(tzinfo=tz, fold=0)


def _recur(rule: str, zone: str) -> vRecur:
    """The stored rule with its floating UNTIL rewritten in UTC, as RFC 5545 3.3.10 requires
    when DTSTART has a TZID (the instant is the same: the end of that day in the zone)."""
    recur = vRecur.from_ical(rule)
    until = recur.get("UNTIL")
    if until:
        value = until[0]
        local = value if isinstance(value, datetime) else datetime.combine(value, time(23, 59, 59))
        if local.tzinfo is None:
            instant, _ = to_utc(local, zone)
        else:
            instant = local.astimezone(UTC)
        recur["UNTIL"] = [instant]
    return recur


def _years(series: Sequence[CalendarSeries], stamp: datetime) -> tuple[int, int]:
    """The years the VTIMEZONE must cover: from the first session to the last one, or
    OPEN_ENDED_YEARS past now for a series without an end."""
    moments: list[datetime] = []
    open_ended = False
    for item in series:
        moments.append(item.start_local)
        moments.extend(item.moved.values())
        if item.rrule is not None:
            until = vRecur.from_ical(item.rrule).get("UNTIL")
            if until:
                value = until[0]
                moments.append(
                    value if isinstance(value, datetime) else datetime.combine(value, time())
                )
            else:
                open_ended = True
    years = [moment.year for moment in moments]
    if open_ended:
        years.append(stamp.year + OPEN_ENDED_YEARS)
    return min(years), max(years)


@dataclass(frozen=True)
class _State:
    offset: timedelta
    name: str


@dataclass(frozen=True)
class _ZoneChanges:
    initial: _State  # at the start of the covered range
    changes: tuple[tuple[int, timedelta, _State], ...]  # (UTC epoch of onset, offset before, after)


def _state_at(epoch_seconds: int, tz: ZoneInfo) -> _State:
    moment = datetime.fromtimestamp(epoch_seconds, tz)
    offset = moment.utcoffset() or timedelta()
    return _State(offset, moment.tzname() or "")


@lru_cache(maxsize=64)
def _zone_changes(zone: str, first_year: int, last_year: int) -> _ZoneChanges:
    """Every change of offset or name of `zone` from the year before `first_year` to the year
    after `last_year`, from the tz database (zoneinfo): day by day, then to the second."""
    tz = ZoneInfo(zone)
    start = int(datetime(first_year - 1, 1, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(last_year + 2, 1, 1, tzinfo=UTC).timestamp())
    day = 86400
    initial = before = _state_at(start, tz)
    changes = []
    for moment in range(start, stop, day):
        after = _state_at(moment + day, tz)
        if after == before:
            continue
        low, high = moment, moment + day  # `before` holds at low, `after` at high
        while high - low > 1:
            middle = (low + high) // 2
            if _state_at(middle, tz) == before:
                low = middle
            else:
                high = middle
        changes.append((high, before.offset, after))
        before = after
    return _ZoneChanges(initial, tuple(changes))


def _vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    component = Timezone.from_ical(_vtimezone_ical(zone, first_year, last_year))
    if not isinstance(component, Timezone):
        raise TypeError("a VTIMEZONE should parse back as one")
    return component


@lru_cache(maxsize=64)
def _vtimezone_ical(zone: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE with every change of `zone` in the covered years: one observance per kind of
    change, its DTSTART the first onset and RDATEs the others, each onset written in the local
    time *before* the change (RFC 5545 3.6.5). icalendar's own `Timezone.from_tzid` writes some
    onsets in the time after the change, an hour off in readers that use the VTIMEZONE.
    Cached per zone and range, as text (components are mutable)."""
    zone_changes = _zone_changes(zone, first_year, last_year)
    initial = zone_changes.initial
    onsets: dict[tuple[timedelta, _State], list[datetime]] = {
        (initial.offset, initial): [datetime(first_year - 1, 1, 1)]
    }
    for onset, before, after in zone_changes.changes:
        local = datetime.fromtimestamp(onset, UTC).replace(tzinfo=None) + before
        onsets.setdefault((before, after), []).append(local)
    # DAYLIGHT is any offset above the zone's lowest in the range, not zoneinfo's dst(): that is
    # negative in winter for Europe/Dublin, which would label Irish winter time "daylight".
    standard = min(state.offset for _, state in onsets)
    component = Timezone()
    component.add("tzid", zone)
    for (offset_from, state), starts in onsets.items():
        observance = TimezoneDaylight() if state.offset > standard else TimezoneStandard()
        observance.add("dtstart", starts[0])
        if len(starts) > 1:
            observance.add("rdate", starts[1:])
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", state.offset)
        if state.name:
            observance.add("tzname", state.name)
        component.add_component(observance)
    return component.to_ical()
