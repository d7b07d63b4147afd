"""The mentoring feature's SQL for `bot.facts.mentoring` (bot/facts.py): the numbers of a
period, from the dated log of its tallies (names nobody), read-only."""

from __future__ import annotations

from bot.db import Database


class MentoringFactsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def totals(self, guild_id: int, start: int, end: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT name, SUM(value) AS total FROM mentoring_tally_log WHERE guild_id = :g "
            "AND at >= :start AND at < :end GROUP BY name",
            {"g": guild_id, "start": start, "end": end},
        )
        return {r["name"]: int(r["total"]) for r in rows}

    async def active(self, guild_id: int) -> int:
        value = await self.db.fetchval(
            "SELECT COUNT(*) FROM mentoring_matches WHERE guild_id = :g AND status = 'active'",
            {"g": guild_id},
        )
        return int(value or 0)
