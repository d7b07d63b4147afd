"""Work one process writes for another's servers wakes that process at once (issue 23;
bot/db_work.py): on PostgreSQL the writing transaction sends `pg_notify('work', ...)`, heard
only if it commits, on the connection each process already listens on (bot/db_changes.py).
The poll every second stays the safety net: with the listening connection lost, the row is
still found.

Two bot processes (shard 0 and shard 1 of 2, the real `ShardedBot` with the core's probe
feature) on one PostgreSQL database and one loopback Discord. The poll is made 30 s long, so
a row delivered in well under a second was woken for, not polled for."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import bot.event_log
import bot.shards
import tests.harness
from bot.client import Bot
from bot.clock import epoch
from bot.db import Database
from bot.db_postgres import PostgresDatabase
from bot.event_log import Event
from cogs.meetings.cog import DUE_JOB
from cogs.meetings.repository import MeetingRepository
from tests.conftest import FakeClock
from tests.core.probe import TEXT
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, wait_until
from tests.scale.conftest import spread_servers

LONG_POLL = 30.0
WAKE_WITHIN = 2.0  # seconds; measured about 0.05 (the poll would take up to 30)
WAKE_EVENT = "test_work_woken"


class Processes:
    """The two processes and their servers."""

    def __init__(self, runners: list[BotRunner], servers: dict[int, list[Server]]) -> None:
        self.runners, self.servers = runners, servers

    def bot(self, shard: int) -> Bot:
        found = self.runners[shard].bot
        assert found is not None
        return found

    def db(self, shard: int) -> Database:
        found = self.runners[shard].db
        assert found is not None
        return found


@pytest.fixture
def process_features() -> tuple[str, ...]:
    return ("tests.core.probe",)


@pytest.fixture
async def processes(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    process_features: tuple[str, ...],
) -> AsyncIterator[Processes]:
    if getattr(request, "param", True):  # the poll made long: only a wake-up is quick
        monkeypatch.setattr(bot.shards, "SHARED_POLL_SECONDS", LONG_POLL)
        monkeypatch.setattr(bot.event_log, "SHARED_POLL_SECONDS", LONG_POLL)

    async def on_postgres(path: Path) -> Database:
        return await Database.open(pg_url)

    # Both processes on this test's PostgreSQL database, whatever the run's backend.
    monkeypatch.setattr(tests.harness, "open_test_database", on_postgres)
    servers = spread_servers(fake_discord, 2, each=1)
    clock = FakeClock()
    runners: list[BotRunner] = []
    try:
        for shard in (0, 1):
            runner = BotRunner(
                fake_discord,
                tmp_path / f"shard{shard}.sqlite3",
                clock,
                features=process_features,
            )
            runner.settings = replace(runner.settings, shard_count=2, shard_ids=(shard,))
            runners.append(runner)
            await runner.start(sync=False)
        yield Processes(runners, servers)
    finally:
        for runner in reversed(runners):
            await runner.stop()


async def post_from(p: Processes, writer: int, server: Server, text: str) -> float:
    """Process `writer` queues a post in `server`'s general channel; returns when it committed."""
    async with p.db(writer).transaction() as tx:
        await p.bot(writer).outbox.enqueue(
            tx,
            kind=TEXT,
            guild_id=server.guild.id,
            channel_id=server.general.id,
            payload={"text": text},
        )
    return time.monotonic()


def posted(fake: FakeDiscord, server: Server, text: str) -> list[str]:
    return [m.content for m in fake.messages_in(server.general) if m.content == text]


async def test_a_row_written_for_another_process_s_server_wakes_it_at_once(
    processes: Processes, fake_discord: FakeDiscord
) -> None:
    p, fake = processes, fake_discord
    theirs, ours = p.servers[1][0], p.servers[0][0]
    heard = p.db(1).work.heard_count
    committed = await post_from(p, 0, theirs, "from shard 0")
    await wait_until(lambda: posted(fake, theirs, "from shard 0"), timeout=WAKE_WITHIN)
    took = time.monotonic() - committed
    assert took < WAKE_WITHIN < LONG_POLL
    assert p.db(1).work.heard_count > heard  # woken by the notification, not by chance
    # And the other way round; each row sent once, by its server's process.
    committed = await post_from(p, 1, ours, "from shard 1")
    await wait_until(lambda: posted(fake, ours, "from shard 1"), timeout=WAKE_WITHIN)
    for runner in p.runners:
        await runner.idle()
    assert posted(fake, theirs, "from shard 0") == ["from shard 0"]
    assert posted(fake, ours, "from shard 1") == ["from shard 1"]
    print(f"row picked up {took * 1000:.0f} ms after the commit")


async def test_a_durable_event_for_another_process_s_server_is_delivered_at_once(
    processes: Processes,
) -> None:
    p = processes
    theirs = p.servers[1][0]
    delivered: list[tuple[int, float]] = []

    async def heard(event: Event) -> None:
        delivered.append((event.payload["guild_id"], time.monotonic()))

    for shard in (0, 1):
        p.bot(shard).event_log.register(WAKE_EVENT, f"WakeTest{shard}", heard)
    async with p.db(0).transaction() as tx:
        await p.bot(0).event_log.append(tx, WAKE_EVENT, {"guild_id": theirs.guild.id})
    committed = time.monotonic()
    await wait_until(lambda: delivered, timeout=WAKE_WITHIN)
    assert delivered[0][1] - committed < WAKE_WITHIN
    for runner in p.runners:
        await runner.idle()
    assert [guild for guild, _ in delivered] == [theirs.guild.id]  # by shard 1's process only


async def test_nothing_is_sent_for_a_transaction_that_rolls_back(
    processes: Processes, fake_discord: FakeDiscord
) -> None:
    p = processes
    theirs = p.servers[1][0]
    heard = p.db(1).work.heard_count
    with pytest.raises(RuntimeError):
        async with p.db(0).transaction() as tx:
            await p.bot(0).outbox.enqueue(
                tx,
                kind=TEXT,
                guild_id=theirs.guild.id,
                channel_id=theirs.general.id,
                payload={"text": "never"},
            )
            raise RuntimeError("the change is refused")
    await post_from(p, 0, theirs, "after")  # a later notification, to know the first came
    await wait_until(lambda: posted(fake_discord, theirs, "after"), timeout=WAKE_WITHIN)
    assert p.db(1).work.heard_count == heard + 1
    assert posted(fake_discord, theirs, "never") == []


@pytest.mark.parametrize("processes", [False], indirect=True)  # the usual 1 s poll
async def test_with_the_listening_connection_lost_the_poll_still_delivers(
    processes: Processes, fake_discord: FakeDiscord, pg_url: str
) -> None:
    p = processes
    theirs = p.servers[1][0]
    db = p.db(1)
    assert isinstance(db, PostgresDatabase) and db.listener is not None
    listener = db.listener
    assert listener.server_pid is not None
    # The connection is killed, and cannot be opened again for now (a network outage).
    listener.url = "postgresql://nobody@127.0.0.1:1/nowhere"
    conn: Any = await asyncpg.connect(pg_url)
    try:
        await conn.execute("SELECT pg_terminate_backend($1)", listener.server_pid)
    finally:
        await conn.close()
    await wait_until(lambda: listener.server_pid is None)
    heard = p.db(1).work.heard_count
    await post_from(p, 0, theirs, "while deaf")
    await wait_until(lambda: posted(fake_discord, theirs, "while deaf"), timeout=10)
    assert listener.server_pid is None and p.db(1).work.heard_count == heard  # the poll found it
    for runner in p.runners:
        await runner.idle()
    assert posted(fake_discord, theirs, "while deaf") == ["while deaf"]


@pytest.mark.parametrize("process_features", [("tests.core.probe", "meetings")])
async def test_a_session_written_for_another_process_s_server_arms_its_due_job_at_once(
    processes: Processes,
) -> None:
    """A session of shard 1's server written by shard 0's process (with its due actions): shard
    1's process arms its `meetings:due` job for the session's first action at once."""
    p = processes
    theirs = p.servers[1][0]
    for runner in p.runners:
        await runner.idle()  # its start-up's catch-up done: it arms nothing more of itself
    assert p.bot(1).scheduler.get_job(DUE_JOB) is None  # nothing due anywhere yet
    starts = epoch(p.runners[1].clock()) + 3 * 3600
    repo = MeetingRepository(p.db(0))
    async with p.db(0).transaction() as tx:
        series_id = await repo.insert_series(
            tx,
            {
                "guild_id": theirs.guild.id,
                "group_id": 7,
                "title": "Circle",
                "zone": "UTC",
                "start_local": "2030-01-01T00:00:00",
                "rrule": None,
                "duration_minutes": 60,
                "created_by": 1,
                "now": starts,
            },
        )
        session_id = await repo.insert_session(
            tx,
            {
                "series_id": series_id,
                "guild_id": theirs.guild.id,
                "group_id": 7,
                "local_key": "2030-01-01T00:00:00",
                "scheduled_at": starts,
                "starts_at": starts,
                "ends_at": starts + 3600,
            },
        )
        assert session_id is not None
        await repo.insert_actions(tx, session_id, {"reminder:60": starts - 3600, "start": starts})
    committed = time.monotonic()
    await wait_until(lambda: p.bot(1).scheduler.get_job(DUE_JOB) is not None, timeout=WAKE_WITHIN)
    assert time.monotonic() - committed < WAKE_WITHIN
    job = p.bot(1).scheduler.get_job(DUE_JOB)
    assert job is not None and epoch(job.next_run_time) == starts - 3600
    assert p.bot(0).scheduler.get_job(DUE_JOB) is None  # not the writer's server: not armed there
