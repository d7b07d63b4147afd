"""The meetings feature's SQL for members' data rights (`/privacy export`): a member's RSVPs and
the series they scheduled."""

from __future__ import annotations

from typing import Any

from bot.db import Database


class MeetingsPrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def rsvps(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT s.title, s.group_id, o.starts_at, o.status, r.answer, r.updated_at "
            "FROM meeting_rsvps r JOIN meeting_occurrences o ON o.id = r.occurrence_id "
            "JOIN meeting_series s ON s.id = o.series_id "
            "WHERE o.guild_id = :guild_id AND r.user_id = :user_id ORDER BY o.starts_at",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]

    async def series_by(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT title, group_id, created_at, cancelled_at FROM meeting_series "
            "WHERE guild_id = :guild_id AND created_by = :user_id ORDER BY id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]
