"""Polls closing together: each close deletes its roll (who voted), and the write-ahead log must
forget it too. The closes share the checkpoint that empties the log (the core's `LogEraser`)
instead of one each, every close returns with the tokens of its voters gone from every file,
and a reader holding the database open delays the emptying (retried in the background) without
holding up a close."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from cogs.feedback.anonymity import Tokens
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.feedback.conftest import fire_close, open_poll, poll_id_of, results_in, the_bot, vote
from tests.feedback.forensics import Snapshot
from tests.harness import TEST_ANON_SECRET, BotRunner, Server, wait_until

POLLS = 8
TOKENS = Tokens(TEST_ANON_SECRET)


async def polls_with_votes(fake: FakeDiscord, server: Server, people: list[User]) -> list[Message]:
    polls = []
    for n in range(POLLS):
        question = f"Which evening suits you for group {n}?"
        polls.append(
            await open_poll(
                fake, server.moderator, server, "Mon\nTue", question=question, closes_in="1d"
            )
        )
    await asyncio.gather(
        *(vote(fake, user, poll, 1 + i % 2) for poll in polls for i, user in enumerate(people[:3]))
    )
    return polls


def tokens_in(path: Path, polls: list[Message], people: list[User]) -> dict[str, int]:
    """How many voters' tokens can be read in each file, as raw bytes."""
    snapshot = Snapshot.take(path)
    found = {}
    for name, data in (("db", snapshot.db), ("-wal", snapshot.wal), ("-shm", snapshot.shm)):
        hits = sum(
            TOKENS.voter(poll_id_of(poll), user.id) in data for poll in polls for user in people
        )
        if hits:
            found[name] = hits
    return found


class Reader:
    """Another program (a backup tool) holding a read transaction open."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM polls").fetchone()

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


@pytest.mark.sqlite_only
async def test_polls_closing_together_share_the_emptying_of_the_log(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
) -> None:
    fake, bot = fake_discord, the_bot(bot_runner)
    polls = await polls_with_votes(fake, server, people)
    assert tokens_in(bot.db.path, polls, people)  # the rolls are in the files while polls are open
    # Closes that queue behind each other share a round; one that comes after a round began
    # waits for the spacing and takes the next: two at most for a burst shorter than that.
    bot.db.eraser.spacing = 2.0
    before = bot.db.eraser.checkpoints

    clock.advance(days=1, seconds=1)
    await asyncio.gather(*(fire_close(bot, poll_id_of(poll)) for poll in polls))

    assert bot.db.eraser.checkpoints - before <= 2  # not one per close
    # Every close returned once its roll was out of the files: nothing to wait for here.
    assert tokens_in(bot.db.path, polls, people) == {}
    await bot_runner.idle()
    assert len(results_in(fake, server.general)) == POLLS
    assert all("Mon: **67%** (2 votes)" in m.text for m in results_in(fake, server.general))


@pytest.mark.sqlite_only
async def test_a_reader_delays_the_emptying_but_no_close(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
) -> None:
    fake, bot = fake_discord, the_bot(bot_runner)
    eraser = bot.db.eraser
    eraser.first_retry, eraser.longest_wait = 0.05, 0.2
    polls = await polls_with_votes(fake, server, people)
    reader = Reader(bot.db.path)  # from here no checkpoint can complete
    try:
        before = eraser.checkpoints
        clock.advance(days=1, seconds=1)
        await asyncio.gather(*(fire_close(bot, poll_id_of(poll)) for poll in polls))
        await bot_runner.idle()
        assert len(results_in(fake, server.general)) == POLLS  # the closes went on
        assert await bot.db.fetchval("SELECT COUNT(*) FROM poll_voters") == 0
        assert eraser.pending  # a retry carries on in the background
        assert "-wal" in tokens_in(bot.db.path, polls, people)  # the reader keeps old pages
        await wait_until(lambda: eraser.checkpoints - before >= 3)  # tried again, and again
        assert eraser.pending
    finally:
        reader.close()
    await wait_until(lambda: not eraser.pending)
    assert tokens_in(bot.db.path, polls, people) == {}
