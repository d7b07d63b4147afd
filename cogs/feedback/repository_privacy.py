"""The feedback feature's SQL for members' data rights (`/privacy export`): the polls a member
created. Votes and feedback have no member in any table, so there is nothing else to read."""

from __future__ import annotations

from typing import Any

from bot.db import Database


class FeedbackPrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def polls_by(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT question, group_id, status, created_at, closes_at, closed_at FROM polls "
            "WHERE guild_id = :guild_id AND (created_by = :user_id OR closed_by = :user_id) "
            "ORDER BY id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]
