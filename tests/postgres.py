"""A real PostgreSQL server for the tests (never a mock), and the switch that runs the suite on it.

`TEST_DATABASE=postgresql` in the environment: every test database the harness opens (the `db`
fixture, every `BotRunner`) is a fresh PostgreSQL database instead of an SQLite file. Each
pytest process (each xdist worker) starts its own server once, from the Debian package's
binaries (`apt-get install -y postgresql`; PG_BIN names another folder), in a temporary data
directory, listening only on a unix socket there: no port, nothing shared. The migrations are
applied once, to a template; a test's database is a copy of it (`CREATE DATABASE ... TEMPLATE`),
given the first time the test opens that "file" (a restart on the same name finds the same
database). When the test ends its databases are emptied (every row deleted, identities back to
1) and given to later tests, which is much faster than copying the template (about 0.3 s a
copy here); one whose schema the test changed (a dropped table) is dropped instead.

`PostgresServer` is also what tests/db/ uses directly to test the backend itself.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from bot.db import Database


def _server_binaries() -> Path:
    """PG_BIN, else the newest Debian package's folder (/usr/lib/postgresql/N/bin)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _server_binaries()
INSTALL_HINT = (
    f"PostgreSQL's server binaries are not in {PG_BIN} (initdb, pg_ctl, postgres). Install "
    "them with  apt-get install -y postgresql  (Debian/Ubuntu; the bot needs no running "
    "service, the tests start their own server), or set PG_BIN to the folder that has them."
)
TEMPLATE = "migrated_template"
SERVER_OPTIONS = (
    # a throwaway cluster: durability is not what is tested here
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c shared_buffers=32MB -c max_connections=200 -c listen_addresses='' "
    "-c autovacuum=off"
)


def enabled() -> bool:
    """Whether this run puts the tests' databases on PostgreSQL."""
    return os.environ.get("TEST_DATABASE", "sqlite").strip().lower() in ("postgresql", "postgres")


def running_server() -> PostgresServer | None:
    """The server this test process runs the suite's databases on (TEST_DATABASE=postgresql)."""
    return _Backend.server


def binaries_present() -> bool:
    return all((PG_BIN / name).exists() for name in ("initdb", "pg_ctl", "postgres"))


class PostgresServer:
    """One PostgreSQL cluster in `root`, on a unix socket in `root/socket`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.socket = root / "socket"
        self._as_postgres = os.geteuid() == 0  # initdb refuses root: run it as `postgres`
        self._names = itertools.count(1)

    def _run(self, *args: str | Path) -> None:
        command = [str(a) for a in args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        if not binaries_present():
            raise RuntimeError(INSTALL_HINT)
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket.mkdir(exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket, "postgres")
            os.chmod(self.root, 0o755)
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")  # fmt: skip
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.root / "server.log",
                  "-o", f"-k {self.socket} {SERVER_OPTIONS}", "start")  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """`fast`: every session cut, the data written, as a restart for an upgrade."""
        if (self.data / "postmaster.pid").exists():
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def resume(self) -> None:
        """Started again on the same data after `stop` (a crash's recovery, then listening)."""
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.root / "server.log",
                  "-o", f"-k {self.socket} {SERVER_OPTIONS}", "start")  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}"

    async def admin(self, *statements: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url())
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def create_database(self, template: str | None = None) -> str:
        """A new, empty (or templated) database; returns its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        await self.admin(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        await self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    async def make_template(self) -> str:
        """The template every test database is copied from: the migrations applied once.
        Returns its schema's fingerprint."""
        from bot.migrate import apply_migrations

        await self.admin(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
        db = await Database.open(self.url(TEMPLATE))
        try:
            await apply_migrations(db)
            return await db.fetchval(SCHEMA)
        finally:
            await db.close()


# Emptying a used database for the next test is much faster than copying the template again
# (CREATE DATABASE forces checkpoints): every table emptied, triggers (the mod log's
# append-only rule) and foreign keys off for the moment, identities back to 1.
RESET = """
DO $reset$ DECLARE item record; BEGIN
SET LOCAL session_replication_role = replica;
FOR item IN SELECT tablename FROM pg_tables
    WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
    EXECUTE format('DELETE FROM %I', item.tablename);
END LOOP;
FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('SELECT setval(%L, 1, false)', item.sequencename);
END LOOP;
END $reset$
"""


# The schema as the migrations made it: a database a test changed (a dropped table) is not
# given to another test but dropped.
SCHEMA = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT table_name || '.' || column_name || ':' || data_type AS item
        FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
) AS schema
"""


class _Backend:
    """The session's server, the databases the current test opened (by path), and the
    emptied ones waiting for a next test."""

    server: PostgresServer | None = None
    schema: str | None = None
    opened: ClassVar[dict[str, str]] = {}
    free: ClassVar[list[str]] = []


ROOT_PREFIX = "peer-support-postgres-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_abandoned_servers() -> None:
    """Servers of test runs that were killed before they could stop them (their pytest process
    is gone): stopped, and their folders removed."""
    for root in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*"):
        owner = root / "owner.pid"
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue  # being set up, or not ours
        if not _alive(pid):
            try:
                PostgresServer(root).stop()
            except RuntimeError:
                pass  # already stopped
            shutil.rmtree(root, ignore_errors=True)


def start_session_server() -> Iterator[PostgresServer | None]:
    """The session fixture's body (tests/conftest.py): a server and a migrated template when
    TEST_DATABASE=postgresql, else nothing. Its folder is a new one under the system's
    temporary folder (pytest's own is private to root, and the server runs as `postgres`)."""
    if not enabled():
        yield None
        return
    stop_abandoned_servers()
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    (root / "owner.pid").write_text(str(os.getpid()))
    server = PostgresServer(root)
    try:
        server.start()
        _Backend.schema = asyncio.run(server.make_template())
        _Backend.server = server
        yield server
    finally:
        _Backend.server = None
        _Backend.free = []
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


class _SqliteTemplate:
    """The migrated SQLite file every new test database starts as (this process's)."""

    path: Path | None = None


def make_sqlite_template(folder: Path) -> Path:
    """The migrations applied once, into `folder/template.sqlite3` (closed: one file, its log
    folded in). `open_test_database` then copies it for each new test database, which is what
    running the migrations on an empty file gives, without running them each time (about 70
    ms a bot start, a tenth of a quick test's time)."""
    from bot.migrate import apply_migrations

    path = folder / "template.sqlite3"

    async def build() -> None:
        db = await Database.open(path)
        try:
            await apply_migrations(db)
        finally:
            await db.close()

    asyncio.run(build())
    leftovers = [p for p in (path.with_name(path.name + x) for x in ("-wal", "-shm")) if p.exists()]
    if leftovers:
        raise RuntimeError(f"the template database left {leftovers} behind once closed")
    _SqliteTemplate.path = path
    return path


def forget_sqlite_template() -> None:
    _SqliteTemplate.path = None


def _copy_template(path: Path) -> None:
    """A new file starts as the migrated template (a file that exists is opened as it is: a
    restart on it, or a test's own). A copy of a small file: a millisecond, on the loop."""
    template = _SqliteTemplate.path
    if template is not None and str(path) != ":memory:" and not Path(path).exists():
        shutil.copyfile(template, path)


async def open_test_database(path: Path) -> Database:
    """The database a test opens at `path`: that SQLite file, or (TEST_DATABASE=postgresql) a
    PostgreSQL database given to that path in this test, migrated and empty. A new SQLite file
    starts as a copy of the migrated template when there is one (tests/conftest.py)."""
    server = _Backend.server
    if server is None:
        _copy_template(path)
        return await Database.open(path)
    url = _Backend.opened.get(str(path))
    if url is None:
        if _Backend.free:
            url = _Backend.free.pop()
        else:
            url = await server.create_database(TEMPLATE)
        _Backend.opened[str(path)] = url
    return await Database.open(url)


def database_url(path: Path) -> str | None:
    """The PostgreSQL database the running test opened at `path` (None: an SQLite file)."""
    if _Backend.server is None:
        return None
    return _Backend.opened.get(str(path))


def drop_test_databases() -> None:
    """After each test (tests/conftest.py): its databases are emptied for the next one."""
    server = _Backend.server
    opened, _Backend.opened = _Backend.opened, {}
    if server is None or not opened:
        return

    async def reset() -> None:
        import asyncpg

        for url in opened.values():
            conn = await asyncpg.connect(url)
            try:
                # connections a test left open (a bot it did not stop) are ended first
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                reusable = await conn.fetchval(SCHEMA) == _Backend.schema
                if reusable:
                    async with conn.transaction():
                        await conn.execute(RESET)
            finally:
                await conn.close()
            if reusable:
                _Backend.free.append(url)
            else:  # the test changed the schema
                await server.drop_database(url)

    asyncio.run(reset())


def needed_server() -> Iterator[PostgresServer]:
    """A module fixture's body for tests that need PostgreSQL itself, whatever TEST_DATABASE
    says (several bot processes on one database: tests/scale/): the session's server when
    the run is on PostgreSQL, else one of the module's own. Skipped, saying how to install
    them, where the server binaries are missing (failing under CI, which installs them)."""
    if _Backend.server is not None:
        yield _Backend.server
        return
    yield from own_server()


def own_server() -> Iterator[PostgresServer]:
    """A fixture's body: a server of its own, whatever the run's (tests/db checks the backend on
    a server nobody else uses). Skipped or failed as `needed_server` says."""
    if not binaries_present():
        import pytest

        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    (root / "owner.pid").write_text(str(os.getpid()))
    server = PostgresServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
