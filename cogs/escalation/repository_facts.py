"""The escalation feature's SQL for `bot.facts` (bot/facts.py): how many crisis cases a period
had and who asked to be contacted, read-only. Counts and ids only: never a case's words, its
category, level or cue."""

from __future__ import annotations

from bot.db import Database


class EscalationFactsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def contact_requests(self, guild_id: int) -> list[int]:
        """Members with an open case who asked to be contacted."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM escalation_cases WHERE guild_id = :guild "
            "AND status IN ('open', 'claimed') AND contact_requested_at IS NOT NULL "
            "ORDER BY user_id",
            {"guild": guild_id},
        )
        return [int(r["user_id"]) for r in rows]

    async def cases_between(
        self, guild_id: int, start: int, end: int
    ) -> list[tuple[int, int | None, int | None]]:
        """(member, channel, parent channel) of each case opened in [start, end), false alarms
        left out."""
        rows = await self.db.fetchall(
            "SELECT user_id, channel_id, parent_channel_id FROM escalation_cases "
            "WHERE guild_id = :guild AND created_at >= :start AND created_at < :end "
            "AND status != 'false_alarm'",
            {"guild": guild_id, "start": start, "end": end},
        )
        return [(int(r["user_id"]), r["channel_id"], r["parent_channel_id"]) for r in rows]

    async def unclaimed(self) -> tuple[int, int | None]:
        """How many cases of every server are open (their alert claimed by nobody), and when
        the oldest was opened."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM escalation_cases "
            "WHERE status = 'open'"
        )
        if row is None:
            return 0, None
        return int(row["n"]), None if row["oldest"] is None else int(row["oldest"])
