"""The rules `rrule_for` writes are expanded without dateutil (recurrence._simple_candidates:
start-up plans the next session of thousands of series). They must give exactly the sessions
dateutil gives, for every shape, start, interval, UNTIL and window; other rules still go to
dateutil. Pure functions: no loopback Discord needed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import islice

from dateutil.rrule import rrulestr

from cogs.meetings.recurrence import WEEKDAY_CODES, _candidates, _simple

CASES = 1500


def dateutil_sessions(rule: str, start: datetime, not_before: datetime, n: int) -> list[datetime]:
    """Every session from DTSTART by dateutil, those at or after `not_before`, the first n."""
    found = (local for local in rrulestr(rule, dtstart=start) if local >= not_before)
    return list(islice(found, n))


def random_rule(rng: random.Random, start: datetime) -> str:
    shape = rng.choice(["weekly", "weekly_other_day", "month_day", "nth", "last"])
    if shape == "weekly":
        parts = [
            "FREQ=WEEKLY",
            f"INTERVAL={rng.randint(1, 4)}",
            f"BYDAY={WEEKDAY_CODES[start.weekday()]}",
        ]
    elif shape == "weekly_other_day":  # not a shape rrule_for writes: dateutil expands it
        day = rng.choice(WEEKDAY_CODES)
        parts = ["FREQ=WEEKLY", f"INTERVAL={rng.randint(1, 3)}", f"BYDAY={day}"]
    elif shape == "month_day":
        day = rng.choice([start.day, rng.randint(1, 31), 29, 30, 31])
        parts = ["FREQ=MONTHLY", f"BYMONTHDAY={day}"]
    else:
        nth = -1 if shape == "last" else rng.randint(1, 5)
        parts = ["FREQ=MONTHLY", f"BYDAY={nth:+d}{rng.choice(WEEKDAY_CODES)}"]
    rng.shuffle(parts)
    if rng.random() < 0.3:
        until = start + timedelta(days=rng.randint(-10, 800))
        parts.append(f"UNTIL={until:%Y%m%d}T{rng.choice(['235959', '000000', '120000'])}")
    return ";".join(parts)


def test_simple_rules_give_exactly_the_sessions_dateutil_gives() -> None:
    rng = random.Random(20261207)
    simple = 0
    for _ in range(CASES):
        start = datetime(2023, 1, 1) + timedelta(
            days=rng.randint(0, 1500), hours=rng.randint(0, 23), minutes=rng.choice([0, 30, 59])
        )
        start = start.replace(second=rng.choice([0, 0, 7]))
        rule = random_rule(rng, start)
        not_before = start + timedelta(hours=rng.randint(-24 * 60, 24 * 365 * 4))
        simple += _simple(rule) is not None
        got = list(islice(_candidates(rule, start, not_before), 6))
        got = [local for local in got if local >= not_before]
        assert got == dateutil_sessions(rule, start, not_before, len(got) or 6), (
            rule,
            start,
            not_before,
        )
    assert simple > CASES // 2  # most cases took the path without dateutil


def test_other_rules_are_left_to_dateutil() -> None:
    for rule in (
        "FREQ=WEEKLY;COUNT=3",
        "FREQ=DAILY",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=3",
        "FREQ=MONTHLY;BYDAY=-2TU",
        "FREQ=WEEKLY;BYDAY=TU,TH",
        "FREQ=WEEKLY;BYDAY=TU;WKST=SU",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T235959Z",
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9",
    ):
        assert _simple(rule) is None, rule
