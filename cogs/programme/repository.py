"""All of the programme feature's SQL: sessions, attendance, joins and leaves, settings."""

from __future__ import annotations

from typing import Any

from bot.db import Database, Row, Transaction
from bot.facts import SessionFact
from cogs.programme.models import (
    ASKED,
    CANCELLED,
    DEFAULT_BRIEFING_MINUTES,
    HELD,
    LATE_END_SECONDS,
    RECORDED,
    SCHEDULED,
    SKIPPED,
    DueBriefing,
    ProgrammeSession,
)

_COLUMNS = (
    "guild_id, group_id, occurrence, starts_at, ends_at, status, briefed_at, started_at, "
    "ended_at, attendance, attended"
)


# A meetings session's status -> ours: one that started or ended took place (even when the bot
# was offline and its meeting events came too late to be delivered).
_STATUS = {"cancelled": CANCELLED, "started": HELD, "ended": HELD}


def _session(row: Row) -> ProgrammeSession:
    return ProgrammeSession(**{k: row[k] for k in row.keys() if k != "minutes"})


def _scope(group_id: int | None) -> str:
    return "" if group_id is None else " AND group_id = :group"


class ProgrammeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ sessions

    async def note_sessions(self, tx: Transaction, facts: list[SessionFact]) -> None:
        """What the meetings feature says of sessions about to come: new ones are added, and
        moved or cancelled ones follow, unless the session already took place."""
        for fact in facts:
            status = _STATUS.get(fact.status, SCHEDULED)
            await tx.execute(
                "INSERT INTO programme_sessions (guild_id, group_id, occurrence, starts_at, "
                "ends_at, status) VALUES (:guild, :group, :occ, :starts, :ends, :status) "
                "ON CONFLICT (guild_id, occurrence) DO UPDATE SET starts_at = excluded.starts_at, "
                "ends_at = excluded.ends_at, status = excluded.status "
                "WHERE programme_sessions.status IN ('scheduled', 'cancelled')",
                {
                    "guild": fact.guild_id,
                    "group": fact.group_id,
                    "occ": fact.occurrence,
                    "starts": fact.starts_at,
                    "ends": fact.ends_at,
                    "status": status,
                },
            )

    async def due_briefings(self, now: int) -> list[DueBriefing]:
        rows = await self.db.fetchall(
            f"SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))}, "
            "COALESCE(p.briefing_minutes, :default) AS minutes "
            "FROM programme_sessions s LEFT JOIN programme_settings p ON p.group_id = s.group_id "
            "WHERE s.status = 'scheduled' AND s.briefed_at IS NULL AND s.started_at IS NULL "
            "AND s.starts_at > :now AND COALESCE(p.briefing_minutes, :default) > 0 "
            "AND s.starts_at - COALESCE(p.briefing_minutes, :default) * 60 <= :now "
            "ORDER BY s.starts_at",
            {"now": now, "default": DEFAULT_BRIEFING_MINUTES},
        )
        return [DueBriefing(_session(r), r["minutes"]) for r in rows]

    async def mark_briefed(self, tx: Transaction, guild_id: int, occurrence: str, now: int) -> bool:
        row = await tx.fetchone(
            "UPDATE programme_sessions SET briefed_at = :now WHERE guild_id = :guild "
            "AND occurrence = :occ AND briefed_at IS NULL RETURNING occurrence",
            {"now": now, "guild": guild_id, "occ": occurrence},
        )
        return row is not None

    async def mark_skipped(self, tx: Transaction, ended_before: int) -> int:
        return await tx.execute(
            "UPDATE programme_sessions SET status = :skipped WHERE status = :scheduled "
            "AND started_at IS NULL AND ends_at < :before",
            {"skipped": SKIPPED, "scheduled": SCHEDULED, "before": ended_before},
        )

    async def session(
        self, guild_id: int, occurrence: str, via: Transaction | None = None
    ) -> ProgrammeSession | None:
        row = await (via or self.db).fetchone(
            f"SELECT {_COLUMNS} FROM programme_sessions WHERE guild_id = :guild "
            "AND occurrence = :occ",
            {"guild": guild_id, "occ": occurrence},
        )
        return None if row is None else _session(row)

    async def held(
        self, tx: Transaction, session: ProgrammeSession, now: int, *, end: bool
    ) -> None:
        """The session started (or ended): it is held, whatever was known of it before."""
        column = "ended_at" if end else "started_at"
        await tx.execute(
            "INSERT INTO programme_sessions (guild_id, group_id, occurrence, starts_at, ends_at, "
            f"status, {column}) VALUES (:guild, :group, :occ, :starts, :ends, :held, :now) "
            "ON CONFLICT (guild_id, occurrence) DO UPDATE SET status = :held, "
            f"{column} = COALESCE(programme_sessions.{column}, :now)",
            {
                "guild": session.guild_id,
                "group": session.group_id,
                "occ": session.occurrence,
                "starts": session.starts_at,
                "ends": session.ends_at,
                "held": HELD,
                "now": now,
            },
        )

    async def ask_attendance(self, tx: Transaction, guild_id: int, occurrence: str) -> bool:
        row = await tx.fetchone(
            "UPDATE programme_sessions SET attendance = :asked WHERE guild_id = :guild "
            "AND occurrence = :occ AND attendance IS NULL RETURNING occurrence",
            {"asked": ASKED, "guild": guild_id, "occ": occurrence},
        )
        return row is not None

    async def live_session(self, guild_id: int, group_id: int, now: int) -> str | None:
        """The group's session going on now (started, not ended, and not long past its end: an
        end that never came does not keep it open)."""
        return await self.db.fetchval(
            "SELECT occurrence FROM programme_sessions WHERE guild_id = :guild "
            "AND group_id = :group AND started_at IS NOT NULL AND ended_at IS NULL "
            "AND ends_at > :since ORDER BY started_at DESC LIMIT 1",
            {"guild": guild_id, "group": group_id, "since": now - LATE_END_SECONDS},
        )

    async def last_held_end(self, guild_id: int, group_id: int, before: int) -> int | None:
        return await self.db.fetchval(
            "SELECT MAX(COALESCE(ended_at, ends_at)) FROM programme_sessions "
            "WHERE guild_id = :guild AND group_id = :group AND status = :held "
            "AND starts_at < :before",
            {"guild": guild_id, "group": group_id, "held": HELD, "before": before},
        )

    # ------------------------------------------------------------------ attendance

    async def add_seen(
        self, tx: Transaction, guild_id: int, occurrence: str, user_ids: list[int]
    ) -> None:
        for user_id in user_ids:
            await tx.execute(
                "INSERT INTO programme_attendance (guild_id, occurrence, user_id, source) "
                "VALUES (:guild, :occ, :user, 'voice') ON CONFLICT DO NOTHING",
                {"guild": guild_id, "occ": occurrence, "user": user_id},
            )

    async def attendees(self, guild_id: int, occurrence: str, source: str) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM programme_attendance WHERE guild_id = :guild "
            "AND occurrence = :occ AND source = :source ORDER BY user_id",
            {"guild": guild_id, "occ": occurrence, "source": source},
        )
        return [r["user_id"] for r in rows]

    async def record(
        self, tx: Transaction, guild_id: int, occurrence: str, user_ids: list[int] | None
    ) -> None:
        """Who came (None: the leaders skipped it); what the voice channel saw is forgotten."""
        params: dict[str, Any] = {"guild": guild_id, "occ": occurrence}
        await tx.execute(
            "DELETE FROM programme_attendance WHERE guild_id = :guild AND occurrence = :occ",
            params,
        )
        for user_id in user_ids or []:
            await tx.execute(
                "INSERT INTO programme_attendance (guild_id, occurrence, user_id, source) "
                "VALUES (:guild, :occ, :user, 'recorded')",
                {**params, "user": user_id},
            )
        await tx.execute(
            "UPDATE programme_sessions SET attendance = :state, attended = :count "
            "WHERE guild_id = :guild AND occurrence = :occ",
            {
                **params,
                "state": SKIPPED if user_ids is None else RECORDED,
                "count": None if user_ids is None else len(user_ids),
            },
        )

    # ------------------------------------------------------------------ joins and leaves

    async def note_membership(
        self, tx: Transaction, guild_id: int, group_id: int, user_id: int, change: str, at: int
    ) -> None:
        await tx.execute(
            "INSERT INTO programme_membership (guild_id, group_id, user_id, change, at) "
            "VALUES (:guild, :group, :user, :change, :at)",
            {"guild": guild_id, "group": group_id, "user": user_id, "change": change, "at": at},
        )

    async def note_waitlisted(self, tx: Transaction, guild_id: int, group_id: int, at: int) -> None:
        await tx.execute(
            "INSERT INTO programme_waitlisted (guild_id, group_id, at) "
            "VALUES (:guild, :group, :at)",
            {"guild": guild_id, "group": group_id, "at": at},
        )

    async def waitlisted(self, guild_id: int, group_id: int | None, start: int, end: int) -> int:
        value = await self.db.fetchval(
            "SELECT COUNT(*) FROM programme_waitlisted WHERE guild_id = :guild "
            f"AND at >= :start AND at < :end{_scope(group_id)}",
            {"guild": guild_id, "group": group_id, "start": start, "end": end},
        )
        return int(value or 0)

    async def joined_since(self, guild_id: int, group_id: int, since: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT user_id FROM programme_membership WHERE guild_id = :guild "
            "AND group_id = :group AND change = 'joined' AND at >= :since "
            "AND user_id IS NOT NULL ORDER BY user_id",
            {"guild": guild_id, "group": group_id, "since": since},
        )
        return [r["user_id"] for r in rows]

    # ------------------------------------------------------------------ settings

    async def briefing_minutes(self, group_id: int) -> int:
        value = await self.db.fetchval(
            "SELECT briefing_minutes FROM programme_settings WHERE group_id = :group",
            {"group": group_id},
        )
        return DEFAULT_BRIEFING_MINUTES if value is None else int(value)

    async def set_briefing_minutes(
        self, tx: Transaction, guild_id: int, group_id: int, minutes: int, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO programme_settings (group_id, guild_id, briefing_minutes, updated_at) "
            "VALUES (:group, :guild, :minutes, :now) ON CONFLICT (group_id) DO UPDATE SET "
            "briefing_minutes = excluded.briefing_minutes, updated_at = excluded.updated_at",
            {"group": group_id, "guild": guild_id, "minutes": minutes, "now": now},
        )

    # ------------------------------------------------------------------ reports

    async def sessions_between(
        self, guild_id: int, group_id: int | None, start: int, end: int
    ) -> list[ProgrammeSession]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM programme_sessions WHERE guild_id = :guild "
            f"AND starts_at >= :start AND starts_at < :end{_scope(group_id)} "
            "ORDER BY starts_at, group_id",
            {"guild": guild_id, "group": group_id, "start": start, "end": end},
        )
        return [_session(r) for r in rows]

    async def by_span(
        self, guild_id: int, group_id: int | None, bounds: list[int]
    ) -> list[tuple[int, str, int, int, int]]:
        """Sessions by span (bounds[i] <= start < bounds[i + 1]) and status, in one pass:
        (span, status, sessions, sessions whose attendance was recorded, people who came)."""
        params: dict[str, Any] = {"guild": guild_id, "group": group_id}
        cases = []
        for index, bound in enumerate(bounds[1:]):
            params[f"b{index}"] = bound
            cases.append(f"WHEN starts_at < :b{index} THEN {index}")
        params["start"], params["end"] = bounds[0], bounds[-1]
        rows = await self.db.fetchall(
            f"SELECT CASE {' '.join(cases)} END AS span, status, COUNT(*) AS n, "
            "COUNT(attended) AS recorded, COALESCE(SUM(attended), 0) AS came "
            "FROM programme_sessions WHERE guild_id = :guild AND starts_at >= :start "
            f"AND starts_at < :end{_scope(group_id)} GROUP BY span, status",
            params,
        )
        return [(r["span"], r["status"], r["n"], r["recorded"], r["came"]) for r in rows]

    async def membership_counts(
        self, guild_id: int, group_id: int | None, start: int, end: int
    ) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT change, COUNT(*) AS n FROM programme_membership WHERE guild_id = :guild "
            f"AND at >= :start AND at < :end{_scope(group_id)} GROUP BY change",
            {"guild": guild_id, "group": group_id, "start": start, "end": end},
        )
        return {r["change"]: r["n"] for r in rows}

    # ------------------------------------------------------------------ retention and privacy

    async def guilds(self) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT guild_id FROM programme_sessions UNION SELECT guild_id FROM "
            "programme_membership"
        )
        return [r["guild_id"] for r in rows]

    async def forget_before(self, tx: Transaction, guild_id: int, before: int) -> int:
        """Names older than the retention period go; the counts stay."""
        gone = await tx.execute(
            "DELETE FROM programme_attendance WHERE guild_id = :guild AND occurrence IN "
            "(SELECT occurrence FROM programme_sessions WHERE guild_id = :guild "
            "AND ends_at < :before)",
            {"guild": guild_id, "before": before},
        )
        gone += await tx.execute(
            "UPDATE programme_membership SET user_id = NULL WHERE guild_id = :guild "
            "AND at < :before AND user_id IS NOT NULL",
            {"guild": guild_id, "before": before},
        )
        return gone

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        params = {"guild": guild_id, "user": user_id}
        await tx.execute(
            "DELETE FROM programme_attendance WHERE guild_id = :guild AND user_id = :user", params
        )
        await tx.execute(
            "UPDATE programme_membership SET user_id = NULL WHERE guild_id = :guild "
            "AND user_id = :user",
            params,
        )

    async def member_records(self, guild_id: int, user_id: int) -> dict[str, list[Row]]:
        params = {"guild": guild_id, "user": user_id}
        attended = await self.db.fetchall(
            "SELECT s.group_id, s.starts_at, a.source FROM programme_attendance a "
            "JOIN programme_sessions s ON s.guild_id = a.guild_id "
            "AND s.occurrence = a.occurrence WHERE a.guild_id = :guild AND a.user_id = :user "
            "ORDER BY s.starts_at",
            params,
        )
        changes = await self.db.fetchall(
            "SELECT group_id, change, at FROM programme_membership WHERE guild_id = :guild "
            "AND user_id = :user ORDER BY at",
            params,
        )
        return {"attended": attended, "changes": changes}
