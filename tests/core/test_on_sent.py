"""The outbox tells its sender what was delivered: the `on_sent` handler of a kind hears the
Discord id of each message sent, across a restart; an error in it never loses the send; and
`dispatcher.outcome()` waits for one send without polling."""

from __future__ import annotations

import logging

import pytest

from bot.client import Bot
from tests.conftest import FakeClock, StartBot
from tests.core.probe import TEXT, probe
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until

PROBE = ("tests.core.probe",)
MESSAGES = r"^/channels/\d+/messages$"


async def send(bot: Bot, text: str, *, channel_id: int | None = None, user_id: int | None = None):
    async with bot.db.transaction() as tx:
        return await bot.outbox.enqueue(
            tx,
            kind=TEXT,
            guild_id=None,
            channel_id=channel_id,
            user_id=user_id,
            payload={"text": text},
        )


async def test_on_sent_hears_the_message_id(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    row = await send(bot, "hello", channel_id=server.general.id)
    dm = await send(bot, "just for you", user_id=server.member.id)
    await runner.idle()
    posted = fake_discord.messages_in(server.general.id)
    private = fake_discord.dm_messages(server.member.id)
    assert sorted(probe(bot).sent) == sorted([(row, posted[0].id), (dm, private[0].id)])


async def test_a_failing_on_sent_handler_never_loses_the_send(
    start_bot: StartBot,
    fake_discord: FakeDiscord,
    server: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    probe(bot).fail_on_sent = True
    with caplog.at_level(logging.ERROR, logger="bot.dispatcher"):
        row = await send(bot, "still sent", channel_id=server.general.id)
        await runner.idle()
    assert [m.content for m in fake_discord.messages_in(server.general.id)] == ["still sent"]
    delivery = await bot.outbox.repository.delivery(row)
    assert delivery is not None and delivery.status == "sent"
    assert "on_sent handler for probe:text" in caplog.text
    await send(bot, "next", channel_id=server.general.id)
    await runner.idle()
    assert len(fake_discord.messages_in(server.general.id)) == 2  # the dispatcher carries on


async def test_on_sent_reaches_the_feature_after_a_restart(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    first = await start_bot(features=PROBE, sync=False, database="restart.sqlite3")
    bot = first.bot
    assert bot is not None
    outage = fake_discord.faults.add("POST", MESSAGES, status=503, count=None)
    row = await send(bot, "kept", channel_id=server.general.id)
    await wait_until(lambda: outage.hits >= 1)
    await first.stop()
    fake_discord.faults.clear()

    second = await start_bot(features=PROBE, sync=False, database="restart.sqlite3")
    bot = second.bot
    assert bot is not None
    clock.advance(seconds=400)  # past the backoff
    bot.dispatcher.wake()
    await second.idle()
    [message] = fake_discord.messages_in(server.general.id)
    assert probe(bot).sent == [(row, message.id)]


async def test_outcome_waits_for_one_send(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    sent = await send(bot, "hello", channel_id=server.general.id)
    assert await bot.dispatcher.outcome(sent, within=5) == "sent"
    fake_discord.close_dms(server.member)
    refused = await send(bot, "closed", user_id=server.member.id)
    assert await bot.dispatcher.outcome(refused, within=5) == "failed"
    fake_discord.faults.add("POST", MESSAGES, status=503, count=None)
    waiting = await send(bot, "later", channel_id=server.general.id)
    assert await bot.dispatcher.outcome(waiting, within=0.3) == "pending"
    assert await bot.dispatcher.outcome(10_000, within=0.1) == "missing"


async def test_a_handler_a_crash_cut_short_runs_once_at_the_next_start(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    """Killed between marking a row sent and its on_sent handler: the next start tells the
    feature, before sending anything new, and only once."""
    first = await start_bot(features=PROBE, sync=False, database="crash.sqlite3")
    bot = first.bot
    assert bot is not None
    row = await send(bot, "sent just before the crash", channel_id=server.general.id)
    await first.idle()
    [message] = fake_discord.messages_in(server.general.id)
    assert probe(bot).sent == [(row, message.id)]
    async with bot.db.transaction() as tx:  # the crash: the handler's work is not recorded
        await tx.execute("UPDATE outbox SET told_at = NULL WHERE id = :id", {"id": row})
    await first.stop()

    second = await start_bot(features=PROBE, sync=False, database="crash.sqlite3")
    bot = second.bot
    assert bot is not None
    await second.idle()
    assert probe(bot).sent == [(row, message.id)]
    assert len(fake_discord.messages_in(server.general.id)) == 1  # told, not sent again
    await second.stop()

    third = await start_bot(features=PROBE, sync=False, database="crash.sqlite3")
    bot = third.bot
    assert bot is not None
    await third.idle()
    assert probe(bot).sent == []  # already told: not again
