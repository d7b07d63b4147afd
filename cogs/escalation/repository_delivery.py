"""The escalation feature's SQL for delivering alerts: where on the chain a case's alert is, the
alerts sent by DM when no channel works, the member told once moderators know, the private
thread's tries, and the daily reminder to admins. No discord import."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database, Transaction
from cogs.escalation.models import AlertLink


@dataclass(frozen=True)
class AlertDm:
    case_id: int
    user_id: int
    link: AlertLink
    outbox_id: int
    status: str


class DeliveryRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def move_alert(
        self,
        tx: Transaction,
        case_id: int,
        link: AlertLink,
        channel_id: int | None,
        outbox_id: int | None,
    ) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET alert_link = :link, alert_channel_id = :channel, "
            "alert_outbox_id = :outbox, alert_message_id = NULL WHERE id = :id",
            {"id": case_id, "link": link, "channel": channel_id, "outbox": outbox_id},
        )

    async def mark_delivered(self, tx: Transaction, case_id: int, now: int) -> bool:
        """True the first time a case's alert is delivered somewhere."""
        changed = await tx.execute(
            "UPDATE escalation_cases SET alert_delivered_at = :now "
            "WHERE id = :id AND alert_delivered_at IS NULL",
            {"id": case_id, "now": now},
        )
        return changed > 0

    async def mark_member_told(self, tx: Transaction, case_id: int, now: int) -> bool:
        changed = await tx.execute(
            "UPDATE escalation_cases SET member_told_at = :now "
            "WHERE id = :id AND member_told_at IS NULL",
            {"id": case_id, "now": now},
        )
        return changed > 0

    async def add_thread_attempt(self, tx: Transaction, case_id: int) -> int:
        await tx.execute(
            "UPDATE escalation_cases SET thread_attempts = thread_attempts + 1 WHERE id = :id",
            {"id": case_id},
        )
        row = await tx.fetchone(
            "SELECT thread_attempts FROM escalation_cases WHERE id = :id", {"id": case_id}
        )
        return int(row[0]) if row is not None else 0

    # ------------------------------------------------------------------ alerts by DM

    async def add_dm(
        self, tx: Transaction, case_id: int, user_id: int, link: AlertLink, outbox_id: int
    ) -> None:
        await tx.execute(
            "INSERT INTO escalation_alert_dms (case_id, user_id, link, outbox_id) "
            "VALUES (:case_id, :user_id, :link, :outbox_id) ON CONFLICT DO NOTHING",
            {"case_id": case_id, "user_id": user_id, "link": link, "outbox_id": outbox_id},
        )

    async def dm_by_outbox(self, tx: Transaction, outbox_id: int) -> AlertDm | None:
        row = await tx.fetchone(
            "SELECT case_id, user_id, link, outbox_id, status FROM escalation_alert_dms "
            "WHERE outbox_id = :outbox_id",
            {"outbox_id": outbox_id},
        )
        return AlertDm(**{k: row[k] for k in row.keys()}) if row is not None else None

    async def set_dm_status(self, tx: Transaction, outbox_id: int, status: str) -> None:
        await tx.execute(
            "UPDATE escalation_alert_dms SET status = :status WHERE outbox_id = :outbox_id",
            {"outbox_id": outbox_id, "status": status},
        )

    async def dms(self, tx: Transaction, case_id: int) -> list[AlertDm]:
        rows = await tx.fetchall(
            "SELECT case_id, user_id, link, outbox_id, status FROM escalation_alert_dms "
            "WHERE case_id = :case_id ORDER BY user_id",
            {"case_id": case_id},
        )
        return [AlertDm(**{k: r[k] for k in r.keys()}) for r in rows]

    async def dm_recipients(self, case_id: int) -> list[AlertDm]:
        rows = await self.db.fetchall(
            "SELECT case_id, user_id, link, outbox_id, status FROM escalation_alert_dms "
            "WHERE case_id = :case_id ORDER BY user_id",
            {"case_id": case_id},
        )
        return [AlertDm(**{k: r[k] for k in r.keys()}) for r in rows]

    # ------------------------------------------------------------------ reminders to admins

    async def reminder_told_at(self, guild_id: int, topic: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT told_at FROM escalation_setup_reminders "
            "WHERE guild_id = :guild_id AND topic = :topic",
            {"guild_id": guild_id, "topic": topic},
        )
        return int(row[0]) if row is not None else None

    async def set_reminder(self, tx: Transaction, guild_id: int, topic: str, now: int) -> None:
        await tx.execute(
            "INSERT INTO escalation_setup_reminders (guild_id, topic, told_at) "
            "VALUES (:guild_id, :topic, :now) "
            "ON CONFLICT (guild_id, topic) DO UPDATE SET told_at = excluded.told_at",
            {"guild_id": guild_id, "topic": topic, "now": now},
        )

    async def clear_reminder(self, tx: Transaction, guild_id: int, topic: str) -> bool:
        changed = await tx.execute(
            "DELETE FROM escalation_setup_reminders WHERE guild_id = :guild_id AND topic = :topic",
            {"guild_id": guild_id, "topic": topic},
        )
        return changed > 0
