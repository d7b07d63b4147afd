"""Shared fixtures: a real SQLite database with the real migrations, a clock the test drives,
and (from tests.fakediscord) the loopback Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.migrate import apply_migrations
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, build_server

pytest_plugins = ["tests.fakediscord.pytest_plugin"]  # the `fake_discord` fixture


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


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
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
