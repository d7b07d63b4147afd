"""Time as a dependency: services take a `Clock` so tests decide what "now" is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def epoch(moment: datetime) -> int:
    """Aware datetime -> INTEGER UTC epoch seconds, the only form stored in the database."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone first")
    return int(moment.timestamp())
