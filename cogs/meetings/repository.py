"""All of the meetings feature's SQL: rows in, dataclasses out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db import Database, Row, Transaction

SCHEDULED, STARTED, ENDED, CANCELLED = "scheduled", "started", "ended", "cancelled"
GOING, MAYBE, NO = "going", "maybe", "no"
ANSWERS = (GOING, MAYBE, NO)


def local_text(moment: datetime) -> str:
    """The stored form of a naive local time (the session key)."""
    return moment.replace(microsecond=0).isoformat()


def local_value(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Series:
    id: int
    guild_id: int
    group_id: int
    title: str
    zone: str
    start_local: datetime
    rrule: str | None
    duration_minutes: int
    sequence: int
    created_by: int
    cancelled_at: int | None


@dataclass(frozen=True)
class Session:
    """One materialised session (an occurrence) of a series."""

    id: int
    series_id: int
    guild_id: int
    group_id: int
    local_key: datetime
    scheduled_at: int
    starts_at: int
    ends_at: int
    status: str

    @property
    def occurrence(self) -> str:
        """The name of this session in the bot events (bot/events.py)."""
        return f"{self.series_id}:{self.scheduled_at}"


@dataclass(frozen=True)
class Action:
    occurrence_id: int
    action: str
    due_at: int


@dataclass(frozen=True)
class GroupSettings:
    offsets: tuple[int, ...]  # minutes before a session, largest first
    ping_role: bool
    remind_going: bool


@dataclass(frozen=True)
class EventState:
    group_id: int
    guild_id: int
    occurrence_id: int | None
    event_id: int | None
    fingerprint: str | None
    attempts: int
    reported: bool
    version: int


DEFAULT_OFFSETS = (1440, 60)

_SERIES = (
    "id, guild_id, group_id, title, zone, start_local, rrule, duration_minutes, sequence, "
    "created_by, cancelled_at"
)
_SESSION = "id, series_id, guild_id, group_id, local_key, scheduled_at, starts_at, ends_at, status"


def _series(row: Row) -> Series:
    return Series(
        id=row["id"],
        guild_id=row["guild_id"],
        group_id=row["group_id"],
        title=row["title"],
        zone=row["zone"],
        start_local=local_value(row["start_local"]),
        rrule=row["rrule"],
        duration_minutes=row["duration_minutes"],
        sequence=row["sequence"],
        created_by=row["created_by"],
        cancelled_at=row["cancelled_at"],
    )


def _session(row: Row) -> Session:
    return Session(
        id=row["id"],
        series_id=row["series_id"],
        guild_id=row["guild_id"],
        group_id=row["group_id"],
        local_key=local_value(row["local_key"]),
        scheduled_at=row["scheduled_at"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
    )


IN_CHUNK = 500  # ids per IN (...) list


def _in_list(ids: list[int]) -> tuple[str, dict[str, Any]]:
    """Named placeholders for an IN list: (':i0, :i1', {'i0': .., 'i1': ..})."""
    params = {f"i{n}": value for n, value in enumerate(ids)}
    return ", ".join(f":{key}" for key in params), params


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


class MeetingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ series

    async def insert_series(self, tx: Transaction, values: dict[str, Any]) -> int:
        return await tx.insert(
            "INSERT INTO meeting_series (guild_id, group_id, title, zone, start_local, rrule, "
            "duration_minutes, created_by, created_at, updated_at) VALUES (:guild_id, "
            ":group_id, :title, :zone, :start_local, :rrule, :duration_minutes, :created_by, "
            ":now, :now)",
            values,
        )

    async def update_series(self, tx: Transaction, series_id: int, values: dict[str, Any]) -> None:
        allowed = {"title", "start_local", "rrule", "duration_minutes", "cancelled_at"}
        sets = ", ".join(f"{key} = :{key}" for key in values if key in allowed)
        await tx.execute(
            f"UPDATE meeting_series SET {sets}, sequence = sequence + 1, updated_at = :now "
            "WHERE id = :id",
            {**values, "id": series_id},
        )

    async def series(self, series_id: int, via: Transaction | None = None) -> Series | None:
        row = await (via or self.db).fetchone(
            f"SELECT {_SERIES} FROM meeting_series WHERE id = :id", {"id": series_id}
        )
        return None if row is None else _series(row)

    async def series_many(
        self, series_ids: list[int], via: Transaction | None = None
    ) -> dict[int, Series]:
        found: dict[int, Series] = {}
        for first in range(0, len(series_ids), IN_CHUNK):
            marks, params = _in_list(series_ids[first : first + IN_CHUNK])
            rows = await (via or self.db).fetchall(
                f"SELECT {_SERIES} FROM meeting_series WHERE id IN ({marks})", params
            )
            found.update((r["id"], _series(r)) for r in rows)
        return found

    async def series_of_group(
        self, guild_id: int, group_id: int, *, include_cancelled: bool = False
    ) -> list[Series]:
        rows = await self.db.fetchall(
            f"SELECT {_SERIES} FROM meeting_series WHERE guild_id = :guild_id "
            "AND group_id = :group_id AND (:all OR cancelled_at IS NULL) ORDER BY id",
            {"guild_id": guild_id, "group_id": group_id, "all": include_cancelled},
        )
        return [_series(r) for r in rows]

    async def series_of_groups(self, guild_id: int, group_ids: list[int]) -> list[Series]:
        if not group_ids:
            return []
        marks, params = _in_list(group_ids)
        rows = await self.db.fetchall(
            f"SELECT {_SERIES} FROM meeting_series WHERE guild_id = :guild_id "
            f"AND group_id IN ({marks}) AND cancelled_at IS NULL ORDER BY id",
            {**params, "guild_id": guild_id},
        )
        return [_series(r) for r in rows]

    async def active_series_zones(self) -> list[tuple[int, int, str]]:
        """(guild id, group id, zone) of every active series: which groups may need `rezone`."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, group_id, zone FROM meeting_series "
            "WHERE cancelled_at IS NULL"
        )
        return [(r["guild_id"], r["group_id"], r["zone"]) for r in rows]

    async def set_series_zone(self, tx: Transaction, series_id: int, zone: str, now: int) -> bool:
        """False if the series already had that zone (another check moved it meanwhile)."""
        changed = await tx.execute(
            "UPDATE meeting_series SET zone = :zone, sequence = sequence + 1, updated_at = :now "
            "WHERE id = :id AND zone <> :zone",
            {"id": series_id, "zone": zone, "now": now},
        )
        return changed > 0

    async def active_series_without_session(self) -> list[Series]:
        """Series with no upcoming session materialised (at start-up, after an outage)."""
        rows = await self.db.fetchall(
            f"SELECT {_SERIES} FROM meeting_series s WHERE s.cancelled_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM meeting_occurrences o WHERE o.series_id = s.id "
            "AND o.status IN ('scheduled', 'started'))"
        )
        return [_series(r) for r in rows]

    # ------------------------------------------------------------------ overrides

    async def overrides(
        self, series_id: int, via: Transaction | None = None
    ) -> dict[datetime, datetime | None]:
        rows = await (via or self.db).fetchall(
            "SELECT local_key, new_local FROM meeting_overrides WHERE series_id = :id",
            {"id": series_id},
        )
        return {
            local_value(r["local_key"]): local_value(r["new_local"]) if r["new_local"] else None
            for r in rows
        }

    async def overrides_of(
        self, series_ids: list[int]
    ) -> dict[int, dict[datetime, datetime | None]]:
        """Overrides of many series at once (start-up)."""
        found: dict[int, dict[datetime, datetime | None]] = {i: {} for i in series_ids}
        rows = await self.db.fetchall(
            "SELECT series_id, local_key, new_local FROM meeting_overrides o "
            "JOIN meeting_series s ON s.id = o.series_id WHERE s.cancelled_at IS NULL"
        )
        for r in rows:
            if r["series_id"] in found:
                found[r["series_id"]][local_value(r["local_key"])] = (
                    local_value(r["new_local"]) if r["new_local"] else None
                )
        return found

    async def set_override(
        self, tx: Transaction, series_id: int, key: datetime, new_local: datetime | None
    ) -> None:
        await tx.execute(
            "INSERT INTO meeting_overrides (series_id, local_key, new_local) "
            "VALUES (:id, :key, :new) ON CONFLICT (series_id, local_key) "
            "DO UPDATE SET new_local = excluded.new_local",
            {
                "id": series_id,
                "key": local_text(key),
                "new": local_text(new_local) if new_local else None,
            },
        )

    async def clear_overrides(self, tx: Transaction, series_id: int) -> None:
        await tx.execute("DELETE FROM meeting_overrides WHERE series_id = :id", {"id": series_id})

    # ------------------------------------------------------------------ sessions

    async def insert_session(self, tx: Transaction, values: dict[str, Any]) -> int | None:
        """None when that session of the series already exists (it was materialised before)."""
        row = await tx.fetchone(
            "INSERT INTO meeting_occurrences (series_id, guild_id, group_id, local_key, "
            "scheduled_at, starts_at, ends_at) VALUES (:series_id, :guild_id, :group_id, "
            ":local_key, :scheduled_at, :starts_at, :ends_at) "
            "ON CONFLICT (series_id, local_key) DO NOTHING RETURNING id",
            values,
        )
        return None if row is None else row["id"]

    async def session(self, occurrence_id: int, via: Transaction | None = None) -> Session | None:
        row = await (via or self.db).fetchone(
            f"SELECT {_SESSION} FROM meeting_occurrences WHERE id = :id", {"id": occurrence_id}
        )
        return None if row is None else _session(row)

    async def sessions(
        self, occurrence_ids: list[int], via: Transaction | None = None
    ) -> dict[int, Session]:
        found: dict[int, Session] = {}
        for first in range(0, len(occurrence_ids), IN_CHUNK):
            chunk = occurrence_ids[first : first + IN_CHUNK]
            marks, params = _in_list(chunk)
            rows = await (via or self.db).fetchall(
                f"SELECT {_SESSION} FROM meeting_occurrences WHERE id IN ({marks})", params
            )
            found.update((r["id"], _session(r)) for r in rows)
        return found

    async def upcoming_of_series(
        self, series_id: int, via: Transaction | None = None
    ) -> Session | None:
        row = await (via or self.db).fetchone(
            f"SELECT {_SESSION} FROM meeting_occurrences WHERE series_id = :id "
            "AND status IN ('scheduled', 'started') ORDER BY starts_at LIMIT 1",
            {"id": series_id},
        )
        return None if row is None else _session(row)

    async def session_by_key(self, series_id: int, key: datetime) -> Session | None:
        row = await self.db.fetchone(
            f"SELECT {_SESSION} FROM meeting_occurrences WHERE series_id = :id "
            "AND local_key = :key",
            {"id": series_id, "key": local_text(key)},
        )
        return None if row is None else _session(row)

    async def next_session_of_group(self, guild_id: int, group_id: int) -> Session | None:
        row = await self.db.fetchone(
            f"SELECT {_prefixed(_SESSION, 'o')} FROM meeting_occurrences o "
            "JOIN meeting_series s ON s.id = o.series_id "
            "WHERE o.guild_id = :guild_id AND o.group_id = :group_id "
            "AND o.status IN ('scheduled', 'started') AND s.cancelled_at IS NULL "
            "ORDER BY o.starts_at, o.id LIMIT 1",
            {"guild_id": guild_id, "group_id": group_id},
        )
        return None if row is None else _session(row)

    async def delete_session(self, tx: Transaction, occurrence_id: int) -> None:
        """With its actions and RSVPs (a series' rule was replaced before it took place)."""
        await tx.execute("DELETE FROM meeting_occurrences WHERE id = :id", {"id": occurrence_id})

    async def set_status(self, tx: Transaction, occurrence_id: int, status: str) -> None:
        await tx.execute(
            "UPDATE meeting_occurrences SET status = :status WHERE id = :id",
            {"id": occurrence_id, "status": status},
        )

    async def move_session(
        self, tx: Transaction, occurrence_id: int, starts_at: int, ends_at: int
    ) -> None:
        await tx.execute(
            "UPDATE meeting_occurrences SET starts_at = :starts, ends_at = :ends WHERE id = :id",
            {"id": occurrence_id, "starts": starts_at, "ends": ends_at},
        )

    async def rezone_session(
        self, tx: Transaction, occurrence_id: int, scheduled_at: int, starts_at: int, ends_at: int
    ) -> None:
        await tx.execute(
            "UPDATE meeting_occurrences SET scheduled_at = :scheduled, starts_at = :starts, "
            "ends_at = :ends WHERE id = :id",
            {"id": occurrence_id, "scheduled": scheduled_at, "starts": starts_at, "ends": ends_at},
        )

    # ------------------------------------------------------------------ actions

    async def insert_actions(
        self, tx: Transaction, occurrence_id: int, plan: dict[str, int]
    ) -> None:
        """A new session's actions, in one statement (start-up materialises thousands)."""
        if not plan:
            return
        rows = ", ".join(f"(:id, :a{i}, :d{i})" for i in range(len(plan)))
        params: dict[str, Any] = {"id": occurrence_id}
        for i, (action, due) in enumerate(plan.items()):
            params[f"a{i}"], params[f"d{i}"] = action, due
        await tx.execute(
            f"INSERT INTO meeting_actions (occurrence_id, action, due_at) VALUES {rows} "
            "ON CONFLICT (occurrence_id, action) DO NOTHING",
            params,
        )

    async def drop_pending_actions(
        self, tx: Transaction, occurrence_id: int, now: int, *, prefix: str = ""
    ) -> None:
        """Pending actions of a session that will not happen (cancelled, moved, re-planned)."""
        await tx.execute(
            "UPDATE meeting_actions SET done_at = :now, outcome = 'dropped' "
            "WHERE occurrence_id = :id AND done_at IS NULL AND action LIKE :prefix",
            {"id": occurrence_id, "now": now, "prefix": prefix + "%"},
        )

    async def replace_pending_actions(
        self, tx: Transaction, occurrence_id: int, plan: dict[str, int], *, prefix: str = ""
    ) -> None:
        """Pending actions (named `prefix`...) become `plan` (action -> due); actions already
        done stay done, so a reminder never goes out twice."""
        await tx.execute(
            "DELETE FROM meeting_actions WHERE occurrence_id = :id AND done_at IS NULL "
            "AND action LIKE :prefix",
            {"id": occurrence_id, "prefix": prefix + "%"},
        )
        await self.insert_actions(tx, occurrence_id, plan)

    async def next_due_at(self) -> int | None:
        return await self.db.fetchval(
            "SELECT MIN(due_at) FROM meeting_actions WHERE done_at IS NULL"
        )

    async def due_actions(
        self, now: int, limit: int, via: Transaction | None = None
    ) -> list[Action]:
        rows = await (via or self.db).fetchall(
            "SELECT occurrence_id, action, due_at FROM meeting_actions "
            "WHERE done_at IS NULL AND due_at <= :now ORDER BY due_at, occurrence_id LIMIT :limit",
            {"now": now, "limit": limit},
        )
        return [Action(r["occurrence_id"], r["action"], r["due_at"]) for r in rows]

    async def due_guilds(self, now: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT o.guild_id FROM meeting_actions a JOIN meeting_occurrences o "
            "ON o.id = a.occurrence_id WHERE a.done_at IS NULL AND a.due_at <= :now",
            {"now": now},
        )
        return [r["guild_id"] for r in rows]

    async def claim_action(self, tx: Transaction, action: Action, now: int, outcome: str) -> bool:
        """Mark one action done. False if it was already done (it never fires twice)."""
        changed = await tx.execute(
            "UPDATE meeting_actions SET done_at = :now, outcome = :outcome "
            "WHERE occurrence_id = :id AND action = :action AND done_at IS NULL",
            {"id": action.occurrence_id, "action": action.action, "now": now, "outcome": outcome},
        )
        return changed == 1

    async def action_outcomes(self, occurrence_id: int) -> dict[str, str | None]:
        rows = await self.db.fetchall(
            "SELECT action, outcome FROM meeting_actions WHERE occurrence_id = :id",
            {"id": occurrence_id},
        )
        return {r["action"]: r["outcome"] for r in rows}

    async def pending_count(self) -> int:
        return await self.db.fetchval("SELECT COUNT(*) FROM meeting_actions WHERE done_at IS NULL")

    # ------------------------------------------------------------------ RSVPs

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

    async def delete_old_rsvps(self, before: int) -> int:
        """RSVPs of sessions long over: nobody needs to know who came."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM meeting_rsvps WHERE occurrence_id IN (SELECT id FROM "
                "meeting_occurrences WHERE ends_at < :before AND status IN ('ended', "
                "'cancelled'))",
                {"before": before},
            )

    async def delete_old_sessions(self, before: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM meeting_occurrences WHERE ends_at < :before "
                "AND status IN ('ended', 'cancelled')",
                {"before": before},
            )

    # ------------------------------------------------------------------ settings

    async def group_settings(self, group_id: int) -> GroupSettings:
        row = await self.db.fetchone(
            "SELECT reminder_offsets, ping_role, remind_going FROM meeting_group_settings "
            "WHERE group_id = :id",
            {"id": group_id},
        )
        if row is None:
            return GroupSettings(DEFAULT_OFFSETS, False, False)
        offsets = tuple(int(x) for x in row["reminder_offsets"].split(",") if x)
        return GroupSettings(offsets, bool(row["ping_role"]), bool(row["remind_going"]))

    async def all_group_settings(self, via: Transaction | None = None) -> dict[int, GroupSettings]:
        rows = await (via or self.db).fetchall(
            "SELECT group_id, reminder_offsets, ping_role, remind_going FROM meeting_group_settings"
        )
        return {
            r["group_id"]: GroupSettings(
                tuple(int(x) for x in r["reminder_offsets"].split(",") if x),
                bool(r["ping_role"]),
                bool(r["remind_going"]),
            )
            for r in rows
        }

    async def save_group_settings(
        self,
        tx: Transaction,
        guild_id: int,
        group_id: int,
        settings: GroupSettings,
        by: int,
        now: int,
    ) -> None:
        await tx.execute(
            "INSERT INTO meeting_group_settings (group_id, guild_id, reminder_offsets, "
            "ping_role, remind_going, updated_at, updated_by) VALUES (:group_id, :guild_id, "
            ":offsets, :ping, :going, :now, :by) ON CONFLICT (group_id) DO UPDATE SET "
            "reminder_offsets = excluded.reminder_offsets, ping_role = excluded.ping_role, "
            "remind_going = excluded.remind_going, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            {
                "group_id": group_id,
                "guild_id": guild_id,
                "offsets": ",".join(str(o) for o in settings.offsets),
                "ping": int(settings.ping_role),
                "going": int(settings.remind_going),
                "now": now,
                "by": by,
            },
        )

    async def tx_scheduled_sessions_of_group(
        self, tx: Transaction, guild_id: int, group_id: int
    ) -> list[Session]:
        rows = await tx.fetchall(
            f"SELECT {_SESSION} FROM meeting_occurrences WHERE guild_id = :guild_id "
            "AND group_id = :group_id AND status = 'scheduled'",
            {"guild_id": guild_id, "group_id": group_id},
        )
        return [_session(r) for r in rows]

    # ------------------------------------------------------------------ Discord events

    async def mark_event_dirty(self, tx: Transaction, guild_id: int, group_id: int) -> None:
        await tx.execute(
            "INSERT INTO meeting_events (group_id, guild_id, dirty, next_try_at) "
            "VALUES (:group_id, :guild_id, 1, 0) ON CONFLICT (group_id) DO UPDATE SET "
            "dirty = 1, next_try_at = 0, attempts = 0, version = version + 1",
            {"group_id": group_id, "guild_id": guild_id},
        )

    async def dirty_events(self, now: int) -> list[EventState]:
        rows = await self.db.fetchall(
            f"SELECT {_EVENT} FROM meeting_events WHERE dirty = 1 AND next_try_at <= :now "
            "ORDER BY group_id",
            {"now": now},
        )
        return [_event(r) for r in rows]

    async def next_event_try_at(self) -> int | None:
        return await self.db.fetchval("SELECT MIN(next_try_at) FROM meeting_events WHERE dirty = 1")

    async def event_state(self, group_id: int) -> EventState | None:
        row = await self.db.fetchone(
            f"SELECT {_EVENT} FROM meeting_events WHERE group_id = :id", {"id": group_id}
        )
        return None if row is None else _event(row)

    async def event_synced(
        self,
        state: EventState,
        occurrence_id: int | None,
        event_id: int | None,
        fingerprint: str | None,
    ) -> None:
        """Recorded after Discord accepted the change. `dirty` stays set when the group changed
        again while Discord was being asked (its version moved on): the next pass syncs that."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET occurrence_id = :occ, event_id = :event, "
                "fingerprint = :fp, attempts = 0, reported = 0, "
                "dirty = CASE WHEN version = :version THEN 0 ELSE 1 END WHERE group_id = :id",
                {
                    "id": state.group_id,
                    "occ": occurrence_id,
                    "event": event_id,
                    "fp": fingerprint,
                    "version": state.version,
                },
            )

    async def retry_events_of_guild(self, guild_id: int) -> None:
        """The server is available again: its pending syncs need not wait for their backoff."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET next_try_at = 0 WHERE guild_id = :guild_id "
                "AND dirty = 1",
                {"guild_id": guild_id},
            )

    async def event_failed(self, group_id: int, next_try_at: int, reported: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET attempts = attempts + 1, next_try_at = :at, "
                "reported = :reported WHERE group_id = :id",
                {"id": group_id, "at": next_try_at, "reported": int(reported)},
            )


_EVENT = "group_id, guild_id, occurrence_id, event_id, fingerprint, attempts, reported, version"


def _event(row: Row) -> EventState:
    return EventState(
        group_id=row["group_id"],
        guild_id=row["guild_id"],
        occurrence_id=row["occurrence_id"],
        event_id=row["event_id"],
        fingerprint=row["fingerprint"],
        attempts=row["attempts"],
        reported=bool(row["reported"]),
        version=row["version"],
    )
