"""The outbox's rules on a real database: order, leases, retries, pruning."""

from bot.clock import epoch
from bot.db import Database
from bot.outbox import KEEP_SENT_SECONDS, Outbox
from tests.conftest import FakeClock


async def enqueue(outbox: Outbox, db: Database, channel: int, text: str) -> int:
    async with db.transaction() as tx:
        return await outbox.enqueue(
            tx, kind="test", guild_id=1, channel_id=channel, payload={"text": text}
        )


async def test_enqueue_is_part_of_the_callers_transaction(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    woken: list[bool] = []
    outbox.on_enqueued(lambda: woken.append(True))
    try:
        async with db.transaction() as tx:
            await outbox.enqueue(tx, kind="test", guild_id=1, channel_id=5, payload={})
            raise RuntimeError("the state change failed")
    except RuntimeError:
        pass
    assert (await outbox.repository.counts()).pending == 0
    assert woken == []  # nothing committed, nothing to wake for
    await enqueue(outbox, db, 5, "hello")
    assert woken == [True]
    assert (await outbox.repository.counts()).pending == 1


async def test_nonces_are_unique_and_fit_discord(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    for i in range(20):
        await enqueue(outbox, db, 5, str(i))
    rows = await outbox.repository.claim_due(epoch(clock()), 50)
    nonces = {row.nonce for row in rows}
    assert len(nonces) == 20
    assert all(len(n) <= 25 for n in nonces)


async def test_claimed_rows_are_leased(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await enqueue(outbox, db, 5, "a")
    now = epoch(clock())
    first = await outbox.repository.claim_due(now, 10)
    assert [r.payload["text"] for r in first] == ["a"]
    assert first[0].attempts == 1
    assert await outbox.repository.claim_due(now, 10) == []  # held by the first claim
    assert await outbox.repository.release_own_leases() == 1  # a restart frees it at once
    assert len(await outbox.repository.claim_due(now, 10)) == 1


async def test_a_row_waiting_for_retry_holds_back_its_channel(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    repo = outbox.repository
    await enqueue(outbox, db, 5, "first")
    await enqueue(outbox, db, 5, "second")
    await enqueue(outbox, db, 6, "other channel")
    now = epoch(clock())
    claimed = await repo.claim_due(now, 10)
    assert [r.payload["text"] for r in claimed] == ["first", "second", "other channel"]
    first, second, other = claimed
    await repo.mark_retry(first.id, now + 30, "HTTP 500")
    await repo.release([second.id])
    await repo.mark_sent(other.id, 6, 999, now)
    await enqueue(outbox, db, 5, "third")
    # Channel 5 waits for "first"; nothing may overtake it.
    assert await repo.claim_due(now + 1, 10) == []
    later = await repo.claim_due(now + 30, 10)
    assert [r.payload["text"] for r in later] == ["first", "second", "third"]
    assert [r.attempts for r in later] == [2, 1, 1]


async def test_failed_and_sent_rows_are_counted_and_pruned(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    repo = outbox.repository
    sent_id = await enqueue(outbox, db, 5, "a")
    failed_id = await enqueue(outbox, db, 6, "b")
    now = epoch(clock())
    await repo.claim_due(now, 10)
    await repo.mark_sent(sent_id, 5, 1, now)
    await repo.mark_failed(failed_id, "403 Missing Access", now)
    counts = await repo.counts()
    assert (counts.pending, counts.sent, counts.failed) == (0, 1, 1)
    assert await repo.prune(now + KEEP_SENT_SECONDS - 1) == 0
    assert await repo.prune(now + KEEP_SENT_SECONDS + 1) == 1  # the sent one; failed stay longer
    assert (await repo.counts()).failed == 1
