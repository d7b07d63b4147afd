"""The groups feature's SQL for members' data rights (`/privacy export` and `delete`)."""

from __future__ import annotations

from typing import Any

from bot.db import Database


def _dicts(rows: Any) -> list[dict[str, Any]]:
    return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]


class GroupsPrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, guild_id: int, user_id: int) -> dict[str, list[dict[str, Any]]]:
        params = {"guild_id": guild_id, "user_id": user_id}
        return {
            "memberships": _dicts(
                await self.db.fetchall(
                    "SELECT g.name, m.role, m.joined_at FROM group_members m "
                    "JOIN groups g ON g.id = m.group_id "
                    "WHERE m.guild_id = :guild_id AND m.user_id = :user_id ORDER BY g.name",
                    params,
                )
            ),
            "waitlist": _dicts(
                await self.db.fetchall(
                    "SELECT g.name, w.created_at, w.offered_at, w.offer_expires_at "
                    "FROM group_waitlist w JOIN groups g ON g.id = w.group_id "
                    "WHERE w.guild_id = :guild_id AND w.user_id = :user_id ORDER BY w.id",
                    params,
                )
            ),
            "seats_held": _dicts(
                await self.db.fetchall(
                    "SELECT g.name, t.source, t.created_at, t.expires_at "
                    "FROM group_join_tickets t JOIN groups g ON g.id = t.group_id "
                    "WHERE t.guild_id = :guild_id AND t.user_id = :user_id",
                    params,
                )
            ),
            "requests": _dicts(
                await self.db.fetchall(
                    "SELECT g.name, r.status, r.created_at, r.decided_at, r.reason "
                    "FROM group_join_requests r JOIN groups g ON g.id = r.group_id "
                    "WHERE r.guild_id = :guild_id AND r.user_id = :user_id ORDER BY r.id",
                    params,
                )
            ),
            "removals": _dicts(
                await self.db.fetchall(
                    "SELECT g.name, x.created_at FROM group_removals x "
                    "JOIN groups g ON g.id = x.group_id "
                    "WHERE x.guild_id = :guild_id AND x.user_id = :user_id ORDER BY x.id",
                    params,
                )
            ),
            "created": _dicts(
                await self.db.fetchall(
                    "SELECT name, created_at, archived_at FROM groups "
                    "WHERE guild_id = :guild_id AND created_by = :user_id ORDER BY id",
                    params,
                )
            ),
        }

    async def forget_removals(self, guild_id: int, user_id: int) -> int:
        """Removals of the member: the mod log keeps each one's case number and action."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM group_removals WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id},
            )
