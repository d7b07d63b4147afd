"""The escalation feature's SQL for members' data rights and case retention: a member's cases
(dates, category, status; never the moderators' notes), and cases losing their member."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.guild_settings import DEFAULT_CASE_RETENTION_DAYS

_CLOSED = "('resolved', 'false_alarm')"


class EscalationPrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cases_of(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT c.id, c.source, c.category, c.severity, c.status, c.created_at, "
            "c.claimed_at, c.closed_at, c.contact_requested_at, c.resources_via, "
            "c.text_purged_at, (SELECT COUNT(*) FROM escalation_case_messages m "
            "WHERE m.case_id = c.id AND m.text IS NOT NULL) AS messages "
            "FROM escalation_cases c WHERE c.guild_id = :guild_id AND c.user_id = :user_id "
            "ORDER BY c.id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]

    async def request_forgetting(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE escalation_cases SET forget_requested = 1 "
                "WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id},
            )

    async def pseudonymise_due(self, now: int) -> int:
        """Closed cases whose words are already deleted lose their member (user id 0) and the
        ids of the member's messages and private thread, when the member asked to be erased or
        the server's case retention (`case_retention_days` after closing) has passed. The
        category, severity, status and dates stay."""
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT c.id FROM escalation_cases c "
                "LEFT JOIN guild_settings s ON s.guild_id = c.guild_id "
                f"WHERE c.pseudonymised_at IS NULL AND c.status IN {_CLOSED} "
                "AND c.text_purged_at IS NOT NULL AND (c.forget_requested = 1 "
                "OR c.closed_at + 86400 * COALESCE(s.case_retention_days, :default_days) <= :now)",
                {"now": now, "default_days": DEFAULT_CASE_RETENTION_DAYS},
            )
            for row in rows:
                await tx.execute(
                    "UPDATE escalation_case_messages SET message_id = NULL WHERE case_id = :id",
                    {"id": row["id"]},
                )
                await tx.execute(
                    "UPDATE escalation_cases SET user_id = 0, fallback_thread_id = NULL, "
                    "pseudonymised_at = :now WHERE id = :id",
                    {"id": row["id"], "now": now},
                )
        return len(rows)
