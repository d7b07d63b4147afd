"""Meeting times: rules expanded in local time, DST gaps and folds, and dates typed by people.

Pure functions, so plain tests: no loopback Discord needed. Instants are checked against
hand-computed UTC values, not against the code's own conversion.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from bot.errors import UserError
from cogs.meetings.timing import (
    Occurrence,
    Repeat,
    RepeatKind,
    Term,
    adjustment_note,
    describe_repeat,
    occurrences,
    parse_until,
    parse_when,
    repeat_from_rrule,
    repeat_kind,
    rrule_for,
    to_utc,
    translate_terms,
)

NEW_YORK = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def starts(found: list[Occurrence]) -> list[datetime]:
    return [o.start for o in found]


# --- rules across daylight saving ---------------------------------------------------------------


def test_first_tuesday_monthly_at_noon_new_york_across_both_2027_changes() -> None:
    start = datetime(2027, 1, 5, 12, 0)
    rule = rrule_for(Repeat("monthly_nth", nth=1), start)
    assert rule == "FREQ=MONTHLY;BYDAY=+1TU"

    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 1), limit=12)

    first_tuesdays = [5, 2, 2, 6, 4, 1, 6, 3, 7, 5, 2, 7]
    assert [o.local for o in found] == [
        datetime(2027, month, day, 12, 0)
        for month, day in zip(range(1, 13), first_tuesdays, strict=True)
    ]
    # EST (UTC-5) until 2027-03-14, EDT (UTC-4) until 2027-11-07, EST again after.
    assert starts(found) == [
        utc(2027, 1, 5, 17),
        utc(2027, 2, 2, 17),
        utc(2027, 3, 2, 17),
        utc(2027, 4, 6, 16),
        utc(2027, 5, 4, 16),
        utc(2027, 6, 1, 16),
        utc(2027, 7, 6, 16),
        utc(2027, 8, 3, 16),
        utc(2027, 9, 7, 16),
        utc(2027, 10, 5, 16),
        utc(2027, 11, 2, 16),
        utc(2027, 12, 7, 17),
    ]
    assert all(o.adjustment is None for o in found)
    assert {o.start.astimezone(ZoneInfo(NEW_YORK)).hour for o in found} == {12}


def test_fifth_thursday_rule_skips_months_without_one() -> None:
    start = datetime(2027, 4, 29, 18, 0)  # the fifth Thursday of April 2027
    rule = rrule_for(Repeat("monthly_nth"), start)  # nth taken from the start date
    assert rule == "FREQ=MONTHLY;BYDAY=+5TH"

    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 1), limit=10)

    in_2027 = [o.local.date() for o in found if o.local.year == 2027]
    assert in_2027 == [date(2027, 4, 29), date(2027, 7, 29), date(2027, 9, 30), date(2027, 12, 30)]
    assert describe_repeat(Repeat("monthly_nth"), start) == (
        "monthly on the fifth Thursday (months without a fifth Thursday are skipped)"
    )


def test_sydney_weekly_keeps_local_time_across_southern_changes() -> None:
    # Australia/Sydney: AEDT (UTC+11) ends 2027-04-04, AEST (UTC+10) until 2027-10-03.
    start = datetime(2027, 3, 24, 19, 0)  # Wednesdays 19:00
    rule = rrule_for(Repeat("weekly"), start)

    found = occurrences(rule, start, "Australia/Sydney", after=utc(2027, 3, 1), limit=3)
    assert starts(found) == [utc(2027, 3, 24, 8), utc(2027, 3, 31, 8), utc(2027, 4, 7, 9)]

    found = occurrences(rule, start, "Australia/Sydney", after=utc(2027, 9, 25), limit=2)
    assert [o.local for o in found] == [datetime(2027, 9, 29, 19), datetime(2027, 10, 6, 19)]
    assert starts(found) == [utc(2027, 9, 29, 9), utc(2027, 10, 6, 8)]


def test_london_weekly_keeps_local_time_across_its_changes() -> None:
    # Europe/London: BST (UTC+1) from 2027-03-28 to 2027-10-31.
    start = datetime(2027, 3, 18, 18, 30)  # Thursdays 18:30
    rule = rrule_for(Repeat("weekly"), start)

    spring = occurrences(rule, start, "Europe/London", after=utc(2027, 3, 18), limit=3)
    assert starts(spring) == [
        utc(2027, 3, 18, 18, 30),
        utc(2027, 3, 25, 18, 30),
        utc(2027, 4, 1, 17, 30),
    ]

    autumn = occurrences(rule, start, "Europe/London", after=utc(2027, 10, 22), limit=2)
    assert starts(autumn) == [utc(2027, 10, 28, 17, 30), utc(2027, 11, 4, 18, 30)]
    assert {o.local.time().isoformat() for o in spring + autumn} == {"18:30:00"}


# --- gap and fold ----------------------------------------------------------------------------


def test_spring_forward_gap_moves_the_session_forward_by_the_gap() -> None:
    start = datetime(2027, 3, 7, 2, 30)  # Sundays 02:30: 2027-03-14 02:30 does not exist
    rule = rrule_for(Repeat("weekly"), start)

    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 3, 1), limit=3)

    assert [o.local for o in found] == [  # the key stays the time the rule produced
        datetime(2027, 3, 7, 2, 30),
        datetime(2027, 3, 14, 2, 30),
        datetime(2027, 3, 21, 2, 30),
    ]
    assert [o.adjustment for o in found] == [None, "gap", None]
    assert starts(found) == [
        utc(2027, 3, 7, 7, 30),
        utc(2027, 3, 14, 7, 30),
        utc(2027, 3, 21, 6, 30),
    ]
    assert found[1].start.astimezone(ZoneInfo(NEW_YORK)).strftime("%H:%M %Z") == "03:30 EDT"

    note = adjustment_note("gap", found[1].local, NEW_YORK)
    assert "02:30 on 2027-03-14 does not exist in America/New_York" in note
    assert "03:30" in note


def test_fall_back_fold_takes_the_first_of_the_two_times() -> None:
    start = datetime(2027, 10, 31, 1, 30)  # Sundays 01:30: 2027-11-07 01:30 happens twice
    rule = rrule_for(Repeat("weekly"), start)

    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 10, 30), limit=3)

    assert [o.adjustment for o in found] == [None, "fold", None]
    assert starts(found) == [
        utc(2027, 10, 31, 5, 30),
        utc(2027, 11, 7, 5, 30),
        utc(2027, 11, 14, 6, 30),
    ]
    assert found[1].start.astimezone(ZoneInfo(NEW_YORK)).strftime("%H:%M %Z") == "01:30 EDT"
    note = adjustment_note("fold", found[1].local, NEW_YORK)
    assert "happens twice" in note and "EDT" in note
    assert adjustment_note(None, found[0].local, NEW_YORK) == ""


def test_half_past_two_on_fall_back_day_is_unambiguous() -> None:
    # 02:30 happens once on 2027-11-07 (clocks go from 02:00 EDT back to 01:00 EST).
    assert to_utc(datetime(2027, 11, 7, 2, 30), NEW_YORK) == (utc(2027, 11, 7, 7, 30), None)
    assert to_utc(datetime(2027, 3, 14, 1, 30), NEW_YORK) == (utc(2027, 3, 14, 6, 30), None)
    assert to_utc(datetime(2027, 3, 14, 2, 0), NEW_YORK) == (utc(2027, 3, 14, 7, 0), "gap")


def test_gap_in_a_zone_with_a_half_hour_change() -> None:
    # Lord Howe Island moves its clocks by 30 minutes: 02:15 on 2027-10-03 does not exist.
    instant, adjustment = to_utc(datetime(2027, 10, 3, 2, 15), "Australia/Lord_Howe")
    assert adjustment == "gap"
    assert instant.astimezone(ZoneInfo("Australia/Lord_Howe")).strftime("%H:%M") == "02:45"


@pytest.mark.parametrize(
    "zone", [NEW_YORK, "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata"]
)
def test_to_utc_classifies_every_half_hour_of_2027(zone: str) -> None:
    """A gap time has no reading that round-trips, a fold time has two different ones, any other
    time exactly one; and the instant chosen for a fold is the earlier of the two."""
    tz = ZoneInfo(zone)
    seen = {None: 0, "gap": 0, "fold": 0}
    local = datetime(2027, 1, 1)
    while local < datetime(2028, 1, 1):
        instant, adjustment = to_utc(local, zone)
        seen[adjustment] += 1
        readings = {
            aware.astimezone(UTC)
            for aware in (local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1))
            if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local
        }
        if adjustment is None:
            assert readings == {instant}
        elif adjustment == "fold":
            assert len(readings) == 2 and instant == min(readings)
        else:
            assert readings == set()
            assert instant.astimezone(tz).replace(tzinfo=None) > local  # moved forward
        local += timedelta(minutes=30)
    changes = 0 if zone == "Asia/Kolkata" else 1
    assert seen["gap"] == seen["fold"] == changes * (1 if zone == "Australia/Lord_Howe" else 2)


def test_to_utc_refuses_aware_times() -> None:
    with pytest.raises(ValueError):
        to_utc(datetime(2027, 1, 1, tzinfo=UTC), NEW_YORK)


# --- kinds of repeat, until, exclude, after, limit ---------------------------------------------


def test_biweekly_every_other_tuesday() -> None:
    start = datetime(2027, 1, 5, 18, 0)
    rule = rrule_for(Repeat("biweekly"), start)
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 1), limit=4)
    assert [o.local.date() for o in found] == [
        date(2027, 1, 5),
        date(2027, 1, 19),
        date(2027, 2, 2),
        date(2027, 2, 16),
    ]
    assert describe_repeat(Repeat("biweekly"), start) == "every 2 weeks on Tuesday"


def test_monthly_on_the_31st_skips_shorter_months() -> None:
    start = datetime(2027, 1, 31, 12, 0)
    rule = rrule_for(Repeat("monthly_date"), start)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=31"
    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 1), limit=4)
    assert [o.local.date() for o in found] == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
    ]
    assert describe_repeat(Repeat("monthly_date"), start) == (
        "monthly on day 31 (months without that day are skipped)"
    )
    assert describe_repeat(Repeat("monthly_date"), datetime(2027, 1, 15, 12)) == "monthly on day 15"


def test_until_is_inclusive_of_its_last_day() -> None:
    start = datetime(2027, 1, 5, 23, 30)  # late evening: the end of the day still counts
    repeat = Repeat("weekly", until=date(2027, 1, 26))
    rule = rrule_for(repeat, start)
    assert rule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270126T235959"
    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 1), limit=10)
    assert [o.local.date() for o in found] == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 19),
        date(2027, 1, 26),
    ]
    assert occurrences(rule, start, NEW_YORK, after=utc(2027, 2, 1), limit=10) == []
    assert describe_repeat(repeat, start) == "every week on Tuesday until 2027-01-26"


def test_until_before_the_start_is_refused() -> None:
    with pytest.raises(UserError) as raised:
        rrule_for(Repeat("weekly", until=date(2027, 1, 1)), datetime(2027, 1, 5, 12))
    assert "before its first session" in raised.value.message


def test_exclude_leaves_out_cancelled_and_moved_keys() -> None:
    start = datetime(2027, 1, 5, 12, 0)
    rule = rrule_for(Repeat("weekly"), start)
    skipped = frozenset({datetime(2027, 1, 12, 12, 0), datetime(2027, 1, 26, 12, 0)})
    found = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 1), limit=3, exclude=skipped)
    assert [o.local.date() for o in found] == [
        date(2027, 1, 5),
        date(2027, 1, 19),
        date(2027, 2, 2),
    ]


def test_after_far_in_the_future_and_limit() -> None:
    start = datetime(2027, 1, 5, 12, 0)
    rule = rrule_for(Repeat("monthly_nth", nth=-1), start.replace(day=26))
    assert rule == "FREQ=MONTHLY;BYDAY=-1TU"
    found = occurrences(rule, start.replace(day=26), NEW_YORK, after=utc(2045, 6, 1), limit=2)
    assert [o.local for o in found] == [datetime(2045, 6, 27, 12), datetime(2045, 7, 25, 12)]
    assert starts(found) == [utc(2045, 6, 27, 16), utc(2045, 7, 25, 16)]
    assert occurrences(rule, start.replace(day=26), NEW_YORK, after=utc(2045, 6, 1), limit=0) == []


def test_after_is_an_instant_a_session_already_started_is_left_out() -> None:
    start = datetime(2027, 1, 5, 12, 0)
    rule = rrule_for(Repeat("weekly"), start)
    at_start = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 12, 17), limit=1)
    assert starts(at_start) == [utc(2027, 1, 12, 17)]
    just_after = occurrences(rule, start, NEW_YORK, after=utc(2027, 1, 12, 17, 0, 1), limit=1)
    assert starts(just_after) == [utc(2027, 1, 19, 17)]


def test_one_off_session() -> None:
    start = datetime(2027, 3, 14, 2, 30)
    assert rrule_for(Repeat(), start) is None
    [only] = occurrences(None, start, NEW_YORK, after=utc(2027, 1, 1), limit=5)
    assert only == Occurrence(local=start, start=utc(2027, 3, 14, 7, 30), adjustment="gap")
    assert occurrences(None, start, NEW_YORK, after=utc(2027, 3, 15), limit=5) == []
    assert (
        occurrences(
            None, start, NEW_YORK, after=utc(2027, 1, 1), limit=5, exclude=frozenset({start})
        )
        == []
    )


def test_a_rule_with_count_still_counts_from_its_start() -> None:
    start = datetime(2027, 1, 4, 9, 0)
    found = occurrences("FREQ=WEEKLY;COUNT=3", start, NEW_YORK, after=utc(2027, 1, 10), limit=5)
    assert [o.local.date() for o in found] == [date(2027, 1, 11), date(2027, 1, 18)]


def test_starting_near_after_gives_the_same_sessions_as_full_expansion() -> None:
    """The fast path restarts the rule near `after`; it must agree with dateutil expanding every
    session from DTSTART, for every kind of rule, start and zone."""
    rng = random.Random(5545)
    zones = [NEW_YORK, "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland"]
    kinds: list[RepeatKind] = ["weekly", "biweekly", "monthly_nth", "monthly_date"]
    checked = 0
    for _ in range(300):
        start = datetime(2024, 1, 1, rng.randint(0, 23), rng.choice([0, 30])) + timedelta(
            days=rng.randint(0, 900)
        )
        kind = rng.choice(kinds)
        last = (start + timedelta(days=7)).month != start.month
        nth = -1 if kind == "monthly_nth" and last and rng.random() < 0.5 else None
        rule = rrule_for(Repeat(kind, nth=nth), start)
        assert rule is not None
        zone = rng.choice(zones)
        after = utc(2024, 1, 1) + timedelta(hours=rng.randint(0, 24 * 365 * 5))
        expected = []
        for local in rrulestr(rule, dtstart=start):
            instant, _ = to_utc(local, zone)
            if instant >= after:
                expected.append(instant)
                if len(expected) == 3:
                    break
        assert starts(occurrences(rule, start, zone, after=after, limit=3)) == expected, (
            rule,
            start,
            zone,
            after,
        )
        checked += 1
    assert checked == 300


# --- rules <-> repeats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repeat", "start", "text"),
    [
        (Repeat("weekly"), datetime(2027, 1, 5, 12), "FREQ=WEEKLY;BYDAY=TU"),
        (
            Repeat("biweekly", until=date(2027, 6, 30)),
            datetime(2027, 1, 7, 12),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20270630T235959",
        ),
        (Repeat("monthly_nth", nth=2), datetime(2027, 1, 14, 18), "FREQ=MONTHLY;BYDAY=+2TH"),
        (Repeat("monthly_nth", nth=-1), datetime(2027, 1, 28, 18), "FREQ=MONTHLY;BYDAY=-1TH"),
        (Repeat("monthly_date"), datetime(2027, 1, 15, 18), "FREQ=MONTHLY;BYMONTHDAY=15"),
    ],
)
def test_rrule_round_trip(repeat: Repeat, start: datetime, text: str) -> None:
    assert rrule_for(repeat, start) == text
    assert repeat_from_rrule(text, start) == repeat


def test_repeat_from_rrule_of_a_one_off_and_of_a_foreign_rule() -> None:
    assert repeat_from_rrule(None, datetime(2027, 1, 5)) == Repeat()
    with pytest.raises(ValueError):
        repeat_from_rrule("FREQ=DAILY", datetime(2027, 1, 5))


def test_monthly_nth_refuses_a_start_date_that_is_not_such_a_day() -> None:
    # 2027-01-06 is the first Wednesday; the second Wednesday is 2027-01-13.
    with pytest.raises(UserError) as raised:
        rrule_for(Repeat("monthly_nth", nth=2), datetime(2027, 1, 6, 12))
    assert raised.value.params["fits"] == "2027-01-13"
    # The last Wednesday of January 2027 is the 27th.
    with pytest.raises(UserError) as raised:
        rrule_for(Repeat("monthly_nth", nth=-1), datetime(2027, 1, 6, 12))
    assert raised.value.params["fits"] == "2027-01-27"


def test_describe_repeat_wording() -> None:
    tuesday = datetime(2027, 1, 5, 12)
    assert describe_repeat(Repeat("weekly"), tuesday) == "every week on Tuesday"
    assert describe_repeat(Repeat("monthly_nth"), tuesday) == "monthly on the first Tuesday"
    assert describe_repeat(Repeat("monthly_nth", nth=-1), tuesday) == "monthly on the last Tuesday"
    assert describe_repeat(Repeat(), tuesday) == "once"
    calls: list[str] = []

    def shouting(message: str, /, **params: object) -> str:
        calls.append(message)
        return message.upper().format(**{k.upper(): v for k, v in params.items()})

    assert describe_repeat(Repeat("weekly"), tuesday, t=shouting) == "EVERY WEEK ON TUESDAY"
    assert "every week on {weekday}" in calls and "Tuesday" in calls


# --- typed dates ------------------------------------------------------------------------------

# Monday 2026-11-23 14:00 in New York.
NOW = utc(2026, 11, 23, 19)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 18:00", datetime(2026, 12, 1, 18, 0)),
        ("2026-12-01 6pm", datetime(2026, 12, 1, 18, 0)),
        ("2026/12/01 18:00", datetime(2026, 12, 1, 18, 0)),
        ("tomorrow 6pm", datetime(2026, 11, 24, 18, 0)),
        ("6 p.m. tomorrow", datetime(2026, 11, 24, 18, 0)),
        ("today 18:30", datetime(2026, 11, 23, 18, 30)),
        ("tonight 7:15pm", datetime(2026, 11, 23, 19, 15)),
        ("Dec 3 12:00", datetime(2026, 12, 3, 12, 0)),
        ("3 December 12pm", datetime(2026, 12, 3, 12, 0)),
        ("December 3rd at 6:30pm", datetime(2026, 12, 3, 18, 30)),
        ("Dec 3 noon", datetime(2026, 12, 3, 12, 0)),
        ("Thursday Dec 3 6pm", datetime(2026, 12, 3, 18, 0)),  # the day name agrees
        ("Dec 3rd 6pm", datetime(2026, 12, 3, 18, 0)),
        ("12:00 Dec 3", datetime(2026, 12, 3, 12, 0)),
        ("dec 3, 2026 at 6 pm", datetime(2026, 12, 3, 18, 0)),
        ("2026-12-01T18:00", datetime(2026, 12, 1, 18, 0)),
        ("tomorrow at noon", datetime(2026, 11, 24, 12, 0)),
        ("6pm today", datetime(2026, 11, 23, 18, 0)),
        ("this friday 5pm", datetime(2026, 11, 27, 17, 0)),
        ("Dec 3 06:30", datetime(2026, 12, 3, 6, 30)),  # a leading zero: a 24-hour clock
        ("Dec 3 10:30", datetime(2026, 12, 3, 10, 30)),
        ("Thu, Dec 3 at 6pm", datetime(2026, 12, 3, 18, 0)),
        ("next monday 12:00", datetime(2026, 11, 30, 12, 0)),  # today is Monday: next week's
        ("tuesday 7pm", datetime(2026, 11, 24, 19, 0)),
        ("Tue 7pm", datetime(2026, 11, 24, 19, 0)),
        ("monday 3pm", datetime(2026, 11, 23, 15, 0)),  # today, still ahead
        ("monday 1pm", datetime(2026, 11, 30, 13, 0)),  # today's has passed: next week
        ("next monday 3pm", datetime(2026, 11, 30, 15, 0)),  # "next" never means today
        ("6pm", datetime(2026, 11, 23, 18, 0)),  # a bare time: today if still ahead
        ("9am", datetime(2026, 11, 24, 9, 0)),  # ... else tomorrow
        ("18.30", datetime(2026, 11, 23, 18, 30)),
        ("6.30pm tomorrow", datetime(2026, 11, 24, 18, 30)),
        ("Jan 5 12:00", datetime(2027, 1, 5, 12, 0)),  # no year: the next January 5
        ("Feb 29 2028 12:00", datetime(2028, 2, 29, 12, 0)),
        ("May 20 6pm", datetime(2027, 5, 20, 18, 0)),  # within six months: no year needed
        # The examples of the issue, and 24-hour times typed without a colon.
        ("tomorrow 18:00", datetime(2026, 11, 24, 18, 0)),
        ("tomorrow 1800", datetime(2026, 11, 24, 18, 0)),
        ("tomorrow 0630", datetime(2026, 11, 24, 6, 30)),
        ("tomorrow at 18", datetime(2026, 11, 24, 18, 0)),
        ("tomorrow 12", datetime(2026, 11, 24, 12, 0)),  # noon, as on a clock
        ("wed 1800", datetime(2026, 11, 25, 18, 0)),
        ("Dec 3 1800", datetime(2026, 12, 3, 18, 0)),
        ("Dec 3 2027 1800", datetime(2027, 12, 3, 18, 0)),
        ("2026-12-01 1800", datetime(2026, 12, 1, 18, 0)),
        ("2026 12 01 6pm", datetime(2026, 12, 1, 18, 0)),  # year first: the month is clear
        ("tomorrow 630pm", datetime(2026, 11, 24, 18, 30)),
        ("Dec 3 1230pm", datetime(2026, 12, 3, 12, 30)),
        ("  2026-12-01   18:00 ", datetime(2026, 12, 1, 18, 0)),
    ],
)
def test_parse_when_accepts(text: str, expected: datetime) -> None:
    assert parse_when(text, NEW_YORK, NOW) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-11-20 18:00", "already passed"),
        ("today 9am", "already passed"),
        ("2029-01-01 18:00", "more than 2 years"),
        ("12/1 18:00", "different days in different countries"),
        ("12/3 6:30pm", "different days in different countries"),
        ("12 3 6pm", "different days in different countries"),
        ("3 12 2027 6pm", "different days in different countries"),
        # Morning or evening? Asked, not guessed.
        ("tomorrow 6:30", "Is 6:30 in the morning or in the evening? Please write 6:30am"),
        ("Dec 3 6:30", "or 18:30 on a 24-hour clock"),
        ("tomorrow 6", "Is that 6 in the morning or in the evening? Please write 6am or 6pm"),
        ("tomorrow 630", "Is 6:30 in the morning"),
        ("tomorrow 12am", "12am is easy to misread"),
        # A two-digit number after a date: a year or a time?
        ("Dec 3 6", "a year or a time"),
        ("Dec 3 at 7", "a year or a time"),
        # Said on a Monday, "next Tuesday" is tomorrow to some and in 8 days to others.
        ("next tuesday 12pm", "can mean 2026-11-24 or 2026-12-01"),
        ("next friday 3pm", "like 2026-11-27 15:00"),
        # A date without a year that has just passed is a slip, not a session next year.
        ("Nov 20 6pm", "would be 2027-11-20, a long way off"),
        ("Feb 29 12:00", "like 2028-02-29 12:00"),
        ("1/12/2027 18:00", "different days in different countries"),
        ("01.12.2027 18:00", "different days in different countries"),
        ("6.30", "with a colon"),
        ("purple monkey", "couldn't read"),
        ("tomorrow 6pm-7pm", "couldn't read"),
        ("Dec 3 25:00", "couldn't read"),
        ("", "Please give a date and a time"),
        ("tomorrow 6pm " + "x" * 200, "Please give a date and a time"),
        ("tomorrow", "time of day"),
        ("today 1pm", "(2026-11-23 13:00) has already passed"),
        ("Nov 23 1pm", "a long way off"),
        ("Dec 3", "time of day"),
        ("2026-12-01", "time of day"),
        ("December 6pm", "month and the day"),
        ("Dec 3 tuesday 6pm", "2026-12-03 is a Thursday, not a Tuesday"),
        ("tomorrow Dec 3 6pm", "either a day name or a date"),
        ("midnight", "Midnight"),
        ("2026-12-01 18:00 EST", "No need to add a time zone"),
        ("12:00 ET tomorrow", "No need to add a time zone"),
        ("2026-12-01 18:00 +05:00", "No need to add a time zone"),
        ("2026-12-01T18:00Z", "No need to add a time zone"),
        ("2026-12-01 18:00 UTC", "No need to add a time zone"),
        ("tomorrow 6pm pacific", "No need to add a time zone"),
    ],
)
def test_parse_when_refuses_kindly(text: str, says: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_when(text, NEW_YORK, NOW)
    error = raised.value
    shown = error.message.format(**error.params)
    assert says in shown
    assert "{" not in shown  # every placeholder filled


def test_parse_when_reads_back_what_it_is_shown() -> None:
    """Any future time written as ISO or with the month's name reads back as itself."""
    rng = random.Random(12)
    for _ in range(200):
        local = datetime(2026, 11, 24) + timedelta(minutes=15 * rng.randint(0, 4 * 24 * 700))
        for text in (local.strftime("%Y-%m-%d %H:%M"), local.strftime("%b %d %Y %I:%M%p")):
            assert parse_when(text, NEW_YORK, NOW) == local, text


def test_time_zone_refusal_names_the_groups_zone() -> None:
    with pytest.raises(UserError) as raised:
        parse_when("tomorrow 6pm EST", "Europe/London", NOW)
    assert "Europe/London" in raised.value.message.format(**raised.value.params)


def test_tomorrow_is_the_groups_tomorrow_around_its_local_midnight() -> None:
    # Pacific/Kiritimati is UTC+14: its midnight is 10:00Z, the day before in UTC.
    zone = "Pacific/Kiritimati"
    before_midnight = utc(2027, 1, 10, 9, 59)  # 23:59 on Jan 10 there (still Jan 10 in UTC)
    after_midnight = utc(2027, 1, 10, 10, 1)  # 00:01 on Jan 11 there (still Jan 10 in UTC)
    assert parse_when("tomorrow 6pm", zone, before_midnight) == datetime(2027, 1, 11, 18, 0)
    assert parse_when("tomorrow 6pm", zone, after_midnight) == datetime(2027, 1, 12, 18, 0)
    # And west of UTC (UTC-10): local midnight is 10:00Z the next UTC day.
    honolulu = "Pacific/Honolulu"
    assert parse_when("tomorrow 6pm", honolulu, utc(2027, 1, 11, 9, 59)) == datetime(
        2027, 1, 11, 18
    )
    assert parse_when("tomorrow 6pm", honolulu, utc(2027, 1, 11, 10, 1)) == datetime(
        2027, 1, 12, 18
    )


def test_a_typed_time_in_the_gap_is_returned_as_typed_for_the_preview_to_explain() -> None:
    local = parse_when("2027-03-14 2:30am", NEW_YORK, NOW)
    assert local == datetime(2027, 3, 14, 2, 30)
    assert to_utc(local, NEW_YORK)[1] == "gap"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-06-30", date(2027, 6, 30)),
        ("Jun 30", date(2027, 6, 30)),
        ("30 June 2027", date(2027, 6, 30)),
        ("Nov 23", date(2026, 11, 23)),  # today counts
        ("tomorrow", date(2026, 11, 24)),
    ],
)
def test_parse_until_accepts(text: str, expected: date) -> None:
    assert parse_until(text, NEW_YORK, NOW) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-11-01", "already passed"),
        ("6/30", "different days"),
        ("2027-06-30 18:00", "just the date"),
        ("whenever", "couldn't read"),
        ("2040-01-01", "10 years"),
    ],
)
def test_parse_until_refuses(text: str, says: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_until(text, NEW_YORK, NOW)
    assert says in raised.value.message.format(**raised.value.params)


def shouting(message: str, /, **params: object) -> str:
    """A stand-in translator: every msgid it translates comes back in capitals."""
    return message.upper().format(**params) if params else message.upper()


@pytest.mark.parametrize(
    ("raise_it", "english", "translated"),
    [
        (
            lambda: rrule_for(Repeat("monthly_nth", nth=2), datetime(2027, 3, 3, 18)),
            "2027-03-03 is not the second Wednesday of its month",
            "2027-03-03 is not the SECOND WEDNESDAY of its month",
        ),
        (
            lambda: parse_when("Dec 3 tuesday 6pm", NEW_YORK, NOW),
            "2026-12-03 is a Thursday, not a Tuesday",
            "2026-12-03 is a THURSDAY, not a TUESDAY",
        ),
        (
            lambda: parse_when("next friday 3pm", NEW_YORK, NOW),
            "“Next Friday” can mean",
            "“Next FRIDAY” can mean",
        ),
    ],
)
def test_words_put_into_a_sentence_are_translated_with_it(
    raise_it: object, english: str, translated: str
) -> None:
    """Weekdays and ordinals inside an error are msgids (Term), so the reader's translator
    turns them into their language, not only the sentence around them."""
    with pytest.raises(UserError) as raised:
        raise_it()  # type: ignore[operator]
    error = raised.value
    assert english in error.message.format(**error.params)
    assert any(isinstance(value, Term) for value in error.params.values())
    localized = translate_terms(error.params, shouting)
    assert translated in error.message.format(**localized)
    # Everything else is left as it was (dates, numbers, the zone).
    assert {k: v for k, v in localized.items() if not isinstance(error.params[k], Term)} == {
        k: v for k, v in error.params.items() if not isinstance(v, Term)
    }


def test_examples_in_refusals_are_dates_still_ahead() -> None:
    later = utc(2027, 6, 1, 12)
    with pytest.raises(UserError) as raised:
        parse_when("purple monkey", NEW_YORK, later)
    shown = raised.value.message.format(**raised.value.params)
    assert "2027-06-11 18:00" in shown and "Jun 21 12:00" in shown
    # And each example reads back as a future time.
    for example in raised.value.params["examples"].split(", "):
        assert to_utc(parse_when(example, NEW_YORK, later), NEW_YORK)[0] > later


def test_the_repeat_option_is_checked_in_our_code() -> None:
    assert [repeat_kind(k) for k in ("none", "weekly", "monthly_nth")] == [
        "none",
        "weekly",
        "monthly_nth",
    ]
    with pytest.raises(UserError, match="how it repeats"):
        repeat_kind("daily")
