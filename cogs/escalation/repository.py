"""All of the escalation feature's SQL: rows in, dataclasses out. No discord import."""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from bot.guild_settings import DEFAULT_RETENTION_DAYS
from cogs.escalation.models import (
    Case,
    CaseMessage,
    CaseSource,
    CaseStatus,
    EscalationSettings,
    MessageSource,
    ResourcesVia,
    ServerPhrase,
)

_CASE_COLUMNS = (
    "id, guild_id, user_id, source, channel_id, parent_channel_id, category, severity, status, "
    "created_at, claimed_at, claimed_by, closed_at, closed_by, note, page_level, next_page_at, "
    "contact_requested_at, alert_channel_id, alert_outbox_id, alert_message_id, "
    "resources_outbox_id, resources_via, fallback_thread_id, text_purged_at, alert_redacted, "
    "level, cue, alert_link, alert_delivered_at, member_told_at, thread_attempts"
)
_MESSAGE_COLUMNS = (
    "id, case_id, guild_id, channel_id, message_id, source, text, category, severity, "
    "modifiers, created_at, forwarded, level, cue, posted_at"
)


def _case(row: Row) -> Case:
    values = {key: row[key] for key in row.keys()}
    values["alert_redacted"] = bool(values["alert_redacted"])
    return Case(**values)


def _message(row: Row) -> CaseMessage:
    values = {key: row[key] for key in row.keys()}
    values["modifiers"] = tuple(m for m in (values["modifiers"] or "").split(",") if m)
    values["forwarded"] = bool(values["forwarded"])
    return CaseMessage(**values)


class EscalationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ settings

    async def settings(self, guild_id: int) -> EscalationSettings:
        row = await self.db.fetchone(
            "SELECT guild_id, page_after_seconds, admin_page_after_seconds "
            "FROM escalation_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return EscalationSettings(**dict(row)) if row else EscalationSettings(guild_id)

    async def settings_in(self, tx: Transaction, guild_id: int) -> EscalationSettings:
        row = await tx.fetchone(
            "SELECT guild_id, page_after_seconds, admin_page_after_seconds "
            "FROM escalation_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return EscalationSettings(**dict(row)) if row else EscalationSettings(guild_id)

    async def save_settings(
        self, tx: Transaction, settings: EscalationSettings, by: int, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO escalation_settings (guild_id, page_after_seconds, "
            "admin_page_after_seconds, updated_at, updated_by) VALUES (:guild_id, :page, :admin, "
            ":now, :by) ON CONFLICT (guild_id) DO UPDATE SET "
            "page_after_seconds = excluded.page_after_seconds, "
            "admin_page_after_seconds = excluded.admin_page_after_seconds, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            {
                "guild_id": settings.guild_id,
                "page": settings.page_after_seconds,
                "admin": settings.admin_page_after_seconds,
                "now": now,
                "by": by,
            },
        )

    # ------------------------------------------------------------------ cases

    async def get(self, case_id: int) -> Case | None:
        row = await self.db.fetchone(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE id = :id", {"id": case_id}
        )
        return None if row is None else _case(row)

    async def get_in(self, tx: Transaction, case_id: int) -> Case | None:
        row = await tx.fetchone(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE id = :id", {"id": case_id}
        )
        return None if row is None else _case(row)

    async def open_case_for(self, tx: Transaction, guild_id: int, user_id: int) -> Case | None:
        row = await tx.fetchone(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE guild_id = :guild_id "
            "AND user_id = :user_id AND status IN ('open', 'claimed')",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return None if row is None else _case(row)

    async def open_cases(self, guild_id: int) -> list[Case]:
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE guild_id = :guild_id "
            "AND status IN ('open', 'claimed') ORDER BY id",
            {"guild_id": guild_id},
        )
        return [_case(r) for r in rows]

    async def insert_case(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        source: CaseSource,
        channel_id: int | None,
        parent_channel_id: int | None,
        category: str,
        severity: int,
        level: str | None,
        cue: str | None,
        now: int,
        next_page_at: int | None,
        contact_requested_at: int | None,
        alert_channel_id: int | None,
        resources_via: ResourcesVia,
    ) -> int:
        return await tx.insert(
            "INSERT INTO escalation_cases (guild_id, user_id, source, channel_id, "
            "parent_channel_id, category, severity, level, cue, created_at, next_page_at, "
            "contact_requested_at, alert_channel_id, resources_via, alert_redacted) "
            "VALUES (:guild_id, :user_id, :source, :channel_id, :parent_channel_id, :category, "
            ":severity, :level, :cue, :now, :next_page_at, :contact_requested_at, "
            ":alert_channel_id, :resources_via, :alert_redacted)",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "source": source,
                "channel_id": channel_id,
                "parent_channel_id": parent_channel_id,
                "category": category,
                "severity": severity,
                "level": level,
                "cue": cue,
                "now": now,
                "next_page_at": next_page_at,
                "contact_requested_at": contact_requested_at,
                "alert_channel_id": alert_channel_id,
                "resources_via": resources_via,
                "alert_redacted": 1 if alert_channel_id is None else 0,
            },
        )

    async def set_outbox_ids(
        self,
        tx: Transaction,
        case_id: int,
        *,
        alert_outbox_id: int | None = None,
        resources_outbox_id: int | None = None,
    ) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET "
            "alert_outbox_id = COALESCE(:alert, alert_outbox_id), "
            "resources_outbox_id = COALESCE(:resources, resources_outbox_id) WHERE id = :id",
            {"id": case_id, "alert": alert_outbox_id, "resources": resources_outbox_id},
        )

    async def move_alert(
        self, tx: Transaction, case_id: int, channel_id: int, outbox_id: int
    ) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET alert_channel_id = :channel, alert_outbox_id = :outbox, "
            "alert_message_id = NULL WHERE id = :id",
            {"id": case_id, "channel": channel_id, "outbox": outbox_id},
        )

    async def raise_severity(
        self,
        tx: Transaction,
        case_id: int,
        severity: int,
        category: str | None,
        *,
        level: str | None,
        cue: str | None,
    ) -> None:
        """A stronger signal joined the case (the service decided): its level and cue become the
        case's, the severity never goes down; `category` None keeps the case's (a member who
        asked for help with /support stays "asked for help")."""
        await tx.execute(
            "UPDATE escalation_cases SET "
            "severity = CASE WHEN severity < :severity THEN :severity ELSE severity END, "
            "category = COALESCE(:category, category), level = :level, cue = :cue WHERE id = :id",
            {"id": case_id, "severity": severity, "category": category, "level": level, "cue": cue},
        )

    async def claim(self, tx: Transaction, case_id: int, by: int, now: int) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET status = 'claimed', claimed_by = :by, claimed_at = :now, "
            "next_page_at = NULL WHERE id = :id AND status = 'open'",
            {"id": case_id, "by": by, "now": now},
        )

    async def close(
        self, tx: Transaction, case_id: int, status: CaseStatus, by: int, note: str, now: int
    ) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET status = :status, closed_by = :by, closed_at = :now, "
            "note = :note, next_page_at = NULL, "
            "claimed_by = COALESCE(claimed_by, :by), claimed_at = COALESCE(claimed_at, :now) "
            "WHERE id = :id AND status IN ('open', 'claimed')",
            {"id": case_id, "status": status, "by": by, "note": note, "now": now},
        )

    async def due_pages(self, now: int) -> list[Case]:
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE status = 'open' "
            "AND next_page_at IS NOT NULL AND next_page_at <= :now ORDER BY next_page_at",
            {"now": now},
        )
        return [_case(r) for r in rows]

    async def set_page(
        self, tx: Transaction, case_id: int, level: int, next_page_at: int | None
    ) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET page_level = :level, next_page_at = :next WHERE id = :id",
            {"id": case_id, "level": level, "next": next_page_at},
        )

    async def set_contact_requested(self, tx: Transaction, case_id: int, now: int) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET contact_requested_at = :now "
            "WHERE id = :id AND contact_requested_at IS NULL",
            {"id": case_id, "now": now},
        )

    async def set_resources_via(
        self,
        tx: Transaction,
        case_id: int,
        via: ResourcesVia,
        *,
        thread_id: int | None = None,
        outbox_id: int | None = None,
    ) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET resources_via = :via, "
            "fallback_thread_id = COALESCE(:thread, fallback_thread_id), "
            "resources_outbox_id = COALESCE(:outbox, resources_outbox_id) WHERE id = :id",
            {"id": case_id, "via": via, "thread": thread_id, "outbox": outbox_id},
        )

    async def undelivered_cases(self) -> list[Case]:
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE status IN ('open', 'claimed') "
            "AND alert_delivered_at IS NULL ORDER BY id"
        )
        return [_case(r) for r in rows]

    async def dm_only_open_cases(self) -> list[Case]:
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE status IN ('open', 'claimed') "
            "AND alert_link IN ('moderators', 'admins') AND alert_delivered_at IS NOT NULL "
            "ORDER BY id"
        )
        return [_case(r) for r in rows]

    async def pending_threads(self) -> list[Case]:
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases "
            "WHERE resources_via = 'thread_pending' ORDER BY id"
        )
        return [_case(r) for r in rows]

    # ------------------------------------------------------------------ the alert message

    async def set_alert_message(
        self, tx: Transaction, case_id: int, message_id: int, *, outbox_id: int | None = None
    ) -> bool:
        """The alert's Discord id; with `outbox_id`, only if that row is still the case's alert
        (an alert moved to the mod-log channel has a new row)."""
        changed = await tx.execute(
            "UPDATE escalation_cases SET alert_message_id = :message_id WHERE id = :id "
            "AND (:outbox_id IS NULL OR alert_outbox_id = :outbox_id)",
            {"id": case_id, "message_id": message_id, "outbox_id": outbox_id},
        )
        return changed > 0

    # ------------------------------------------------------------------ the member's words

    async def message_by_discord_id(
        self, tx: Transaction, guild_id: int, message_id: int
    ) -> CaseMessage | None:
        row = await tx.fetchone(
            f"SELECT {_MESSAGE_COLUMNS} FROM escalation_case_messages "
            "WHERE guild_id = :guild_id AND message_id = :message_id",
            {"guild_id": guild_id, "message_id": message_id},
        )
        return None if row is None else _message(row)

    async def insert_message(
        self,
        tx: Transaction,
        *,
        case_id: int,
        guild_id: int,
        channel_id: int | None,
        message_id: int | None,
        source: MessageSource,
        text: str,
        category: str,
        severity: int,
        modifiers: tuple[str, ...],
        level: str | None,
        cue: str | None,
        now: int,
        forwarded: bool = False,
        posted_at: int | None = None,
    ) -> int:
        return await tx.insert(
            "INSERT INTO escalation_case_messages (case_id, guild_id, channel_id, message_id, "
            "source, text, category, severity, modifiers, level, cue, created_at, forwarded, "
            "posted_at) "
            "VALUES (:case_id, :guild_id, :channel_id, :message_id, :source, :text, :category, "
            ":severity, :modifiers, :level, :cue, :now, :forwarded, :posted_at)",
            {
                "case_id": case_id,
                "guild_id": guild_id,
                "channel_id": channel_id,
                "message_id": message_id,
                "source": source,
                "text": text,
                "category": category,
                "severity": severity,
                "modifiers": ",".join(sorted(modifiers)),
                "level": level,
                "cue": cue,
                "now": now,
                "forwarded": 1 if forwarded else 0,
                "posted_at": posted_at,
            },
        )

    async def update_message_text(
        self,
        tx: Transaction,
        row_id: int,
        *,
        text: str,
        category: str,
        severity: int,
        modifiers: tuple[str, ...],
        level: str | None,
        cue: str | None,
    ) -> None:
        await tx.execute(
            "UPDATE escalation_case_messages SET text = :text, source = 'edit', "
            "category = :category, severity = :severity, modifiers = :modifiers, "
            "level = :level, cue = :cue WHERE id = :id",
            {
                "id": row_id,
                "text": text,
                "category": category,
                "severity": severity,
                "modifiers": ",".join(sorted(modifiers)),
                "level": level,
                "cue": cue,
            },
        )

    async def messages(self, case_id: int) -> list[CaseMessage]:
        rows = await self.db.fetchall(
            f"SELECT {_MESSAGE_COLUMNS} FROM escalation_case_messages WHERE case_id = :case_id "
            "ORDER BY id",
            {"case_id": case_id},
        )
        return [_message(r) for r in rows]

    # ------------------------------------------------------------------ retention

    async def due_for_purge(self, now: int) -> list[Case]:
        """Closed cases whose server's retention period has passed. The retention period is the
        core server setting (guild_settings.retention_days)."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join('c.' + c.strip() for c in _CASE_COLUMNS.split(','))} "
            "FROM escalation_cases c LEFT JOIN guild_settings s ON s.guild_id = c.guild_id "
            "WHERE c.text_purged_at IS NULL AND c.closed_at IS NOT NULL "
            "AND c.closed_at + 86400 * COALESCE(s.retention_days, :default_days) <= :now "
            "ORDER BY c.id",
            {"now": now, "default_days": DEFAULT_RETENTION_DAYS},
        )
        return [_case(r) for r in rows]

    async def purge(self, tx: Transaction, case_id: int, now: int) -> None:
        """The member's words go: the texts, the cues (they quote them) and the closing note.
        The levels stay, like the category and severity."""
        await tx.execute(
            "UPDATE escalation_case_messages SET text = NULL, cue = NULL WHERE case_id = :id",
            {"id": case_id},
        )
        await tx.execute(
            "UPDATE escalation_cases SET note = NULL, cue = NULL, text_purged_at = :now "
            "WHERE id = :id",
            {"id": case_id, "now": now},
        )

    async def unredacted_alerts(self) -> list[Case]:
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM escalation_cases WHERE text_purged_at IS NOT NULL "
            "AND alert_redacted = 0 ORDER BY id LIMIT 200"
        )
        return [_case(r) for r in rows]

    async def mark_redacted(self, case_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE escalation_cases SET alert_redacted = 1 WHERE id = :id", {"id": case_id}
            )

    # ------------------------------------------------------------------ server phrases

    async def phrases(self, guild_id: int) -> list[ServerPhrase]:
        rows = await self.db.fetchall(
            "SELECT guild_id, phrase, phrase_key, category, severity, created_at, created_by "
            "FROM escalation_phrases WHERE guild_id = :guild_id ORDER BY phrase_key",
            {"guild_id": guild_id},
        )
        return [ServerPhrase(**dict(r)) for r in rows]

    async def count_phrases(self, tx: Transaction, guild_id: int) -> int:
        row = await tx.fetchone(
            "SELECT COUNT(*) AS n FROM escalation_phrases WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return int(row["n"]) if row else 0

    async def add_phrase(self, tx: Transaction, phrase: ServerPhrase) -> bool:
        """False if the server already has this phrase."""
        changed = await tx.execute(
            "INSERT INTO escalation_phrases (guild_id, phrase, phrase_key, category, severity, "
            "created_at, created_by) VALUES (:guild_id, :phrase, :phrase_key, :category, "
            ":severity, :created_at, :created_by) ON CONFLICT (guild_id, phrase_key) DO NOTHING",
            {
                "guild_id": phrase.guild_id,
                "phrase": phrase.phrase,
                "phrase_key": phrase.phrase_key,
                "category": phrase.category,
                "severity": phrase.severity,
                "created_at": phrase.created_at,
                "created_by": phrase.created_by,
            },
        )
        return changed > 0

    async def remove_phrase(self, tx: Transaction, guild_id: int, phrase_key: str) -> bool:
        changed = await tx.execute(
            "DELETE FROM escalation_phrases WHERE guild_id = :guild_id "
            "AND phrase_key = :phrase_key",
            {"guild_id": guild_id, "phrase_key": phrase_key},
        )
        return changed > 0
