"""The database on PostgreSQL (asyncpg), chosen by `DATABASE_URL=postgresql://...`.

The same `Database` / `Transaction` API as SQLite's (bot/db.py), with the same guarantees:

- Transactions run one at a time, on one connection that writes, urgent work first (the same
  `_ConnectionLock`), and across processes one at a time too: each takes a transaction-level
  advisory lock after BEGIN, as SQLite's BEGIN IMMEDIATE takes the file's write lock. Code
  written for SQLite's single writer (read, then write what depends on it) stays correct.
  A lock not granted within LOCK_TIMEOUT raises `LockNotAvailableError` (`is_busy()`).
- Reads outside a transaction go through a small pool of other connections (READ COMMITTED:
  every committed write, never another task's uncommitted one), without the lock.
- SQL is SQLite's as the repositories write it, translated by bot/sql_dialect.py. Values come
  back as SQLite gives them: booleans as 0 and 1, SUM() of integers as int (numeric decoded).
- Parameters are converted to the type PostgreSQL expects where SQLite would have accepted
  them as they are (an int for a text column, True for an integer).
- Remembered answers (bot/db.py `Changes`): the changes a transaction announced are sent
  with it (`pg_notify`, just before COMMIT), and a connection of their own listens for the
  other processes' (bot/db_changes.py `ChangesListener`).

Purged words: a DELETE or UPDATE leaves the old row version as a dead tuple in its page (and in
the write-ahead log) until VACUUM reclaims it; `forget()` starts a VACUUM of the database in the
background (one at a time; a purge meanwhile runs one more after it). VACUUM makes the space
reusable, it does not promise to overwrite it, and a transaction open elsewhere (a backup)
keeps the tuples until it ends: `secure_delete_on()` is False on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.db import Changes, Database, LogEraser, Params, Row, Transaction, _ConnectionLock
from bot.db_changes import CHANGES_CHANNEL, ChangesListener
from bot.db_work import WORK_CHANNEL, Work
from bot.sql_dialect import Translated, translate

log = logging.getLogger(__name__)

LOCK_TIMEOUT = "5s"  # as SQLite's busy timeout
WRITE_LOCK_KEY = 0x7065_6572  # the advisory lock every transaction takes ("peer")
READERS = 4  # connections for reads outside transactions
CONNECT_TIMEOUT = 10  # seconds to open a connection (the server restarting, unreachable)
SETTINGS = {"lock_timeout": LOCK_TIMEOUT, "timezone": "UTC"}


def _numeric(text: str) -> int | float:
    """SUM() of integers is numeric in PostgreSQL, an int in SQLite: give back what SQLite does."""
    if text.lstrip("-").isdigit():
        return int(text)
    return float(text)


async def _prepare_connection(conn: Connection) -> None:
    await conn.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=_numeric, format="text"
    )
    await conn.set_type_codec(
        "bool",
        schema="pg_catalog",
        encoder=lambda value: "t" if value else "f",
        decoder=lambda text: 1 if text == "t" else 0,
        format="text",
    )


Connection = asyncpg.Connection | PoolConnectionProxy


async def _keep_session(conn: Connection) -> None:
    """A reading connection back in the pool: reads change no session state, so asyncpg's
    reset (one more round trip after every read) is not needed."""


_INTEGERS = {"int2", "int4", "int8", "numeric"}
_TEXTS = {"text", "varchar", "bpchar", "name"}


def _coerce(value: Any, type_name: str) -> Any:
    """What SQLite would have stored, in the type PostgreSQL asks for. A NUL character, which
    PostgreSQL's text cannot hold (SQLite's can), becomes U+FFFD: a member's message or a typed
    option with one is stored and looked up, not refused with an error (a crisis message with
    one would otherwise never be recorded)."""
    if value is None:
        return None
    if isinstance(value, str) and "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if type_name in _INTEGERS:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif type_name in _TEXTS:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif type_name in ("float8", "float4"):
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
    elif type_name == "bytea" and isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _rowcount(status: str) -> int:
    """The number of rows a command changed, from its status ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1] if status else ""
    return int(last) if last.isdigit() else -1


class PostgresIntegrityError(sqlite3.IntegrityError):
    """A constraint refused the statement (unique, check, foreign key, not null, the mod log's
    append-only trigger): the same class as on SQLite, so code and tests catch one error.
    The server's error is its `__cause__`; `sqlstate` its code."""

    def __init__(self, error: asyncpg.PostgresError) -> None:
        super().__init__(str(error))
        self.sqlstate: str | None = getattr(error, "sqlstate", None)


_CAST_OF_VALUE = {int: "int8", str: "text", bytes: "bytea", float: "float8", bool: "int8"}


# A statement's final text and parameter types, by its marked translation: learnt once per process.
_KNOWN: dict[str, tuple[str, tuple[str, ...]]] = {}


class _Statements:
    """Translated statements and the parameter types PostgreSQL expects, learnt once."""

    def __init__(self) -> None:
        self._known = _KNOWN  # the same schema (the migrations') wherever the bot connects

    async def _learn(
        self, conn: Connection, sql: Translated, values: list[Any]
    ) -> tuple[str, tuple[str, ...]]:
        """The statement's final text and its parameters' types, asked of PostgreSQL on the
        caller's own connection: inside a transaction each PREPARE is behind a savepoint, so
        one that fails rolls back to it and not the caller's transaction. (Asking on a reading
        connection instead made a transaction, holding the write lock, wait for a free reader
        whenever the pool was busy: every writer stalled behind the reads.)"""
        return await self._learn_on(conn, sql, values)

    @staticmethod
    async def _prepare(conn: Connection, text: str) -> Any:
        if not conn.is_in_transaction():
            return await conn.prepare(text)
        await conn.execute("SAVEPOINT psb_learn")
        try:
            prepared = await conn.prepare(text)
        except asyncpg.PostgresError:
            await conn.execute("ROLLBACK TO SAVEPOINT psb_learn")
            raise
        await conn.execute("RELEASE SAVEPOINT psb_learn")
        return prepared

    async def _learn_on(
        self, reader: Connection, sql: Translated, values: list[Any]
    ) -> tuple[str, tuple[str, ...]]:
        text = sql.text
        if sql.null_tests:
            learnt: dict[int, str] = {}
            try:  # the types of the parameters' other uses, the IS NULL tests left out
                found = (await self._prepare(reader, sql.probe)).get_parameters()
                learnt = {n: t.name for n, t in enumerate(found, 1)}
            except asyncpg.PostgresError:  # a parameter used only in a test: its value's type
                pass
            for n, value in enumerate(values, 1):
                if n not in learnt:
                    learnt[n] = _CAST_OF_VALUE.get(type(value), "text")
            text = sql.typed(learnt)
        try:
            prepared = await self._prepare(reader, text)
        except (asyncpg.AmbiguousParameterError, asyncpg.UndefinedFunctionError):
            # uses that disagree, or no use that names a type (`(a, b) IN (VALUES (:x, :y))`
            # guesses text): each use cast to its value's type (a bool left to its place)
            casts = {
                n: _CAST_OF_VALUE[type(v)]
                for n, v in enumerate(values, 1)
                if type(v) in _CAST_OF_VALUE and not isinstance(v, bool)
            }
            text = sql.cast_all(casts)
            prepared = await self._prepare(reader, text)
        return text, tuple(t.name for t in prepared.get_parameters())

    async def prepared(
        self, conn: Connection, sql: Translated, params: Params
    ) -> tuple[str, list[Any]]:
        values = sql.bind(params)
        if not values:
            return sql.text, values
        known = self._known.get(sql.marked)
        if known is None:
            known = self._known[sql.marked] = await self._learn(conn, sql, values)
        text, types = known
        return text, [_coerce(v, t) for v, t in zip(values, types, strict=False)]

    async def fetch(self, conn: Connection, sql: str, params: Params) -> list[Row]:
        text, args = await self.prepared(conn, translate(sql), params)
        with _portable_errors():
            return cast(list[Row], await conn.fetch(text, *args))

    async def fetchrow(self, conn: Connection, sql: str, params: Params) -> Row | None:
        text, args = await self.prepared(conn, translate(sql), params)
        with _portable_errors():
            return cast(Row | None, await conn.fetchrow(text, *args))

    async def execute(self, conn: Connection, sql: str, params: Params) -> int:
        text, args = await self.prepared(conn, translate(sql), params)
        with _portable_errors():
            if not args:  # the simple protocol: a translated trigger is several statements
                return _rowcount(await conn.execute(text))
            return _rowcount(await conn.execute(text, *args))

    async def insert(self, conn: Connection, sql: str, params: Params) -> int:
        text, args = await self.prepared(conn, translate(sql, returning_id=True), params)
        with _portable_errors():
            row_id = await conn.fetchval(text, *args)
        if row_id is None:
            raise RuntimeError("INSERT returned no row id")
        return int(row_id)


@contextmanager
def _portable_errors() -> Iterator[None]:
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise PostgresIntegrityError(error) from error


class PostgresTransaction(Transaction):
    """Statements inside one BEGIN ... COMMIT on the connection that writes."""

    def __init__(self, conn: Connection, statements: _Statements) -> None:
        self._pg = conn
        self._statements = statements
        self._after_commit: list[Callable[[], None]] = []
        self._announced: set[str] = set()
        self._work: set[str] = set()

    async def announce(self) -> None:
        """The changes `announce_change` named and the work `announce_work` named, as NOTIFY
        in this transaction (sent if it commits; the same one twice is sent once), in one
        statement."""
        if self._announced or self._work:
            channels = [CHANGES_CHANNEL] * len(self._announced) + [WORK_CHANNEL] * len(self._work)
            await self._pg.execute(
                "SELECT pg_notify(channel, payload) "
                "FROM unnest($1::text[], $2::text[]) AS n(channel, payload)",
                channels,
                sorted(self._announced) + sorted(self._work),
            )

    async def execute(self, sql: str, params: Params = None) -> int:
        return await self._statements.execute(self._pg, sql, params)

    async def fetchone(self, sql: str, params: Params = None) -> Row | None:
        return await self._statements.fetchrow(self._pg, sql, params)

    async def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        return await self._statements.fetch(self._pg, sql, params)

    async def insert(self, sql: str, params: Params = None) -> int:
        return await self._statements.insert(self._pg, sql, params)


class PostgresDatabase(Database):
    """`Database` on a PostgreSQL server (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        writer: asyncpg.Connection,
        readers: asyncpg.Pool,
        changes: Changes | None = None,
    ) -> None:
        name = urlsplit(url).path.lstrip("/") or "postgres"
        # Logs name `path.name`: the database, never the password. No file is there, and none
        # can be made there by mistake (an SQLite tool pointed at it fails).
        self.path = Path("/dev/null/postgresql") / name
        self.url = url
        self._writer = writer
        # COMMIT goes through `_conn.execute("COMMIT")`, as on SQLite, so the crash points' gate
        # (tests/crashpoints.py wraps `_conn`) counts and refuses it on either backend.
        self._conn = cast(Any, writer)
        self._readers = readers
        self._lock = _ConnectionLock()
        self._statements = _Statements()
        self._vacuum: asyncio.Task[None] | None = None
        self._vacuum_again = False
        self.eraser = LogEraser(self)
        self.changes = changes or Changes()
        self.work = Work()  # other processes' work for this one's servers (bot/db_work.py)
        self.listener: ChangesListener | None = None

    @classmethod
    async def connect(cls, url: str) -> PostgresDatabase:
        writer = await _writing_connection(url)
        try:
            readers = await asyncpg.create_pool(
                url, min_size=1, max_size=READERS, init=_prepare_connection,
                reset=_keep_session, server_settings=SETTINGS, timeout=CONNECT_TIMEOUT,
            )  # fmt: skip
        except BaseException:
            await writer.close()
            raise
        log.debug("opened PostgreSQL database %s", urlsplit(url).path.lstrip("/"))
        db = cls(url, writer, readers)
        db.listener = ChangesListener(
            url, db.changes, ignore_pid=writer.get_server_pid(), work=db.work
        )
        await db.listener.start()
        return db

    async def close(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
        await self.eraser.stop()
        task, self._vacuum = self._vacuum, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        async with self._lock:
            await self._readers.close()
            await self._writer.close()

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """BEGIN and the advisory write lock, under the connection lock; COMMIT on success,
        ROLLBACK on any exception (and when COMMIT itself fails)."""
        return self._transaction(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    def row_locked_transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A queue's claim (bot/db.py): READ COMMITTED, the rows locked by its statements
        (FOR UPDATE SKIP LOCKED), without the advisory write lock: claims of several processes
        run at the same time. Still one at a time on this process's connection."""
        return self._transaction("BEGIN ISOLATION LEVEL READ COMMITTED")

    @asynccontextmanager
    async def _transaction(self, begin: str) -> AsyncIterator[Transaction]:
        await self._lock.acquire()
        try:
            conn = await self._writing()
            try:
                await conn.execute(begin)
            except BaseException:
                await self._rollback()  # the lock not granted in time (is_busy), a cancel
                raise
            tx = PostgresTransaction(conn, self._statements)
            try:
                yield tx
                await tx.announce()
            except BaseException:
                await self._rollback()
                raise
            try:
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
        finally:
            self._lock.release()
        tx.committed()

    async def _writing(self) -> asyncpg.Connection:
        """The writing connection, opened again when it was lost (the server restarted or
        crashed, the network cut it): every transaction after that would fail otherwise, until
        the bot restarted. Raises while the server cannot be reached (the caller's transaction
        fails as on any database error, and is retried where the caller retries)."""
        if not self._writer.is_closed():
            return self._writer
        writer = await _writing_connection(self.url)
        self._writer = writer
        self._conn = cast(Any, writer)
        if self.listener is not None:  # its own commits' notifications come from here now
            self.listener.ignore_pid = writer.get_server_pid()
        log.warning("the connection that writes to PostgreSQL was lost; opened again")
        return writer

    async def _rollback(self) -> None:
        if not self._writer.is_in_transaction():
            return  # cancelled while COMMIT ran: it went through, nothing to roll back
        try:
            await asyncio.shield(self._writer.execute("ROLLBACK"))
        except Exception:
            log.exception("could not roll back")

    async def fetchone(self, sql: str, params: Params = None) -> Row | None:
        async with self._readers.acquire() as conn:
            return await self._statements.fetchrow(conn, sql, params)

    async def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        async with self._readers.acquire() as conn:
            return await self._statements.fetch(conn, sql, params)

    async def secure_delete_on(self) -> bool:
        """PostgreSQL has no secure delete: VACUUM frees dead rows' space, it does not zero it."""
        return False

    async def empty_log(self) -> bool:
        """VACUUM in the background (see the module's docstring); True: nothing was waiting."""
        if self._vacuum is not None and not self._vacuum.done():
            self._vacuum_again = True
        else:
            self._vacuum = asyncio.get_running_loop().create_task(
                self._vacuum_loop(), name="database: vacuum purged rows"
            )
        return True

    async def _vacuum_loop(self) -> None:
        while True:
            self._vacuum_again = False
            try:
                async with self._readers.acquire() as conn:
                    await conn.execute("VACUUM")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("VACUUM after a purge failed; autovacuum will reclaim the rows")
            if not self._vacuum_again:
                return

    async def vacuumed(self) -> None:
        """Wait for the VACUUM a purge started (tests; a clean shutdown)."""
        while self._vacuum is not None and not self._vacuum.done():
            await asyncio.gather(self._vacuum, return_exceptions=True)


async def _writing_connection(url: str) -> asyncpg.Connection:
    writer = await asyncpg.connect(url, server_settings=SETTINGS, timeout=CONNECT_TIMEOUT)
    try:
        await _prepare_connection(writer)
    except BaseException:
        writer.terminate()
        raise
    return writer


def postgres_errors() -> Sequence[type[BaseException]]:
    return (asyncpg.PostgresError, asyncpg.InterfaceError)
