"""Many members confirming at the same moment share transactions (group commit) and their
presses share reads; a transaction that fails counts none of its votes, keeps nothing of them,
and tells each of its voters, kindly, to confirm again."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord, InteractionResult
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    StartFeedback,
    add_people,
    fire_close,
    open_poll,
    poll_board,
    poll_id_of,
    press,
    the_bot,
)
from tests.harness import Server

CROWD = 60
WAIT = 60.0  # a crowd's deferred answers on two busy cores


async def confirm(fake: FakeDiscord, user: User, prompt: InteractionResult) -> InteractionResult:
    buttons = [c for c in prompt.message.custom_ids() if c.startswith("feedback:confirm:")]
    assert buttons, prompt.text
    return await fake.click(user, prompt.message, buttons[0], timeout=WAIT)


async def test_a_crowd_confirming_at_once_is_counted_once_each_in_few_transactions(
    start_feedback: StartFeedback, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    fake.interaction_deadline = WAIT  # the loopback Discord shares the bot's two busy cores
    crowd = add_people(fake, server, CROWD, prefix="crowd")
    runner = await start_feedback()
    bot = the_bot(runner)
    polls = poll_board(bot).polls
    poll = await open_poll(fake, server.moderator, server, "Mornings\nEvenings\nWeekends")
    choice = {user.id: 1 + i % 3 for i, user in enumerate(crowd)}
    reads, transactions = polls.read_batches, polls.vote_batches

    prompts = await asyncio.gather(
        *(press(fake, u, poll, choice[u.id], timeout=WAIT) for u in crowd)
    )
    assert all("Confirm your choice" in p.text for p in prompts)
    done = await asyncio.gather(*(confirm(fake, u, p) for u, p in zip(crowd, prompts, strict=True)))

    assert all(d.error_status is None and "your vote is counted" in d.text for d in done)
    assert polls.read_batches - reads < 2 * CROWD  # presses of the same moment share reads
    assert polls.vote_batches - transactions < CROWD  # and confirmations transactions
    db = bot.db
    assert await db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": 1}) == CROWD
    assert await db.fetchval("SELECT COUNT(*) FROM poll_voters WHERE voted = 1") == CROWD
    assert await db.fetchval("SELECT SUM(votes) FROM poll_options") == 0  # no choice yet

    again = await press(fake, crowd[0], poll, 2)  # the shared read knows who voted
    assert "already voted" in again.text

    clock.advance(days=3, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    rows = await db.fetchall("SELECT position, votes FROM poll_options WHERE poll_id = 1")
    assert {r["position"]: r["votes"] for r in rows} == Counter(choice.values())


class FailingCommits:
    """The bot's database connection, its COMMITs failing while `failing` is set, as a full
    disk or a lost server fails them: the transaction is rolled back and the error raised (or,
    with `answer_lost`, committed and the error raised: the server's answer lost).
    `Database` runs every transaction's COMMIT through `_conn.execute("COMMIT")` on both
    backends (tests/crashpoints.py gates the same call)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.failing = False
        self.answer_lost = False  # the COMMIT goes through, then the error all the same
        self.refused = 0

    def execute(self, sql: str, *args: Any) -> Any:
        if self.failing and sql.strip().upper() == "COMMIT":
            return self._refuse()
        return self._conn.execute(sql, *args)

    async def _refuse(self) -> None:
        await self._conn.execute("COMMIT" if self.answer_lost else "ROLLBACK")
        self.refused += 1
        raise sqlite3.OperationalError("disk I/O error")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


async def test_a_batch_that_cannot_be_saved_counts_no_one_and_asks_each_to_confirm_again(
    start_feedback: StartFeedback,
    fake_discord: FakeDiscord,
    server: Server,
    clock: FakeClock,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    fake.interaction_deadline = WAIT
    crowd = add_people(fake, server, 12, prefix="crowd")
    runner = await start_feedback()
    bot = the_bot(runner)
    polls = poll_board(bot).polls
    poll = await open_poll(fake, server.moderator, server, "Yes\nNo\nNot sure")
    choice = {user.id: 1 + i % 3 for i, user in enumerate(crowd)}
    prompts = await asyncio.gather(
        *(press(fake, u, poll, choice[u.id], timeout=WAIT) for u in crowd)
    )
    await runner.idle()
    gate = FailingCommits(bot.db._conn)  # type: ignore[attr-defined]
    bot.db._conn = gate  # type: ignore[attr-defined]

    gate.failing = True
    try:
        failed = await asyncio.gather(
            *(confirm(fake, u, p) for u, p in zip(crowd, prompts, strict=True))
        )
    finally:
        gate.failing = False
    assert gate.refused >= 1

    for answer in failed:  # each told, kindly and privately, that nothing was counted
        assert answer.error_status is None and answer.ephemeral
        assert "couldn't save your vote" in answer.text, answer.text
        assert "your vote is counted" not in answer.text
    db = bot.db
    assert await db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": 1}) == 0
    assert await db.fetchval("SELECT COUNT(*) FROM poll_voters WHERE voted = 1") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM poll_voters WHERE pending = 1") == 0
    assert await db.fetchval("SELECT SUM(votes) FROM poll_options") == 0
    assert polls.held_votes(poll_id_of(poll)) == 0  # the choices were taken out again
    warnings = [r for r in bot_logs.records if "could not be saved" in r.getMessage()]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
    for record in bot_logs.records:  # who, at most at DEBUG; never what they chose
        if record.levelno > logging.DEBUG:
            assert not any(str(u.id) in record.getMessage() for u in crowd), record.getMessage()

    # The confirm button is still on each answer: pressed again, the vote counts, once.
    done = await asyncio.gather(*(confirm(fake, u, f) for u, f in zip(crowd, failed, strict=True)))
    assert all("your vote is counted" in d.text for d in done)
    assert await db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": 1}) == len(crowd)
    clock.advance(days=3, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    rows = await db.fetchall("SELECT position, votes FROM poll_options WHERE poll_id = 1")
    assert {r["position"]: r["votes"] for r in rows} == Counter(choice.values())


async def test_a_commit_whose_answer_was_lost_still_counts_its_votes(
    start_feedback: StartFeedback, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    """The COMMIT went through but its answer never came (a connection lost as the server
    answered): the bot reads the tokens back, sees the votes written, and says they count."""
    fake = fake_discord
    fake.interaction_deadline = WAIT
    crowd = add_people(fake, server, 6, prefix="crowd")
    runner = await start_feedback()
    bot = the_bot(runner)
    poll = await open_poll(fake, server.moderator, server, "Yes\nNo")
    choice = {user.id: 1 + i % 2 for i, user in enumerate(crowd)}
    prompts = await asyncio.gather(
        *(press(fake, u, poll, choice[u.id], timeout=WAIT) for u in crowd)
    )
    await runner.idle()
    gate = FailingCommits(bot.db._conn)  # type: ignore[attr-defined]
    bot.db._conn = gate  # type: ignore[attr-defined]
    gate.failing = gate.answer_lost = True
    try:
        done = await asyncio.gather(
            *(confirm(fake, u, p) for u, p in zip(crowd, prompts, strict=True))
        )
    finally:
        gate.failing = False
    assert gate.refused >= 1
    assert all("your vote is counted" in d.text for d in done), [d.text for d in done]
    assert poll_board(bot).polls.held_votes(poll_id_of(poll)) == len(crowd)
    db = bot.db
    assert await db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": 1}) == len(crowd)
    clock.advance(days=3, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    rows = await db.fetchall("SELECT position, votes FROM poll_options WHERE poll_id = 1")
    assert {r["position"]: r["votes"] for r in rows} == Counter(choice.values())
