"""How a vote press is answered: directly when its work is quick (one request to Discord), and
acknowledged first when it is not (Discord allows 3 seconds), then answered once the work is
done: a vote waiting for another program's write lock still ends with "your vote is counted"."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.faults import Recorded
from tests.fakediscord.interactions import DEFERRED_UPDATE_MESSAGE
from tests.fakediscord.models import User
from tests.feedback.conftest import open_poll, press, the_bot
from tests.harness import BotRunner, Server, wait_until


@pytest.mark.sqlite_only
async def test_a_vote_held_up_by_another_writer_is_acknowledged_then_counted(
    bot_runner: BotRunner, fake_discord: FakeDiscord, server: Server, people: list[User]
) -> None:
    fake, bot = fake_discord, the_bot(bot_runner)
    poll = await open_poll(fake, server.moderator, server, "Yes\nNo", closes_in="1d")
    pressed = await press(fake, people[0], poll, 1)
    assert "Confirm your choice" in pressed.text
    other = sqlite3.connect(bot.db.path, timeout=10, check_same_thread=False, isolation_level=None)
    # another program takes the write lock (off the event loop: the bot may be writing) and
    # holds it until the bot has acknowledged the confirmation
    await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
    try:
        button = pressed.message.custom_ids()[0]
        confirming = asyncio.create_task(fake.click(people[0], pressed.message, button, timeout=30))
        await wait_until(lambda: bool(deferred_updates(fake)), timeout=10)
        assert not confirming.done()  # acknowledged, the vote still waiting for the lock
    finally:
        other.execute("COMMIT")
        other.close()
    done = await confirming
    assert done.deferred and done.error_status is None
    assert "your vote is counted" in done.text
    assert await bot.db.fetchval("SELECT voters FROM polls WHERE id = 1") == 1


def deferred_updates(fake: FakeDiscord) -> list[Recorded]:
    return [
        r
        for r in fake.requests_to("POST", r"/interactions/\d+/[^/]+/callback$")
        if isinstance(r.json, dict) and r.json.get("type") == DEFERRED_UPDATE_MESSAGE
    ]
