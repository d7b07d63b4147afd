"""The database: one aiosqlite connection, one lock, and `transaction()`.

Everything SQLite-specific lives here (pragmas, BEGIN IMMEDIATE); feature repositories write
portable SQL with named parameters and run it through `Database` or a `Transaction`.
`Database.open("postgresql://...")` opens PostgreSQL instead (bot/db_postgres.py, the SQL
translated by bot/sql_dialect.py), with the same API.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from bot.db_turns import ConnectionLock as _ConnectionLock
from bot.db_turns import ReadTurns
from bot.db_turns import urgent_work as urgent_work
from bot.db_work import Work, work_payload

log = logging.getLogger(__name__)

Params = Mapping[str, Any] | tuple[Any, ...] | None
Row = sqlite3.Row

BUSY_TIMEOUT_MS = 5000  # how long a transaction waits for another connection's write lock
# Emptying the write-ahead log after a purge: first retry after this many seconds, doubling up
# to the longest wait; blocked for longer than WARN_BLOCKED_AFTER, the log says so (once).
ERASE_FIRST_RETRY, ERASE_LONGEST_WAIT = 0.25, 30.0
WARN_BLOCKED_AFTER = 15 * 60.0
# Purges in a burst share checkpoints: at most one starts per ERASE_SPACING seconds, so a purge's
# words leave the log within it (plus the checkpoint's own time) when no reader blocks it.
ERASE_SPACING = 0.5
# SQLite's own wait, at a time: between two tries the connection lock is released, so this
# process's reads (WAL: readers never wait for a writer) are not held up behind a writer waiting
# for a lock another process holds.
BUSY_SLICE_MS = 100
BUSY_PAUSE_SECONDS = 0.05


# PostgreSQL's "another transaction holds the lock": lock_not_available, deadlock_detected,
# serialization_failure (SQLSTATE codes).
_PG_BUSY = {"55P03", "40P01", "40001"}


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY: another connection holds the write lock (or PostgreSQL's lock timeout)."""
    if getattr(error, "sqlstate", None) in _PG_BUSY:
        return True
    return isinstance(error, sqlite3.OperationalError) and (
        getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
        or "database is locked" in str(error)
    )


def is_postgres_url(target: str) -> bool:
    """`DATABASE_URL` selects PostgreSQL: postgresql://user:password@host:port/database."""
    return target.startswith(("postgresql://", "postgres://"))


def database_errors() -> tuple[type[BaseException], ...]:
    """The errors a statement may raise on either backend (a failed migration, a full disk)."""
    try:
        import asyncpg
    except ImportError:  # SQLite alone needs no asyncpg
        return (sqlite3.Error,)
    return (sqlite3.Error, asyncpg.PostgresError)


class Forgetful(Protocol):
    """Answers kept in memory (bot/directory.py `Remembered`): `changed()` forgets them."""

    def changed(self) -> None: ...


class Changes:
    """What this process remembers from the database (`Remembered`, by name), and whether an
    answer may be kept at all.

    SQLite has one process: its own writes are every write, and a cache forgets at its own
    commits. On PostgreSQL several processes share the database: a write that changes
    remembered rows announces it (`Transaction.announce_change`, a NOTIFY sent with the
    transaction, delivered only if it commits), and every process listens (bot/db_postgres.py)
    and forgets that cache's answers (`forget`). While it cannot listen (the connection lost,
    not yet back), `listening` is False: nothing is kept, every lookup reads the database, and
    everything remembered was forgotten when the connection went (`forget_all`)."""

    def __init__(self) -> None:
        self._caches: dict[str, weakref.WeakSet[Forgetful]] = {}
        self.listening = True

    def register(self, name: str, cache: Forgetful) -> None:
        self._caches.setdefault(name, weakref.WeakSet()).add(cache)

    def forget(self, name: str) -> None:
        """Another process changed what `name` caches read ("*": anything)."""
        if name == "*":
            self.forget_all()
            return
        for cache in list(self._caches.get(name, ())):
            cache.changed()

    def forget_all(self) -> None:
        for caches in list(self._caches.values()):
            for cache in list(caches):
                cache.changed()


class Transaction:
    """Statements run inside one BEGIN IMMEDIATE ... COMMIT, holding the connection lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []
        self._announced: set[str] = set()
        self._work: set[str] = set()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    def announce_change(self, name: str, guild_id: int | None = None) -> None:
        """This transaction changes what the remembered answers called `name` were read from
        (of `guild_id`'s server, when known): other processes sharing the database forget them
        once it commits (PostgreSQL; on SQLite, one process, there is nobody to tell). Names
        and ids only: never a member's data."""
        self._announced.add(f"{name} {'*' if guild_id is None else guild_id}")

    def announce_work(self, kind: str, guild_id: int | None) -> None:
        """This transaction writes work of `kind` for server `guild_id` (None: of no server),
        which another process may do: it is woken once this commits (bot/db_work.py)."""
        self._work.add(work_payload(kind, guild_id))

    def committed(self) -> None:
        """Called by the database once COMMIT went through: the `after_commit` callbacks."""
        for callback in self._after_commit:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")

    async def execute(self, sql: str, params: Params = None) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._conn.execute(sql, params or {})
        changed = cursor.rowcount
        await _finish(cursor)
        return changed

    async def fetchone(self, sql: str, params: Params = None) -> Row | None:
        rows = await self._conn.execute_fetchall(sql, params or {})
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params or {}))

    async def insert(self, sql: str, params: Params = None) -> int:
        """Run an INSERT; returns the new row's id."""
        cursor = await self._conn.execute(sql, params or {})
        row_id = cursor.lastrowid
        await _finish(cursor)
        if row_id is None:
            raise RuntimeError("INSERT returned no row id")
        return row_id


async def _finish(cursor: aiosqlite.Cursor) -> None:
    """A statement that changes rows has run to its end in `execute` (SQLite reset it: nothing
    is left open), so it costs one call into the connection's thread, not two. One that
    returns rows (RETURNING, a PRAGMA) is closed, so nothing is left open before COMMIT."""
    if cursor.description is not None:
        await cursor.close()


class Database:
    """One connection for writes, shared by the whole bot: transactions take its lock in turn.
    Reads outside a transaction (`fetchone`, `fetchall`) go through a second, read-only
    connection and take no lock: with WAL they see every committed write and never another
    task's uncommitted ones, and they neither wait for a transaction's commit (a disk flush)
    nor hold one up. (An in-memory database has one connection for both.)

    Each read is one call on the reading connection's thread that runs its statement to the
    end (`ReadTurns`, bot/db_turns.py): SQLite keeps a connection's read snapshot while any
    statement on it is unfinished, so a read left open across calls (execute, then fetch) would
    let a read started meanwhile share that older snapshot and miss a write committed in
    between (a group just created, then read back, was "not found" under load). One call per
    read is also one hop to a thread and back instead of three (execute, fetch, close)."""

    def __init__(
        self, path: Path, conn: aiosqlite.Connection, reader: aiosqlite.Connection | None = None
    ) -> None:
        self.path = path
        self._conn = conn
        self._reader = reader
        self._reads = ReadTurns()
        self._lock = _ConnectionLock()
        self.eraser = LogEraser(self)
        self.changes = Changes()  # one process: its own commits are every change
        self.work = Work()  # nor is there another process to write its work

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """An SQLite file (or ":memory:"), or a `postgresql://` URL (bot/db_postgres.py)."""
        if isinstance(path, str) and is_postgres_url(path):
            from bot.db_postgres import PostgresDatabase

            return await PostgresDatabase.connect(path)
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_SLICE_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed escalation or vote survives a power cut, not only a crash.
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows (purged words of a member in distress, closed polls' rolls) are
        # overwritten with zeros rather than left readable in the file's free pages.
        await conn.execute("PRAGMA secure_delete = ON")
        reader = None
        if str(path) != ":memory:":
            reader = await aiosqlite.connect(str(path), isolation_level=None)
            reader.row_factory = sqlite3.Row
            await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await reader.execute("PRAGMA query_only = ON")
        log.debug("opened database %s", path)
        return cls(path, conn, reader)

    async def close(self) -> None:
        await self.eraser.stop()
        async with self._lock:
            if self._reader is not None:
                async with self._reads.exclusive():
                    await self._reader.close()
            await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE under the lock; COMMIT on success, ROLLBACK on any exception (and
        when COMMIT itself fails: a full disk). Waits up to BUSY_TIMEOUT_MS for a write lock
        another connection holds, then raises `sqlite3.OperationalError` (database is locked)."""
        await self._begin()
        try:
            tx = Transaction(self._conn)
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            try:
                await self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    try:
                        await self._conn.execute("ROLLBACK")
                    except sqlite3.Error as error:
                        # Cancelled (the bot stopping) while the COMMIT ran in aiosqlite's thread:
                        # it went through after all, and there is nothing left to roll back.
                        if "no transaction is active" not in str(error):
                            log.exception("could not roll back after a failed commit")
                raise
        finally:
            self._lock.release()
        tx.committed()

    def row_locked_transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction that writes only rows its own statements lock as they choose them
        (`/* FOR UPDATE SKIP LOCKED */`: a queue's claim, bot/outbox.py), whatever other rows
        say: correct under READ COMMITTED with row locks alone. On PostgreSQL it does not take
        the database-wide write lock, so several processes claim at the same time, each row
        once; on SQLite (one writer) it is `transaction()`."""
        return self.transaction()

    async def _begin(self) -> None:
        """Take the connection lock and BEGIN IMMEDIATE; the lock is held on return."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
        while True:
            await self._lock.acquire()
            try:
                await self._begin_held()
                return
            except BaseException as error:
                self._lock.release()
                if not is_busy(error) or loop.time() >= deadline:
                    raise
            await asyncio.sleep(BUSY_PAUSE_SECONDS)

    async def _begin_held(self) -> None:
        """BEGIN IMMEDIATE, the lock held. A transaction already open on the connection then
        has nobody to finish it: a task cancelled (the bot stopping, a wait given up) while its
        BEGIN ran in aiosqlite's thread gave the lock back, and the BEGIN went through after
        all. It is rolled back (it wrote nothing), or every later BEGIN would fail ("cannot
        start a transaction within a transaction") and the bot could write nothing more."""
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "within a transaction" not in str(error):
                raise
            await self._conn.execute("ROLLBACK")  # that BEGIN ran just before this one
            await self._conn.execute("BEGIN IMMEDIATE")

    def _reads_apart(self, sql: str) -> bool:
        # PRAGMAs ask about (or set) the connection that writes.
        return self._reader is not None and not sql.lstrip()[:6].upper().startswith("PRAGMA")

    async def fetchone(self, sql: str, params: Params = None) -> Row | None:
        return next(iter(await self.fetchall(sql, params)), None)

    async def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        reader = self._reader
        if reader is None or not self._reads_apart(sql):
            return await self._fetchall_on_writer(sql, params)
        await self._reads.enter()
        try:
            return list(await reader.execute_fetchall(sql, params or {}))
        finally:
            self._reads.leave()

    async def _fetchall_on_writer(self, sql: str, params: Params = None) -> list[Row]:
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params or {}))

    async def _fetchone_on_writer(self, sql: str, params: Params = None) -> Row | None:
        return next(iter(await self._fetchall_on_writer(sql, params)), None)

    async def secure_delete_on(self) -> bool:
        """Whether deleted content is overwritten with zeros (set at open)."""
        row = await self._fetchone_on_writer("PRAGMA secure_delete")
        return row is not None and row[0] == 1

    async def empty_log(self) -> bool:
        """One attempt, never waiting: copy the write-ahead log into the database file and
        truncate it to nothing, so no earlier page image (deleted words among them) stays in
        it. False when another connection's read transaction kept it from completing (a backup
        or monitoring tool): then the frames stay until a later attempt succeeds. The busy
        timeout is off for the attempt, so a reader never stalls the bot. The bot's own reads
        wait for it (`ReadTurns.exclusive`): one of them in progress would keep a snapshot
        open and fail the attempt."""
        async with self._lock, self._reads.exclusive():
            await self._conn.execute("PRAGMA busy_timeout = 0")
            try:
                async with self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            finally:
                await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return row is not None and not row[0]

    async def forget(self) -> bool:
        """After deleting words: make the files forget them (`LogEraser.erase`)."""
        return await self.eraser.erase()

    async def fetchval(self, sql: str, params: Params = None) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class LogEraser:
    """Makes deleted content unreadable in the files, not only in SQL.

    `secure_delete` (set at open) zeroes a deleted row in its page, but the write-ahead log
    still holds the page images written before the delete until the log is checkpointed and
    truncated. Overwriting a text before deleting it would not help: the overwrite is one more
    frame appended to the log, and the older frames holding the words stay until the log is
    emptied. So after a purge `erase()` empties the log with a TRUNCATE checkpoint, never
    waiting for a reader.

    Purges that come together share one checkpoint (a round): a purge whose `erase()` comes
    while a round has not finished joins it, because its delete committed before the round's
    checkpoint took the connection (every write needs it), so that checkpoint covers it. A
    round starts at once, or ERASE_SPACING seconds after the previous one started if that is
    later: a burst of purges (polls closing together, a retention run) costs one checkpoint,
    or one per ERASE_SPACING, instead of one each, and each purge's words leave the log within
    ERASE_SPACING plus the time to take the connection and checkpoint. `erase()` returns when
    the round covering it has run: True, the log is empty.

    If a reader (a backup or monitoring tool) keeps the checkpoint from completing, `erase()`
    returns False at once and a background task retries with growing pauses (0.25 s doubling
    to 30 s) until one completes, covering every purge made meanwhile, and says in the log
    (once, with no member data) when it has been blocked for WARN_BLOCKED_AFTER seconds, and
    again when it finally got through."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._clock = clock
        self._retrying: asyncio.Task[None] | None = None
        self._round: asyncio.Future[bool] | None = None
        self._round_task: asyncio.Task[None] | None = None
        self._last_start: float | None = None  # loop time the last round's checkpoint began
        self.first_retry, self.longest_wait = ERASE_FIRST_RETRY, ERASE_LONGEST_WAIT
        self.warn_after = WARN_BLOCKED_AFTER
        self.spacing = ERASE_SPACING
        self.blocked_since: float | None = None  # when the first attempt that failed was made
        self.checkpoints = 0  # attempts made, rounds and retries (the tests read it)

    @property
    def pending(self) -> bool:
        """Whether a retry is still waiting for a reader to let go."""
        return self._retrying is not None and not self._retrying.done()

    async def erase(self) -> bool:
        """True when the log is empty now (the round covering this purge emptied it); False
        when a reader blocks it and a retry carries on in the background."""
        if self.pending:
            return False  # the retry that is running will cover this purge too
        loop = asyncio.get_running_loop()
        if self._round is None or self._round.done():
            self._round = loop.create_future()
            self._round_task = loop.create_task(
                self._run_round(self._round), name="database: empty the write-ahead log"
            )
        return await asyncio.shield(self._round)

    async def _run_round(self, done: asyncio.Future[bool]) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self._last_start is not None:
                wait = self._last_start + self.spacing - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            self._last_start = loop.time()
            emptied = await self._attempt()
        except asyncio.CancelledError:
            done.cancel()
            raise
        except BaseException as error:
            done.set_exception(error)
            return
        if not emptied:
            self.blocked_since = self._clock()
            log.info("the write-ahead log is in use by another reader; emptying it later")
            self._retrying = loop.create_task(
                self._retry(), name="database: empty the write-ahead log later"
            )
        done.set_result(emptied)

    async def _attempt(self) -> bool:
        self.checkpoints += 1
        return await self._db.empty_log()

    async def _retry(self) -> None:
        wait, warned = self.first_retry, False
        started = self.blocked_since or self._clock()
        while True:
            await asyncio.sleep(wait)
            try:
                if await self._attempt():
                    break
            except Exception:
                log.exception("emptying the write-ahead log failed; trying again later")
            blocked = self._clock() - started
            if not warned and blocked >= self.warn_after:
                warned = True
                log.warning(
                    "the database's write-ahead log (%s-wal) could not be emptied for %d "
                    "minutes: another program keeps a read transaction open on the database "
                    "(a backup or monitoring tool?). Until it lets go, purged words stay "
                    "readable in that file. Still trying.",
                    self._db.path.name,
                    blocked // 60,
                )
            wait = min(wait * 2, self.longest_wait)
        self.blocked_since = None
        if warned:
            log.warning("the write-ahead log is empty again: purged words are gone from it")
        else:
            log.info("the write-ahead log is empty again")

    async def stop(self) -> None:
        tasks = [self._retrying, self._round_task]
        self._retrying = self._round_task = None
        for task in tasks:
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
