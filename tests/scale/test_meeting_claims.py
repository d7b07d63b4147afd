"""Meetings' due actions claimed between processes on one PostgreSQL database (issue 23;
cogs/meetings/service_actions.py `run_due`, repository_sessions.py `lease_due`).

A batch of due actions (reminders, a session's start and end) is first leased to a process in a
`row_locked_transaction()` (FOR UPDATE SKIP LOCKED, a lease owner and an expiry; no
database-wide write lock), then fired in a transaction of its own that marks each action done.
So processes claim side by side, each action is claimed and fired once, and the actions of a
process killed holding a lease are taken over once it expires. `Database` objects on one real
PostgreSQL server play the processes (and one real process, killed with SIGKILL); the meetings
service is the real one, on a stand-in group directory (the groups feature's answers)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import epoch
from bot.db import Database
from bot.directory import GroupRef, NoGroups
from bot.outbox import Outbox
from bot.shards import EVERY_SHARD, ShardSet
from cogs.meetings import service_actions
from cogs.meetings.models import Action, local_text
from cogs.meetings.repository import MeetingRepository
from cogs.meetings.repository_sessions import LEASE_SECONDS
from cogs.meetings.rules import action_plan
from cogs.meetings.service import REMINDER, MeetingService
from cogs.meetings.service_actions import DueActions
from tests.conftest import FakeClock
from tests.scale.conftest import PROCESSES

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2027, 2, 20, 15, 0, tzinfo=UTC)
# Servers on each of two shards ((id >> 22) % 2): their ids made a millisecond apart.
SHARD_0 = [(1_700_000_000_000 + 2 * n) << 22 for n in range(3)]
SHARD_1 = [(1_700_000_000_001 + 2 * n) << 22 for n in range(3)]


class Groups(NoGroups):
    """The groups feature's directory, as the meetings service asks it: every group of a
    server, each with its channel."""

    def __init__(self, refs: list[GroupRef]) -> None:
        self.refs = {ref.id: ref for ref in refs}

    async def get(self, guild_id: int, group_id: int) -> GroupRef | None:
        ref = self.refs.get(group_id)
        return ref if ref is not None and ref.guild_id == guild_id else None

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        return [ref for ref in self.refs.values() if ref.guild_id == guild_id][:limit]


def groups_on(guilds: list[int], each: int) -> Groups:
    refs = []
    for guild_id in guilds:
        for n in range(each):
            group_id = guild_id + 10 * n + 1
            refs.append(
                GroupRef(group_id, guild_id, f"Circle {n}", "UTC", group_id + 5, None, None, False)
            )
    return Groups(refs)


async def plant(db: Database, groups: Groups, starts_at: datetime) -> int:
    """A one-off session for every group, starting at `starts_at`, planned a day before (its
    reminder an hour before, its start and its end), written as the meetings service writes
    them. Returns the number of actions."""
    repo = MeetingRepository(db)
    starts = epoch(starts_at)
    now = starts - 24 * 3600
    plans: dict[int, dict[str, int]] = {}
    async with db.transaction() as tx:
        for ref in groups.refs.values():
            series_id = await repo.insert_series(
                tx,
                {
                    "guild_id": ref.guild_id,
                    "group_id": ref.id,
                    "title": "Circle",
                    "zone": "UTC",
                    "start_local": local_text(starts_at.replace(tzinfo=None)),
                    "rrule": None,
                    "duration_minutes": 60,
                    "created_by": 1,
                    "now": now,
                },
            )
            made = await repo.insert_sessions(
                tx,
                [
                    {
                        "series_id": series_id,
                        "guild_id": ref.guild_id,
                        "group_id": ref.id,
                        "local_key": local_text(starts_at.replace(tzinfo=None)),
                        "scheduled_at": starts,
                        "starts_at": starts,
                        "ends_at": starts + 3600,
                    }
                ],
            )
            plans[made[series_id]] = action_plan(starts, starts + 3600, (60,), now)
        await repo.insert_many_actions(tx, plans)
    return sum(len(plan) for plan in plans.values())


def service_on(db: Database, clock: FakeClock, groups: Groups, shards: ShardSet) -> DueActions:
    """A process's meetings service (its due actions), on its shards."""
    outbox = Outbox(db, clock, shards)
    service = MeetingService(
        db, clock, outbox, lambda: groups, lambda *event: None, None, shards=shards
    )
    return DueActions(service)


async def reminders_posted(db: Database) -> Counter[int]:
    """The reminders in the outbox, by channel."""
    rows = await db.fetchall(
        "SELECT destination_id FROM outbox WHERE kind = :kind", {"kind": REMINDER}
    )
    return Counter(r["destination_id"] for r in rows)


def keys(actions: list[Action]) -> set[tuple[int, str]]:
    return {(a.occurrence_id, a.action) for a in actions}


async def test_a_claim_held_open_does_not_stop_another_process_claiming(
    databases: list[Database],
) -> None:
    """With the database-wide write lock, the second claim would wait for the first to commit
    (and give up after 5 s, "database is locked"); with row locks it takes other actions at
    once, and nothing the first holds."""
    first, second = databases[0], databases[1]
    count = await plant(first, groups_on(SHARD_0, 20), START)  # 60 sessions, 180 actions
    now = epoch(START) + 2 * 3600  # every action due
    held, other = MeetingRepository(first), MeetingRepository(second)
    async with held.claiming() as tx:
        mine = keys(await held.lease_in(tx, now, 50))
        assert len(mine) == 50
        async with asyncio.timeout(2):  # while the first claim is still open
            theirs = keys(await other.lease_due(now, 50))
        assert len(theirs) == 50 and not mine & theirs
        # A write under the database-wide lock still runs beside the open claim.
        async with asyncio.timeout(2), second.transaction() as write:
            await write.execute("UPDATE meeting_series SET title = 'Circle' WHERE id = 0")
    rest = keys(await other.lease_due(now, 1000))
    assert not rest & (mine | theirs)
    assert len(mine | theirs | rest) == count
    # All leased, to their claimers, until the lease ends: nothing more to claim meanwhile.
    assert await other.lease_due(now, 1000) == []
    assert await other.next_due_at() == now + LEASE_SECONDS


async def test_processes_claiming_together_claim_every_action_exactly_once(
    databases: list[Database],
) -> None:
    count = await plant(databases[0], groups_on(SHARD_0 + SHARD_1, 200), START)
    now = epoch(START) + 2 * 3600
    claimed: Counter[tuple[int, str]] = Counter()
    by_process = [0] * len(databases)

    async def claim_all(index: int, db: Database) -> None:
        repo = MeetingRepository(db)
        while batch := await repo.lease_due(now, 20):
            claimed.update(keys(batch))
            by_process[index] += len(batch)

    async with asyncio.timeout(120):
        await asyncio.gather(*(claim_all(n, db) for n, db in enumerate(databases)))
    assert len(claimed) == count == 6 * 200 * 3
    assert [key for key, times in claimed.items() if times > 1] == []
    assert all(by_process), by_process  # every process got its share


async def test_processes_firing_together_fire_every_reminder_exactly_once(
    databases: list[Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole of `run_due` in four processes at once (batches of 25, so they share the
    work): every reminder posted once, every action done once."""
    monkeypatch.setattr(service_actions, "DUE_BATCH", 25)
    groups = groups_on(SHARD_0 + SHARD_1, 50)  # 300 groups
    await plant(databases[0], groups, START + timedelta(hours=1))
    clock = FakeClock(START)  # the reminders an hour before: due now; the starts later
    processes = [service_on(db, clock, groups, EVERY_SHARD) for db in databases]
    async with asyncio.timeout(120):
        fired = await asyncio.gather(*(p.run_due() for p in processes))
    assert sum(fired) == 300 and all(fired), fired
    posted = await reminders_posted(databases[0])
    assert posted == Counter({ref.channel_id: 1 for ref in groups.refs.values()})
    outcomes = await databases[0].fetchall(
        "SELECT outcome, COUNT(*) AS n FROM meeting_actions WHERE action = 'reminder:60' "
        "GROUP BY outcome"
    )
    assert {r["outcome"]: r["n"] for r in outcomes} == {"done": 300}
    assert [await p.run_due() for p in processes] == [0] * PROCESSES


async def test_each_process_claims_only_its_own_servers_actions(
    databases: list[Database],
) -> None:
    groups = groups_on(SHARD_0 + SHARD_1, 10)
    await plant(databases[0], groups, START)
    now = epoch(START) + 2 * 3600
    shard_0 = MeetingRepository(databases[0], ShardSet(2, (0,)))
    shard_1 = MeetingRepository(databases[1], ShardSet(2, (1,)))
    first, second = await asyncio.gather(shard_0.lease_due(now, 1000), shard_1.lease_due(now, 1000))
    sessions = await databases[0].fetchall("SELECT id, guild_id FROM meeting_occurrences")
    server_of = {r["id"]: r["guild_id"] for r in sessions}
    assert {server_of[a.occurrence_id] for a in first} == set(SHARD_0)
    assert {server_of[a.occurrence_id] for a in second} == set(SHARD_1)
    assert len(first) == len(second) == 3 * 10 * 3
    owners = await databases[0].fetchall(
        "SELECT lease_owner, COUNT(*) AS n FROM meeting_actions GROUP BY lease_owner"
    )
    assert {r["lease_owner"]: r["n"] for r in owners} == {
        "shards 0 of 2": 90,
        "shards 1 of 2": 90,
    }


# A process of shard 0 of 2: it claims every due action of its servers, says so, and waits
# (killed before it fires them).
CLAIM_AND_WAIT = """
import asyncio, sys
from bot.db import Database
from bot.shards import ShardSet
from cogs.meetings.repository import MeetingRepository

async def main():
    db = await Database.open(sys.argv[1])
    claimed = await MeetingRepository(db, ShardSet(2, (0,))).lease_due(int(sys.argv[2]), 1000)
    print(len(claimed), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_a_killed_process_s_claims_are_taken_over_once_its_lease_expires(
    databases: list[Database], pg_url: str
) -> None:
    """The process of shard 0 of 2 claims its servers' due reminders and is killed (SIGKILL)
    before firing them. The servers are then run by one process (the shards split
    differently): it fires nothing while the dead process's lease lasts, takes the reminders
    over once it has expired, and posts each once; the dead owner back fires nothing again."""
    db = databases[0]
    groups = groups_on(SHARD_0, 10)  # 30 groups, all on shard 0
    await plant(db, groups, START + timedelta(hours=1))
    clock = FakeClock(START)
    now = epoch(START)
    dead = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLAIM_AND_WAIT,
        pg_url,
        str(now),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert dead.stdout is not None
        async with asyncio.timeout(60):
            line = await dead.stdout.readline()
        assert line.strip() == b"30", line  # the 30 reminders: the starts are an hour ahead
    finally:
        dead.kill()
        await dead.wait()

    survivor = service_on(databases[1], clock, groups, EVERY_SHARD)
    assert await survivor.run_due() == 0
    assert await reminders_posted(db) == Counter()
    # Its due job is armed for the end of the lease, not before (no busy loop meanwhile).
    assert await survivor.service.next_due_at() == now + LEASE_SECONDS
    clock.advance(seconds=LEASE_SECONDS - 1)
    assert await survivor.run_due() == 0
    clock.advance(seconds=1)
    assert await survivor.run_due() == 30
    posted = await reminders_posted(db)
    assert posted == Counter({ref.channel_id: 1 for ref in groups.refs.values()})
    assert await survivor.run_due() == 0

    # The dead process's owner starts again: nothing of its own is left to give back or fire.
    back = service_on(databases[2], clock, groups, ShardSet(2, (0,)))
    assert await back.release_own_leases() == 0
    assert await back.run_due() == 0
    assert await reminders_posted(db) == posted
    late = await db.fetchall(
        "SELECT outcome, COUNT(*) AS n FROM meeting_actions WHERE action = 'reminder:60' "
        "GROUP BY outcome"
    )
    assert {r["outcome"]: r["n"] for r in late} == {"done": 30}  # within the late grace


async def test_a_process_started_again_gives_back_its_own_claims_at_once(
    databases: list[Database],
) -> None:
    """Its own lease it need not wait for: what it claimed before the stop is claimable as
    soon as it starts (`release_own_leases`), and fired once."""
    groups = groups_on(SHARD_0, 5)
    await plant(databases[0], groups, START + timedelta(hours=1))
    clock = FakeClock(START)
    before = MeetingRepository(databases[0], ShardSet(2, (0,)))
    assert len(await before.lease_due(epoch(START), 1000)) == 15
    again = service_on(databases[1], clock, groups, ShardSet(2, (0,)))
    assert await again.run_due() == 0  # still leased (it has not started again yet)
    assert await again.release_own_leases() == 15
    assert await again.run_due() == 15
    assert await reminders_posted(databases[0]) == Counter(
        {ref.channel_id: 1 for ref in groups.refs.values()}
    )
