"""The meetings feature's SQL about sessions (meeting_occurrences) and their due actions."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from bot.db import Row, Transaction
from bot.db_work import MEETINGS_WORK
from cogs.meetings.models import Action, Session, local_text, local_value
from cogs.meetings.repository_base import IN_CHUNK, Queries, chunks, in_list, placeholder_rows

# How long a claim of due actions is this process's (bot/shards.py owners): far longer than a
# batch takes to fire. A process that dies holding one, its actions are taken over once it has
# expired (by a process of the same servers; the same process gives its own back at start).
LEASE_SECONDS = 60

_SESSION = "id, series_id, guild_id, group_id, local_key, scheduled_at, starts_at, ends_at, status"


def _session(row: Row, prefix: str = "") -> Session:
    """`prefix`: the session's columns read beside another table's (`o_id`, `o_series_id`...)."""
    return Session(
        id=row[prefix + "id"],
        series_id=row[prefix + "series_id"],
        guild_id=row[prefix + "guild_id"],
        group_id=row[prefix + "group_id"],
        local_key=local_value(row[prefix + "local_key"]),
        scheduled_at=row[prefix + "scheduled_at"],
        starts_at=row[prefix + "starts_at"],
        ends_at=row[prefix + "ends_at"],
        status=row[prefix + "status"],
    )


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


class SessionQueries(Queries):
    # ------------------------------------------------------------------ sessions

    async def insert_session(self, tx: Transaction, values: dict[str, Any]) -> int | None:
        """None when that session of the series already exists (it was materialised before)."""
        tx.announce_work(MEETINGS_WORK, values["guild_id"])  # its due actions, to its process
        row = await tx.fetchone(
            "INSERT INTO meeting_occurrences (series_id, guild_id, group_id, local_key, "
            "scheduled_at, starts_at, ends_at) VALUES (:series_id, :guild_id, :group_id, "
            ":local_key, :scheduled_at, :starts_at, :ends_at) "
            "ON CONFLICT (series_id, local_key) DO NOTHING RETURNING id",
            values,
        )
        return None if row is None else row["id"]

    async def insert_sessions(
        self, tx: Transaction, sessions: list[dict[str, Any]]
    ) -> dict[int, int]:
        """Many series' next sessions, a hundred a statement (start-up materialises thousands):
        series id -> the new session's id, leaving out a session that already existed."""
        columns = ("series_id", "guild_id", "group_id", "local_key", "scheduled_at")
        columns += ("starts_at", "ends_at")
        made: dict[int, int] = {}
        for guild_id in {values["guild_id"] for values in sessions}:
            tx.announce_work(MEETINGS_WORK, guild_id)
        for chunk in chunks(sessions):
            found = await tx.fetchall(
                f"INSERT INTO meeting_occurrences ({', '.join(columns)}) VALUES "
                f"{placeholder_rows(len(chunk), len(columns))} "
                "ON CONFLICT (series_id, local_key) DO NOTHING RETURNING id, series_id",
                tuple(values[c] for values in chunk for c in columns),
            )
            made.update((r["series_id"], r["id"]) for r in found)
        return made

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
            marks, params = in_list(chunk)
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

    async def delete_old_sessions(self, before: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM meeting_occurrences WHERE ends_at < :before "
                "AND status IN ('ended', 'cancelled')",
                {"before": before},
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

    async def insert_many_actions(self, tx: Transaction, plans: dict[int, dict[str, int]]) -> None:
        """The actions of many new sessions (session id -> plan), a hundred a statement."""
        every = [(o, action, due) for o, plan in plans.items() for action, due in plan.items()]
        for chunk in chunks(every):
            await tx.execute(
                "INSERT INTO meeting_actions (occurrence_id, action, due_at) VALUES "
                f"{placeholder_rows(len(chunk), 3)} ON CONFLICT (occurrence_id, action) DO NOTHING",
                tuple(value for row in chunk for value in row),
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

    async def reschedule_actions(
        self, tx: Transaction, occurrence_id: int, plan: dict[str, int]
    ) -> None:
        """A session moved to a new time: its actions become `plan`, its reminders included
        even if they went out for the old time (a reminder is for a time: the new time gets its
        own). `plan` holds only reminders still ahead (rules.action_plan)."""
        await tx.execute(
            "DELETE FROM meeting_actions WHERE occurrence_id = :id "
            "AND (done_at IS NULL OR action LIKE 'reminder:%')",
            {"id": occurrence_id},
        )
        await self.insert_actions(tx, occurrence_id, plan)

    async def begin_action(self, tx: Transaction) -> None:
        """A savepoint around one action of a batch, so that its failure is undone alone."""
        await tx.execute("SAVEPOINT meeting_action")

    async def undo_action(self, tx: Transaction) -> None:
        await tx.execute("ROLLBACK TO meeting_action")

    async def end_action(self, tx: Transaction) -> None:
        await tx.execute("RELEASE meeting_action")

    def _owned_actions(self) -> str:
        """The join and condition that keep the actions of this process's servers (their
        session's `guild_id`); nothing with one process for every server (bot/shards.py)."""
        if not self.shards.partial:
            return ""
        return (
            " AND EXISTS (SELECT 1 FROM meeting_occurrences so WHERE so.id = a.occurrence_id"
            f"{self.shards.sql('so.guild_id')})"
        )

    async def next_due_at(self) -> int | None:
        """When the next action may be claimed: its due time, or the end of the lease another
        process holds on it (then it is done, or taken over)."""
        return await self.db.fetchval(
            "SELECT MIN(COALESCE(lease_until, due_at)) FROM meeting_actions a "
            f"WHERE done_at IS NULL{self._owned_actions()}",
            dict(self.shards.params()),
        )

    # Due, not done, unleased (or its lease expired, whoever held it), of a server this process
    # handles: leased to this process. On PostgreSQL the actions are locked as they are chosen,
    # skipping those another transaction holds (sql_dialect turns the comment into FOR UPDATE
    # SKIP LOCKED), and one another claim leased meanwhile is read again as leased.
    _LEASE = (
        "UPDATE meeting_actions SET lease_owner = :owner, lease_until = :lease_until "
        "WHERE (occurrence_id, action) IN ("
        "  SELECT a.occurrence_id, a.action FROM meeting_actions a "
        "  WHERE a.done_at IS NULL AND a.due_at <= :now "
        "  AND (a.lease_until IS NULL OR a.lease_until <= :now){owned} "
        "  ORDER BY a.due_at, a.occurrence_id LIMIT :limit /* FOR UPDATE SKIP LOCKED */) "
        "RETURNING occurrence_id, action, due_at"
    )

    async def lease_due(self, now: int, limit: int) -> list[Action]:
        """Claim up to `limit` due actions for LEASE_SECONDS, oldest first, in a
        `row_locked_transaction()` (bot/db.py): on PostgreSQL it takes no database-wide write
        lock, so processes claim at the same time, each action once."""
        async with self.claiming() as tx:
            return await self.lease_in(tx, now, limit)

    def claiming(self) -> AbstractAsyncContextManager[Transaction]:
        """The transaction of a claim: row locks alone (bot/db.py `row_locked_transaction`)."""
        return self.db.row_locked_transaction()

    async def lease_in(self, tx: Transaction, now: int, limit: int) -> list[Action]:
        """`lease_due` in `tx`, a `claiming()` transaction: the statement writes only the
        actions it locked."""
        rows = await tx.fetchall(
            self._LEASE.format(owned=self._owned_actions()),
            {
                "now": now,
                "limit": limit,
                "owner": self.shards.owner,
                "lease_until": now + LEASE_SECONDS,
                **self.shards.params(),
            },
        )
        actions = [Action(r["occurrence_id"], r["action"], r["due_at"]) for r in rows]
        return sorted(actions, key=lambda a: (a.due_at, a.occurrence_id, a.action))

    async def give_back(self, actions: list[Action], via: Transaction | None = None) -> None:
        """Leases of this process's that were not fired (their server's groups were not read,
        or the batch failed): claimable again at once rather than when they expire."""
        if not actions:
            return
        if via is None:
            async with self.claiming() as tx:
                await self.give_back(actions, tx)
            return
        for chunk in chunks(actions):
            params: list[Any] = [self.shards.owner]
            for action in chunk:
                params += (action.occurrence_id, action.action)
            await via.execute(
                "UPDATE meeting_actions SET lease_owner = NULL, lease_until = NULL "
                "WHERE done_at IS NULL AND lease_owner = ? "
                f"AND (occurrence_id, action) IN (VALUES {placeholder_rows(len(chunk), 2)})",
                tuple(params),
            )

    async def release_own_leases(self) -> int:
        """At start-up: the leases this process's owner (its shard set) held before it stopped
        are nobody's now. Another process's leases are left to it, or to whoever claims the
        action once they expire."""
        async with self.claiming() as tx:
            return await tx.execute(
                "UPDATE meeting_actions SET lease_owner = NULL, lease_until = NULL "
                "WHERE done_at IS NULL AND lease_owner = :owner",
                {"owner": self.shards.owner},
            )

    async def due_guilds(self, now: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT o.guild_id FROM meeting_actions a JOIN meeting_occurrences o "
            "ON o.id = a.occurrence_id WHERE a.done_at IS NULL AND a.due_at <= :now"
            f"{self.shards.sql('o.guild_id')}",
            {"now": now, **self.shards.params()},
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

    async def claim_actions(
        self, tx: Transaction, actions: list[Action], now: int, outcome: str
    ) -> set[tuple[int, str]]:
        """`claim_action` for many actions with the same outcome, a hundred a statement:
        the (session id, action) of those this claimed (not done before)."""
        claimed: set[tuple[int, str]] = set()
        for chunk in chunks(actions):
            params: list[Any] = [now, outcome]
            for action in chunk:
                params += (action.occurrence_id, action.action)
            rows = await tx.fetchall(
                "UPDATE meeting_actions SET done_at = ?, outcome = ? WHERE done_at IS NULL "
                f"AND (occurrence_id, action) IN (VALUES {placeholder_rows(len(chunk), 2)}) "
                "RETURNING occurrence_id, action",
                tuple(params),
            )
            claimed.update((r["occurrence_id"], r["action"]) for r in rows)
        return claimed

    async def action_outcomes(self, occurrence_id: int) -> dict[str, str | None]:
        rows = await self.db.fetchall(
            "SELECT action, outcome FROM meeting_actions WHERE occurrence_id = :id",
            {"id": occurrence_id},
        )
        return {r["action"]: r["outcome"] for r in rows}

    async def pending_count(self) -> int:
        return await self.db.fetchval("SELECT COUNT(*) FROM meeting_actions WHERE done_at IS NULL")
