"""A session's start and end survive a kill between their commit and their delivery (issue
19): `meeting_started` and `meeting_ended` are durable events, written in the transaction that
starts or ends the session, so a bot killed right after that commit still sends, after its
restart, the guideline reminder, the confidentiality reminder and the feedback poll, each once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, run_until, schedule, settle
from tests.meetings.test_session_hooks import bot_posts


@pytest.fixture
def meeting_features() -> tuple[str, ...]:
    return ("groups", "meetings", "moderation", "confidentiality", "feedback")


async def kill_after_the_commit(runner: BotRunner, clock: FakeClock, until: datetime) -> None:
    """Fire the session's due action, as if the process died right after its commit: the
    delivery of its events, which would have followed in memory, never runs."""
    assert runner.bot is not None
    runner.bot.event_log.stop()
    await run_until(runner, clock, until)
    await runner.stop()


async def test_a_kill_after_a_session_starts_and_ends_loses_no_reminder_and_no_poll(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    leader, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Survivors", leader)
    await join(fake, s, anna, group.id)
    for command, options in (
        ("guidelines reminders", {"schedule": "off", "at-session-start": True}),
        ("poll settings session-poll", {"enabled": True, "hours": 12}),
    ):
        res = await fake.slash(
            leader,
            command,
            guild=s.guild,
            channel=s.general,
            options={"group": str(group.id), **options},
        )
        assert res.ephemeral, res.text
    done = await schedule(
        fake, s, leader, group.id, title="Evening circle", when="2027-03-02 18:00", minutes=90
    )
    assert "is scheduled" in done.text
    await settle(runner)
    assert runner.bot is not None and runner.bot.user is not None
    me = runner.bot.user.id

    def counts() -> tuple[int, int, int]:
        return (
            len(bot_posts(fake, group.channel_id, me, "reminder of this group's guidelines")),
            len(bot_posts(fake, group.channel_id, me, "a gentle reminder")),
            len(bot_posts(fake, group.channel_id, me, "How helpful was today's session?")),
        )

    # The start (23:00 UTC) is committed; the bot dies before anyone hears of it.
    await kill_after_the_commit(runner, clock, datetime(2027, 3, 2, 23, 1, tzinfo=UTC))
    assert counts() == (0, 0, 0)
    await runner.start(sync=False)
    await settle(runner)
    assert counts() == (1, 1, 0)

    # The end (00:30 UTC): the same, and the poll comes after the restart, once.
    await kill_after_the_commit(runner, clock, datetime(2027, 3, 3, 0, 31, tzinfo=UTC))
    assert counts() == (1, 1, 0)
    await runner.start(sync=False)
    await settle(runner)
    assert counts() == (1, 1, 1)

    # Another restart delivers nothing again.
    await runner.stop()
    await runner.start(sync=False)
    await settle(runner)
    assert counts() == (1, 1, 1)
