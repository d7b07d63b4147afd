"""The moderation feature's SQL for members' data rights (`/privacy export` and `delete`):
warnings about a member, reports by and about them, guidelines they wrote."""

from __future__ import annotations

from typing import Any

from bot.db import Database

REPORTER = 1  # reports.forget_requested bits: the reporter asked to be erased
AUTHOR = 2  # the reported member asked to be erased


class ModerationPrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ export

    async def warnings_about(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT case_number, group_id, guideline_id, reason, created_at, forget_at "
            "FROM warnings WHERE guild_id = :guild_id AND user_id = :user_id ORDER BY id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]

    async def reports_by(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT case_number, channel_id, message_id, reason, status, created_at, closed_at "
            "FROM reports WHERE guild_id = :guild_id AND reporter_id = :user_id ORDER BY id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]

    async def closed_reports_about(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        """Closed ones only, without the reporter: an open report is the moderators' business
        until they decide, and who reported is never told."""
        rows = await self.db.fetchall(
            "SELECT case_number, channel_id, message_id, status, created_at, closed_at "
            "FROM reports WHERE guild_id = :guild_id AND author_id = :user_id "
            "AND status <> 'open' ORDER BY id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]

    async def open_reports_about(self, guild_id: int, user_id: int) -> int:
        return int(
            await self.db.fetchval(
                "SELECT COUNT(*) FROM reports WHERE guild_id = :guild_id "
                "AND author_id = :user_id AND status = 'open'",
                {"guild_id": guild_id, "user_id": user_id},
            )
            or 0
        )

    async def guidelines_by(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT group_id, version, created_at FROM guidelines "
            "WHERE guild_id = :guild_id AND created_by = :user_id ORDER BY id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]

    # ------------------------------------------------------------------ erasure

    async def forget_warnings(self, guild_id: int, user_id: int, expiry: int, now: int) -> int:
        """Expired warnings about the member go now; the others are marked to go when they
        expire (`expiry` seconds after they were given). Returns how many are kept."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM warnings WHERE guild_id = :guild_id AND user_id = :user_id "
                "AND created_at + :expiry <= :now",
                {"guild_id": guild_id, "user_id": user_id, "expiry": expiry, "now": now},
            )
            return await tx.execute(
                "UPDATE warnings SET forget_at = created_at + :expiry "
                "WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id, "expiry": expiry},
            )

    async def forget_reports(self, guild_id: int, user_id: int) -> int:
        """Reports by or about the member whose words are already purged lose them now; the
        others are marked, and lose them once purged. Returns how many are kept for now."""
        params = {"guild_id": guild_id, "user_id": user_id}
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE reports SET reporter_id = 0 WHERE guild_id = :guild_id "
                "AND reporter_id = :user_id AND purged_at IS NOT NULL",
                params,
            )
            await tx.execute(
                "UPDATE reports SET author_id = 0 WHERE guild_id = :guild_id "
                "AND author_id = :user_id AND purged_at IS NOT NULL",
                params,
            )
            marked = await tx.execute(
                f"UPDATE reports SET forget_requested = forget_requested | {REPORTER} "
                "WHERE guild_id = :guild_id AND reporter_id = :user_id",
                params,
            )
            marked += await tx.execute(
                f"UPDATE reports SET forget_requested = forget_requested | {AUTHOR} "
                "WHERE guild_id = :guild_id AND author_id = :user_id",
                params,
            )
        return marked

    async def authors_to_forget(self) -> list[tuple[int, int]]:
        """(guild, member) of marked reports about a member, whose words are now purged."""
        rows = await self.db.fetchall(
            f"SELECT DISTINCT guild_id, author_id FROM reports WHERE forget_requested & {AUTHOR} "
            "AND purged_at IS NOT NULL AND author_id <> 0"
        )
        return [(r["guild_id"], r["author_id"]) for r in rows]

    async def forget_due(self, now: int) -> tuple[int, int]:
        """The warnings whose time has come, and the marked reports now purged, lose their
        member. Returns (warnings deleted, reports changed)."""
        async with self.db.transaction() as tx:
            warnings = await tx.execute(
                "DELETE FROM warnings WHERE forget_at <= :now", {"now": now}
            )
            reports = await tx.execute(
                f"UPDATE reports SET reporter_id = CASE WHEN forget_requested & {REPORTER} "
                f"THEN 0 ELSE reporter_id END, author_id = CASE WHEN forget_requested & {AUTHOR} "
                "THEN 0 ELSE author_id END, forget_requested = 0 "
                "WHERE forget_requested <> 0 AND purged_at IS NOT NULL"
            )
        return warnings, reports
