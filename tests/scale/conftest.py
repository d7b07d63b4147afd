"""Several bot processes on one PostgreSQL database and one loopback Discord (issue 23).

`pg_server`: a PostgreSQL server of the module's own (or the session's, on a PostgreSQL run;
tests/postgres.py `needed_server`): skipped where its binaries are missing. `pg_url`: a new,
empty database on it for one test; `two`: two `Database` objects on it, migrated (two bot
processes'). `spread_servers`: communities whose servers fall on each of a number of Discord
shards.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.db import Database
from bot.migrate import apply_migrations
from bot.shards import ShardSet
from tests import postgres
from tests.fakediscord import FakeDiscord
from tests.harness import Server, build_server
from tests.postgres import PostgresServer


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    yield from postgres.needed_server()


@pytest.fixture
async def pg_url(pg_server: PostgresServer) -> AsyncIterator[str]:
    url = await pg_server.create_database()
    try:
        yield url
    finally:
        await pg_server.drop_database(url)


@pytest.fixture
async def two(pg_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two `Database` objects on one new PostgreSQL database, migrated: two bot processes'."""
    first = await Database.open(pg_url)
    await apply_migrations(first)
    second = await Database.open(pg_url)
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


PROCESSES = 4


@pytest.fixture
async def databases(pg_url: str) -> AsyncIterator[list[Database]]:
    """PROCESSES `Database` objects on one new PostgreSQL database, migrated: as many processes'."""
    first = await Database.open(pg_url)
    await apply_migrations(first)
    opened = [first]
    try:
        for _ in range(PROCESSES - 1):
            opened.append(await Database.open(pg_url))
        yield opened
    finally:
        for db in opened:
            await db.close()


def spread_servers(fake: FakeDiscord, shard_count: int, each: int) -> dict[int, list[Server]]:
    """At least `each` communities (tests.harness `build_server`) on every shard. A server's
    shard comes from the millisecond its id was made: a new one is made a millisecond later
    until every shard has its share (one made beyond that share stays, unused)."""
    shards = ShardSet(shard_count)
    found: dict[int, list[Server]] = {shard: [] for shard in range(shard_count)}
    while any(len(servers) < each for servers in found.values()):
        server = build_server(fake)
        shard = shards.shard_of(server.guild.id)
        if len(found[shard]) < each:
            found[shard].append(server)
        time.sleep(0.0011)
    return found
