"""Meeting times: rules expanded in local time, DST gaps and folds (recurrence.py, zones.py).

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
from cogs.meetings.recurrence import (
    Occurrence,
    Repeat,
    RepeatKind,
    describe_repeat,
    occurrences,
    repeat_from_rrule,
    repeat_kind,
    rrule_for,
)
from cogs.meetings.zones import adjustment_note, to_utc

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


def test_the_repeat_option_is_checked_in_our_code() -> None:
    assert [repeat_kind(k) for k in ("none", "weekly", "monthly_nth")] == [
        "none",
        "weekly",
        "monthly_nth",
    ]
    with pytest.raises(UserError, match="how it repeats"):
        repeat_kind("daily")
