"""Forwarded messages: the words are in Discord's message snapshot, not in the message's own
content. They are scanned like the member's own words; the case is about the member who
forwarded them, and the alert says the words were forwarded."""

from __future__ import annotations

from tests.escalation.conftest import Community
from tests.escalation.forwards import elsewhere, forward_message
from tests.escalation.helpers import assert_nobody_pinged_by_accident, assert_nothing_public, field
from tests.harness import wait_until


async def test_a_forwarded_crisis_message_raises_an_alert_about_the_forwarder(
    community: Community,
) -> None:
    c, member = community, community.server.member
    stranger = c.fake.create_user("someone-else")
    original = elsewhere(stranger, "I'm going to end my life tonight")
    await forward_message(c.fake, member, c.group_channel, original)

    [alert] = await c.wait_for_alerts(1)
    assert field(alert, "Member").startswith(f"<@{member.id}>")
    words = field(alert, "What they wrote")
    assert "end my life tonight" in words
    assert "a message the member forwarded" in words
    await wait_until(lambda: len(c.dms(member)) == 1)  # the forwarder gets the resources
    await c.settle()
    assert c.dms(stranger) == []
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_forwards_of_ordinary_talk_and_by_dm(community: Community) -> None:
    c, member, peer = community, community.server.member, community.peer
    await forward_message(
        c.fake, member, c.group_channel, elsewhere(peer, "this chemo is killing me")
    )
    await c.settle()
    assert c.alerts() == []

    # forwarded to the bot by DM: the same, from "a direct message to the bot"
    await forward_message(c.fake, peer, None, elsewhere(member, "I want to die"))
    [alert] = await c.wait_for_alerts(1)
    assert field(alert, "Where") == "a direct message to the bot"
    assert field(alert, "Member").startswith(f"<@{peer.id}>")
    assert "a message the member forwarded" in field(alert, "What they wrote")
