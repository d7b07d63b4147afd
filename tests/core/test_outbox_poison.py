"""A send that can never succeed holds back nothing (issue 19: a `$` in a poll's text blocked its
channel's queue for minutes). A row whose renderer always raises, or that Discord refuses with a
400, queued before five ordinary rows for the same channel: the five go out at once, in order;
the bad row ends failed, its kind's `on_failure` is called once, and the log says so without
quoting the text. A transient 503 or 429 is still retried, and the channel keeps its order."""

from __future__ import annotations

import logging
import time

import asyncpg
import pytest

from bot.__main__ import QUIET_LIBRARIES
from bot.client import Bot
from bot.clock import epoch
from bot.db import Database
from bot.outbox import NORMAL, Outbox
from bot.outbox_failures import RENDER_RETRY_SECONDS, RENDER_TRIES, verdict
from tests.conftest import FakeClock, StartBot
from tests.core.probe import POISON, TEXT, URGENT_TEXT, probe
from tests.fakediscord import FakeDiscord
from tests.harness import Server

PROBE = ("tests.core.probe",)
MESSAGES = r"^/channels/\d+/messages$"
SECRET = "Marzipanova: $5 for my chemo co-pay"  # what a member typed, never in the log
INVALID_FORM_BODY = {
    "message": "Invalid Form Body",
    "code": 50035,
    "errors": {
        "content": {
            "_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
            ]
        }
    },
}


async def queue(bot: Bot, channel_id: int, *rows: tuple[str, str]) -> list[int]:
    """(kind, text) rows for one channel, in this order, in one transaction."""
    async with bot.db.transaction() as tx:
        return [
            await bot.outbox.enqueue(
                tx, kind=kind, guild_id=None, channel_id=channel_id, payload={"text": text}
            )
            for kind, text in rows
        ]


def texts(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [m.content for m in fake.messages_in(channel_id)]


async def status(bot: Bot, row_id: int) -> str | None:
    delivery = await bot.outbox.repository.delivery(row_id)
    return None if delivery is None else delivery.status


ORDINARY = [(TEXT, f"ordinary {n}") for n in range(1, 6)]


async def test_a_row_that_cannot_be_rendered_holds_back_nothing(
    start_bot: StartBot,
    fake_discord: FakeDiscord,
    server: Server,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    channel = server.general.id
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    poison, *_ = await queue(bot, channel, (POISON, SECRET), *ORDINARY)
    await runner.idle()
    took = time.monotonic() - started
    # The five went out at once, in order, without the clock moving: nothing waited for it.
    assert texts(fake_discord, channel) == [text for _, text in ORDINARY]
    assert took < 5, took
    assert await status(bot, poison) == "pending"  # set aside, tried again shortly
    assert probe(bot).poison_renders == 1 and probe(bot).failed == []

    # Sends queued after it do not wait for it either.
    await queue(bot, channel, (TEXT, "later"))
    await runner.idle()
    assert texts(fake_discord, channel)[-1] == "later"

    # It is tried RENDER_TRIES times in all, within half a minute, then failed for good.
    for delay in RENDER_RETRY_SECONDS:
        clock.advance(seconds=delay * 1.2 + 1)
        bot.dispatcher.wake()
        await runner.idle()
    assert sum(RENDER_RETRY_SECONDS) * 1.2 + len(RENDER_RETRY_SECONDS) <= 60
    assert probe(bot).poison_renders == RENDER_TRIES
    assert await status(bot, poison) == "failed"
    assert probe(bot).failed == [(poison, POISON, "ValueError")]

    # Failed is final: no further try, no second on_failure, nothing posted for it.
    clock.advance(minutes=30)
    bot.dispatcher.wake()
    await runner.idle()
    assert probe(bot).poison_renders == RENDER_TRIES
    assert len(probe(bot).failed) == 1
    assert len(texts(fake_discord, channel)) == 6
    counts = await bot.outbox.repository.counts()
    assert (counts.pending, counts.sent, counts.failed) == (0, 6, 1)

    # Logged, by row and kind and where it was raised, quoting nothing the member typed.
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert any("failed for good" in r.getMessage() and POISON in r.getMessage() for r in ours)
    assert any("_render_poison" in r.getMessage() for r in ours)  # the frames, for a developer
    for record in caplog.records:  # at any level; the libraries as python -m bot sets them
        if record.name.startswith(QUIET_LIBRARIES) and record.levelno < logging.INFO:
            continue
        assert "Marzipanova" not in f"{record.getMessage()} {record.exc_text or ''}"
    last_error = await bot.db.fetchval(
        "SELECT last_error FROM outbox WHERE id = :id", {"id": poison}
    )
    assert last_error == "builtins.ValueError"


async def test_a_message_discord_refuses_fails_and_the_rest_go_on(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    channel = server.general.id
    refusal = fake_discord.faults.add("POST", MESSAGES, status=400, body=INVALID_FORM_BODY)
    refused, *_ = await queue(bot, channel, (TEXT, "too long, say"), *ORDINARY)
    await runner.idle()
    assert refusal.hits == 1
    assert texts(fake_discord, channel) == [text for _, text in ORDINARY]
    assert await status(bot, refused) == "failed"
    assert probe(bot).failed == [(refused, TEXT, "HTTPException")]
    assert sorted(row for row, _ in probe(bot).sent) == list(range(refused + 1, refused + 6))


@pytest.mark.parametrize("error", [503, 429])
async def test_a_transient_error_is_retried_and_the_channel_keeps_its_order(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock, error: int
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    channel = server.general.id
    fault = fake_discord.faults.add("POST", MESSAGES, status=error, retry_after=0.1)
    first, *_ = await queue(bot, channel, (TEXT, "first"), *ORDINARY)
    await runner.idle()
    assert fault.hits == 1
    assert texts(fake_discord, channel) == []  # everything behind it waits for its retry
    assert await status(bot, first) == "pending"
    clock.advance(seconds=10)  # past its backoff
    bot.dispatcher.wake()
    await runner.idle()
    assert texts(fake_discord, channel) == ["first", *(text for _, text in ORDINARY)]
    assert probe(bot).failed == []
    assert (await bot.outbox.repository.counts()).sent == 6


async def test_a_crisis_send_never_waits_behind_a_poison_row(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    runner = await start_bot(features=PROBE, sync=False)
    bot = runner.bot
    assert bot is not None
    channel = server.general.id
    poison, *_ = await queue(bot, channel, (POISON, SECRET), (TEXT, "ordinary"))
    await runner.idle()
    assert texts(fake_discord, channel) == ["ordinary"]
    # Set aside and waiting for its next try: an urgent row behind it goes at once, and the
    # ordinary rows queued with it.
    await queue(bot, channel, (URGENT_TEXT, "crisis"), (TEXT, "after"))
    await runner.idle()
    assert texts(fake_discord, channel) == ["ordinary", "crisis", "after"]
    assert await status(bot, poison) == "pending"
    clock.advance(minutes=5)
    for _ in range(RENDER_TRIES):
        bot.dispatcher.wake()
        await runner.idle()
        clock.advance(minutes=5)
    assert await status(bot, poison) == "failed"
    # Its feature hears of it with the priority its kind declares, not the one it was set
    # aside with.
    assert probe(bot).failed == [(poison, POISON, "ValueError")]


async def test_a_row_set_aside_holds_back_nothing_and_stays_aside_across_a_restart(
    db: Database, clock: FakeClock
) -> None:
    """The claim's rule on a real database: a row set aside after a failed render does not hold
    back the rows behind it, and a restart (`prioritise`) does not give it its kind's priority
    back; its count of failed renders survives."""
    outbox = Outbox(db, clock)
    repo = outbox.repository

    async def enqueue(kind: str, text: str) -> int:
        async with db.transaction() as tx:
            return await outbox.enqueue(
                tx, kind=kind, guild_id=1, channel_id=5, payload={"text": text}
            )

    bad = await enqueue("test:chart", "bad")
    await enqueue("test:text", "good 1")
    now = epoch(clock())
    claimed = await repo.claim_due(now, 10)
    assert [r.payload["text"] for r in claimed] == ["bad", "good 1"]
    await repo.set_aside(bad, 1, now + 5, "builtins.ValueError")
    await repo.release([claimed[1].id])
    await enqueue("test:text", "good 2")
    assert await repo.prioritise({"test:chart": NORMAL, "test:text": NORMAL}) == 0
    again = await repo.claim_due(now + 1, 10)
    assert [r.payload["text"] for r in again] == ["good 1", "good 2"]
    later = await repo.claim_due(now + 5, 10)
    assert [(r.payload["text"], r.set_aside, r.failed_renders) for r in later] == [("bad", True, 1)]


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.LockNotAvailableError("lock timeout"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.DiskFullError("could not extend file"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    ],
)
def test_a_postgresql_server_busy_or_away_is_waited_for_not_failed(error: Exception) -> None:
    """On PostgreSQL as on SQLite, a send whose database was busy, full or away for a moment is
    tried again with backoff: a crisis alert is never failed for a lock timeout."""
    assert verdict(error) == "transient"


def test_a_postgresql_error_that_will_not_pass_is_not_retried_forever() -> None:
    assert verdict(asyncpg.exceptions.UndefinedTableError("relation does not exist")) == (
        "unrenderable"
    )
