"""The database: one aiosqlite connection, one lock, and `transaction()`.

Everything SQLite-specific lives here (pragmas, BEGIN IMMEDIATE); feature repositories write
portable SQL with named parameters and run it through `Database` or a `Transaction`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Params = Mapping[str, Any] | tuple[Any, ...] | None
Row = sqlite3.Row

BUSY_TIMEOUT_MS = 5000
# Emptying the write-ahead log after a purge: first retry after this many seconds, doubling up
# to the longest wait; blocked for longer than WARN_BLOCKED_AFTER, the log says so (once).
ERASE_FIRST_RETRY, ERASE_LONGEST_WAIT = 0.25, 30.0
WARN_BLOCKED_AFTER = 15 * 60.0


class Transaction:
    """Statements run inside one BEGIN IMMEDIATE ... COMMIT, holding the connection lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    async def execute(self, sql: str, params: Params = None) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._conn.execute(sql, params or {})
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def fetchone(self, sql: str, params: Params = None) -> Row | None:
        async with self._conn.execute(sql, params or {}) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        async with self._conn.execute(sql, params or {}) as cursor:
            return list(await cursor.fetchall())

    async def insert(self, sql: str, params: Params = None) -> int:
        """Run an INSERT; returns the new row's id."""
        cursor = await self._conn.execute(sql, params or {})
        try:
            row_id = cursor.lastrowid
        finally:
            await cursor.close()
        if row_id is None:
            raise RuntimeError("INSERT returned no row id")
        return row_id


class Database:
    """One connection shared by the whole bot. Reads and transactions take the same lock, so a
    read never sees another task's uncommitted writes."""

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = asyncio.Lock()
        self.eraser = LogEraser(self)

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed escalation or vote survives a power cut, not only a crash.
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows (purged words of a member in distress, closed polls' rolls) are
        # overwritten with zeros rather than left readable in the file's free pages.
        await conn.execute("PRAGMA secure_delete = ON")
        log.debug("opened database %s", path)
        return cls(path, conn)

    async def close(self) -> None:
        await self.eraser.stop()
        async with self._lock:
            await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE under the lock; COMMIT on success, ROLLBACK on any exception."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = Transaction(self._conn)
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")
        for callback in tx._after_commit:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")

    async def fetchone(self, sql: str, params: Params = None) -> Row | None:
        async with self._lock, self._conn.execute(sql, params or {}) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        async with self._lock, self._conn.execute(sql, params or {}) as cursor:
            return list(await cursor.fetchall())

    async def secure_delete_on(self) -> bool:
        """Whether deleted content is overwritten with zeros (set at open)."""
        row = await self.fetchone("PRAGMA secure_delete")
        return row is not None and row[0] == 1

    async def empty_log(self) -> bool:
        """One attempt, never waiting: copy the write-ahead log into the database file and
        truncate it to nothing, so no earlier page image (deleted words among them) stays in
        it. False when another connection's read transaction kept it from completing (a backup
        or monitoring tool): then the frames stay until a later attempt succeeds. The busy
        timeout is off for the attempt, so a reader never stalls the bot."""
        async with self._lock:
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
    emptied. So after a purge `erase()` tries a TRUNCATE checkpoint at once, without waiting;
    if a reader blocks it, a background task retries with growing pauses (0.25 s doubling to
    30 s) until one completes, and says in the log (once, with no member data) when it has been
    blocked for WARN_BLOCKED_AFTER seconds, and again when it finally got through."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._clock = clock
        self._retrying: asyncio.Task[None] | None = None
        self.first_retry, self.longest_wait = ERASE_FIRST_RETRY, ERASE_LONGEST_WAIT
        self.warn_after = WARN_BLOCKED_AFTER
        self.blocked_since: float | None = None  # when the first attempt that failed was made

    @property
    def pending(self) -> bool:
        """Whether a retry is still waiting for a reader to let go."""
        return self._retrying is not None and not self._retrying.done()

    async def erase(self) -> bool:
        """True when the log is empty now; False when a retry carries on in the background."""
        if self.pending:
            return False  # the retry that is running will cover this purge too
        if await self._db.empty_log():
            return True
        self.blocked_since = self._clock()
        log.info("the write-ahead log is in use by another reader; emptying it later")
        self._retrying = asyncio.get_running_loop().create_task(
            self._retry(), name="database: empty the write-ahead log"
        )
        return False

    async def _retry(self) -> None:
        wait, warned = self.first_retry, False
        started = self.blocked_since or self._clock()
        while True:
            await asyncio.sleep(wait)
            try:
                if await self._db.empty_log():
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
        task, self._retrying = self._retrying, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
