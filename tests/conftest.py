"""Shared fixtures: a real SQLite database with the real migrations, a clock the test drives,
and (from tests.fakediscord) the loopback Discord.

`runner`: the real bot with every feature, commands synced. `start_bot`: a factory that starts
the bot with the features a test names, on the test's clock, and stops it at the end:

    async def test_x(start_bot: StartBot, server: Server) -> None:
        runner = await start_bot(features=("groups", "confidentiality"))
        ...
        await runner.idle()
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pytest

from bot.clock import Clock
from bot.db import Database
from bot.migrate import apply_migrations
from tests import postgres, reuse
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Prepare, Server, build_server

pytest_plugins = ["tests.fakediscord.pytest_plugin"]  # the `fake_discord` fixture

# Each bot a test starts imports its features anew: their source is compiled once per process
# (tests/reuse.py).
reuse.compiled_once()
# The tests' files (tmp_path: every database; the PostgreSQL servers' folders) in memory where
# the system has a RAM disk: the bot's SQLite commits wait for the disk (synchronous = FULL),
# about 3.5 ms a commit here against 0.01 ms in memory, and no test is about surviving a power
# cut. TEST_TMPDIR=/some/folder picks another place (pytest's --basetemp still wins).
reuse.temporary_files_in_memory()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2027, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject.toml): half as many workers again as the machine has cores. A test
    spends part of its time waiting (for the loopback Discord, a bot process, a database
    server), so on two cores three workers run the everyday suite in about 220 s where two
    take about 265 s (2026-12-08). `-n 2` (or any number) on the command line still wins."""
    return max(1, (os.cpu_count() or 1) * 3 // 2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`@pytest.mark.sqlite_only`: a test of the SQLite file itself (its bytes, its log),
    skipped when the run is on PostgreSQL (TEST_DATABASE=postgresql)."""
    if postgres.enabled():
        skip = pytest.mark.skip(reason="reads the SQLite file itself (TEST_DATABASE=postgresql)")
        for item in items:
            if item.get_closest_marker("sqlite_only"):
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def postgres_server() -> Iterator[postgres.PostgresServer | None]:
    """TEST_DATABASE=postgresql: this process's PostgreSQL server (tests/postgres.py)."""
    yield from postgres.start_session_server()


@pytest.fixture(scope="session", autouse=True)
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | None]:
    """The migrations applied once per process into a template file; each test's new SQLite
    database starts as a copy of it (tests/postgres.py: open_test_database)."""
    if postgres.enabled():
        yield None
        return
    yield postgres.make_sqlite_template(tmp_path_factory.mktemp("migrated"))
    postgres.forget_sqlite_template()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    postgres.drop_test_databases()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await postgres.open_test_database(tmp_path / "test.sqlite3")
    await apply_migrations(database)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def server(fake_discord: FakeDiscord) -> Server:
    return build_server(fake_discord)


@pytest.fixture
async def runner(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path
) -> AsyncIterator[BotRunner]:
    """The real bot, started against the loopback Discord, commands synced."""
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


class StartBot(Protocol):
    async def __call__(
        self,
        features: Iterable[str] | None = None,
        *,
        clock: Clock | None = None,
        database: str = "bot.sqlite3",
        sync: bool = True,
        prepare: Prepare | None = None,
    ) -> BotRunner: ...


@pytest.fixture
async def start_bot(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[StartBot]:
    """Start the real bot with the features named (None: all) on the test's clock; call it
    again with the same `database` to restart on the same file. Every bot started is stopped
    at the end of the test."""
    started: list[BotRunner] = []

    async def start(
        features: Iterable[str] | None = None,
        *,
        clock: Clock | None = None,
        database: str = "bot.sqlite3",
        sync: bool = True,
        prepare: Prepare | None = None,
    ) -> BotRunner:
        running = BotRunner(
            fake_discord, tmp_path / database, clock or test_clock, features=features
        )
        started.append(running)
        await running.start(sync=sync, prepare=prepare)
        return running

    test_clock = clock
    try:
        yield start
    finally:
        for running in reversed(started):
            await running.stop()
