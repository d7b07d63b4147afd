"""Durable bot events: cross-feature events that must happen, whatever crashes when.

`bot.dispatch(...)` is in memory only: an event dispatched after a commit is lost for good if the
bot dies between the two. An event whose listeners must hear it (a session started: its
guideline and confidentiality reminders; a session ended: its feedback poll) is written instead
in the same transaction as the state change that causes it, with `event_log.append(tx, ...)`,
and delivered afterwards to every listener a feature declared (`Feature.durable_listeners()`,
bot/feature.py):

- at least once to each listener: a delivery is marked done (`event_deliveries`) only after the
  listener returned; at start-up, and when a feature loads later, what is not marked yet is
  delivered again. A listener that raises is tried again with backoff, then given up on (logged);
- in the order the events were written, for each listener (one that fails is retried later
  and holds back none behind it);
- not after the event's `expires_at` (a reminder for a session long over helps nobody): an
  expired delivery is marked "expired" and skipped.

With several processes on one database (SHARD_IDS, bot/shards.py), an event concerns the
server of its payload's `guild_id` (kept in its own column): each process delivers only its own
servers' events (and those of no server if it runs shard 0), since listeners act through the
server's gateway cache, which only that process holds. An event for another process's server
(a button in a direct message, which Discord sends to shard 0) is left for it: on PostgreSQL
the writing transaction wakes that process at once (bot/db_work.py), and each process also
looks for new events of its servers every second (`SHARED_POLL_SECONDS`), in case a wake-up
was lost.

Listeners are therefore idempotent: each records what it did in its own transaction, keyed by
the event (its natural key, e.g. the session, or `await event_log.claim(tx, event)`, which marks
this listener's delivery done in the listener's own transaction and says whether this call is
the first).

This module holds the rules and the SQL; it never imports discord.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database, Row, Transaction
from bot.db_work import EVENTS_WORK
from bot.shards import EVERY_SHARD, SHARED_POLL_SECONDS, ShardSet

log = logging.getLogger(__name__)

DONE, EXPIRED, FAILED = "done", "expired", "failed"
MAX_ATTEMPTS = 6  # a listener that keeps failing is given up on after this many tries
MAX_BACKOFF_SECONDS = 300
KEEP_EVENTS_SECONDS = 30 * 24 * 3600
BATCH = 200


@dataclass(frozen=True)
class Event:
    """One durable event, as one listener receives it (`listener` is that listener's name)."""

    id: int
    name: str
    payload: dict[str, Any]
    created_at: int
    expires_at: int | None
    listener: str = ""
    guild_id: int | None = None  # the server it concerns (None: of no server)


DurableHandler = Callable[[Event], Awaitable[None]]
Spawn = Callable[..., "asyncio.Task[Any]"]


def _event(row: Row) -> Event:
    return Event(
        id=row["id"],
        name=row["name"],
        payload=json.loads(row["payload"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        guild_id=row["guild_id"],
    )


def _server_of(payload: dict[str, Any]) -> int | None:
    """The server an event concerns: its payload's `guild_id` (bot/events.py)."""
    guild_id = payload.get("guild_id")
    return guild_id if isinstance(guild_id, int) and not isinstance(guild_id, bool) else None


class EventLogRepository:
    """`shards`: the servers whose events this process delivers (bot/shards.py)."""

    def __init__(self, db: Database, shards: ShardSet = EVERY_SHARD) -> None:
        self.db = db
        self.shards = shards

    async def insert(
        self,
        tx: Transaction,
        *,
        name: str,
        payload: dict[str, Any],
        now: int,
        expires_at: int | None,
    ) -> int:
        return await tx.insert(
            "INSERT INTO events (name, payload, created_at, expires_at, guild_id) "
            "VALUES (:name, :payload, :now, :expires_at, :guild_id)",
            {
                "name": name,
                "payload": json.dumps(payload, separators=(",", ":"), sort_keys=True),
                "now": now,
                "expires_at": expires_at,
                "guild_id": _server_of(payload),
            },
        )

    async def undelivered(self, name: str, listener: str, limit: int) -> list[Event]:
        """This listener's events not delivered yet, of this process's servers."""
        rows = await self.db.fetchall(
            "SELECT id, name, payload, created_at, expires_at, guild_id FROM events e "
            "WHERE e.name = :name AND NOT EXISTS (SELECT 1 FROM event_deliveries d "
            f"  WHERE d.event_id = e.id AND d.listener = :listener){self.shards.sql('e.guild_id')} "
            "ORDER BY e.id LIMIT :limit",
            {"name": name, "listener": listener, "limit": limit, **self.shards.params()},
        )
        return [_event(r) for r in rows]

    async def latest(self) -> int | None:
        """The newest event of this process's servers (other processes write some of them)."""
        return await self.db.fetchval(
            f"SELECT MAX(id) FROM events e WHERE 1 = 1{self.shards.sql('e.guild_id')}",
            dict(self.shards.params()),
        )

    async def give_servers(self) -> int:
        """Events written before they kept their server (migration 0034) are given the one of
        their payload, so that its process delivers them. Returns how many."""
        rows = await self.db.fetchall(
            "SELECT id, payload FROM events WHERE guild_id IS NULL AND payload LIKE :named",
            {"named": '%"guild_id":%'},
        )
        if not rows:
            return 0  # the usual case: no write, no turn at the database
        given = 0
        async with self.db.transaction() as tx:
            for row in rows:
                guild_id = _server_of(json.loads(row["payload"]))
                if guild_id is not None:
                    given += await tx.execute(
                        "UPDATE events SET guild_id = :guild_id WHERE id = :id "
                        "AND guild_id IS NULL",
                        {"guild_id": guild_id, "id": row["id"]},
                    )
        return given

    async def mark(
        self, tx: Transaction, event_id: int, listener: str, outcome: str, now: int
    ) -> bool:
        """Record one listener's delivery; False if it was recorded already."""
        changed = await tx.execute(
            "INSERT INTO event_deliveries (event_id, listener, outcome, done_at) "
            "VALUES (:event_id, :listener, :outcome, :now) "
            "ON CONFLICT (event_id, listener) DO NOTHING",
            {"event_id": event_id, "listener": listener, "outcome": outcome, "now": now},
        )
        return changed > 0

    async def deliveries(self, event_id: int) -> dict[str, str]:
        rows = await self.db.fetchall(
            "SELECT listener, outcome FROM event_deliveries WHERE event_id = :id", {"id": event_id}
        )
        return {r["listener"]: r["outcome"] for r in rows}

    async def ids_about(self, names: Sequence[str], guild_id: int, user_id: int) -> list[int]:
        """The events of these names whose payload names this member of this server."""
        found: list[int] = []
        for name in names:
            rows = await self.db.fetchall(
                "SELECT id, payload FROM events WHERE name = :name ORDER BY id", {"name": name}
            )
            for row in rows:
                payload = json.loads(row["payload"])
                if payload.get("guild_id") == guild_id and payload.get("user_id") == user_id:
                    found.append(row["id"])
        return found

    async def delete(self, ids: Sequence[int]) -> int:
        removed = 0
        async with self.db.transaction() as tx:
            for event_id in ids:
                removed += await tx.execute("DELETE FROM events WHERE id = :id", {"id": event_id})
        return removed

    async def prune(self, before: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM events WHERE created_at < :before", {"before": before}
            )


class EventLog:
    """Appends durable events and delivers them to the registered listeners (module doc)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        spawn: Spawn | None = None,
        shards: ShardSet = EVERY_SHARD,
    ) -> None:
        self.repository = EventLogRepository(db, shards)
        self.shards = shards
        self.clock = clock
        self._spawn = spawn
        self._listeners: dict[tuple[str, str], DurableHandler] = {}
        self._attempts: dict[tuple[int, str], int] = {}
        self._not_before: dict[tuple[int, str], float] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        self._task: asyncio.Task[Any] | None = None
        self._again = False
        self._started = False
        self._servers_given = False  # events older than their column have their server
        self._poller: asyncio.Task[None] | None = None  # other processes' events (SHARD_IDS)
        db.work.on(EVENTS_WORK, self.wake, shards.owns)  # the same, heard at once (PostgreSQL)

    # ------------------------------------------------------------------ listeners

    def register(self, name: str, listener: str, handler: DurableHandler) -> None:
        key = (name, listener)
        if key in self._listeners:
            raise RuntimeError(f"{listener!r} already listens to the durable event {name!r}")
        self._listeners[key] = handler
        self.wake()  # a feature loaded late hears what it missed

    def unregister(self, name: str, listener: str) -> None:
        self._listeners.pop((name, listener), None)

    def listeners(self) -> list[tuple[str, str]]:
        return sorted(self._listeners)

    # ------------------------------------------------------------------ writing

    async def append(
        self,
        tx: Transaction,
        name: str,
        payload: dict[str, Any],
        *,
        expires_at: int | None = None,
    ) -> int:
        """Write an event in the caller's transaction; it is delivered once that commits."""
        event_id = await self.repository.insert(
            tx, name=name, payload=payload, now=epoch(self.clock()), expires_at=expires_at
        )
        tx.after_commit(self.wake)
        tx.announce_work(EVENTS_WORK, _server_of(payload))  # its server's process, if another
        return event_id

    async def claim(self, tx: Transaction, event: Event) -> bool:
        """For a listener: mark its delivery of `event` done inside its own transaction (with
        what it enqueues). True the first time; False if that delivery was done already."""
        return await self.repository.mark(tx, event.id, event.listener, DONE, epoch(self.clock()))

    # ------------------------------------------------------------------ delivering

    def start(self) -> None:
        """Deliver what a crash left undelivered, then whatever is appended."""
        self._started = True
        self.wake()
        if self.shards.partial and self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(
                self._poll(), name="event-log poll"
            )

    def stop(self) -> None:
        self._started = False
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    async def _poll(self) -> None:
        """With other processes on the database (SHARD_IDS): they write events for this
        process's servers too (a button pressed in a direct message reaches shard 0's process),
        and nothing here hears their commit. A new one of this process's servers wakes the
        delivery (one cheap read a second)."""
        seen: int | None = None
        failing = False
        while self._started:
            await asyncio.sleep(SHARED_POLL_SECONDS)
            try:
                latest = await self.repository.latest()
            except Exception:
                if not failing:  # once per outage, not every second
                    log.warning("event log: could not look for new events", exc_info=True)
                failing = True
                continue
            if failing:
                log.info("event log: looking for new events again")
                failing = False
            if latest is not None and latest != seen:
                seen = latest
                self.wake()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        if not self._started:
            return
        if self.busy:
            self._again = True
            return
        self._again = False
        work: Coroutine[Any, Any, None] = self._run()
        if self._spawn is not None:
            self._task = self._spawn(work, name="event-log delivery")
        else:
            self._task = asyncio.get_running_loop().create_task(work)

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self.deliver_pending()
            except Exception:
                log.exception("event log: delivery round failed")
                self._retry_later(MAX_BACKOFF_SECONDS)
                return
            if not self._again or not self._started:
                return

    async def deliver_pending(self) -> int:
        """One round: every undelivered event to each registered listener. Returns how many
        deliveries were completed (done, expired or given up)."""
        completed = 0
        if self.shards.partial and not self._servers_given:
            given = await self.repository.give_servers()
            if given:
                log.info("event log: %d events written before they kept their server", given)
            self._servers_given = True
        for (name, listener), handler in list(self._listeners.items()):
            while True:
                events = await self.repository.undelivered(name, listener, BATCH)
                progressed = 0
                for event in events:
                    if self._listeners.get((name, listener)) is not handler:
                        break  # its feature unloaded meanwhile: it hears the rest when back
                    if await self._deliver(replace(event, listener=listener), handler):
                        progressed += 1
                completed += progressed
                if len(events) < BATCH or progressed == 0:
                    break
        return completed

    async def _deliver(self, event: Event, handler: DurableHandler) -> bool:
        key = (event.id, event.listener)
        loop = asyncio.get_running_loop()
        if self._not_before.get(key, 0.0) > loop.time():
            return False
        now = epoch(self.clock())
        if event.expires_at is not None and now > event.expires_at:
            log.info(
                "event %s #%d expired before %s heard it", event.name, event.id, event.listener
            )
            return await self._mark(event, EXPIRED)
        try:
            await handler(event)
        except Exception:
            attempts = self._attempts.get(key, 0) + 1
            self._attempts[key] = attempts
            if attempts >= MAX_ATTEMPTS:
                log.exception(
                    "event %s #%d: %s failed %d times; given up",
                    event.name,
                    event.id,
                    event.listener,
                    attempts,
                )
                return await self._mark(event, FAILED)
            delay = min(2**attempts, MAX_BACKOFF_SECONDS)
            log.exception(
                "event %s #%d: %s failed; retry in %ds", event.name, event.id, event.listener, delay
            )
            self._not_before[key] = loop.time() + delay
            self._retry_later(delay)
            return False
        return await self._mark(event, DONE)

    async def _mark(self, event: Event, outcome: str) -> bool:
        key = (event.id, event.listener)
        self._attempts.pop(key, None)
        self._not_before.pop(key, None)
        async with self.repository.db.transaction() as tx:
            await self.repository.mark(tx, event.id, event.listener, outcome, epoch(self.clock()))
        return True

    def _retry_later(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(timer)
            self.wake()

        timer = loop.call_later(delay, fire)
        self._timers.add(timer)

    async def forget(self, names: Sequence[str], guild_id: int, user_id: int) -> int:
        """A member's data deletion: the events of these names about them (`guild_id` and
        `user_id` in the payload) go now, delivered or not, with their deliveries; the feature
        that wrote them calls this after its own deletion (whatever they would have led to is
        being deleted too). Returns how many went."""
        ids = await self.repository.ids_about(names, guild_id, user_id)
        return await self.repository.delete(ids) if ids else 0

    async def prune(self) -> int:
        """Forget events older than a month (their deliveries go with them)."""
        return await self.repository.prune(epoch(self.clock()) - KEEP_EVENTS_SECONDS)
