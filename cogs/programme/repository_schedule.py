"""SQL of the programme's scheduled reports and the leaders' check-ins (migration 0030)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database, Row, Transaction


@dataclass(frozen=True)
class Schedule:
    guild_id: int
    channel_id: int
    interval: str
    next_start: int


@dataclass(frozen=True)
class Checkin:
    group_id: int
    rating: int
    words: str | None
    answered_at: int


def _schedule(row: Row) -> Schedule:
    return Schedule(row["guild_id"], row["channel_id"], row["interval"], row["next_start"])


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def schedules(self) -> list[Schedule]:
        rows = await self.db.fetchall(
            "SELECT guild_id, channel_id, interval, next_start FROM programme_report_schedule "
            "ORDER BY guild_id"
        )
        return [_schedule(r) for r in rows]

    async def schedule(self, guild_id: int) -> Schedule | None:
        row = await self.db.fetchone(
            "SELECT guild_id, channel_id, interval, next_start FROM programme_report_schedule "
            "WHERE guild_id = :guild",
            {"guild": guild_id},
        )
        return None if row is None else _schedule(row)

    async def set_schedule(self, tx: Transaction, schedule: Schedule, by: int, now: int) -> None:
        await tx.execute(
            "INSERT INTO programme_report_schedule (guild_id, channel_id, interval, next_start, "
            "updated_by, updated_at) VALUES (:guild, :channel, :interval, :next, :by, :now) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
            "interval = excluded.interval, next_start = excluded.next_start, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            {
                "guild": schedule.guild_id,
                "channel": schedule.channel_id,
                "interval": schedule.interval,
                "next": schedule.next_start,
                "by": by,
                "now": now,
            },
        )

    async def stop(self, tx: Transaction, guild_id: int) -> bool:
        return (
            await tx.execute(
                "DELETE FROM programme_report_schedule WHERE guild_id = :guild",
                {"guild": guild_id},
            )
            > 0
        )

    async def claim(
        self, tx: Transaction, schedule: Schedule, start: int, end: int, now: int
    ) -> bool:
        """Mark the period posted and move the schedule on; False when it was already."""
        claimed = await tx.execute(
            "INSERT INTO programme_report_runs (guild_id, interval, period_start, period_end, "
            "queued_at) VALUES (:guild, :interval, :start, :end, :now) ON CONFLICT DO NOTHING",
            {
                "guild": schedule.guild_id,
                "interval": schedule.interval,
                "start": start,
                "end": end,
                "now": now,
            },
        )
        await tx.execute(
            "UPDATE programme_report_schedule SET next_start = :end "
            "WHERE guild_id = :guild AND next_start = :start",
            {"guild": schedule.guild_id, "start": start, "end": end},
        )
        return claimed > 0

    async def answer(
        self,
        tx: Transaction,
        guild_id: int,
        group_id: int,
        period_start: int,
        leader_id: int,
        rating: int | None,
        words: str | None,
        now: int,
    ) -> bool:
        """A rating (with words kept), or words (with the rating kept: False without one)."""
        if rating is not None:
            await tx.execute(
                "INSERT INTO programme_checkins (guild_id, group_id, period_start, leader_key, "
                "leader_id, rating, answered_at) VALUES (:guild, :group, :start, :leader, "
                ":leader, :rating, :now) ON CONFLICT (guild_id, group_id, period_start, "
                "leader_key) DO UPDATE SET rating = excluded.rating, "
                "answered_at = excluded.answered_at",
                {
                    "guild": guild_id,
                    "group": group_id,
                    "start": period_start,
                    "leader": leader_id,
                    "rating": rating,
                    "now": now,
                },
            )
            return True
        changed = await tx.execute(
            "UPDATE programme_checkins SET words = :words, answered_at = :now "
            "WHERE guild_id = :guild AND group_id = :group AND period_start = :start "
            "AND leader_key = :leader",
            {
                "guild": guild_id,
                "group": group_id,
                "start": period_start,
                "leader": leader_id,
                "words": words,
                "now": now,
            },
        )
        return changed > 0

    async def checkins_between(self, guild_id: int, start: int, end: int) -> list[Checkin]:
        rows = await self.db.fetchall(
            "SELECT group_id, rating, words, answered_at FROM programme_checkins "
            "WHERE guild_id = :guild AND answered_at >= :start AND answered_at < :end "
            "ORDER BY group_id, answered_at",
            {"guild": guild_id, "start": start, "end": end},
        )
        return [Checkin(r["group_id"], r["rating"], r["words"], r["answered_at"]) for r in rows]

    async def of_leader(self, guild_id: int, leader_id: int) -> list[Row]:
        return await self.db.fetchall(
            "SELECT group_id, period_start, rating, words, answered_at FROM programme_checkins "
            "WHERE guild_id = :guild AND leader_id = :leader ORDER BY answered_at",
            {"guild": guild_id, "leader": leader_id},
        )

    async def forget_leader(self, tx: Transaction, guild_id: int, leader_id: int) -> int:
        """Words and who: gone; the rating stays, the group's alone."""
        return await tx.execute(
            "UPDATE programme_checkins SET words = NULL, leader_id = NULL, "
            "leader_key = -abs(random() % 9007199254740991) - 1 "
            "WHERE guild_id = :guild AND leader_id = :leader",
            {"guild": guild_id, "leader": leader_id},
        )

    async def forget_before(self, tx: Transaction, guild_id: int, before: int) -> int:
        return await tx.execute(
            "UPDATE programme_checkins SET words = NULL, leader_id = NULL, "
            "leader_key = -abs(random() % 9007199254740991) - 1 "
            "WHERE guild_id = :guild AND answered_at < :before AND leader_id IS NOT NULL",
            {"guild": guild_id, "before": before},
        )

    async def guilds_with_checkins(self) -> list[int]:
        rows = await self.db.fetchall("SELECT DISTINCT guild_id FROM programme_checkins")
        return [int(r[0]) for r in rows]
