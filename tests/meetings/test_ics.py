"""The .ics file: parsed back with icalendar and expanded by an independent reader
(recurring-ical-events), whose session instants must equal the bot's own across daylight saving.

To check the VTIMEZONE itself, not the reader's knowledge of IANA names, some tests rename the
TZID to one no library knows, so the reader can only use the VTIMEZONE in the file.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Event, Timezone

from cogs.meetings.ics import CalendarSeries, calendar_ics
from cogs.meetings.recurrence import Repeat, occurrences, rrule_for
from cogs.meetings.zones import to_utc

NEW_YORK = "America/New_York"
NOW = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def series_of(
    start: datetime,
    repeat: Repeat,
    *,
    uid: str = "meeting-12@peer-support-bot",
    cancelled: frozenset[datetime] = frozenset(),
    moved: dict[datetime, datetime] | None = None,
    duration: timedelta = timedelta(minutes=90),
) -> CalendarSeries:
    return CalendarSeries(
        uid=uid,
        title="Caregivers' circle",
        description="Peer support for caregivers.\nBring a cup of tea; no advice unless asked.",
        location="Voice channel: caregivers-circle",
        start_local=start,
        duration=duration,
        rrule=rrule_for(repeat, start),
        cancelled=cancelled,
        moved=moved or {},
        sequence=3,
    )


def read_instants(ics: bytes, start: datetime, stop: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every session in [start, stop), as a calendar app expands them."""
    found = recurring_ical_events.of(Calendar.from_ical(ics)).between(start, stop)
    sessions = []
    for event in found:
        assert isinstance(event, Event)
        begin, end = event.start, event.end
        assert isinstance(begin, datetime) and isinstance(end, datetime)
        sessions.append((begin.astimezone(UTC), end.astimezone(UTC)))
    return sorted(sessions)


_renamed = itertools.count(1)


def unknown_zone_name(ics: bytes, zone: str) -> tuple[bytes, str]:
    """The same file with a TZID no library can look up, so a reader can only place times with
    the file's VTIMEZONE. A fresh name each time: icalendar caches zones by TZID process-wide."""
    name = f"Group/Zone-{next(_renamed)}"
    renamed = ics.replace(f"TZID={zone}".encode(), f"TZID={name}".encode())
    return renamed.replace(f"TZID:{zone}".encode(), f"TZID:{name}".encode()), name


def test_file_shape_headers_crlf_and_folding() -> None:
    start = datetime(2027, 1, 5, 12, 0)
    ics = calendar_ics("Caregivers", NEW_YORK, [series_of(start, Repeat("monthly_nth"))], NOW)

    assert ics.startswith(b"BEGIN:VCALENDAR\r\n")
    assert ics.endswith(b"END:VCALENDAR\r\n")
    lines = ics.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)  # folded (RFC 5545 3.1)
    assert any(line.startswith(b" ") for line in lines)  # the long description was folded
    for expected in (
        b"VERSION:2.0",
        b"PRODID:-//peer-support-bot//meetings//EN",
        b"X-WR-CALNAME:Caregivers",
        b"DTSTAMP:20261123T190000Z",
        b"UID:meeting-12@peer-support-bot",
        b"SEQUENCE:3",
        b"DTSTART;TZID=America/New_York:20270105T120000",
        b"DTEND;TZID=America/New_York:20270105T133000",
        b"RRULE:FREQ=MONTHLY;BYDAY=+1TU",
    ):
        assert expected in lines

    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Caregivers' circle"
    assert str(event["DESCRIPTION"]).startswith("Peer support for caregivers.\nBring")
    assert calendar.get_missing_tzids() == set()


def test_until_is_written_in_utc_as_rfc_5545_requires() -> None:
    start = datetime(2027, 1, 5, 12, 0)
    series = series_of(start, Repeat("monthly_nth", until=date(2027, 12, 31)))
    assert series.rrule == "FREQ=MONTHLY;BYDAY=+1TU;UNTIL=20271231T235959"
    ics = calendar_ics("Caregivers", NEW_YORK, [series], NOW)
    # The end of 2027-12-31 in New York (EST, UTC-5) is 04:59:59Z on 2028-01-01.
    assert b"UNTIL=20280101T045959Z" in ics
    sessions = read_instants(ics, utc(2027, 1, 1), utc(2029, 1, 1))
    assert len(sessions) == 12
    assert sessions[-1][0] == utc(2027, 12, 7, 17)


@pytest.mark.parametrize(
    "zone",
    [
        NEW_YORK,
        "Australia/Sydney",
        "Europe/London",
        "Europe/Dublin",  # zoneinfo calls Irish winter time the DST one (negative DST)
        "Australia/Lord_Howe",  # clocks change by 30 minutes
    ],
)
def test_vtimezone_is_present_and_matches_the_zone(zone: str) -> None:
    start = datetime(2027, 1, 6, 19, 0)
    ics = calendar_ics(
        "Group", zone, [series_of(start, Repeat("weekly", until=date(2027, 12, 31)))], NOW
    )
    [vtimezone] = Calendar.from_ical(ics).walk("VTIMEZONE")
    assert isinstance(vtimezone, Timezone)
    assert str(vtimezone["TZID"]) == zone
    assert vtimezone.standard and vtimezone.daylight
    real = ZoneInfo(zone)

    # Read the observances as RFC 5545 3.6.5 defines them: each onset (DTSTART and RDATEs) is a
    # local time in TZOFFSETFROM. Every onset must be a real change of the zone, and together
    # they must be every change from 2026 to 2028 (the events' year, one either side).
    onsets: list[datetime] = []
    for observance in [*vtimezone.standard, *vtimezone.daylight]:
        before, after = observance.TZOFFSETFROM, observance.TZOFFSETTO
        assert before is not None and after is not None
        locals_ = [observance.DTSTART, *(rdate for rdate, _ in observance.rdates)]
        for local in locals_:
            assert isinstance(local, datetime)
            instant = (local - before).replace(tzinfo=UTC)
            if before == after:
                continue  # the opening observance: no change
            assert (instant - timedelta(seconds=1)).astimezone(real).utcoffset() == before
            assert instant.astimezone(real).utcoffset() == after
            onsets.append(instant)

    def offset(moment: datetime) -> timedelta | None:
        return moment.astimezone(real).utcoffset()

    changes = []
    moment = utc(2026, 1, 1)
    while moment < utc(2029, 1, 1):  # hour by hour, then minute by minute where it changed
        if offset(moment + timedelta(hours=1)) != offset(moment):
            minute = moment + timedelta(minutes=1)
            while offset(minute) == offset(moment):
                minute += timedelta(minutes=1)
            changes.append(minute)
        moment += timedelta(hours=1)
    assert sorted(onsets) == changes and len(changes) == 6

    # And a reader built from the file alone reads wall-clock times as the zone does: every
    # 2 hours across the years, every 10 minutes in the 12 hours around each change.
    built = vtimezone.to_tz(lookup_tzid=False)
    samples = [datetime(2026, 1, 1) + timedelta(hours=2 * n) for n in range(12 * 366 * 3)]
    for onset in onsets:
        around = onset.astimezone(real).replace(tzinfo=None) - timedelta(hours=6)
        samples.extend(around + timedelta(minutes=10 * n) for n in range(72))
    for local in samples:
        if to_utc(local, zone)[1] is None:  # gap and fold readings are checked elsewhere
            assert local.replace(tzinfo=built).utcoffset() == local.replace(tzinfo=real).utcoffset()


def test_open_ended_series_is_covered_for_twenty_years() -> None:
    start = datetime(2027, 7, 6, 12, 0)
    ics = calendar_ics("Group", NEW_YORK, [series_of(start, Repeat("weekly"))], NOW)
    renamed, _ = unknown_zone_name(ics, NEW_YORK)
    # A summer session in 2045 is still 12:00 EDT (16:00Z) in a reader that only has the file.
    [(begin, _)] = read_instants(renamed, utc(2045, 7, 4), utc(2045, 7, 11))
    assert begin == utc(2045, 7, 4, 16)


@pytest.mark.parametrize("renamed", [False, True], ids=["iana-name", "vtimezone-only"])
def test_round_trip_of_instants_across_dst_with_a_moved_and_a_cancelled_session(
    renamed: bool,
) -> None:
    start = datetime(2027, 1, 5, 12, 0)  # first Tuesday monthly at noon, New York, all of 2027
    cancelled = datetime(2027, 3, 2, 12, 0)
    moved_from, moved_to = datetime(2027, 4, 6, 12, 0), datetime(2027, 4, 8, 18, 0)
    series = series_of(
        start,
        Repeat("monthly_nth", until=date(2027, 12, 31)),
        cancelled=frozenset({cancelled}),
        moved={moved_from: moved_to},
    )
    ics = calendar_ics("Caregivers", NEW_YORK, [series], NOW)
    tzid = b"America/New_York"
    if renamed:
        ics, name = unknown_zone_name(ics, NEW_YORK)
        tzid = name.encode()

    read = read_instants(ics, utc(2027, 1, 1), utc(2028, 1, 1))

    ours = occurrences(
        series.rrule,
        start,
        NEW_YORK,
        after=utc(2027, 1, 1),
        limit=20,
        exclude=frozenset({cancelled, moved_from}),
    )
    expected = sorted([o.start for o in ours] + [utc(2027, 4, 8, 22)])  # 18:00 EDT
    assert [begin for begin, _ in read] == expected
    assert utc(2027, 3, 2, 17) not in expected
    assert all(end - begin == timedelta(minutes=90) for begin, end in read)
    # Winter sessions at 17:00Z, summer ones at 16:00Z: noon in New York all year.
    assert {b.astimezone(ZoneInfo(NEW_YORK)).hour for b, _ in read} == {12, 18}

    lines = ics.split(b"\r\n")
    assert b"EXDATE;TZID=" + tzid + b":20270302T120000" in lines
    assert b"RECURRENCE-ID;TZID=" + tzid + b":20270406T120000" in lines
    assert b"DTSTART;TZID=" + tzid + b":20270408T180000" in lines


@pytest.mark.parametrize(
    ("zone", "start", "window", "expected"),
    [
        # Sydney, Wednesdays 19:00: AEDT (UTC+11) until 2027-04-04, AEST (UTC+10) after.
        (
            "Australia/Sydney",
            datetime(2027, 3, 24, 19),
            (utc(2027, 3, 20), utc(2027, 4, 10)),
            [utc(2027, 3, 24, 8), utc(2027, 3, 31, 8), utc(2027, 4, 7, 9)],
        ),
        # London, Thursdays 18:30: BST from 2027-03-28.
        (
            "Europe/London",
            datetime(2027, 3, 18, 18, 30),
            (utc(2027, 3, 17), utc(2027, 4, 2)),
            [utc(2027, 3, 18, 18, 30), utc(2027, 3, 25, 18, 30), utc(2027, 4, 1, 17, 30)],
        ),
    ],
)
def test_weekly_series_in_other_zones_round_trip(
    zone: str, start: datetime, window: tuple[datetime, datetime], expected: list[datetime]
) -> None:
    ics = calendar_ics("Group", zone, [series_of(start, Repeat("weekly"))], NOW)
    for variant in (ics, unknown_zone_name(ics, zone)[0]):
        assert [begin for begin, _ in read_instants(variant, *window)] == expected
    ours = occurrences(rrule_for(Repeat("weekly"), start), start, zone, after=window[0], limit=3)
    assert [o.start for o in ours] == expected


@pytest.mark.parametrize("renamed", [False, True], ids=["iana-name", "vtimezone-only"])
def test_gap_and_fold_sessions_agree_with_the_bot(renamed: bool) -> None:
    """A session at 02:30 on spring-forward night and one at 01:30 on fall-back night: the
    reader must place them where the bot sends reminders (RFC 5545's rule for both)."""
    cases = [
        (datetime(2027, 3, 7, 2, 30), utc(2027, 3, 13), utc(2027, 3, 14, 7, 30)),  # 03:30 EDT
        (datetime(2027, 10, 31, 1, 30), utc(2027, 11, 6), utc(2027, 11, 7, 5, 30)),  # 01:30 EDT
    ]
    for start, after, expected in cases:
        series = series_of(start, Repeat("weekly"))
        [ours] = occurrences(series.rrule, start, NEW_YORK, after=after, limit=1)
        assert ours.start == expected and ours.adjustment is not None
        ics = calendar_ics("Night owls", NEW_YORK, [series], NOW)
        if ours.adjustment == "gap":  # pinned: an override at 03:30 for the 02:30 session
            assert b"RECURRENCE-ID;TZID=America/New_York:20270314T023000" in ics
            assert b"DTSTART;TZID=America/New_York:20270314T033000" in ics
        if renamed:
            ics, _ = unknown_zone_name(ics, NEW_YORK)
        [(begin, _)] = read_instants(ics, after, after + timedelta(days=2))
        assert begin == expected


def test_one_off_sessions_moved_and_cancelled() -> None:
    one_off = series_of(datetime(2027, 2, 10, 18), Repeat(), uid="once@peer-support-bot")
    moved = series_of(
        datetime(2027, 2, 17, 18),
        Repeat(),
        uid="moved@peer-support-bot",
        moved={datetime(2027, 2, 17, 18): datetime(2027, 2, 18, 19)},
    )
    gone = series_of(
        datetime(2027, 2, 24, 18),
        Repeat(),
        uid="gone@peer-support-bot",
        cancelled=frozenset({datetime(2027, 2, 24, 18)}),
    )
    in_gap = series_of(datetime(2027, 3, 14, 2, 30), Repeat(), uid="gap@peer-support-bot")
    ics = calendar_ics("Group", NEW_YORK, [one_off, moved, gone, in_gap], NOW)
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == [
        "gap@peer-support-bot",
        "moved@peer-support-bot",
        "once@peer-support-bot",
    ]
    assert all("RRULE" not in e for e in events)
    assert b"DTSTART;TZID=America/New_York:20270314T033000" in ics  # written as it really is
    read = read_instants(ics, utc(2027, 2, 1), utc(2027, 3, 20))
    assert [begin for begin, _ in read] == [
        utc(2027, 2, 10, 23),
        utc(2027, 2, 19, 0),
        utc(2027, 3, 14, 7, 30),
    ]


def test_a_moved_session_that_was_then_cancelled_stays_cancelled() -> None:
    start = datetime(2027, 1, 5, 12)
    key = datetime(2027, 1, 12, 12)
    series = series_of(
        start, Repeat("weekly"), cancelled=frozenset({key}), moved={key: datetime(2027, 1, 13, 12)}
    )
    ics = calendar_ics("Group", NEW_YORK, [series], NOW)
    assert b"RECURRENCE-ID" not in ics
    read = read_instants(ics, utc(2027, 1, 1), utc(2027, 1, 20))
    assert [begin for begin, _ in read] == [utc(2027, 1, 5, 17), utc(2027, 1, 19, 17)]


def test_several_series_share_one_vtimezone_and_an_empty_calendar_has_none() -> None:
    a = series_of(datetime(2027, 1, 5, 12), Repeat("weekly"), uid="a@peer-support-bot")
    b = series_of(datetime(2027, 1, 7, 18), Repeat("biweekly"), uid="b@peer-support-bot")
    calendar = Calendar.from_ical(calendar_ics("Group", NEW_YORK, [a, b], NOW))
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert len(calendar.walk("VEVENT")) == 2
    empty = Calendar.from_ical(calendar_ics("Group", NEW_YORK, [], NOW))
    assert empty.walk("VTIMEZONE") == [] and empty.walk("VEVENT") == []
