"""The outbox: sends that must not be lost, written in the same transaction as the state change.

A feature calls `outbox.enqueue(tx, ...)` inside its `db.transaction()`. The row carries a nonce;
`bot.dispatcher.OutboxDispatcher` sends it with that nonce (Discord drops a repeat within its
nonce window) and marks it sent. Rows hold a *kind* (the name of a renderer the feature
registered) and a small JSON payload, ideally ids rather than texts, so the message is rendered
from the database when it is sent, in the server's language.

Each row has a priority, the one its kind declared when it was written (`OutboxKind(priority=
URGENT)` in bot/feature.py): urgent rows (a crisis alert, the member's crisis resources) are
claimed before every other row, and order is kept within a destination among rows of the same
priority (an urgent row may overtake an ordinary one queued for the same channel). `TIMELY` rows
(a session's reminder) go at the ordinary sends' pace but are claimed before them: ten thousand
announcements queued at a first start do not hold back the reminder of a session about to begin.

A row that cannot be rendered (bot/outbox_failures.py) steps aside: its priority drops below
NORMAL, to -1 after its first failed try and -2 after its second, so it holds back no other row
of its destination (a row waits only behind older rows of at least its own priority); it is
tried again a little later, and failed for good after its last try. Its kind's priority comes
back only for its `on_failure` handler. This module holds the rules and the SQL; it never
imports discord.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.clock import Clock, epoch
from bot.db import Database, Row, Transaction
from bot.db_work import OUTBOX_WORK
from bot.shards import EVERY_SHARD, ShardSet

log = logging.getLogger(__name__)

DestinationType = Literal["channel", "user"]
# (tx, guild_id, user_id): a row for this member's DMs is being queued in tx.
UserRowHook = Callable[[Transaction, int | None, int], Awaitable[None]]

NORMAL = 0
TIMELY = 1  # due at a time (a session's reminder): claimed before ordinary sends, at their pace
URGENT = 2  # crisis alerts and crisis resources: ahead of every other send
# Below NORMAL: a row set aside after that many failed renders (-1, -2, ...).

LEASE_SECONDS = 120
MAX_BACKOFF_SECONDS = 300
MAX_ATTEMPTS_FOR_BUGS = 10  # a row whose kind has no renderer gives up after this many tries
KEEP_SENT_SECONDS = 7 * 24 * 3600
KEEP_FAILED_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    guild_id: int | None
    kind: str
    destination_type: DestinationType
    destination_id: int
    payload: dict[str, Any]
    nonce: str
    attempts: int
    created_at: int
    priority: int = NORMAL
    tried_after: int | None = None  # a Discord snowflake just before the first attempt

    @property
    def urgent(self) -> bool:
        return self.priority >= URGENT

    @property
    def set_aside(self) -> bool:
        """Its renderer failed: it holds back no other row of its destination."""
        return self.priority < NORMAL

    @property
    def failed_renders(self) -> int:
        return -self.priority if self.priority < NORMAL else 0

    @property
    def destination(self) -> tuple[str, int]:
        return (self.destination_type, self.destination_id)


@dataclass(frozen=True)
class Delivery:
    """Where one row went: its status and, once sent, the channel and message ids."""

    status: str
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int


# Rows per statement of enqueue_to_channels, with positional parameters: SQLite finds each named
# one by a linear search of those already seen (a cost growing with the square of the rows).
INSERT_CHUNK = 500


def new_nonce() -> str:
    return secrets.token_hex(12)  # Discord accepts nonces up to 25 characters


def backoff_seconds(attempts: int) -> int:
    """1, 2, 4, ... seconds, capped at five minutes, with a little jitter."""
    base = min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return max(1, int(base * random.uniform(0.8, 1.2)))


_COLUMNS = (
    "id, guild_id, kind, destination_type, destination_id, payload, nonce, attempts, created_at, "
    "priority, tried_after"
)


def _message(row: Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        guild_id=row["guild_id"],
        kind=row["kind"],
        destination_type=row["destination_type"],
        destination_id=row["destination_id"],
        payload=json.loads(row["payload"]),
        nonce=row["nonce"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        priority=row["priority"],
        tried_after=row["tried_after"],
    )


class OutboxRepository:
    # Due, unleased (or its lease expired, whoever held it), of a server this process handles
    # (bot/shards.py), and not behind an older row of the same destination (and at least the
    # same priority) that waits for its retry: each destination gets its messages in order.
    # On PostgreSQL the rows are locked as they are chosen, skipping rows another transaction
    # holds (sql_dialect turns the comment into FOR UPDATE SKIP LOCKED; SQLite has one writer).
    _CLAIM = (
        "UPDATE outbox SET lease_until = :lease_until, lease_owner = :owner, "
        "attempts = attempts + 1, tried_after = COALESCE(tried_after, :tried_after) "
        "WHERE id IN ("
        "  SELECT o.id FROM outbox o WHERE o.status = 'pending' AND {priority} "
        "  AND o.next_attempt_at <= :now "
        "  AND (o.lease_until IS NULL OR o.lease_until <= :now){shards} "
        "  AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending' "
        "    AND e.destination_type = o.destination_type "
        "    AND e.destination_id = o.destination_id AND e.id < o.id "
        "    AND e.priority >= o.priority AND e.next_attempt_at > :now) "
        "  ORDER BY o.priority DESC, o.id LIMIT :limit /* FOR UPDATE SKIP LOCKED */) "
        f"RETURNING {_COLUMNS}"
    )

    def __init__(self, db: Database, shards: ShardSet = EVERY_SHARD) -> None:
        self.db = db
        self.shards = shards
        scope = shards.sql("o.guild_id")
        self._claim_urgent = self._CLAIM.format(priority=f"o.priority >= {URGENT}", shards=scope)
        self._claim_normal = self._CLAIM.format(priority=f"o.priority < {URGENT}", shards=scope)

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int | None,
        kind: str,
        destination_type: DestinationType,
        destination_id: int,
        payload: dict[str, Any],
        nonce: str,
        now: int,
        priority: int = NORMAL,
    ) -> int:
        tx.announce_work(OUTBOX_WORK, guild_id)  # its server's process wakes, if another
        return await tx.insert(
            "INSERT INTO outbox (guild_id, kind, destination_type, destination_id, payload, "
            "nonce, next_attempt_at, created_at, priority) VALUES (:guild_id, :kind, "
            ":destination_type, :destination_id, :payload, :nonce, :now, :now, :priority)",
            {
                "priority": priority,
                "guild_id": guild_id,
                "kind": kind,
                "destination_type": destination_type,
                "destination_id": destination_id,
                "payload": json.dumps(payload, separators=(",", ":")),
                "nonce": nonce,
                "now": now,
            },
        )

    async def insert_many(self, tx: Transaction, rows: list[dict[str, Any]]) -> None:
        """Rows of `insert`'s keyword arguments, in one statement (positional parameters: see
        INSERT_CHUNK)."""
        values: list[Any] = []
        for row in rows:
            tx.announce_work(OUTBOX_WORK, row["guild_id"])
            payload = json.dumps(row["payload"], separators=(",", ":"))
            values += [row["guild_id"], row["kind"], row["destination_type"], row["destination_id"]]
            values += [payload, row["nonce"], row["now"], row["now"], row["priority"]]
        if rows:
            await tx.execute(
                "INSERT INTO outbox (guild_id, kind, destination_type, destination_id, payload, "
                "nonce, next_attempt_at, created_at, priority) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows)),
                tuple(values),
            )

    async def claim_due(
        self,
        now: int,
        limit: int,
        *,
        urgent_limit: int | None = None,
        tried_after: int | None = None,
    ) -> list[OutboxMessage]:
        """Lease due rows: up to `urgent_limit` urgent ones (default `limit`), then up to `limit`
        others, oldest first within each. A row waits while an older row of at least its
        priority for the same destination is waiting for its retry, so each channel gets its
        messages in order. `tried_after` (a Discord snowflake) is kept from the first claim."""
        async with self.db.row_locked_transaction() as tx:
            return await self.claim_in(
                tx, now, limit, urgent_limit=urgent_limit, tried_after=tried_after
            )

    async def claim_in(
        self,
        tx: Transaction,
        now: int,
        limit: int,
        *,
        urgent_limit: int | None = None,
        tried_after: int | None = None,
    ) -> list[OutboxMessage]:
        """`claim_due` in `tx`, a `row_locked_transaction()` (bot/db.py): each statement writes
        only the rows it locked (skipping those another transaction holds; one another claim
        leased meanwhile is read again as leased), so each row is claimed once."""
        params = {
            "now": now,
            "lease_until": now + LEASE_SECONDS,
            "tried_after": tried_after,
            "owner": self.shards.owner,
            **self.shards.params(),
        }
        rows: list[Row] = []
        urgent = limit if urgent_limit is None else urgent_limit
        if urgent > 0:
            rows += await tx.fetchall(self._claim_urgent, {**params, "limit": urgent})
        if limit > 0:
            rows += await tx.fetchall(self._claim_normal, {**params, "limit": limit})
        return sorted((_message(r) for r in rows), key=lambda m: (-m.priority, m.id))

    async def prioritise(self, kinds: dict[str, int]) -> int:
        """At start-up: pending rows take the priority their kind declares now (rows written
        before the kind declared one, or while its feature was not loaded); rows set aside stay
        aside."""
        changed = 0
        async with self.db.transaction() as tx:
            for kind, priority in kinds.items():
                changed += await tx.execute(
                    "UPDATE outbox SET priority = :priority WHERE status = 'pending' "
                    "AND kind = :kind AND priority <> :priority AND priority >= :normal",
                    {"kind": kind, "priority": priority, "normal": NORMAL},
                )
        return changed

    async def untold(self, kinds: list[str]) -> list[tuple[OutboxMessage, int]]:
        """Sent rows of these kinds whose on_sent handler has not finished (a crash came
        between marking them sent and the handler), with the Discord id of what was sent."""
        if not kinds:
            return []
        names = {f"k{i}": kind for i, kind in enumerate(kinds)}
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS}, message_id FROM outbox o WHERE status = 'sent' "
            f"AND told_at IS NULL AND message_id IS NOT NULL{self.shards.sql('o.guild_id')} "
            f"AND kind IN ({', '.join(':' + name for name in names)}) ORDER BY id",
            {**names, **self.shards.params()},
        )
        return [(_message(row), row["message_id"]) for row in rows]

    async def mark_told(self, row_id: int, now: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET told_at = :now WHERE id = :id", {"id": row_id, "now": now}
            )

    async def release_own_leases(self) -> int:
        """At start-up: the leases this process's owner (its shard set) held before it stopped
        are nobody's now, and those of before the owner was recorded (NULL). Another process's
        leases are left to it, or to whoever claims the row once they expire."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "UPDATE outbox SET lease_until = NULL, lease_owner = NULL "
                "WHERE status = 'pending' AND lease_until IS NOT NULL "
                "AND (lease_owner = :owner OR lease_owner IS NULL)",
                {"owner": self.shards.owner},
            )

    async def mark_sent(self, message_id: int, channel_id: int, sent_id: int, now: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'sent', sent_at = :now, channel_id = :channel_id, "
                "message_id = :message_id, lease_until = NULL, last_error = NULL WHERE id = :id",
                {"id": message_id, "now": now, "channel_id": channel_id, "message_id": sent_id},
            )

    async def mark_retry(self, message_id: int, next_attempt_at: int, error: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET next_attempt_at = :at, lease_until = NULL, last_error = :error "
                "WHERE id = :id",
                {"id": message_id, "at": next_attempt_at, "error": error[:500]},
            )

    async def set_aside(
        self, message_id: int, failed_renders: int, next_attempt_at: int, error: str
    ) -> None:
        """After a failed render: the row holds back nothing and is tried again later."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET priority = :priority, next_attempt_at = :at, "
                "lease_until = NULL, last_error = :error WHERE id = :id AND status = 'pending'",
                {
                    "id": message_id,
                    "priority": NORMAL - failed_renders,
                    "at": next_attempt_at,
                    "error": error[:500],
                },
            )

    async def release(self, ids: list[int]) -> None:
        """Give back claimed rows that were not tried (they wait behind an earlier row)."""
        async with self.db.transaction() as tx:
            for row_id in ids:
                await tx.execute(
                    "UPDATE outbox SET lease_until = NULL, attempts = attempts - 1, "
                    "tried_after = CASE WHEN attempts > 1 THEN tried_after END "
                    "WHERE id = :id AND status = 'pending'",
                    {"id": row_id},
                )

    async def mark_failed(self, message_id: int, error: str, now: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'failed', last_error = :error, sent_at = :now, "
                "lease_until = NULL WHERE id = :id",
                {"id": message_id, "error": error[:500], "now": now},
            )

    async def next_due_at(self, now: int, *, urgent_only: bool = False) -> int | None:
        """When the next row may be tried. A row held back behind an older row of its
        destination that waits for its retry is not counted: it is due when that row is."""
        return await self.db.fetchval(
            "SELECT MIN(COALESCE(o.lease_until, o.next_attempt_at)) FROM outbox o "
            "WHERE o.status = 'pending' AND (o.priority >= :urgent OR :every = 1)"
            f"{self.shards.sql('o.guild_id')} "
            "AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending' "
            "  AND e.destination_type = o.destination_type "
            "  AND e.destination_id = o.destination_id AND e.id < o.id "
            "  AND e.priority >= o.priority AND e.next_attempt_at > :now)",
            {
                "urgent": URGENT,
                "every": 0 if urgent_only else 1,
                "now": now,
                **self.shards.params(),
            },
        )

    async def delivery(self, row_id: int) -> Delivery | None:
        """For features that edit what they sent later: copy the message id before the row is
        pruned (sent rows are kept a week)."""
        row = await self.db.fetchone(
            "SELECT status, channel_id, message_id FROM outbox WHERE id = :id", {"id": row_id}
        )
        return (
            None if row is None else Delivery(row["status"], row["channel_id"], row["message_id"])
        )

    async def counts(self) -> OutboxCounts:
        rows = await self.db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        by_status = {row["status"]: row["n"] for row in rows}
        return OutboxCounts(
            pending=by_status.get("pending", 0),
            sent=by_status.get("sent", 0),
            failed=by_status.get("failed", 0),
        )

    async def prune(self, now: int) -> int:
        """Sent rows are kept a week (for diagnosis), failed ones a month; then deleted."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM outbox WHERE (status = 'sent' AND sent_at < :sent_before) "
                "OR (status = 'failed' AND sent_at < :failed_before)",
                {
                    "sent_before": now - KEEP_SENT_SECONDS,
                    "failed_before": now - KEEP_FAILED_SECONDS,
                },
            )


class Outbox:
    """What features use: `await outbox.enqueue(tx, ...)` inside their own transaction."""

    def __init__(self, db: Database, clock: Clock, shards: ShardSet = EVERY_SHARD) -> None:
        self.repository = OutboxRepository(db, shards)
        self._clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._priorities: dict[str, int] = {}
        self._user_rows: list[UserRowHook] = []

    def set_priority(self, kind: str, priority: int | None) -> None:
        """The priority of `kind`'s future rows (the dispatcher sets it when the kind is
        registered; None forgets it)."""
        if priority is None or priority == NORMAL:
            self._priorities.pop(kind, None)
        else:
            self._priorities[kind] = priority

    def priority_of(self, kind: str) -> int:
        return self._priorities.get(kind, NORMAL)

    def on_enqueued(self, listener: Callable[[], None]) -> None:
        """Called after a transaction that enqueued something commits (the dispatcher wakes), and
        when another process enqueued a row for this one's servers (bot/db_work.py)."""
        self._listeners.append(listener)
        self.repository.db.work.on(OUTBOX_WORK, listener, self.repository.shards.owns)

    def on_user_row(self, hook: UserRowHook) -> None:
        """Called in the transaction of every row queued for a member's DMs, before it is
        written: `await hook(tx, guild_id, user_id)` (core records the member's language)."""
        self._user_rows.append(hook)

    async def enqueue(
        self,
        tx: Transaction,
        *,
        kind: str,
        guild_id: int | None,
        channel_id: int | None = None,
        user_id: int | None = None,
        payload: dict[str, Any] | None = None,
        nonce: str | None = None,
    ) -> int:
        """Record the intent to send a message to a channel or (privately) to a user. `nonce`:
        that of a send already on its way by another path (Discord keeps only one of the two)."""
        if (channel_id is None) == (user_id is None):
            raise ValueError("give exactly one of channel_id and user_id")
        destination_type: DestinationType = "channel" if channel_id is not None else "user"
        destination_id = channel_id if channel_id is not None else user_id
        assert destination_id is not None
        if destination_type == "user":
            for hook in self._user_rows:
                await hook(tx, guild_id, destination_id)
        row_id = await self.repository.insert(
            tx,
            guild_id=guild_id,
            kind=kind,
            destination_type=destination_type,
            destination_id=destination_id,
            payload=payload or {},
            nonce=nonce or new_nonce(),
            now=epoch(self._clock()),
            priority=self.priority_of(kind),
        )
        for listener in self._listeners:
            tx.after_commit(listener)
        return row_id

    async def enqueue_to_channels(
        self, tx: Transaction, *, kind: str, posts: list[tuple[int | None, int, dict[str, Any]]]
    ) -> None:
        """`enqueue` of many channel posts (guild id, channel id, payload) in one statement:
        a feature that queues thousands at once (meetings at start-up) costs one write."""
        now, priority = epoch(self._clock()), self.priority_of(kind)
        rows = [
            {
                "guild_id": guild_id,
                "kind": kind,
                "destination_type": "channel",
                "destination_id": channel_id,
                "payload": payload,
                "nonce": new_nonce(),
                "now": now,
                "priority": priority,
            }
            for guild_id, channel_id, payload in posts
        ]
        for first in range(0, len(rows), INSERT_CHUNK):
            await self.repository.insert_many(tx, rows[first : first + INSERT_CHUNK])
        if rows:
            for listener in self._listeners:
                tx.after_commit(listener)
