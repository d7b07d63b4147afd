"""Truth to the member: the bot says the moderators were told only once an alert was delivered.
Until then, the member reads that help is being sought, with the people to call meanwhile; the
words change when the alert arrives."""

from __future__ import annotations

from tests.escalation.conftest import Community
from tests.escalation.helpers import assert_nobody_pinged_by_accident, assert_nothing_public
from tests.harness import wait_until

TEXT = "I can't do this anymore, I'm going to end my life tonight"


def hold_alerts(c: Community):  # type: ignore[no-untyped-def]
    """Discord keeps rate-limiting the alert channel (the outbox keeps retrying)."""
    return c.fake.faults.add(
        "POST",
        rf"^/channels/{c.alerts_channel.id}/messages$",
        status=429,
        retry_after=0.1,
        count=None,
    )


async def release(c: Community, fault) -> None:  # type: ignore[no-untyped-def]
    c.fake.faults.remove(fault)
    c.clock.advance(seconds=400)  # past the longest backoff
    c.bot.dispatcher.wake()
    await c.settle()


async def test_the_resources_say_the_moderators_know_only_once_the_alert_arrived(
    community: Community,
) -> None:
    c, member = community, community.server.member
    fault = hold_alerts(c)
    await c.fake.send_message(member, c.group_channel, TEXT)
    await wait_until(lambda: len(c.dms(member)) == 1 and fault.hits >= 1, timeout=10)
    await c.settle()
    [dm] = c.dms(member)
    assert c.alerts() == []
    assert "only the server's moderators know" not in dm.content
    assert "I'm letting the server's moderators know" in dm.content
    assert "Samaritans" in dm.text  # the resources are there meanwhile

    await release(c, fault)
    assert len(c.alerts()) == 1
    [dm] = c.dms(member)  # the same message, edited: not a second one
    assert "only the server's moderators know" in dm.content
    assert dm.custom_ids() == ["escalation:contact:1"]  # the button stays
    case = await c.cog.service.case(1)
    assert case is not None and case.member_told_at is not None
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_support_says_help_is_being_sought_until_the_alert_arrives(
    community: Community,
) -> None:
    c, member = community, community.server.member
    fault = hold_alerts(c)
    res = await c.fake.slash(member, "support", guild=c.server.guild, channel=c.group_channel)
    done = await c.fake.submit_modal(member, res, {"words": "I'm struggling"})
    assert done.ephemeral
    assert "I've told the moderators" not in done.text
    assert "I'm getting your message to the moderators" in done.text
    assert "Samaritans" in done.text and "116 123" in done.text  # resources right there

    await release(c, fault)
    assert len(c.alerts()) == 1
    await wait_until(lambda: "I've told the moderators privately" in done.text)
    assert "Samaritans" not in done.text
    [dm] = c.dms(member)
    assert "have been told" in dm.content  # the resources DM says so too, once true


async def test_support_answers_told_when_the_alert_is_delivered_at_once(
    community: Community,
) -> None:
    c, member = community, community.server.member
    res = await c.fake.slash(member, "support", guild=c.server.guild, channel=c.group_channel)
    done = await c.fake.submit_modal(member, res, {"words": ""})
    assert done.ephemeral
    # within the answer's wait when the machine is quick; by the edit when it is loaded
    await wait_until(lambda: "I've told the moderators privately" in done.text)
    case = await c.cog.service.case(1)
    assert case is not None and case.alert_delivered
