"""The old home of meeting times, kept so `from cogs.meetings import timing` still works
(benchmarks/meetings_load.py). The code lives in zones.py (local time <-> UTC), recurrence.py
(rules and their sessions) and typed_dates.py (dates people type); import from those."""

from cogs.meetings.recurrence import Repeat, RepeatKind, occurrences, rrule_for
from cogs.meetings.typed_dates import parse_until, parse_when
from cogs.meetings.zones import Adjustment, local_now, to_utc

__all__ = [
    "Adjustment",
    "Repeat",
    "RepeatKind",
    "local_now",
    "occurrences",
    "parse_until",
    "parse_when",
    "rrule_for",
    "to_utc",
]
