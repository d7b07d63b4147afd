"""The programme's SQL for the anonymous ratings it keeps (migration 0031, `programme_ratings`):
one row per closed post-session poll where at least k answered; how many answered, the mean and
how many gave each rating. Never who."""

from __future__ import annotations

from bot.db import Database, Transaction
from bot.facts import Rating

RATINGS = 5


class RatingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self, guild_id: int) -> int | None:
        return await self.db.fetchval(
            "SELECT MAX(closed_at) FROM programme_ratings WHERE guild_id = :guild",
            {"guild": guild_id},
        )

    async def keep(self, tx: Transaction, guild_id: int, rating: Rating) -> bool:
        """True if it was new (a poll's tally never changes once closed)."""
        counts = list(rating.counts) if len(rating.counts) == RATINGS else [None] * RATINGS
        return (
            await tx.execute(
                "INSERT INTO programme_ratings (guild_id, group_id, closed_at, answered, mean, "
                "rated_1, rated_2, rated_3, rated_4, rated_5) VALUES (:guild, :group, :at, "
                ":answered, :mean, :r1, :r2, :r3, :r4, :r5) ON CONFLICT DO NOTHING",
                {
                    "guild": guild_id,
                    "group": rating.group_id,
                    "at": rating.at,
                    "answered": rating.answered,
                    "mean": rating.mean,
                    **{f"r{n}": c for n, c in enumerate(counts, start=1)},
                },
            )
            > 0
        )

    async def between(self, guild_id: int, start: int, end: int) -> list[Rating]:
        rows = await self.db.fetchall(
            "SELECT group_id, closed_at, answered, mean, rated_1, rated_2, rated_3, rated_4, "
            "rated_5 FROM programme_ratings WHERE guild_id = :guild AND closed_at >= :start "
            "AND closed_at < :end ORDER BY closed_at, group_id",
            {"guild": guild_id, "start": start, "end": end},
        )
        out = []
        for r in rows:
            counts = [r[f"rated_{n}"] for n in range(1, RATINGS + 1)]
            out.append(
                Rating(
                    int(r["group_id"]),
                    int(r["closed_at"]),
                    int(r["answered"]),
                    float(r["mean"]),
                    tuple(counts) if None not in counts else (),
                )
            )
        return out
