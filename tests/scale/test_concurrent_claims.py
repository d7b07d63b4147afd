"""The outbox's claim between processes on one PostgreSQL database (bot/outbox.py `claim_due`,
bot/db.py `row_locked_transaction`): it takes no database-wide write lock, only the rows it
picks (FOR UPDATE SKIP LOCKED), so two processes claim at the same time, and every row is
claimed exactly once. `Database` objects on one real PostgreSQL server play the processes."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.db import Database
from bot.outbox import NORMAL, URGENT, OutboxRepository

GUILD = 1_579_562_243_727_556_784
NOW = 1_800_000_000
ROWS = 3000


async def fill(db: Database, count: int) -> set[int]:
    """`count` due rows to 50 channels (every tenth a crisis send), as features enqueue them."""
    repo = OutboxRepository(db)
    rows = [
        {
            "guild_id": GUILD,
            "kind": "test",
            "destination_type": "channel",
            "destination_id": GUILD + n % 50,
            "payload": {"n": n},
            "nonce": f"nonce-{n}",
            "now": NOW,
            "priority": URGENT if n % 10 == 0 else NORMAL,
        }
        for n in range(count)
    ]
    async with db.transaction() as tx:
        for start in range(0, count, 500):
            await repo.insert_many(tx, rows[start : start + 500])
    return {r["id"] for r in await db.fetchall("SELECT id FROM outbox")}


async def test_a_claim_held_open_does_not_stop_another_process_claiming(
    databases: list[Database],
) -> None:
    """With the database-wide lock, the second claim would wait for the first to commit (and
    give up after 5 s, "database is locked"); with row locks it takes other rows at once."""
    first, second = databases[0], databases[1]
    every = await fill(first, 100)
    held = OutboxRepository(first)
    other = OutboxRepository(second)
    async with first.row_locked_transaction() as tx:
        mine = {m.id for m in await held.claim_in(tx, NOW, 30, urgent_limit=0)}
        assert len(mine) == 30
        async with asyncio.timeout(2):  # while the first claim is still open
            theirs = {m.id for m in await other.claim_due(NOW, 30, urgent_limit=0)}
        assert len(theirs) == 30 and not mine & theirs
        # A write under the database-wide lock still runs beside the open claim.
        async with asyncio.timeout(2), second.transaction() as write:
            await write.execute("UPDATE outbox SET last_error = 'x' WHERE id = :id", {"id": 0})
    rest = {m.id for m in await other.claim_due(NOW, 100, urgent_limit=0)}
    assert mine | theirs | rest == {
        r["id"] for r in await first.fetchall("SELECT id FROM outbox WHERE priority = 0")
    }
    assert not rest & (mine | theirs)
    assert len(every) == 100


async def test_processes_claiming_together_claim_every_row_exactly_once(
    databases: list[Database],
) -> None:
    every = await fill(databases[0], ROWS)
    claimed: Counter[int] = Counter()
    by_process: list[int] = [0] * len(databases)

    async def claim_all(index: int, db: Database) -> None:
        repo = OutboxRepository(db)
        while True:
            batch = await repo.claim_due(NOW, 20, urgent_limit=5)
            if not batch:
                return
            claimed.update(m.id for m in batch)
            by_process[index] += len(batch)

    async with asyncio.timeout(120):
        await asyncio.gather(*(claim_all(n, db) for n, db in enumerate(databases)))
    assert set(claimed) == every
    assert [row for row, times in claimed.items() if times > 1] == []
    assert all(by_process), by_process  # every process got its share
    leased = await databases[0].fetchval(
        "SELECT COUNT(*) FROM outbox WHERE lease_until IS NOT NULL AND attempts = 1"
    )
    assert leased == ROWS  # each row's lease written once: one attempt each
