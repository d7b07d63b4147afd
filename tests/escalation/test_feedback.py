"""Anonymous /feedback is read for distress too (the feedback feature dispatches its text without
the author). A signal raises an alert that names nobody, says only that someone in the group (or
the server) may be in crisis, and asks the group's leaders to remind the group of /support. It
goes out a random 2 to 15 minutes later, so its time does not point to the author either; the
member is never told, and escalation keeps neither the text nor any member."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cogs.escalation.service_feedback import feedback_delay
from tests.conftest import FakeClock
from tests.escalation.conftest import FEATURES, Community, start_community
from tests.escalation.helpers import assert_nobody_pinged_by_accident, assert_nothing_public, field
from tests.fakediscord import FakeDiscord, InteractionResult
from tests.fakediscord.models import Message, User
from tests.harness import Server

CRISIS = "I can't do this anymore, I'm going to end my life tonight"
TICK = "escalation:tick"


@pytest.fixture
async def community(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Community]:
    features = (*FEATURES, "feedback", "groups")
    async with start_community(fake_discord, server, tmp_path, clock, features=features) as c:
        yield c


async def make_group(c: Community, leader: User) -> int:
    """The admin creates "Caregivers" led by `leader`; the member joins it."""
    g, general = c.server.guild, c.server.general
    made = await c.fake.slash(
        c.server.admin,
        "group create",
        guild=g,
        channel=general,
        options={"name": "Caregivers", "leader": leader.id},
    )
    assert made.ephemeral, made.text
    channel = c.fake.find_channel(g, "caregivers")
    assert channel is not None
    group = await c.bot.groups.for_channel(g.id, channel.id)
    assert group is not None
    joined = await c.fake.slash(
        c.server.member, "group join", guild=g, channel=general, options={"group": str(group.id)}
    )
    assert "Welcome" in joined.text, joined.text
    await c.settle()
    return group.id


async def send_feedback(c: Community, text: str, group_id: int | None) -> InteractionResult:
    options = {"group": str(group_id)} if group_id is not None else {}
    asked = await c.fake.slash(
        c.server.member, "feedback", guild=c.server.guild, channel=c.server.general, options=options
    )
    assert asked.modal is not None, asked.text
    done = await c.fake.submit_modal(c.server.member, asked, {"feedback:text:body": text})
    assert done.ephemeral and "Thank you" in done.text
    await c.settle()
    return done


def anonymous_alerts(c: Community) -> list[Message]:
    return [a for a in c.alerts() if "Anonymous feedback" in str(a.embeds[0].get("title"))]


def asks(c: Community, leader: User) -> list[Message]:
    return [m for m in c.dms(leader) if "Anonymous feedback suggests" in m.content]


async def waiting_alerts(c: Community) -> list[dict[str, object]]:
    rows = await c.bot.db.fetchall("SELECT * FROM escalation_feedback_alerts ORDER BY id")
    return [dict(r) for r in rows]


async def test_crisis_feedback_raises_an_anonymous_alert_after_a_random_delay(
    community: Community,
) -> None:
    c, member = community, community.server.member
    leader = c.fake.create_user("lena")
    c.fake.add_member(c.server.guild, leader)
    group_id = await make_group(c, leader)
    submitted_at = int(c.clock().timestamp())

    done = await send_feedback(c, CRISIS, group_id)
    assert done.followups == []  # the member hears only the feedback feature's thanks
    # nothing yet, anywhere: the alert waits, with no member, no text and no time of writing
    assert anonymous_alerts(c) == [] and asks(c, leader) == []
    [waiting] = await waiting_alerts(c)
    assert set(waiting) == {
        "id",
        "guild_id",
        "group_id",
        "category",
        "severity",
        "level",
        "due_at",
    }
    assert waiting["group_id"] == group_id and waiting["level"] == "plan"  # a level, no cue
    due = int(str(waiting["due_at"]))
    assert submitted_at + 2 * 60 <= due <= submitted_at + 15 * 60
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 0

    await c.run_job(TICK)  # not due yet
    c.clock.advance(seconds=due - submitted_at - 1)
    await c.run_job(TICK)
    assert anonymous_alerts(c) == [] and asks(c, leader) == []

    c.clock.advance(seconds=1)
    await c.run_job(TICK)
    [alert] = anonymous_alerts(c)
    embed = alert.embeds[0]
    assert embed["title"] == "Anonymous feedback: someone may need help"
    assert embed["description"] == (
        "Someone in group **Caregivers** may be in crisis, according to anonymous feedback."
    )
    assert field(alert, "Category and severity") == "intent or plan · critical"
    assert field(alert, "Why") == "Intent with a plan"  # the level in words only: no cue
    assert "asked the group's leaders, privately, to remind the group" in field(
        alert, "What happens now"
    )
    assert alert.custom_ids() == [] and alert.content == ""
    [ask] = asks(c, leader)
    assert "someone in your group **Caregivers**" in ask.content
    assert "/support" in ask.content and "don't try to find out who" in ask.content

    # nobody named, nothing quoted, nothing to the member; sent once
    for message in (alert, ask):
        assert str(member.id) not in json.dumps(message.payload())
        assert "Mia" not in message.text and "end my life" not in message.text
    assert c.dms(member) == []
    payloads = await c.bot.db.fetchall("SELECT payload FROM outbox")
    assert not any(
        "end my life" in r["payload"] or str(member.id) in r["payload"] for r in payloads
    )
    assert await waiting_alerts(c) == []
    await c.run_job(TICK)
    assert len(anonymous_alerts(c)) == 1 and len(asks(c, leader)) == 1
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_ordinary_feedback_raises_nothing_and_feedback_to_the_moderators_names_the_server(
    community: Community,
) -> None:
    c = community
    leader = c.fake.create_user("lena")
    c.fake.add_member(c.server.guild, leader)
    group_id = await make_group(c, leader)
    await send_feedback(c, "Please start on time, and this chemo is killing me.", group_id)
    assert await waiting_alerts(c) == []

    await send_feedback(c, "I want to die", None)  # to the moderators: no group, no leaders
    c.clock.advance(minutes=15)
    await c.run_job(TICK)
    [alert] = anonymous_alerts(c)
    assert alert.embeds[0]["description"] == (
        "Someone in the server may be in crisis, according to anonymous feedback to the moderators."
    )
    assert field(alert, "Category and severity") == "suicidal ideation · medium"
    assert field(alert, "Why") == "Wish to be dead"
    assert "want to die" not in alert.text
    assert "reminding members that /support" in field(alert, "What happens now")
    assert asks(c, leader) == []
    assert c.dms(c.server.member) == []


async def test_feedback_is_read_alone_never_with_a_members_messages(community: Community) -> None:
    """ "I can't do this anymore." then "I have the pills ready" from one member is one signal
    (test_context.py), but never across feedback: feedback is nobody's, and is not kept."""
    c, member = community, community.server.member
    await c.fake.send_message(member, c.server.general, "I can't do this anymore.")
    await c.settle()
    await send_feedback(c, "I have the pills ready", None)
    assert await waiting_alerts(c) == []

    c.clock.advance(minutes=31)  # the member's message is no longer read with their next
    await send_feedback(c, "I can't do this anymore.", None)
    await c.fake.send_message(member, c.server.general, "I have the pills ready")
    await c.settle()
    assert await waiting_alerts(c) == []
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 0
    assert c.alerts() == []


async def test_a_waiting_alert_survives_a_restart(community: Community) -> None:
    c = community
    await send_feedback(c, CRISIS, None)
    await c.runner.stop()
    await c.runner.start(sync=False)
    c.clock.advance(minutes=15)
    await c.run_job(TICK)
    assert len(anonymous_alerts(c)) == 1


def test_the_delay_is_uniform_between_2_and_15_minutes() -> None:
    delays = [feedback_delay() for _ in range(2000)]
    assert min(delays) >= 120 and max(delays) <= 900
    assert min(delays) < 200 and max(delays) > 820  # spread over the whole range
