"""The SQL of who is on duty: moderators on or off by hand, their zones and weekly rota, the
server's paging interval and check-in delay, and the paging ladder and check-in of a case.
Rows in, dataclasses out; no discord import."""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from cogs.escalation.models import DEFAULT_PAGE_AFTER_SECONDS
from cogs.escalation.models_duty import (
    DEFAULT_CHECKIN_AFTER_SECONDS,
    CheckinStatus,
    DutyOverride,
    DutySettings,
    Ladder,
    ResolvedCase,
    RotaEntry,
)

_RESOLVED_COLUMNS = (
    "id, guild_id, user_id, status, created_at, closed_at, closed_by, alert_channel_id, "
    "alert_message_id, checkin, checkin_at"
)


def _rota(row: Row) -> RotaEntry:
    return RotaEntry(**{key: row[key] for key in row.keys()})


class DutyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ settings

    async def settings(self, guild_id: int) -> DutySettings:
        row = await self.db.fetchone(
            "SELECT guild_id, repage_every_seconds, checkin_after_seconds "
            "FROM escalation_duty_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return DutySettings(**dict(row)) if row else DutySettings(guild_id)

    async def settings_in(self, tx: Transaction, guild_id: int) -> DutySettings:
        row = await tx.fetchone(
            "SELECT guild_id, repage_every_seconds, checkin_after_seconds "
            "FROM escalation_duty_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return DutySettings(**dict(row)) if row else DutySettings(guild_id)

    async def first_page_seconds(self, guild_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT page_after_seconds FROM escalation_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return int(row["page_after_seconds"]) if row else DEFAULT_PAGE_AFTER_SECONDS

    async def save_settings(
        self, tx: Transaction, settings: DutySettings, by: int, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO escalation_duty_settings (guild_id, repage_every_seconds, "
            "checkin_after_seconds, updated_at, updated_by) VALUES (:guild_id, :every, "
            ":checkin, :now, :by) ON CONFLICT (guild_id) DO UPDATE SET "
            "repage_every_seconds = excluded.repage_every_seconds, "
            "checkin_after_seconds = excluded.checkin_after_seconds, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            {
                "guild_id": settings.guild_id,
                "every": settings.repage_every_seconds,
                "checkin": settings.checkin_after_seconds,
                "now": now,
                "by": by,
            },
        )

    # ------------------------------------------------------------------ on and off by hand

    async def overrides(self, guild_id: int) -> list[DutyOverride]:
        rows = await self.db.fetchall(
            "SELECT guild_id, user_id, state, since_at, until_at FROM escalation_duty "
            "WHERE guild_id = :guild_id ORDER BY user_id",
            {"guild_id": guild_id},
        )
        return [DutyOverride(**dict(r)) for r in rows]

    async def set_override(self, tx: Transaction, override: DutyOverride) -> None:
        await tx.execute(
            "INSERT INTO escalation_duty (guild_id, user_id, state, since_at, until_at) "
            "VALUES (:guild_id, :user_id, :state, :since_at, :until_at) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET state = excluded.state, "
            "since_at = excluded.since_at, until_at = excluded.until_at",
            {
                "guild_id": override.guild_id,
                "user_id": override.user_id,
                "state": override.state,
                "since_at": override.since_at,
                "until_at": override.until_at,
            },
        )

    async def clear_override(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        await tx.execute(
            "DELETE FROM escalation_duty WHERE guild_id = :guild_id AND user_id = :user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )

    async def drop_expired(self, now: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM escalation_duty WHERE until_at <= :now", {"now": now}
            )

    # ------------------------------------------------------------------ zones and the rota

    async def zones(self, guild_id: int) -> dict[int, str]:
        rows = await self.db.fetchall(
            "SELECT user_id, zone FROM escalation_duty_zones WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return {int(r["user_id"]): str(r["zone"]) for r in rows}

    async def set_zone(self, tx: Transaction, guild_id: int, user_id: int, zone: str) -> None:
        await tx.execute(
            "INSERT INTO escalation_duty_zones (guild_id, user_id, zone) "
            "VALUES (:guild_id, :user_id, :zone) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET zone = excluded.zone",
            {"guild_id": guild_id, "user_id": user_id, "zone": zone},
        )

    async def rota(self, guild_id: int) -> list[RotaEntry]:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, user_id, weekday, start_minute, end_minute "
            "FROM escalation_duty_rota WHERE guild_id = :guild_id "
            "ORDER BY user_id, weekday, start_minute",
            {"guild_id": guild_id},
        )
        return [_rota(r) for r in rows]

    async def rota_of_in(self, tx: Transaction, guild_id: int, user_id: int) -> list[RotaEntry]:
        rows = await tx.fetchall(
            "SELECT id, guild_id, user_id, weekday, start_minute, end_minute "
            "FROM escalation_duty_rota WHERE guild_id = :guild_id AND user_id = :user_id "
            "ORDER BY weekday, start_minute",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return [_rota(r) for r in rows]

    async def add_rota(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        weekday: int,
        start_minute: int,
        end_minute: int,
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO escalation_duty_rota (guild_id, user_id, weekday, start_minute, "
            "end_minute, created_at) VALUES (:guild_id, :user_id, :weekday, :start, :end, :now)",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "weekday": weekday,
                "start": start_minute,
                "end": end_minute,
                "now": now,
            },
        )

    async def remove_rota(self, tx: Transaction, guild_id: int, user_id: int, entry: int) -> bool:
        changed = await tx.execute(
            "DELETE FROM escalation_duty_rota WHERE id = :id AND guild_id = :guild_id "
            "AND user_id = :user_id",
            {"id": entry, "guild_id": guild_id, "user_id": user_id},
        )
        return changed > 0

    async def forget(self, guild_id: int, user_id: int) -> None:
        """Everything about one moderator's duty in one server."""
        params = {"guild_id": guild_id, "user_id": user_id}
        async with self.db.transaction() as tx:
            for table in ("escalation_duty", "escalation_duty_zones", "escalation_duty_rota"):
                await tx.execute(
                    f"DELETE FROM {table} WHERE guild_id = :guild_id AND user_id = :user_id",
                    params,
                )

    # ------------------------------------------------------------------ the paging ladder

    async def ladder_in(self, tx: Transaction, case_id: int) -> Ladder:
        row = await tx.fetchone(
            "SELECT duty_paged, page_repeats FROM escalation_cases WHERE id = :id",
            {"id": case_id},
        )
        if row is None:
            return Ladder(False, 0)
        return Ladder(bool(row["duty_paged"]), int(row["page_repeats"]))

    async def set_ladder(self, tx: Transaction, case_id: int, ladder: Ladder) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET duty_paged = :duty, page_repeats = :repeats "
            "WHERE id = :id",
            {"id": case_id, "duty": 1 if ladder.duty_paged else 0, "repeats": ladder.page_repeats},
        )

    # ------------------------------------------------------------------ check-ins

    async def due_checkins(self, now: int, limit: int = 100) -> list[ResolvedCase]:
        """Resolved cases whose check-in is not decided and whose server's delay has passed
        (a delay of 0, check-ins off, is due at once: it is recorded as 'off')."""
        columns = ", ".join("c." + c.strip() for c in _RESOLVED_COLUMNS.split(","))
        rows = await self.db.fetchall(
            f"SELECT {columns} FROM escalation_cases c "
            "LEFT JOIN escalation_duty_settings s ON s.guild_id = c.guild_id "
            "WHERE c.checkin IS NULL AND c.status = 'resolved' AND c.closed_at IS NOT NULL "
            "AND c.closed_at + COALESCE(s.checkin_after_seconds, :default) <= :now "
            "ORDER BY c.closed_at, c.id LIMIT :limit",
            {"now": now, "default": DEFAULT_CHECKIN_AFTER_SECONDS, "limit": limit},
        )
        return [ResolvedCase(**dict(r)) for r in rows]

    async def resolved(self, case_id: int) -> ResolvedCase | None:
        row = await self.db.fetchone(
            f"SELECT {_RESOLVED_COLUMNS} FROM escalation_cases WHERE id = :id", {"id": case_id}
        )
        return ResolvedCase(**dict(row)) if row else None

    async def resolved_in(self, tx: Transaction, case_id: int) -> ResolvedCase | None:
        row = await tx.fetchone(
            f"SELECT {_RESOLVED_COLUMNS} FROM escalation_cases WHERE id = :id", {"id": case_id}
        )
        return ResolvedCase(**dict(row)) if row else None

    async def newer_case_in(self, tx: Transaction, case: ResolvedCase) -> int | None:
        """The member's case that is open now or opened after this one closed, if any."""
        row = await tx.fetchone(
            "SELECT id FROM escalation_cases WHERE guild_id = :guild_id AND user_id = :user_id "
            "AND id <> :id AND (status IN ('open', 'claimed') OR created_at >= :closed_at) "
            "ORDER BY id DESC LIMIT 1",
            {
                "guild_id": case.guild_id,
                "user_id": case.user_id,
                "id": case.id,
                "closed_at": case.closed_at or 0,
            },
        )
        return int(row["id"]) if row else None

    async def record_checkin(
        self,
        tx: Transaction,
        case_id: int,
        status: CheckinStatus,
        now: int,
        outbox_id: int | None = None,
    ) -> bool:
        """Decide a case's check-in once; False when it was decided already."""
        changed = await tx.execute(
            "UPDATE escalation_cases SET checkin = :status, checkin_at = :now, "
            "checkin_outbox_id = :outbox WHERE id = :id AND checkin IS NULL",
            {"id": case_id, "status": status, "now": now, "outbox": outbox_id},
        )
        return changed > 0

    async def checkin_failed(self, tx: Transaction, case_id: int) -> None:
        await tx.execute(
            "UPDATE escalation_cases SET checkin = 'failed' WHERE id = :id AND checkin = 'sent'",
            {"id": case_id},
        )
