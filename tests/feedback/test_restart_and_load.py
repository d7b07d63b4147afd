"""Polls survive a restart (buttons work, the close fires once) and many votes at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    add_people,
    fire_close,
    open_poll,
    poll_board,
    poll_id_of,
    press,
    results_in,
    start_bot,
    vote,
)
from tests.feedback.standin_groups import StandInGroups
from tests.harness import BotRunner, Server, wait_until


async def test_an_open_poll_survives_a_restart_and_closes_once(
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    tmp_path: Path,
    clock: FakeClock,
    groups: StandInGroups,
) -> None:
    fake, path = fake_discord, tmp_path / "bot.sqlite3"
    first = BotRunner(fake, path, clock=clock)
    await start_bot(first, groups, server)
    try:
        poll = await open_poll(fake, server.moderator, server, "Yes\nNo", closes_in="1d")
        await vote(fake, people[0], poll, 1)
        await vote(fake, people[1], poll, 2)
        waiting = await press(fake, people[2], poll, 1)  # asked to confirm before the restart
    finally:
        await first.stop()

    second = BotRunner(fake, path, clock=clock)
    bot = await start_bot(second, groups, server)
    try:
        poll_id = poll_id_of(poll)
        assert bot.scheduler.get_job(f"feedback:poll-close:{poll_id}") is not None
        confirmed = await fake.click(people[2], waiting.message, waiting.message.custom_ids()[0])
        assert "your vote is counted" in confirmed.text
        again = await press(fake, people[0], poll, 2)
        assert again.ephemeral and "already voted" in again.text
        await vote(fake, people[3], poll, 2)
        await wait_until(lambda: "4 people have voted" in fake.message(poll.id).text)

        clock.advance(days=1, seconds=1)
        await fire_close(bot, poll_id)
        await wait_until(lambda: len(results_in(fake, server.general)) == 1)
        assert "Yes: **50%** (2 votes)" in results_in(fake, server.general)[0].text
        await poll_board(bot)._close_job(poll_id)  # a second alarm for the same poll
        await bot.dispatcher.drain()
    finally:
        await second.stop()

    third = BotRunner(fake, path, clock=clock)
    bot = await start_bot(third, groups, server)
    try:
        assert bot.scheduler.get_job(f"feedback:poll-close:{poll_id}") is None
        await bot.dispatcher.drain()
        await asyncio.sleep(0.1)
        assert len(results_in(fake, server.general)) == 1
    finally:
        await third.stop()


async def test_a_missed_closing_time_closes_at_start(
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    tmp_path: Path,
    clock: FakeClock,
    groups: StandInGroups,
) -> None:
    fake, path = fake_discord, tmp_path / "bot.sqlite3"
    first = BotRunner(fake, path, clock=clock)
    await start_bot(first, groups, server)
    try:
        poll = await open_poll(fake, server.moderator, server, "Yes\nNo", closes_in="1h")
        for user in people[:3]:
            await vote(fake, user, poll, 1)
    finally:
        await first.stop()
    clock.advance(hours=5)  # the bot was down when the poll should have closed
    second = BotRunner(fake, path, clock=clock)
    bot = await start_bot(second, groups, server)
    try:
        await fire_close(bot, poll_id_of(poll))
        await wait_until(lambda: len(results_in(fake, server.general)) == 1)
        assert "Yes: **100%** (3 votes)" in results_in(fake, server.general)[0].text
    finally:
        await second.stop()


async def test_a_closing_job_that_wakes_early_waits(
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    tmp_path: Path,
    clock: FakeClock,
    groups: StandInGroups,
) -> None:
    runner = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock=clock)
    bot = await start_bot(runner, groups, server)
    try:
        poll = await open_poll(fake_discord, server.moderator, server, "Yes\nNo", closes_in="1d")
        await poll_board(bot)._close_job(poll_id_of(poll))  # the clock says: not yet
        assert bot.scheduler.get_job(f"feedback:poll-close:{poll_id_of(poll)}") is not None
        await bot.dispatcher.drain()
        assert results_in(fake_discord, server.general) == []
        assert "your vote is counted" in (await vote(fake_discord, people[0], poll, 1)).text
    finally:
        await runner.stop()


async def test_hundreds_of_members_voting_at_once(
    fake_discord: FakeDiscord,
    server: Server,
    tmp_path: Path,
    clock: FakeClock,
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    crowd = add_people(fake, server, 240, prefix="crowd")
    runner = BotRunner(fake, tmp_path / "bot.sqlite3", clock=clock)
    await start_bot(runner, groups, server)
    try:
        poll = await open_poll(
            fake, server.moderator, server, "A\nB\nC\nD\nE\nF\nG", closes_in="1d"
        )
        choice = {user.id: 1 + i % 7 for i, user in enumerate(crowd)}

        async def one(user: User) -> list[str]:
            return [(await vote(fake, user, poll, choice[user.id])).text]

        async def twice(user: User) -> list[str]:
            """Two prompts, both confirmed at the same moment: one counts."""
            first, second = await asyncio.gather(
                press(fake, user, poll, choice[user.id]), press(fake, user, poll, choice[user.id])
            )
            done = await asyncio.gather(
                fake.click(user, first.message, first.message.custom_ids()[0]),
                fake.click(user, second.message, second.message.custom_ids()[0]),
            )
            return [d.text for d in done]

        answers = await asyncio.gather(
            *(twice(u) if i % 12 == 0 else one(u) for i, u in enumerate(crowd))
        )
        texts = [text for texts in answers for text in texts]
        assert sum("your vote is counted" in t for t in texts) == len(crowd)
        assert sum("already voted" in t for t in texts) == len(crowd[::12])

        assert runner.db is not None
        voters = await runner.db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": 1})
        rows = await runner.db.fetchall(
            "SELECT position, votes FROM poll_options WHERE poll_id = 1"
        )
        counts = {row["position"]: row["votes"] for row in rows}
        flipped = await runner.db.fetchval("SELECT COUNT(*) FROM poll_voters WHERE voted = 1")
        expected = {p: list(choice.values()).count(p) for p in range(1, 8)}
        assert voters == len(crowd) == flipped
        assert counts == expected
        await wait_until(lambda: f"{len(crowd)} people have voted" in fake.message(poll.id).text)
    finally:
        await runner.stop()
