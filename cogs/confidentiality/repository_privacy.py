"""The confidentiality feature's SQL for members' data rights (`/privacy export`): the
agreements a member accepted, their first posts, and the texts they wrote."""

from __future__ import annotations

from typing import Any

from bot.db import Database


class ConfidentialityPrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, guild_id: int, user_id: int) -> dict[str, list[dict[str, Any]]]:
        params = {"guild_id": guild_id, "user_id": user_id}
        accepted = await self.db.fetchall(
            "SELECT a.group_id, t.group_id AS text_group_id, t.version, t.body, a.accepted_at "
            "FROM confidentiality_acceptances a JOIN confidentiality_texts t ON t.id = a.text_id "
            "WHERE a.guild_id = :guild_id AND a.user_id = :user_id "
            "ORDER BY a.accepted_at, a.group_id",
            params,
        )
        posts = await self.db.fetchall(
            "SELECT group_id, posted_at FROM confidentiality_first_posts "
            "WHERE guild_id = :guild_id AND user_id = :user_id ORDER BY group_id",
            params,
        )
        left = await self.db.fetchall(
            "SELECT left_at FROM confidentiality_departures "
            "WHERE guild_id = :guild_id AND user_id = :user_id",
            params,
        )
        texts = await self.db.fetchall(
            "SELECT group_id, version, created_at FROM confidentiality_texts "
            "WHERE guild_id = :guild_id AND created_by = :user_id ORDER BY id",
            params,
        )
        return {
            "accepted": [dict(zip(r.keys(), tuple(r), strict=True)) for r in accepted],
            "first_posts": [dict(zip(r.keys(), tuple(r), strict=True)) for r in posts],
            "left": [dict(zip(r.keys(), tuple(r), strict=True)) for r in left],
            "texts": [dict(zip(r.keys(), tuple(r), strict=True)) for r in texts],
        }
