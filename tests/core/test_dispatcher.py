"""The outbox dispatcher against the loopback Discord: transient failures are retried with the
same nonce until the message arrives exactly once; permanent refusals are reported."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import Bot
from bot.dispatcher import Rendered
from bot.outbox import OutboxMessage
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, wait_until

MESSAGES = r"^/channels/\d+/messages$"


async def render_text(message: OutboxMessage) -> Rendered:
    return Rendered(content=message.payload["text"])


def with_renderer(bot: Bot) -> None:
    bot.dispatcher.register("test:text", render_text)


@pytest.fixture
async def started(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock=clock)
    await running.start(sync=False, prepare=with_renderer)
    try:
        yield running
    finally:
        await running.stop()


async def send(bot: Bot, text: str, *, channel_id: int | None = None, user_id: int | None = None):
    async with bot.db.transaction() as tx:
        return await bot.outbox.enqueue(
            tx,
            kind="test:text",
            guild_id=None,
            channel_id=channel_id,
            user_id=user_id,
            payload={"text": text},
        )


def contents(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [m.content for m in fake.messages_in(channel_id)]


async def settle(bot: Bot, clock: FakeClock) -> None:
    """Let every backoff elapse (the test's clock jumps) until nothing is pending."""
    for _ in range(50):
        clock.advance(seconds=400)
        bot.dispatcher.wake()
        try:
            await bot.dispatcher.drain(within=2)
        except TimeoutError:
            continue
        if (await bot.outbox.repository.counts()).pending == 0:
            return
    raise AssertionError("outbox did not settle")


async def test_a_500_is_retried_and_arrives_once(
    started: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    bot = started.bot
    assert bot is not None
    fake_discord.faults.add("POST", MESSAGES, status=500, count=1)
    await send(bot, "hello", channel_id=server.general.id)
    await settle(bot, clock)
    assert contents(fake_discord, server.general.id) == ["hello"]
    posts = fake_discord.requests_to("POST", MESSAGES)
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]
    assert posts[0].json["enforce_nonce"] is True


async def test_rate_limit_is_waited_out(
    started: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    bot = started.bot
    assert bot is not None
    fake_discord.faults.add("POST", MESSAGES, status=429, retry_after=0.2, count=2)
    await send(bot, "after the limit", channel_id=server.general.id)
    await settle(bot, clock)
    assert contents(fake_discord, server.general.id) == ["after the limit"]


async def test_an_outage_loses_nothing_and_keeps_order(
    started: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    bot = started.bot
    assert bot is not None
    outage = fake_discord.faults.add("POST", MESSAGES, status=503, count=None)
    for text in ("one", "two", "three"):
        await send(bot, text, channel_id=server.general.id)
    await send(bot, "elsewhere", channel_id=server.private.id)
    await wait_until(lambda: outage.hits >= 2)
    for _ in range(3):  # a few rounds of backoff while Discord is still down
        clock.advance(seconds=400)
        bot.dispatcher.wake()
        await wait_until(lambda: outage.hits >= 3)
    assert contents(fake_discord, server.general.id) == []
    fake_discord.faults.clear()
    await settle(bot, clock)
    assert contents(fake_discord, server.general.id) == ["one", "two", "three"]
    assert contents(fake_discord, server.private.id) == ["elsewhere"]
    counts = await bot.outbox.repository.counts()
    assert (counts.pending, counts.sent, counts.failed) == (0, 4, 0)


async def test_a_private_message_goes_to_the_members_dms(
    started: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    bot = started.bot
    assert bot is not None
    await send(bot, "just for you", user_id=server.member.id)
    await settle(bot, clock)
    assert [m.content for m in fake_discord.dm_messages(server.member.id)] == ["just for you"]


async def test_a_refused_send_is_reported_not_retried_forever(
    started: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    bot = started.bot
    assert bot is not None
    failures: list[tuple[OutboxMessage, Exception]] = []

    async def on_failure(message: OutboxMessage, error: Exception) -> None:
        failures.append((message, error))

    bot.dispatcher.register("test:text", render_text, on_failure=on_failure)
    fake_discord.close_dms(server.member)
    row_id = await send(bot, "resources", user_id=server.member.id)
    await settle(bot, clock)
    assert [m.id for m, _ in failures] == [row_id]
    assert getattr(failures[0][1], "code", None) == 50007
    counts = await bot.outbox.repository.counts()
    assert (counts.pending, counts.failed) == (0, 1)
    assert fake_discord.dm_messages(server.member.id) == []


async def test_pending_sends_go_out_after_a_restart(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "restart.sqlite3"
    first = BotRunner(fake_discord, path, clock=clock)
    bot = await first.start(sync=False, prepare=with_renderer)
    outage = fake_discord.faults.add("POST", MESSAGES, status=503, count=None)
    await send(bot, "kept", channel_id=server.general.id)
    await wait_until(lambda: outage.hits >= 1)
    await first.stop()
    fake_discord.faults.clear()

    second = BotRunner(fake_discord, path, clock=clock)
    bot = await second.start(sync=False, prepare=with_renderer)
    try:
        await settle(bot, clock)
        assert contents(fake_discord, server.general.id) == ["kept"]
    finally:
        await second.stop()
