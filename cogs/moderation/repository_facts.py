"""The moderation feature's SQL for `bot.facts` (bot/facts.py): the guidelines' current version
and how many reports a group's channel had, read-only. Counts only, never a report's words."""

from __future__ import annotations

from bot.db import Database


class ModerationFactsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def version(self, guild_id: int, group_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT MAX(version) FROM guidelines WHERE guild_id = :guild AND group_id = :group",
            {"guild": guild_id, "group": group_id},
        )
        return None if row is None or row[0] is None else int(row[0])

    async def open_reports(self, guild_id: int, channel_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM reports WHERE guild_id = :guild AND channel_id = :channel "
            "AND status = 'open'",
            {"guild": guild_id, "channel": channel_id},
        )
        return 0 if row is None else int(row[0])

    async def reports_between(
        self, guild_id: int, channel_id: int | None, start: int, end: int
    ) -> int:
        """Reports made in [start, end), in one channel or (None) the whole server."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM reports WHERE guild_id = :guild "
            "AND (:channel IS NULL OR channel_id = :channel) "
            "AND created_at >= :start AND created_at < :end",
            {"guild": guild_id, "channel": channel_id, "start": start, "end": end},
        )
        return 0 if row is None else int(row[0])
