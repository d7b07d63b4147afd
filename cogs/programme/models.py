"""The programme's records, as the service hands them around (no discord here)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BRIEFING_MINUTES = 120
MAX_BRIEFING_MINUTES = 48 * 60
LATE_END_SECONDS = 12 * 3600  # meeting_ended may come this late (bot/events.py)

SCHEDULED, HELD, SKIPPED, CANCELLED = "scheduled", "held", "skipped", "cancelled"
ASKED, RECORDED = "asked", "recorded"


@dataclass(frozen=True)
class ProgrammeSession:
    guild_id: int
    group_id: int
    occurrence: str
    starts_at: int
    ends_at: int
    status: str
    briefed_at: int | None = None
    started_at: int | None = None
    ended_at: int | None = None
    attendance: str | None = None
    attended: int | None = None

    @property
    def series_id(self) -> int:
        return int(self.occurrence.split(":", 1)[0])

    @property
    def scheduled_at(self) -> int:
        return int(self.occurrence.split(":", 1)[1])


def occurrence_of(series_id: int, scheduled_at: int) -> str:
    return f"{series_id}:{scheduled_at}"


@dataclass(frozen=True)
class DueBriefing:
    session: ProgrammeSession
    minutes: int
