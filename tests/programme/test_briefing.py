"""The leaders' briefing before a session (issue 21): once per session, across a restart, late
after an outage but never once the session has started."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import announcements, join, make_group, person, schedule, settle
from tests.programme.conftest import briefings, programme, sweep

SESSION = datetime(2027, 3, 2, 23, 0, tzinfo=UTC)  # 18:00 in New York


async def _group_with_a_session(runner: BotRunner, fake: FakeDiscord, s: Server):
    lena, anna, bea = person(fake, s, "lena"), person(fake, s, "anna"), person(fake, s, "bea")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await join(fake, s, anna, group.id)
    await join(fake, s, bea, group.id)
    done = await schedule(
        fake, s, lena, group.id, title="Evening circle", when="2027-03-02 18:00", minutes=90
    )
    assert "is scheduled" in done.text
    await settle(runner)
    return group, lena, anna, bea


async def test_a_briefing_goes_once_before_the_session_across_a_restart(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    group, lena, anna, bea = await _group_with_a_session(runner, fake, s)
    # Anna says she is coming; Bea maybe.
    post = announcements(fake, group.channel_id)[-1]
    going = next(c for c in post.custom_ids() if c.endswith(":going"))
    maybe = next(c for c in post.custom_ids() if c.endswith(":maybe"))
    await fake.click(anna, post, going)
    await fake.click(bea, post, maybe)

    clock.now = datetime(2027, 3, 2, 20, 59, tzinfo=UTC)  # 2 h 1 min before: not yet
    assert await sweep(runner) == 0
    assert briefings(fake, lena) == []

    clock.now = datetime(2027, 3, 2, 21, 0, 30, tzinfo=UTC)
    assert await sweep(runner) == 1
    [brief] = briefings(fake, lena)
    text = brief.content
    assert "Survivors" in text and f"<t:{int(SESSION.timestamp())}:F>" in text
    assert "RSVPs: 1 going, 1 maybe, 0 can't go." in text
    assert f"<@{anna.id}>" in text and f"<@{bea.id}>" in text  # joined since: welcome them
    assert f"anyone with the {s.moderator_role.name} role" in text
    assert "@everyone" not in text and "<@&" not in text
    assert briefings(fake, anna) == [] and briefings(fake, bea) == []  # leaders only

    # A restart, and the sweep again (at start and by the job): nothing doubled.
    await runner.stop()
    await runner.start()
    await settle(runner)
    assert await sweep(runner) == 0
    clock.now = datetime(2027, 3, 2, 22, 0, tzinfo=UTC)
    assert await sweep(runner) == 0
    assert len(briefings(fake, lena)) == 1


async def test_a_briefing_missed_while_offline_comes_late_but_never_after_the_start(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    group, lena, _, _ = await _group_with_a_session(runner, fake, s)
    await runner.stop()
    clock.now = datetime(2027, 3, 2, 22, 30, tzinfo=UTC)  # back 30 minutes before the start
    await runner.start()
    await settle(runner)  # the first sweep runs at start
    assert len(briefings(fake, lena)) == 1

    # A second group's leader whose bot comes back only after their session started.
    mia = person(fake, s, "mia")
    other = await make_group(runner, fake, s, "Caregivers", mia)
    done = await schedule(
        fake, s, mia, other.id, title="Morning", when="2027-03-03 09:00", minutes=60
    )
    assert "is scheduled" in done.text
    await settle(runner)
    await runner.stop()
    clock.now = datetime(2027, 3, 3, 14, 5, tzinfo=UTC)  # 09:05 in New York: started
    await runner.start()
    await settle(runner)
    assert await sweep(runner) == 0
    assert briefings(fake, mia) == []
    assert group.id != other.id


async def test_leaders_change_the_briefing_time_of_their_group(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    group, lena, anna, _ = await _group_with_a_session(runner, fake, s)
    refused = await fake.slash(
        anna,
        "programme briefing",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "hours": 24},
    )
    assert refused.ephemeral and "Only this group's leaders" in refused.text
    done = await fake.slash(
        lena,
        "programme briefing",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "hours": 24},
    )
    assert done.ephemeral and "24 hours before each session" in done.text
    clock.now = datetime(2027, 3, 1, 23, 1, tzinfo=UTC)  # 23 h 59 min before
    assert await sweep(runner) == 1
    assert len(briefings(fake, lena)) == 1


async def test_a_briefing_held_up_until_the_session_started_is_not_sent(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    _, lena, _, _ = await _group_with_a_session(runner, fake, s)
    bot = runner.bot
    assert bot is not None
    # Discord answers "slow down" to every new message for now: the briefing waits.
    fault = fake.faults.add(
        None, r"^/(users/@me/channels|channels/\d+/messages)$", status=429, count=None
    )
    clock.now = datetime(2027, 3, 2, 21, 30, tzinfo=UTC)
    assert await programme(runner).sweep() == 1
    await bot.dispatcher.drain()
    assert briefings(fake, lena) == []
    fake.faults.remove(fault)
    clock.now = datetime(2027, 3, 2, 23, 5, tzinfo=UTC)  # the session has started
    bot.dispatcher.wake()
    await runner.idle()
    assert briefings(fake, lena) == []
    state = await bot.db.fetchval("SELECT status FROM outbox WHERE kind = 'programme:briefing'")
    assert state == "failed"
    error = await bot.db.fetchval("SELECT last_error FROM outbox WHERE kind = 'programme:briefing'")
    assert "the session has started" in error
