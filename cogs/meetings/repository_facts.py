"""The meetings feature's SQL for `bot.facts.sessions` (bot/facts.py): sessions with their RSVP
counts, read-only."""

from __future__ import annotations

from bot.db import Database, Row
from bot.facts import SessionFact

_SELECT = (
    "SELECT o.guild_id, o.group_id, o.series_id, o.scheduled_at, o.starts_at, o.ends_at, "
    "o.status, "
    "(SELECT COUNT(*) FROM meeting_rsvps r WHERE r.occurrence_id = o.id "
    "AND r.answer = 'going') AS going, "
    "(SELECT COUNT(*) FROM meeting_rsvps r WHERE r.occurrence_id = o.id "
    "AND r.answer = 'maybe') AS maybe, "
    "(SELECT COUNT(*) FROM meeting_rsvps r WHERE r.occurrence_id = o.id "
    "AND r.answer = 'no') AS not_going "
    "FROM meeting_occurrences o "
)


def _fact(row: Row) -> SessionFact:
    return SessionFact(
        guild_id=row["guild_id"],
        group_id=row["group_id"],
        occurrence=f"{row['series_id']}:{row['scheduled_at']}",
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
        going=row["going"],
        maybe=row["maybe"],
        not_going=row["not_going"],
    )


class SessionFactsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def starting_between(self, start: int, end: int) -> list[SessionFact]:
        rows = await self.db.fetchall(
            _SELECT + "WHERE o.starts_at >= :start AND o.starts_at < :end ORDER BY o.starts_at",
            {"start": start, "end": end},
        )
        return [_fact(r) for r in rows]

    async def session(self, guild_id: int, occurrence: str) -> SessionFact | None:
        series, _, scheduled = occurrence.partition(":")
        if not (series.isdigit() and scheduled.isdigit()):
            return None
        row = await self.db.fetchone(
            _SELECT + "WHERE o.guild_id = :guild AND o.series_id = :series "
            "AND o.scheduled_at = :scheduled",
            {"guild": guild_id, "series": int(series), "scheduled": int(scheduled)},
        )
        return None if row is None else _fact(row)
