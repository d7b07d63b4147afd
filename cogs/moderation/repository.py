"""All of the moderation feature's SQL: reports, warnings, guidelines versions and reminders.

The mod log itself is core (bot/modlog.py) and has its own SQL.
"""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from cogs.moderation.models import Guideline, MemberWarning, PendingTimeout, Reminder, Report

_REPORT = (
    "id, guild_id, case_number, reporter_id, author_id, channel_id, message_id, snapshot, "
    "reason, status, claimed_by, closed_by, closed_at, purged_at, alert_outbox_id, "
    "alert_channel_id, alert_message_id, created_at"
)
_WARNING = (
    "id, guild_id, user_id, group_id, guideline_id, reason, case_number, created_by, created_at"
)
_GUIDELINE = (
    "id, guild_id, group_id, version, body, created_by, created_at, post_nonce, channel_id, "
    "message_id, pinned"
)
_REMINDER = "group_id, guild_id, cadence, at_session, next_due, last_sent"


def _report(row: Row) -> Report:
    return Report(**{key: row[key] for key in row.keys()})


def _member_warning(row: Row) -> MemberWarning:
    return MemberWarning(**{key: row[key] for key in row.keys()})


def _guideline(row: Row) -> Guideline:
    values = {key: row[key] for key in row.keys()}
    values["pinned"] = bool(values["pinned"])
    return Guideline(**values)


def _reminder(row: Row) -> Reminder:
    values = {key: row[key] for key in row.keys()}
    values["at_session"] = bool(values["at_session"])
    return Reminder(**values)


class ModerationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ reports

    async def insert_report(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        case_number: int,
        reporter_id: int,
        author_id: int,
        channel_id: int,
        message_id: int,
        snapshot: str,
        reason: str | None,
        alert_channel_id: int,
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO reports (guild_id, case_number, reporter_id, author_id, channel_id, "
            "message_id, snapshot, reason, alert_channel_id, created_at) VALUES (:guild_id, "
            ":case_number, :reporter_id, :author_id, :channel_id, :message_id, :snapshot, "
            ":reason, :alert_channel_id, :now)",
            {
                "guild_id": guild_id,
                "case_number": case_number,
                "reporter_id": reporter_id,
                "author_id": author_id,
                "channel_id": channel_id,
                "message_id": message_id,
                "snapshot": snapshot,
                "reason": reason,
                "alert_channel_id": alert_channel_id,
                "now": now,
            },
        )

    async def set_report_outbox(self, tx: Transaction, report_id: int, outbox_id: int) -> None:
        await tx.execute(
            "UPDATE reports SET alert_outbox_id = :outbox_id WHERE id = :id",
            {"id": report_id, "outbox_id": outbox_id},
        )

    async def redirect_report(
        self, tx: Transaction, report_id: int, channel_id: int, outbox_id: int
    ) -> None:
        await tx.execute(
            "UPDATE reports SET alert_channel_id = :channel_id, alert_outbox_id = :outbox_id, "
            "alert_message_id = NULL WHERE id = :id",
            {"id": report_id, "channel_id": channel_id, "outbox_id": outbox_id},
        )

    async def open_report_by(
        self, tx: Transaction, guild_id: int, message_id: int, reporter_id: int
    ) -> int | None:
        row = await tx.fetchone(
            "SELECT id FROM reports WHERE guild_id = :guild_id AND message_id = :message_id "
            "AND reporter_id = :reporter_id AND status = 'open'",
            {"guild_id": guild_id, "message_id": message_id, "reporter_id": reporter_id},
        )
        return None if row is None else int(row[0])

    async def report(self, report_id: int) -> Report | None:
        row = await self.db.fetchone(
            f"SELECT {_REPORT} FROM reports WHERE id = :id", {"id": report_id}
        )
        return None if row is None else _report(row)

    async def report_in(self, tx: Transaction, report_id: int) -> Report | None:
        row = await tx.fetchone(f"SELECT {_REPORT} FROM reports WHERE id = :id", {"id": report_id})
        return None if row is None else _report(row)

    async def claim(self, tx: Transaction, report_id: int, by: int) -> None:
        """Claimed: its post is stale until `post_shown`."""
        await tx.execute(
            "UPDATE reports SET claimed_by = :by, post_stale = 1 "
            "WHERE id = :id AND status = 'open'",
            {"id": report_id, "by": by},
        )

    async def close(self, tx: Transaction, report_id: int, status: str, by: int, now: int) -> None:
        """Closed: its post is stale until `post_shown`."""
        await tx.execute(
            "UPDATE reports SET status = :status, closed_by = :by, closed_at = :now, "
            "claimed_by = COALESCE(claimed_by, :by), post_stale = 1 "
            "WHERE id = :id AND status = 'open'",
            {"id": report_id, "status": status, "by": by, "now": now},
        )

    async def post_shown(self, report_id: int) -> None:
        """Its post was edited to show the report as it is."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE reports SET post_stale = 0 WHERE id = :id AND post_stale = 1",
                {"id": report_id},
            )

    async def stale_posts(self, guild_id: int) -> list[Report]:
        """Reports claimed or closed whose post was not edited since (a crash between)."""
        rows = await self.db.fetchall(
            f"SELECT {_REPORT} FROM reports WHERE guild_id = :guild_id AND post_stale = 1 "
            f"ORDER BY id",
            {"guild_id": guild_id},
        )
        return [_report(r) for r in rows]

    async def set_alert_message(self, report_id: int, channel_id: int, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE reports SET alert_channel_id = :channel_id, "
                "alert_message_id = :message_id WHERE id = :id",
                {"id": report_id, "channel_id": channel_id, "message_id": message_id},
            )

    async def closed_unpurged(self) -> list[Report]:
        rows = await self.db.fetchall(
            f"SELECT {_REPORT} FROM reports WHERE status <> 'open' AND purged_at IS NULL "
            f"ORDER BY closed_at"
        )
        return [_report(r) for r in rows]

    async def purge(self, tx: Transaction, report_id: int, now: int) -> None:
        """The reported text and the reporter's words go; the case and who acted stay."""
        await tx.execute(
            "UPDATE reports SET snapshot = NULL, reason = NULL, purged_at = :now "
            "WHERE id = :id AND status <> 'open'",
            {"id": report_id, "now": now},
        )

    # ------------------------------------------------------------------ warnings

    async def insert_member_warning(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        group_id: int | None,
        guideline_id: int | None,
        reason: str,
        case_number: int,
        by: int,
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO warnings (guild_id, user_id, group_id, guideline_id, reason, "
            "case_number, created_by, created_at) VALUES (:guild_id, :user_id, :group_id, "
            ":guideline_id, :reason, :case_number, :by, :now)",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "group_id": group_id,
                "guideline_id": guideline_id,
                "reason": reason,
                "case_number": case_number,
                "by": by,
                "now": now,
            },
        )

    async def warning_by_case(self, guild_id: int, case_number: int) -> MemberWarning | None:
        row = await self.db.fetchone(
            f"SELECT {_WARNING} FROM warnings WHERE guild_id = :guild_id "
            f"AND case_number = :case_number",
            {"guild_id": guild_id, "case_number": case_number},
        )
        return None if row is None else _member_warning(row)

    async def warnings_of(self, guild_id: int, user_id: int) -> list[MemberWarning]:
        rows = await self.db.fetchall(
            f"SELECT {_WARNING} FROM warnings WHERE guild_id = :guild_id AND user_id = :user_id "
            f"ORDER BY id DESC",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [_member_warning(r) for r in rows]

    # ------------------------------------------------------------------ timeouts

    async def insert_pending_timeout(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        actor_id: int,
        until: int,
        reason: str,
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO pending_timeouts (guild_id, user_id, actor_id, until, reason, "
            "created_at) VALUES (:guild_id, :user_id, :actor_id, :until, :reason, :now)",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "actor_id": actor_id,
                "until": until,
                "reason": reason,
                "now": now,
            },
        )

    async def delete_pending_timeout(self, tx: Transaction, intent_id: int) -> bool:
        """False if it was gone already (completed or dropped by someone else)."""
        changed = await tx.execute("DELETE FROM pending_timeouts WHERE id = :id", {"id": intent_id})
        return changed == 1

    async def pending_timeouts(self, guild_id: int) -> list[PendingTimeout]:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, user_id, actor_id, until, reason, created_at "
            "FROM pending_timeouts WHERE guild_id = :g ORDER BY id",
            {"g": guild_id},
        )
        return [PendingTimeout(**dict(r)) for r in rows]

    # ------------------------------------------------------------------ guidelines

    async def guideline(self, guideline_id: int) -> Guideline | None:
        row = await self.db.fetchone(
            f"SELECT {_GUIDELINE} FROM guidelines WHERE id = :id", {"id": guideline_id}
        )
        return None if row is None else _guideline(row)

    async def current_guideline(self, guild_id: int, group_id: int) -> Guideline | None:
        row = await self.db.fetchone(
            f"SELECT {_GUIDELINE} FROM guidelines WHERE guild_id = :guild_id "
            f"AND group_id = :group_id ORDER BY version DESC LIMIT 1",
            {"guild_id": guild_id, "group_id": group_id},
        )
        return None if row is None else _guideline(row)

    async def latest_version_in(self, tx: Transaction, guild_id: int, group_id: int) -> int:
        row = await tx.fetchone(
            "SELECT MAX(version) FROM guidelines WHERE guild_id = :guild_id "
            "AND group_id = :group_id",
            {"guild_id": guild_id, "group_id": group_id},
        )
        return int(row[0] or 0) if row is not None else 0

    async def insert_guideline(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        group_id: int,
        version: int,
        body: str,
        by: int,
        nonce: str | None,
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO guidelines (guild_id, group_id, version, body, created_by, created_at, "
            "post_nonce) VALUES (:guild_id, :group_id, :version, :body, :by, :now, :nonce)",
            {
                "guild_id": guild_id,
                "group_id": group_id,
                "version": version,
                "body": body,
                "by": by,
                "now": now,
                "nonce": nonce,
            },
        )

    async def set_posted(self, guideline_id: int, channel_id: int, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE guidelines SET channel_id = :channel_id, message_id = :message_id "
                "WHERE id = :id",
                {"id": guideline_id, "channel_id": channel_id, "message_id": message_id},
            )

    async def set_pinned(self, guideline_id: int, pinned: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE guidelines SET pinned = :pinned WHERE id = :id",
                {"id": guideline_id, "pinned": int(pinned)},
            )

    async def pin_work(self) -> list[Guideline]:
        """Group versions whose pin is not as it should be: the newest posted and pinned, the
        older ones unpinned."""
        rows = await self.db.fetchall(
            f"SELECT {_GUIDELINE} FROM guidelines g WHERE g.group_id <> 0 AND ("
            f"  (g.pinned = 1 AND EXISTS (SELECT 1 FROM guidelines n WHERE n.guild_id = "
            f"   g.guild_id AND n.group_id = g.group_id AND n.version > g.version))"
            f"  OR (g.pinned = 0 AND NOT EXISTS (SELECT 1 FROM guidelines n WHERE n.guild_id = "
            f"   g.guild_id AND n.group_id = g.group_id AND n.version > g.version)))"
            f" ORDER BY g.id"
        )
        return [_guideline(r) for r in rows]

    async def guidelines_of(self, guild_id: int) -> list[Guideline]:
        """The current version of each of the server's guidelines (for /warn's choices)."""
        rows = await self.db.fetchall(
            f"SELECT {_GUIDELINE} FROM guidelines g WHERE g.guild_id = :guild_id AND "
            f"g.version = (SELECT MAX(n.version) FROM guidelines n WHERE n.guild_id = g.guild_id "
            f"AND n.group_id = g.group_id) ORDER BY g.group_id",
            {"guild_id": guild_id},
        )
        return [_guideline(r) for r in rows]

    # ------------------------------------------------------------------ reminders

    async def reminder(self, group_id: int) -> Reminder | None:
        row = await self.db.fetchone(
            f"SELECT {_REMINDER} FROM guideline_reminders WHERE group_id = :group_id",
            {"group_id": group_id},
        )
        return None if row is None else _reminder(row)

    async def reminder_in(self, tx: Transaction, group_id: int) -> Reminder | None:
        row = await tx.fetchone(
            f"SELECT {_REMINDER} FROM guideline_reminders WHERE group_id = :group_id",
            {"group_id": group_id},
        )
        return None if row is None else _reminder(row)

    async def scheduled_reminders(self) -> list[Reminder]:
        rows = await self.db.fetchall(
            f"SELECT {_REMINDER} FROM guideline_reminders WHERE next_due IS NOT NULL"
        )
        return [_reminder(r) for r in rows]

    async def save_reminder(
        self,
        tx: Transaction,
        *,
        group_id: int,
        guild_id: int,
        cadence: str,
        at_session: bool,
        next_due: int | None,
        by: int,
        now: int,
    ) -> None:
        await tx.execute(
            "INSERT INTO guideline_reminders (group_id, guild_id, cadence, at_session, next_due, "
            "updated_by, updated_at) VALUES (:group_id, :guild_id, :cadence, :at_session, "
            ":next_due, :by, :now) ON CONFLICT (group_id) DO UPDATE SET "
            "cadence = excluded.cadence, at_session = excluded.at_session, "
            "next_due = excluded.next_due, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            {
                "group_id": group_id,
                "guild_id": guild_id,
                "cadence": cadence,
                "at_session": int(at_session),
                "next_due": next_due,
                "by": by,
                "now": now,
            },
        )

    async def advance_reminder(
        self, tx: Transaction, group_id: int, sent_at: int | None, next_due: int | None
    ) -> None:
        await tx.execute(
            "UPDATE guideline_reminders SET last_sent = :sent_at, next_due = :next_due "
            "WHERE group_id = :group_id",
            {"group_id": group_id, "sent_at": sent_at, "next_due": next_due},
        )

    async def mark_session(self, tx: Transaction, group_id: int, occurrence: str, now: int) -> bool:
        """True the first time for this session; False if its reminder already went."""
        changed = await tx.execute(
            "INSERT INTO guideline_session_reminders (group_id, occurrence, sent_at) "
            "VALUES (:group_id, :occurrence, :now) ON CONFLICT (group_id, occurrence) DO NOTHING",
            {"group_id": group_id, "occurrence": occurrence, "now": now},
        )
        return changed == 1

    async def prune_sessions(self, before: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM guideline_session_reminders WHERE sent_at < :before",
                {"before": before},
            )
