"""Durable bot events (bot/event_log.py): an event written in a transaction reaches each
listener a feature declares once that commits, at least once whatever stops the bot in
between, and listeners that record what they did send once however often they hear it."""

from __future__ import annotations

from dataclasses import replace

from bot.client import Bot
from tests.conftest import FakeClock, StartBot
from tests.core.event_probe import EVENT, OtherListener, listener
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until

PROBE = ("tests.core.event_probe",)


async def publish(bot: Bot, channel_id: int, text: str, *, expires_at: int | None = None) -> int:
    async with bot.db.transaction() as tx:
        return await bot.event_log.append(
            tx, EVENT, {"channel": channel_id, "text": text}, expires_at=expires_at
        )


def lines(fake: FakeDiscord, channel_id: int) -> list[str]:
    return sorted(m.content for m in fake.messages_in(channel_id))


async def outcomes(bot: Bot, event_id: int) -> dict[str, str]:
    return await bot.event_log.repository.deliveries(event_id)


async def test_an_event_reaches_each_listener_once(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    event = await publish(bot, server.general.id, "hello")
    await runner.idle()
    assert lines(fake_discord, server.general.id) == ["Alpha heard hello", "Beta heard hello"]
    assert await outcomes(bot, event) == {"Alpha": "done", "Beta": "done"}
    assert listener(bot, "Alpha").heard == [event]


async def test_a_rolled_back_transaction_leaves_no_event(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    try:
        async with bot.db.transaction() as tx:
            await bot.event_log.append(tx, EVENT, {"channel": server.general.id, "text": "x"})
            raise RuntimeError("the state change failed")
    except RuntimeError:
        pass
    await runner.idle()
    assert lines(fake_discord, server.general.id) == []
    assert listener(bot, "Alpha").heard == []


async def test_a_kill_between_the_commit_and_the_delivery_loses_nothing(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False, database="kill.sqlite3")
    bot = runner.bot
    assert bot is not None
    await runner.idle()
    # The process dies right after the commit: nothing in its memory survives, so the
    # delivery that would have followed never runs.
    bot.event_log.stop()
    event = await publish(bot, server.general.id, "the session started")
    await runner.idle()
    assert lines(fake_discord, server.general.id) == []
    await runner.stop()

    runner = await start_bot(features=PROBE, sync=False, database="kill.sqlite3")
    await runner.idle()
    expected = ["Alpha heard the session started", "Beta heard the session started"]
    assert lines(fake_discord, server.general.id) == expected
    assert runner.bot is not None
    assert await outcomes(runner.bot, event) == {"Alpha": "done", "Beta": "done"}

    # Another restart: nothing is delivered again.
    await runner.stop()
    runner = await start_bot(features=PROBE, sync=False, database="kill.sqlite3")
    await runner.idle()
    assert runner.bot is not None
    assert listener(runner.bot, "Alpha").heard == []
    assert lines(fake_discord, server.general.id) == expected


async def test_a_listener_that_heard_it_twice_sends_once(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    """A kill after a listener's own transaction and before its delivery is marked: the
    listener hears the event again, and its record keeps it from sending twice."""
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    event_id = await publish(bot, server.general.id, "once")
    await runner.idle()
    alpha = listener(bot, "Alpha")
    (event,) = await bot.event_log.repository.undelivered(EVENT, "Nobody", 10)
    assert event.id == event_id
    await alpha.on_probe(replace(event, listener="Alpha"))
    await runner.idle()
    assert alpha.heard == [event_id, event_id]
    assert lines(fake_discord, server.general.id) == ["Alpha heard once", "Beta heard once"]


async def test_a_failing_listener_is_tried_again_and_spares_the_others(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    listener(bot, "Alpha").fail = 1
    event = await publish(bot, server.general.id, "again")
    await runner.idle()
    assert lines(fake_discord, server.general.id) == ["Beta heard again"]
    assert await outcomes(bot, event) == {"Beta": "done"}
    # The retry comes after a short backoff (two seconds of real time).
    await wait_until(lambda: len(fake_discord.messages_in(server.general.id)) == 2, timeout=6)
    await runner.idle()
    assert lines(fake_discord, server.general.id) == ["Alpha heard again", "Beta heard again"]
    assert await outcomes(bot, event) == {"Alpha": "done", "Beta": "done"}


async def test_an_expired_event_is_skipped(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    runner = await start_bot(features=PROBE, sync=False, database="late.sqlite3")
    bot = runner.bot
    assert bot is not None
    await runner.idle()
    bot.event_log.stop()  # down before the delivery
    soon = int(clock.now.timestamp()) + 3600
    event = await publish(bot, server.general.id, "too late", expires_at=soon)
    await runner.stop()
    clock.advance(hours=2)  # back up after the event's moment passed
    runner = await start_bot(features=PROBE, sync=False, database="late.sqlite3")
    await runner.idle()
    assert lines(fake_discord, server.general.id) == []
    assert runner.bot is not None
    assert await outcomes(runner.bot, event) == {"Alpha": "expired", "Beta": "expired"}
    assert listener(runner.bot, "Alpha").heard == []


async def test_a_feature_loaded_later_hears_what_it_missed(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    await bot.remove_cog("Beta")
    assert ("probe_durable", "Beta") not in bot.event_log.listeners()
    event = await publish(bot, server.general.id, "while Beta was away")
    await runner.idle()
    assert lines(fake_discord, server.general.id) == ["Alpha heard while Beta was away"]
    await bot.add_cog(OtherListener(bot))
    await runner.idle()
    assert lines(fake_discord, server.general.id) == [
        "Alpha heard while Beta was away",
        "Beta heard while Beta was away",
    ]
    assert await outcomes(bot, event) == {"Alpha": "done", "Beta": "done"}


async def test_forgetting_a_member_deletes_only_the_events_about_them(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    """A member's data deletion (`EventLog.forget`): the events of the names given whose payload
    names that member of that server go, delivered or not; nobody else's, and no other kind."""
    runner = await start_bot(features=(), sync=False)
    bot = runner.bot
    assert bot is not None
    g, anna, bea = server.guild.id, 101, 102
    kept: list[int] = []
    async with bot.db.transaction() as tx:
        about_anna = [
            await bot.event_log.append(tx, "joined", {"guild_id": g, "user_id": anna}),
            await bot.event_log.append(tx, "left", {"guild_id": g, "user_id": anna}),
        ]
        kept.append(await bot.event_log.append(tx, "joined", {"guild_id": g, "user_id": bea}))
        kept.append(await bot.event_log.append(tx, "joined", {"guild_id": g + 1, "user_id": anna}))
        kept.append(await bot.event_log.append(tx, "other", {"guild_id": g, "user_id": anna}))
    await runner.idle()
    assert await bot.event_log.forget(("joined", "left"), g, anna) == len(about_anna)
    rows = await bot.db.fetchall("SELECT id FROM events ORDER BY id")
    assert [r["id"] for r in rows] == kept
    assert await bot.event_log.forget(("joined", "left"), g, anna) == 0  # again: nothing
