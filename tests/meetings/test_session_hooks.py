"""The session hooks end to end: a real session scheduled with /meeting schedule starts and ends on
the test's clock, and the features that listen hear it, each once: the guideline reminder and the
confidentiality reminder at the start, the anonymous session poll at the end. No event is
dispatched by hand here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, run_until, schedule, settle


@pytest.fixture
def meeting_features() -> tuple[str, ...]:
    """The features that hear a session start and end: guidelines (moderation),
    confidentiality and the session poll (feedback)."""
    return ("groups", "meetings", "moderation", "confidentiality", "feedback")


def bot_posts(fake: FakeDiscord, channel_id: int | None, bot_id: int, needle: str) -> list[Message]:
    assert channel_id is not None
    return [
        m
        for m in fake.messages_in(channel_id, include_system=False)
        if m.author.id == bot_id and needle in m.text
    ]


async def test_a_real_session_reminds_at_its_start_and_asks_for_feedback_at_its_end(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    leader, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Survivors", leader)
    await join(fake, s, anna, group.id)

    async def leader_runs(command: str, **options: object) -> str:
        res = await fake.slash(
            leader,
            command,
            guild=s.guild,
            channel=s.general,
            options={"group": str(group.id), **options},
        )
        assert res.ephemeral, res.text
        return res.text

    said = await leader_runs("guidelines reminders", schedule="off", **{"at-session-start": True})
    assert "at the start of each session" in said
    said = await leader_runs("poll settings session-poll", enabled=True, hours=12)
    assert "How helpful was today's session?" in said

    done = await schedule(
        fake, s, leader, group.id, title="Evening circle", when="2027-03-02 18:00", minutes=90
    )
    assert "is scheduled" in done.text
    await settle(runner)
    assert runner.bot is not None and runner.bot.user is not None
    me = runner.bot.user.id

    def posts(needle: str) -> list[Message]:
        return bot_posts(fake, group.channel_id, me, needle)

    guideline, confidentiality = "reminder of this group's guidelines", "a gentle reminder"
    poll = "How helpful was today's session?"

    # Up to a minute before 18:00 New York (23:00 UTC): the session has not started.
    await run_until(runner, clock, datetime(2027, 3, 2, 22, 59, tzinfo=UTC))
    assert (posts(guideline), posts(confidentiality), posts(poll)) == ([], [], [])

    # The start: one guideline reminder and one confidentiality reminder, neither pinging.
    await run_until(runner, clock, datetime(2027, 3, 2, 23, 1, tzinfo=UTC))
    await fake.wait_until(lambda: len(posts(guideline)) == 1 and len(posts(confidentiality)) == 1)
    for message in posts(guideline) + posts(confidentiality):
        assert message.allowed_mentions == {"parse": []}
    assert posts(poll) == []

    # A restart during the session announces nothing again.
    await runner.stop()
    await runner.start(sync=False)
    await settle(runner)

    # The end (90 minutes later): the anonymous poll, once.
    await run_until(runner, clock, datetime(2027, 3, 3, 0, 31, tzinfo=UTC))
    await fake.wait_until(lambda: len(posts(poll)) == 1)
    await settle(runner)
    assert (len(posts(guideline)), len(posts(confidentiality)), len(posts(poll))) == (1, 1, 1)
