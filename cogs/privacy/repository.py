"""All of the privacy feature's SQL: erasure requests waiting for their confirmation button."""

from __future__ import annotations

from bot.db import Database


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_request(
        self, guild_id: int, user_id: int, requested_by: int, now: int, expires_at: int
    ) -> int:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM privacy_requests WHERE guild_id = :guild_id AND user_id = :user_id "
                "AND requested_by = :by",
                {"guild_id": guild_id, "user_id": user_id, "by": requested_by},
            )
            return await tx.insert(
                "INSERT INTO privacy_requests (guild_id, user_id, requested_by, created_at, "
                "expires_at) VALUES (:guild_id, :user_id, :by, :now, :expires_at)",
                {
                    "guild_id": guild_id,
                    "user_id": user_id,
                    "by": requested_by,
                    "now": now,
                    "expires_at": expires_at,
                },
            )

    async def take_request(
        self, request_id: int, requested_by: int, now: int
    ) -> tuple[int, int] | None:
        """The request, consumed: (guild_id, user_id) once, None if it was already confirmed,
        cancelled or ran out."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "DELETE FROM privacy_requests WHERE id = :id AND requested_by = :by "
                "AND expires_at > :now RETURNING guild_id, user_id",
                {"id": request_id, "by": requested_by, "now": now},
            )
        return None if row is None else (row["guild_id"], row["user_id"])

    async def drop_expired(self, now: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM privacy_requests WHERE expires_at <= :now", {"now": now}
            )

    async def forget_member(self, guild_id: int, user_id: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM privacy_requests WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id},
            )
