"""Which servers a process handles (bot/shards.py, SHARD_COUNT / SHARD_IDS) and the outbox's
claims between processes: each claims only its own servers' rows (direct messages of no
server: shard 0's), gives back only its own leases at start, and takes over another's lease
once it has expired. On the suite's database (SQLite, or PostgreSQL with
TEST_DATABASE=postgresql), two repositories on one database playing two processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import epoch
from bot.config import SettingsError, load_settings
from bot.db import Database
from bot.metrics import OutboxHealthRepository
from bot.outbox import LEASE_SECONDS, Outbox
from bot.shards import ShardSet
from bot.sql_dialect import translate
from tests.conftest import FakeClock
from tests.subprocesses import bot_env, run_cli

# Two servers whose ids fall on shards 0 and 1 of 2 (Discord: (id >> 22) % count).
ON_SHARD_0 = (1_579_562_243_728 << 22) | 5
ON_SHARD_1 = (1_579_562_243_727 << 22) | 5
FIRST, SECOND = ShardSet(2, (0,)), ShardSet(2, (1,))


def base_env(**values: str) -> dict[str, str]:
    return {"DISCORD_TOKEN": "", **values}


def test_shard_settings_are_read_and_checked() -> None:
    one = load_settings(base_env(), require_token=False, require_secret=False)
    assert one.shards == ShardSet() and not one.shards.partial
    two = load_settings(
        base_env(SHARD_COUNT="2", SHARD_IDS="1"), require_token=False, require_secret=False
    )
    assert (two.shard_count, two.shard_ids) == (2, (1,)) and two.shards.partial
    every = load_settings(
        base_env(SHARD_COUNT="2", SHARD_IDS="1,0"), require_token=False, require_secret=False
    )
    assert every.shard_ids == (0, 1) and not every.shards.partial
    for env, says in (
        ({"SHARD_IDS": "0"}, "SHARD_COUNT is not"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "the shards are 0 to 1"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT must be a whole number"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be a whole number"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0;1"}, "separated by commas"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1,1"}, "names a shard twice"),
    ):
        with pytest.raises(SettingsError) as raised:
            load_settings(base_env(**env), require_token=False, require_secret=False)
        assert says in str(raised.value), env


def test_a_server_belongs_to_the_shard_discord_sends_it_to() -> None:
    assert FIRST.owns(ON_SHARD_0) and not FIRST.owns(ON_SHARD_1)
    assert SECOND.owns(ON_SHARD_1) and not SECOND.owns(ON_SHARD_0)
    assert FIRST.owns(None) and not SECOND.owns(None)  # direct messages: shard 0
    assert ShardSet().owns(ON_SHARD_1) and ShardSet(2).owns(ON_SHARD_1)  # one process: all
    owners = (FIRST.owner, SECOND.owner, ShardSet().owner)
    assert owners == ("shards 0 of 2", "shards 1 of 2", "all")


def test_the_claim_locks_its_rows_on_postgresql_only() -> None:
    sql = "SELECT id FROM outbox ORDER BY id LIMIT 5 /* FOR UPDATE SKIP LOCKED */"
    assert translate(sql).text.split() == [
        *"SELECT id FROM outbox ORDER BY id LIMIT 5 FOR UPDATE SKIP LOCKED".split()
    ]
    assert "FOR" not in translate("SELECT 1 /* FOR UPDATE */").text  # other comments go


async def enqueue(
    outbox: Outbox,
    db: Database,
    guild_id: int | None,
    channel_id: int | None = None,
    user_id: int | None = None,
) -> int:
    async with db.transaction() as tx:
        return await outbox.enqueue(
            tx, kind="test", guild_id=guild_id, payload={}, channel_id=channel_id, user_id=user_id
        )


async def test_each_process_claims_only_its_own_servers_rows(
    db: Database, clock: FakeClock
) -> None:
    first, second = Outbox(db, clock, FIRST), Outbox(db, clock, SECOND)
    mine = await enqueue(first, db, ON_SHARD_0, channel_id=10)
    theirs = await enqueue(first, db, ON_SHARD_1, channel_id=11)
    dm = await enqueue(first, db, None, user_id=12)
    now = epoch(clock())
    assert await first.repository.next_due_at(now) == now
    assert {m.id for m in await first.repository.claim_due(now, 10)} == {mine, dm}
    # Nothing more due for the first: it does not spin on the second's rows.
    assert await first.repository.next_due_at(now) == now + LEASE_SECONDS
    assert [m.id for m in await second.repository.claim_due(now, 10)] == [theirs]
    owners = await db.fetchall("SELECT id, lease_owner FROM outbox ORDER BY id")
    assert [(r["id"], r["lease_owner"]) for r in owners] == [
        (mine, "shards 0 of 2"),
        (theirs, "shards 1 of 2"),
        (dm, "shards 0 of 2"),
    ]


async def test_a_restart_gives_back_only_its_own_leases_and_expired_ones_are_taken_over(
    db: Database, clock: FakeClock
) -> None:
    first, second = Outbox(db, clock, FIRST), Outbox(db, clock, SECOND)
    every = Outbox(db, clock)  # a single process (after SHARD_IDS was taken away)
    row = await enqueue(second, db, ON_SHARD_1, channel_id=11)
    now = epoch(clock())
    assert len(await second.repository.claim_due(now, 10)) == 1
    assert await first.repository.release_own_leases() == 0  # not the first's to give back
    assert await every.repository.claim_due(now, 10) == []  # still held by the second
    # The second process stopped for good: its lease runs out, and is taken over.
    clock.advance(seconds=LEASE_SECONDS)
    [taken] = await every.repository.claim_due(epoch(clock()), 10)
    assert taken.id == row and taken.attempts == 2
    # The second, back with the same shards, gives back only what it holds (nothing now).
    assert await second.repository.release_own_leases() == 0
    assert await every.repository.release_own_leases() == 1


async def test_pairs_of_parameters_in_a_values_list_keep_their_types(
    db: Database, clock: FakeClock
) -> None:
    """PostgreSQL guesses text for `(a, b) IN (VALUES (:x, :y))` (a meeting's reminders are
    claimed so, many at once): each use takes its value's type instead."""
    outbox = Outbox(db, clock)
    row = await enqueue(outbox, db, ON_SHARD_0, channel_id=10)
    async with db.transaction() as tx:
        found = await tx.fetchall(
            "UPDATE outbox SET attempts = attempts + 1 "
            "WHERE (id, kind) IN (VALUES (:i0, :k0), (:i1, :k1)) RETURNING id",
            {"i0": row, "k0": "test", "i1": row + 1, "k1": "test"},
        )
    assert [r["id"] for r in found] == [row]


async def test_check_says_which_shards_the_process_runs_and_refuses_a_wrong_one(
    tmp_path: Path,
) -> None:
    env = bot_env(tmp_path, SHARD_COUNT="2", SHARD_IDS="1")
    checked = await run_cli(tmp_path, env, "check")
    assert "this process runs Discord shards 1 of 2 (SHARD_IDS)" in checked.stdout
    wrong = await run_cli(tmp_path, {**env, "SHARD_IDS": "2"}, "check")
    assert wrong.code == 2
    assert "SHARD_IDS names shard 2, but with SHARD_COUNT=2 the shards are 0 to 1" in wrong.stderr


async def test_health_counts_only_the_sends_of_its_own_servers(
    db: Database, clock: FakeClock
) -> None:
    """/healthz's "outbox not stuck" and /metrics' outbox figures: a process is not unhealthy
    for the sends another process holds, and the processes' figures add up."""
    outbox = Outbox(db, clock, FIRST)
    await enqueue(outbox, db, ON_SHARD_0, channel_id=10)
    await enqueue(outbox, db, ON_SHARD_1, channel_id=11)
    await enqueue(outbox, db, ON_SHARD_1, channel_id=11)
    counted = {
        shards.owner: sum(g.rows for g in await OutboxHealthRepository(db, shards).groups())
        for shards in (FIRST, SECOND, ShardSet())
    }
    assert counted == {"shards 0 of 2": 1, "shards 1 of 2": 2, "all": 3}
