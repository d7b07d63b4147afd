"""Crisis sends go ahead of every other send (issue 17): a backlog of 1,500 ordinary sends
(prompts to 500 members by DM, posts in ten channels and in the escalation channel itself) is
going out when a member writes in crisis. The alert and the member's resources arrive before the
backlog has drained, the resources before the ordinary DMs queued for the same member, and every
destination still gets its ordinary messages in the order they were written."""

from __future__ import annotations

import time
from pathlib import Path

from bot.client import Bot
from bot.clock import epoch
from bot.db import Database
from bot.dispatcher import Rendered
from bot.outbox import TIMELY, URGENT, Outbox, OutboxMessage
from bot.send_budget import ORDINARY_PER_SECOND, SendBudget
from tests.conftest import FakeClock
from tests.escalation.conftest import start_community
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import Server, wait_until

BULK = "test:bulk"
TEXT = "I can't do this anymore, I'm going to end my life tonight"


async def render_bulk(message: OutboxMessage) -> Rendered:
    return Rendered(content=message.payload["text"])


async def queue_backlog(
    bot: Bot, channels: list[int], members: list[User], crisis_member: User
) -> dict[tuple[str, int], list[str]]:
    """1,500 ordinary rows, in one transaction; what each destination should receive, in order."""
    expected: dict[tuple[str, int], list[str]] = {}
    async with bot.db.transaction() as tx:
        for n in range(100):
            for channel in channels:
                text = f"post {n} in {channel}"
                await bot.outbox.enqueue(
                    tx, kind=BULK, guild_id=None, channel_id=channel, payload={"text": text}
                )
                expected.setdefault(("channel", channel), []).append(text)
        # The crisis member's own prompts come last: still queued when they write.
        for member in [*members, crisis_member, crisis_member]:
            text = f"prompt {len(expected.get(('user', member.id), []))} for {member.id}"
            await bot.outbox.enqueue(
                tx, kind=BULK, guild_id=None, user_id=member.id, payload={"text": text}
            )
            expected.setdefault(("user", member.id), []).append(text)
    assert sum(len(v) for v in expected.values()) == 1500
    return expected


async def test_a_crisis_goes_ahead_of_a_1500_row_backlog(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    fake = fake_discord
    members = [fake.create_user(f"member{i}") for i in range(498)]
    for member in members:
        fake.add_member(server.guild, member)
    async with start_community(fake, server, tmp_path, clock) as c:
        bot = c.bot
        bot.dispatcher.register(BULK, render_bulk)
        rooms = [fake.create_text_channel(server.guild, f"room-{i}") for i in range(9)]
        channels = [room.id for room in rooms] + [c.alerts_channel.id]
        await c.settle()

        def bulk_sent() -> list[Message]:
            return [
                m
                for m in list(fake.message_index.values())
                if m.author.id == fake.bot_user.id and m.content.startswith(("post ", "prompt "))
            ]

        expected = await queue_backlog(bot, channels, members, server.member)
        await wait_until(lambda: len(bulk_sent()) >= 20, timeout=10)  # the backlog is going out
        posted_at = time.monotonic()
        before = len(bulk_sent())
        await fake.send_message(server.member, c.group_channel, TEXT)
        await wait_until(lambda: bool(c.alerts()) and bool(c.dms(server.member)), timeout=10)
        took = time.monotonic() - posted_at
        during = len(bulk_sent()) - before
        # The old dispatcher sent the whole backlog first; here the crisis waits for no more than
        # the ordinary sends already under way and the budget's pace over the time it took.
        assert during <= 8 + ORDINARY_PER_SECOND * took, (during, took)
        assert len(bulk_sent()) < 1500 - 100

        # Its resources overtook the prompts queued for the same member.
        dms = c.dms(server.member)
        assert dms[0].embeds and dms[0].embeds[0]["title"] == "People you can talk to"

        # The rest of the backlog, faster than Discord would allow (loopback, not a real bot).
        bot.dispatcher.budget = SendBudget(at_once=8, per_second=10_000, burst=100)
        bot.dispatcher.wake()
        await bot.dispatcher.drain(within=120)
        await c.settle()

        assert len(bulk_sent()) == 1500
        for (kind, target), texts in expected.items():
            if kind == "channel":
                got = [m.content for m in fake.messages_in(target) if m.content in set(texts)]
            else:
                got = [m.content for m in fake.dm_messages(target) if m.content in set(texts)]
            assert got == texts, (kind, target)
        assert len(c.alerts()) == 1 and len(c.dms(server.member)) == 3
        # The alert overtook most of the posts queued in the escalation channel before it.
        in_alerts = c.bot_messages(c.alerts_channel)
        alert_at = next(i for i, m in enumerate(in_alerts) if m.embeds)
        assert sum(m.content.startswith("post ") for m in in_alerts[alert_at:]) > 50
        counts = await bot.outbox.repository.counts()
        assert counts.pending == 0 and counts.failed == 0


async def enqueue(outbox: Outbox, kind: str, channel: int, text: str) -> int:
    async with outbox.repository.db.transaction() as tx:
        return await outbox.enqueue(
            tx, kind=kind, guild_id=1, channel_id=channel, payload={"text": text}
        )


async def test_urgent_rows_are_claimed_first_and_wait_only_behind_urgent_ones(
    db: Database, clock: FakeClock
) -> None:
    """The claim's rules on a real database: urgent rows first, each priority in order per
    destination; an urgent row is not held back by an ordinary one waiting for its retry, an
    ordinary one is held back by any older row of its destination."""
    outbox = Outbox(db, clock)
    outbox.set_priority("test:crisis", URGENT)
    repo = outbox.repository

    await enqueue(outbox, "test:bulk", 5, "bulk 1")
    await enqueue(outbox, "test:bulk", 5, "bulk 2")
    await enqueue(outbox, "test:crisis", 5, "crisis 1")
    await enqueue(outbox, "test:bulk", 6, "bulk elsewhere")
    await enqueue(outbox, "test:crisis", 5, "crisis 2")
    now = epoch(clock())
    claimed = await repo.claim_due(now, 1, urgent_limit=10)
    assert [r.payload["text"] for r in claimed] == ["crisis 1", "crisis 2", "bulk 1"]
    assert [r.urgent for r in claimed] == [True, True, False]
    crisis1, crisis2, bulk1 = claimed
    # bulk 1 waits for a retry: the crisis rows of its channel do not wait for it, bulk 2 does
    await repo.mark_retry(bulk1.id, now + 30, "HTTP 500")
    await repo.release([crisis1.id, crisis2.id])
    again = await repo.claim_due(now, 10)
    assert [r.payload["text"] for r in again] == ["crisis 1", "crisis 2", "bulk elsewhere"]
    # a crisis row waiting for its retry holds back the later crisis row and the ordinary ones
    first, second, _other = again
    await repo.mark_retry(first.id, now + 30, "HTTP 500")
    await repo.release([second.id])
    assert await repo.claim_due(now + 1, 10) == []
    later = await repo.claim_due(now + 30, 10)
    assert [r.payload["text"] for r in later] == ["crisis 1", "crisis 2", "bulk 1", "bulk 2"]


async def test_timely_rows_are_claimed_before_older_ordinary_ones_at_their_pace(
    db: Database, clock: FakeClock
) -> None:
    """A session's reminder (TIMELY) is not held back by thousands of announcements queued before
    it: claimed ahead of every ordinary row, behind every urgent one, within the ordinary
    limit (the send budget's pace); it does not wait behind an ordinary row's retry."""
    outbox = Outbox(db, clock)
    outbox.set_priority("test:crisis", URGENT)
    outbox.set_priority("test:reminder", TIMELY)
    repo = outbox.repository

    for n in range(20):
        await enqueue(outbox, "test:announce", 5 + n % 2, f"announce {n}")
    await enqueue(outbox, "test:reminder", 5, "reminder")
    await enqueue(outbox, "test:crisis", 6, "crisis")
    now = epoch(clock())
    claimed = await repo.claim_due(now, 2, urgent_limit=10)
    assert [r.payload["text"] for r in claimed] == ["crisis", "reminder", "announce 0"]
    assert [r.urgent for r in claimed] == [True, False, False]
    # announce 0 waits for a retry: the reminder of its channel does not wait behind it
    crisis, reminder, first = claimed
    await repo.mark_retry(first.id, now + 30, "HTTP 500")
    await repo.release([crisis.id, reminder.id])
    again = await repo.claim_due(now, 1, urgent_limit=0)
    assert [r.payload["text"] for r in again] == ["reminder"]
