"""The groups feature's SQL for `bot.facts.waitlist` (bot/facts.py): how many joined a waiting
list in a period, read-only. A waiting-list row leaves when its member gets a seat or gives up,
so the count is of those still waiting, or waiting until a seat came, whose row is still kept."""

from __future__ import annotations

from bot.db import Database


class WaitlistFactsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def waitlisted(self, guild_id: int, group_id: int | None, start: int, end: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM group_waitlist WHERE guild_id = :guild "
            "AND (:group IS NULL OR group_id = :group) "
            "AND created_at >= :start AND created_at < :end",
            {"guild": guild_id, "group": group_id, "start": start, "end": end},
        )
        return 0 if row is None else int(row[0])
