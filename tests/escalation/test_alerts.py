"""A member writes something that signals crisis: the moderators get an alert, the member gets
crisis resources privately within a second, and nobody else sees anything."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import FakeClock
from tests.escalation.conftest import FEATURES, Community, start_community
from tests.escalation.helpers import (
    assert_nobody_pinged_by_accident,
    assert_nothing_public,
    field,
    live,
)
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until


async def test_a_crisis_message_reaches_the_moderators_and_help_reaches_the_member(
    community: Community,
) -> None:
    c, member = community, community.server.member
    started = time.perf_counter()
    message = await c.fake.send_message(member, c.group_channel, "I just want to kill myself")
    await wait_until(lambda: len(c.dms(member)) == 1, timeout=1.0)
    dm_seconds = time.perf_counter() - started
    assert dm_seconds < 1.0

    [alert] = await c.wait_for_alerts(1)
    await c.settle()
    embed = alert.embeds[0]
    assert embed["title"] == "Alert #1: a member may need help"
    assert field(alert, "Member") == f"<@{member.id}> (Mia)"  # shown in an embed: never pings
    where = field(alert, "Where")
    assert f"<#{c.group_channel.id}>" in where
    link = f"https://discord.com/channels/{c.server.guild.id}/{c.group_channel.id}/{message.id}"
    assert link in where
    assert field(alert, "Category and severity") == "suicidal ideation · high"
    assert field(alert, "Why") == "Suicidal thoughts · “i want to kill myself”"
    assert "I just want to kill myself" in field(alert, "What they wrote")
    assert alert.custom_ids() == [
        "escalation:claim:1",
        "escalation:resolve:1",
        "escalation:false:1",
    ]
    assert alert.content == "" and alert.allowed_mentions == {"parse": []}
    case = await c.cog.service.case(1)  # the outbox told the feature the alert's id (on_sent)
    assert case is not None and case.alert_message_id == alert.id

    [dm] = c.dms(member)
    assert "Something you wrote made us want to check in with you" in dm.content
    assert "call 999" in dm.content  # the server's region is GB
    assert "Samaritans" in dm.text and "116 123" in dm.text and "findahelpline.com" in dm.text
    assert dm.custom_ids() == ["escalation:contact:1"]
    button = dm.component("escalation:contact:1")
    assert button is not None and button["label"] == "Ask a moderator to contact me"
    assert "kill myself" not in dm.text  # the member's words are never repeated back

    [opened] = [line for line in c.mod_log_lines() if line.startswith("Alert #1")]
    assert "opened for" in opened and "kill myself" not in opened

    assert not live(c, message).deleted
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_ordinary_talk_raises_nothing(community: Community) -> None:
    c, member = community, community.server.member
    for text in (
        "this chemo is killing me",
        "I'd kill for a nap",
        "We just got a terminal diagnosis for my dad",
        "Does anyone have experience with end-of-life care at home?",
        "Mom moved to hospice today",
        "I'm dying to see my grandson this weekend",
        "I'm not suicidal, just exhausted",
    ):
        await c.fake.send_message(member, c.group_channel, text)
    await c.fake.send_message(c.server.moderator, c.group_channel, "thanks for sharing")
    await c.settle()
    assert c.alerts() == []
    assert c.dms(member) == []
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 0


async def test_follow_ups_join_the_open_case(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_message(member, c.group_channel, "I want to die")
    [alert] = await c.wait_for_alerts(1)
    await c.fake.send_message(member, c.group_channel, "and I've been saving up my pills")
    await c.fake.send_message(member, c.group_channel, "sorry, the weather is nice today")

    await wait_until(lambda: "Follow-ups (1)" in live(c, alert).text)
    await c.settle()
    assert len(c.alerts()) == 1 and len(c.dms(member)) == 1  # no new alert, no second DM
    updated = live(c, alert)
    assert "saving up my pills" in field(updated, "Follow-ups (1)")
    assert "weather" not in updated.text  # only matching messages join the case
    # the stronger follow-up raised the case's severity
    assert field(updated, "Category and severity") == "intent or plan · critical"

    # another member's words are their own case
    await c.fake.send_message(c.peer, c.group_channel, "I wish I was dead")
    await c.wait_for_alerts(2)
    assert [a.embeds[0]["title"] for a in c.alerts()] == [
        "Alert #1: a member may need help",
        "Alert #2: a member may need help",
    ]
    assert_nothing_public(c)


async def test_edits_dms_and_threads_are_scanned(community: Community) -> None:
    c, member, peer = community, community.server.member, community.peer
    # an edit turns an ordinary message into a crisis one
    message = await c.fake.send_message(member, c.group_channel, "rough day at the clinic")
    await c.fake.edit_message(member, message, "rough day. I don't want to live anymore")
    [first] = await c.wait_for_alerts(1)
    assert "the member edited their message" in field(first, "What they wrote")
    # editing it again (still matching) updates the case, it does not open another
    await c.fake.edit_message(member, message, "rough day. I really don't want to live anymore")
    await wait_until(lambda: "I really don't" in live(c, first).text)

    # a direct message to the bot
    await c.fake.send_dm(peer, "i want to end my life")
    await c.wait_for_alerts(2)
    dm_alert = c.alerts()[1]
    assert field(dm_alert, "Where") == "a direct message to the bot"
    await wait_until(lambda: len(c.dms(peer)) == 1)

    # a thread in a group channel
    other = c.fake.create_user("lee")
    c.fake.add_member(c.server.guild, other)
    await c.fake.wait_until(lambda: c.bot.get_guild(c.server.guild.id).get_member(other.id))  # type: ignore[union-attr]
    thread = c.fake.create_thread(c.group_channel, "scan results", other)
    await c.fake.send_message(other, thread, "I'm cutting myself again")
    await c.wait_for_alerts(3)
    thread_alert = c.alerts()[2]
    assert f"<#{thread.id}>" in field(thread_alert, "Where")
    assert field(thread_alert, "Category and severity") == "self-harm · high"
    await c.settle()
    assert len(c.dms(other)) == 1
    assert c.bot_messages(thread) == []
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_moderators_talking_in_the_alert_channel_open_no_case(community: Community) -> None:
    c = community
    await c.fake.send_message(
        c.server.moderator, c.alerts_channel, "she said she wants to kill herself, I'm on it"
    )
    await c.fake.send_message(c.server.moderator, c.alerts_channel, "I want to kill myself (quote)")
    await c.settle()
    assert c.alerts() == []


async def test_the_alert_names_the_group(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    """Group names come from the groups feature (bot.groups); without it, the channel shows."""
    async with start_community(
        fake_discord, server, tmp_path, clock, features=(*FEATURES, "groups")
    ) as c:
        member = c.server.member
        res = await c.fake.slash(
            c.server.admin,
            "group create",
            guild=c.server.guild,
            channel=c.server.general,
            options={"name": "Caregivers", "leader": member.id},
        )
        assert res.ephemeral, res
        channel = c.fake.find_channel(c.server.guild, "caregivers")
        assert channel is not None
        await c.fake.send_message(member, channel, "honestly I want to die")
        [alert] = await c.wait_for_alerts(1)
        assert f"group Caregivers (<#{channel.id}>)" in field(alert, "Where")
        await c.settle()
        # (the groups feature posts its own public messages; none of them is about the case)
        assert not any(
            "want to die" in m.text or "Alert #" in m.text for m in c.public_messages_by_bot()
        )
