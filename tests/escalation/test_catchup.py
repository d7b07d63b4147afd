"""What was posted while the bot was away is read when it comes back (issue 17): at start, and
after a gateway session that could not be resumed. Each crisis message reaches the moderators
once, marked as posted while the bot was offline; the moderators hear once what was read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.escalation.conftest import Community, configure, start_community
from tests.escalation.helpers import (
    assert_nobody_pinged_by_accident,
    assert_nothing_public,
    field,
)
from tests.escalation.river import build_river
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.harness import Server, wait_until


@pytest.fixture
def clock() -> FakeClock:
    # Discord's message ids carry the real time of the loopback Discord; the bot's clock starts
    # an hour before it, so that the test may move it by minutes and still have every message
    # posted after the moment the bot was last reading, as in real life.
    return FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))


@pytest.fixture
async def community(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Community]:
    async with start_community(fake_discord, server, tmp_path, clock) as value:
        await caught_up(value)
        yield value


async def caught_up(c: Community) -> None:
    """The bot's catch-up of the session is over, and everything it caused was sent."""
    cog = c.bot.get_cog("Escalation catch-up")
    assert cog is not None
    await wait_until(lambda: not cog.catchup.paused, timeout=15)  # type: ignore[attr-defined]
    await c.settle()


def summaries(c: Community) -> list[Message]:
    return [m for m in c.bot_messages(c.alerts_channel) if m.content.startswith("I was offline")]


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def posted(message: Message) -> int:
    return ((message.id >> 22) + 1420070400000) // 1000


async def test_three_crisis_messages_posted_while_the_bot_was_offline(
    community: Community, clock: FakeClock
) -> None:
    c, member, peer = community, community.server.member, community.peer
    await c.fake.send_message(peer, c.group_channel, "see you all on thursday")
    await c.settle()
    clock.advance(minutes=10)
    await c.run_job("escalation:catchup:flush")  # every 30 s: what was read, and "still here"
    stopped_at = epoch(clock())
    await c.runner.stop()

    # While the bot is away: three members in crisis (a channel, another, a new thread), and
    # some ordinary chatter.
    clock.advance(hours=3)
    lee = c.fake.create_user("lee")
    c.fake.add_member(c.server.guild, lee)
    first = await c.fake.send_message(member, c.group_channel, "I just want to kill myself")
    await c.fake.send_message(peer, c.group_channel, "sending you a hug, the scan went ok")
    second = await c.fake.send_message(peer, c.server.general, "i want to end my life")
    thread = c.fake.create_thread(c.group_channel, "scan results", lee)
    third = await c.fake.send_message(lee, thread, "I'm cutting myself again")

    await c.runner.start(sync=False)
    await caught_up(c)
    back_at = epoch(clock())

    alerts = c.alerts()
    assert len(alerts) == 3
    for alert, message in zip(alerts, (first, second, third), strict=True):
        words = field(alert, "What they wrote")
        assert message.content in words
        assert f"posted while the bot was offline, at <t:{posted(message)}:F>" in words
    assert f"<#{thread.id}>" in field(alerts[2], "Where")
    [summary] = summaries(c)
    assert summary.content.startswith(
        f"I was offline from <t:{stopped_at}:F> to <t:{back_at}:F>.\n"
        "I read 4 messages posted meanwhile; 3 needed attention."
    )
    assert summary.allowed_mentions == {"parse": []}
    # Each member gets their resources as usual.
    for person in (member, peer, lee):
        [dm] = c.dms(person)
        assert "Something you wrote made us want to check in with you" in dm.content

    # An edit of a message already read changes the case, not the count of alerts.
    await c.fake.edit_message(member, first, "I just want to kill myself. sorry")
    await c.settle()

    # Restarting, twice, reads nothing again and tells nobody again.
    for _ in range(2):
        await c.runner.stop()
        clock.advance(minutes=1)
        await c.runner.start(sync=False)
        await caught_up(c)
    assert len(c.alerts()) == 3
    assert len(summaries(c)) == 1
    for person in (member, peer, lee):
        assert len(c.dms(person)) == 1
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 3
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_a_session_that_could_not_be_resumed_is_caught_up(community: Community) -> None:
    c, member, peer = community, community.server.member, community.peer
    identified = c.fake.gateway.identifies

    # Discord ends the session (op 9, not resumable): what is posted until the bot has
    # identified again never reaches it as an event.
    await c.fake.invalidate_session()
    crisis = await c.fake.send_message(member, c.group_channel, "i don't want to live anymore")
    await c.fake.send_message(peer, c.group_channel, "anyone around tonight?")
    await wait_until(lambda: len(summaries(c)) == 1, timeout=20)
    await c.settle()

    assert c.fake.gateway.identifies == identified + 1
    [alert] = c.alerts()
    assert f"posted while the bot was offline, at <t:{posted(crisis)}:F>" in field(
        alert, "What they wrote"
    )
    [summary] = summaries(c)
    assert "I read 2 messages posted meanwhile; 1 needed attention." in summary.content
    assert len(c.dms(member)) == 1

    # A dropped connection that is resumed needs no catch-up: Discord replays what was missed.
    await c.fake.drop_gateway(wait=False)
    live = await c.fake.send_message(peer, c.group_channel, "I'm going to kill myself tonight")
    await c.fake.wait_until_resumed(timeout=10)
    await c.wait_for_alerts(2)
    await c.settle()
    assert c.fake.gateway.identifies == identified + 1
    assert "posted while the bot was offline" not in field(c.alerts()[1], "What they wrote")
    assert live.content in field(c.alerts()[1], "What they wrote")
    assert len(summaries(c)) == 1
    assert_nothing_public(c)


async def test_a_dropped_connection_whose_session_expired_is_caught_up(
    community: Community,
) -> None:
    c, member = community, community.server.member
    identified, resumed = c.fake.gateway.identifies, c.fake.gateway.resumes
    sent_before = len(c.fake.gateway.received)

    # The connection drops and Discord forgets the session: the bot's RESUME is refused (op 9)
    # and it identifies again; what was posted meanwhile never arrives as an event.
    await c.fake.gateway.expire()
    crisis = await c.fake.send_message(member, c.group_channel, "I want to kill myself")
    await wait_until(lambda: len(summaries(c)) == 1, timeout=20)
    await c.settle()

    assert c.fake.gateway.identifies == identified + 1
    assert c.fake.gateway.resumes == resumed  # the RESUME was refused, not counted as one
    ops = [p["op"] for p in c.fake.gateway.received[sent_before:]]
    assert ops[:2] == [6, 2]  # RESUME, refused; then IDENTIFY
    [alert] = c.alerts()
    assert f"posted while the bot was offline, at <t:{posted(crisis)}:F>" in field(
        alert, "What they wrote"
    )
    assert "I read 1 message posted meanwhile; 1 needed attention." in summaries(c)[0].content
    assert len(c.dms(member)) == 1


async def test_a_channel_busier_than_the_bound_is_named_to_the_moderators(
    community: Community, clock: FakeClock
) -> None:
    c, member, peer = community, community.server.member, community.peer
    await c.runner.stop()
    clock.advance(hours=1)
    await c.fake.send_message(member, c.server.general, "i want to end my life")  # the oldest
    for n in range(100):
        await c.fake.send_message(peer, c.server.general, f"raffle ticket {n}")
    late = await c.fake.send_message(member, c.group_channel, "I want to kill myself")
    await c.runner.start(sync=False)
    await caught_up(c)

    [alert] = c.alerts()  # the newest 100 of #general were read: not the oldest message
    assert late.content in field(alert, "What they wrote")
    [summary] = summaries(c)
    assert "I read 101 messages posted meanwhile; 1 needed attention." in summary.content
    assert (
        "Some channels had more than I read (I read at most the newest 100 messages of the last "
        f"24 hours in each): <#{c.server.general.id}>. Please look through them."
    ) in summary.content


async def test_a_crisis_dm_sent_while_the_bot_was_offline(
    community: Community, clock: FakeClock
) -> None:
    c, member = community, community.server.member
    await c.fake.send_dm(member, "thanks for the reminder about thursday")
    await c.settle()
    await c.runner.stop()
    clock.advance(hours=2)
    crisis = await c.fake.send_dm(member, "I can't go on. I want to end my life")
    await c.runner.start(sync=False)
    await caught_up(c)

    [alert] = c.alerts()
    assert field(alert, "Where") == "a direct message to the bot"
    words = field(alert, "What they wrote")
    assert crisis.content in words
    assert f"posted while the bot was offline, at <t:{posted(crisis)}:F>" in words
    [resources] = c.dms(member)
    assert "Something you wrote made us want to check in with you" in resources.content

    # Read once: another restart reads nothing again.
    await c.runner.stop()
    await c.runner.start(sync=False)
    await caught_up(c)
    assert len(c.alerts()) == 1 and len(c.dms(member)) == 1


async def test_a_crisis_dm_sent_while_offline_by_a_member_of_two_communities(
    community: Community, clock: FakeClock
) -> None:
    c, member = community, community.server.member
    river, river_log = build_river(c.fake, member)
    await wait_until(lambda: c.bot.get_guild(river.guild.id) is not None)
    await configure(c.fake, river, river_log, "US")
    await c.fake.send_dm(member, "thanks for the reminder about thursday")
    await c.settle()
    await c.runner.stop()
    clock.advance(hours=2)
    crisis = await c.fake.send_dm(member, "I want to end my life")
    await c.runner.start(sync=False)
    await caught_up(c)

    [question] = c.dms(member)
    assert "Which community should I tell?" in question.content
    await c.fake.click(member, question, f"escalation:route:1:{river.guild.id}")
    await c.settle()
    [alert] = [m for m in c.bot_messages(river.private) if m.embeds]
    assert f"posted while the bot was offline, at <t:{posted(crisis)}:F>" in field(
        alert, "What they wrote"
    )
    assert c.alerts() == []
