"""The meetings feature's SQL about RSVPs: who answered what, and forgetting it."""

from __future__ import annotations

from bot.db import Transaction
from cogs.meetings.repository_base import Queries


class RsvpQueries(Queries):
    async def set_rsvp(
        self, tx: Transaction, occurrence_id: int, user_id: int, answer: str, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO meeting_rsvps (occurrence_id, user_id, answer, updated_at) "
            "VALUES (:id, :user, :answer, :now) ON CONFLICT (occurrence_id, user_id) "
            "DO UPDATE SET answer = excluded.answer, updated_at = excluded.updated_at",
            {"id": occurrence_id, "user": user_id, "answer": answer, "now": now},
        )

    async def rsvps(self, occurrence_id: int) -> dict[int, str]:
        rows = await self.db.fetchall(
            "SELECT user_id, answer FROM meeting_rsvps WHERE occurrence_id = :id "
            "ORDER BY updated_at, user_id",
            {"id": occurrence_id},
        )
        return {r["user_id"]: r["answer"] for r in rows}

    async def tx_going(self, tx: Transaction, occurrence_id: int) -> list[int]:
        rows = await tx.fetchall(
            "SELECT user_id FROM meeting_rsvps WHERE occurrence_id = :id AND answer = 'going' "
            "ORDER BY user_id",
            {"id": occurrence_id},
        )
        return [r["user_id"] for r in rows]

    async def delete_rsvps_of_member(self, guild_id: int, group_id: int, user_id: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM meeting_rsvps WHERE user_id = :user AND occurrence_id IN "
                "(SELECT id FROM meeting_occurrences WHERE guild_id = :guild_id "
                "AND group_id = :group_id)",
                {"user": user_id, "guild_id": guild_id, "group_id": group_id},
            )

    async def delete_rsvps_in_guild(self, guild_id: int, user_id: int) -> int:
        """Every answer of one member in one server (they left it)."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM meeting_rsvps WHERE user_id = :user AND occurrence_id IN "
                "(SELECT id FROM meeting_occurrences WHERE guild_id = :guild_id)",
                {"user": user_id, "guild_id": guild_id},
            )

    async def delete_old_rsvps(self, before: int) -> int:
        """RSVPs of sessions long over: nobody needs to know who came."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM meeting_rsvps WHERE occurrence_id IN (SELECT id FROM "
                "meeting_occurrences WHERE ends_at < :before AND status IN ('ended', "
                "'cancelled'))",
                {"before": before},
            )

    async def regulars(
        self, guild_id: int, group_id: int, since: int, limit: int
    ) -> list[tuple[int, int]]:
        """Who said "going" most often to the group's sessions starting since `since`."""
        rows = await self.db.fetchall(
            "SELECT r.user_id, COUNT(*) AS n FROM meeting_rsvps r "
            "JOIN meeting_occurrences o ON o.id = r.occurrence_id "
            "WHERE o.guild_id = :guild_id AND o.group_id = :group_id AND o.starts_at >= :since "
            "AND o.status <> 'cancelled' AND r.answer = 'going' "
            "GROUP BY r.user_id ORDER BY n DESC, r.user_id LIMIT :limit",
            {"guild_id": guild_id, "group_id": group_id, "since": since, "limit": limit},
        )
        return [(r["user_id"], r["n"]) for r in rows]
