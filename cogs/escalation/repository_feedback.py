"""The escalation feature's SQL for alerts raised by anonymous feedback, while they wait for their
random delay. Rows hold no member, no text and not the moment the feedback was written. No
discord import."""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from cogs.escalation.models import FeedbackAlert

_COLUMNS = "id, guild_id, group_id, category, severity, due_at, level"


def _alert(row: Row) -> FeedbackAlert:
    return FeedbackAlert(**{key: row[key] for key in row.keys()})


class FeedbackAlertRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        group_id: int | None,
        category: str,
        severity: int,
        level: str | None,
        due_at: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO escalation_feedback_alerts (guild_id, group_id, category, severity, "
            "level, due_at) VALUES (:guild_id, :group_id, :category, :severity, :level, :due_at)",
            {
                "guild_id": guild_id,
                "group_id": group_id,
                "category": category,
                "severity": severity,
                "level": level,
                "due_at": due_at,
            },
        )

    async def due(self, now: int) -> list[FeedbackAlert]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM escalation_feedback_alerts WHERE due_at <= :now "
            "ORDER BY due_at",
            {"now": now},
        )
        return [_alert(r) for r in rows]

    async def take(self, tx: Transaction, alert_id: int) -> FeedbackAlert | None:
        """Delete the waiting alert and return it; None if it was already taken."""
        row = await tx.fetchone(
            f"DELETE FROM escalation_feedback_alerts WHERE id = :id RETURNING {_COLUMNS}",
            {"id": alert_id},
        )
        return None if row is None else _alert(row)
