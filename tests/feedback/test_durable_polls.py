"""Polls survive a crash at any step (issue 19): a poll and its message are written together and
the outbox posts it, so a kill before the post leaves a poll that is posted after the restart,
and a kill after the post leaves a poll whose buttons work. A `$` typed in a poll is text, never
mathematics: its results are posted, and the channel's later messages are not held back."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    StartFeedback,
    create_poll,
    fire_close,
    open_poll,
    poll_id_of,
    polls_in,
    results_in,
    the_bot,
    vote,
)
from tests.harness import BotRunner, Server, wait_until

MESSAGES = r"^/channels/{}/messages$"


def wait_briefly_for_the_post(runner: BotRunner) -> None:
    """/poll create waits a few seconds for the outbox to post; the tests' posts are held on
    purpose, so it stops waiting almost at once."""
    cog = the_bot(runner).get_cog("Poll commands")
    assert cog is not None and hasattr(cog, "post_wait")
    cog.post_wait = 0.2  # type: ignore[attr-defined]


async def poll_rows(runner: BotRunner) -> list[tuple[int, str, int | None]]:
    assert runner.db is not None
    rows = await runner.db.fetchall("SELECT id, status, message_id FROM polls ORDER BY id")
    return [(r["id"], r["status"], r["message_id"]) for r in rows]


async def test_a_kill_before_the_post_leaves_a_poll_posted_after_the_restart(
    start_feedback: StartFeedback,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
) -> None:
    fake, ch = fake_discord, server.general
    runner = await start_feedback()
    wait_briefly_for_the_post(runner)
    # Discord does not answer the post before the bot dies: nothing reaches the channel.
    fake.faults.add("POST", MESSAGES.format(ch.id), delay=60, count=1)
    said = await create_poll(fake, server.moderator, server.guild, ch, "Tea\nCoffee")
    assert said.ephemeral and "will be posted in" in said.text, said.text
    assert [status for _, status, _ in await poll_rows(runner)] == ["posting"]
    await runner.stop()
    assert polls_in(fake, ch) == []
    fake.faults.clear()

    runner = await start_feedback(sync=False)
    await runner.idle()
    (poll,) = polls_in(fake, ch)
    assert poll_id_of(poll) == 1 and "The members" not in poll.text
    assert await poll_rows(runner) == [(1, "open", poll.id)]
    # Its buttons work after the restart.
    assert "your vote is counted" in (await vote(fake, people[0], poll, 2)).text


async def test_a_kill_after_the_post_leaves_a_poll_whose_buttons_work(
    start_feedback: StartFeedback,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
) -> None:
    fake, ch = fake_discord, server.general
    runner = await start_feedback()
    wait_briefly_for_the_post(runner)
    # The message reaches Discord, but the answer never comes back before the bot dies.
    fake.faults.add("POST", MESSAGES.format(ch.id), delay=60, apply_then_delay=True, count=1)
    said = await create_poll(fake, server.moderator, server.guild, ch, "Tea\nCoffee")
    assert said.ephemeral and "will be posted in" in said.text, said.text
    await wait_until(lambda: len(polls_in(fake, ch)) == 1)
    await runner.stop()
    fake.faults.clear()

    runner = await start_feedback(sync=False)
    await runner.idle()
    (poll,) = polls_in(fake, ch)  # sent again with its nonce: Discord kept the first one
    assert await poll_rows(runner) == [(1, "open", poll.id)]
    assert "your vote is counted" in (await vote(fake, people[0], poll, 1)).text
    await wait_until(lambda: "1 person has voted" in fake.message(poll.id).text)


async def test_a_poll_that_cannot_be_posted_leaves_nothing_and_says_so(
    start_feedback: StartFeedback, fake_discord: FakeDiscord, server: Server, people: list[User]
) -> None:
    fake, ch = fake_discord, server.general
    runner = await start_feedback()
    fake.faults.add("POST", MESSAGES.format(ch.id), status=403, count=1)
    said = await create_poll(fake, server.moderator, server.guild, ch, "Tea\nCoffee")
    assert said.ephemeral and "couldn't post your poll" in said.text, said.text
    await runner.idle()
    assert polls_in(fake, ch) == [] and await poll_rows(runner) == []


async def test_dollars_and_tex_in_a_poll_are_text_and_its_results_are_posted(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
) -> None:
    fake, bot, ch = fake_discord, the_bot(bot_runner), server.general
    poll = await open_poll(
        fake,
        server.moderator,
        server,
        "$5 copay\n$10 copay or \\frac{1}{2\n$x^$",
        question="Is a $5 copay fair? \\frac",
        closes_in="1d",
    )
    for user, position in zip(people[:4], (1, 1, 2, 3), strict=True):
        assert "your vote is counted" in (await vote(fake, user, poll, position)).text
    clock.advance(days=1, minutes=1)
    await fire_close(bot, poll_id_of(poll))
    await bot_runner.idle()
    (results,) = results_in(fake, ch)
    assert "$5 copay: **50%** (2 votes)" in results.text
    assert "\\frac{1}{2: **25%** (1 vote)" in results.text
    assert results.attachments and results.attachments[0]["size"] > 1000
    # Nothing is held back behind it: the next poll in the channel goes out.
    later = await open_poll(fake, server.moderator, server, "Yes\nNo", closes_in="1d")
    assert poll_id_of(later) == poll_id_of(poll) + 1
