"""What the member sees: crisis resources (or a private thread when DMs are closed), a button to
ask for a moderator, and /support to ask for a human at any time."""

from __future__ import annotations

from tests.escalation.conftest import Community
from tests.escalation.helpers import (
    assert_nobody_pinged_by_accident,
    assert_nothing_public,
    field,
    live,
)
from tests.fakediscord import perms as P
from tests.harness import wait_until


async def test_closed_dms_fall_back_to_a_private_thread(community: Community) -> None:
    c, member, mod = community, community.server.member, community.server.moderator
    c.fake.close_dms(member)
    await c.fake.send_message(member, c.group_channel, "I don't want to be alive anymore")
    [alert] = await c.wait_for_alerts(1)

    await wait_until(lambda: len(c.fake.threads_in(c.group_channel)) == 1)
    [thread] = c.fake.threads_in(c.group_channel)
    await wait_until(lambda: len(c.bot_messages(thread)) == 1)
    await c.settle()
    assert thread.type == 12 and thread.invitable is False  # private; members can't invite
    assert set(thread.member_ids) == {c.fake.bot_user.id, member.id, mod.id}
    # the other members of the group can't see it (no Manage Threads, not in it)
    perms = c.fake.member_permissions(c.server.guild, c.peer, c.group_channel)
    assert not perms & P.MANAGE_THREADS and c.peer.id not in thread.member_ids

    [resources] = c.bot_messages(thread)
    assert "Samaritans" in resources.text and resources.custom_ids() == ["escalation:contact:1"]
    assert resources.allowed_mentions == {"parse": []} and resources.mentions == []
    assert c.dms(member) == []
    # no "started a thread" notice or anything else in the group channel
    assert c.fake.messages_in(c.group_channel, include_system=True)[-1].author.id == member.id

    await wait_until(lambda: "private thread" in field(live(c, alert), "Crisis resources"))
    assert any("DMs are closed" in line for line in c.mod_log_lines())

    # a moderator in the thread can't press the member's button for them
    res = await c.fake.click(mod, resources, "escalation:contact:1")
    assert res.ephemeral and "This button is for the person" in res.text
    res = await c.fake.click(member, resources, "escalation:contact:1")
    assert res.ephemeral and "I've let the moderators know" in res.text
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_when_no_private_way_exists_the_moderators_are_told(community: Community) -> None:
    c, member = community, community.server.member
    c.fake.close_dms(member)
    await c.fake.send_dm(member, "I want to kill myself")  # from a DM there is no channel
    [alert] = await c.wait_for_alerts(1)
    await wait_until(
        lambda: any("could not send the crisis resources" in p.content for p in c.pages())
    )
    await wait_until(lambda: "Could not be delivered privately" in live(c, alert).text)
    assert c.fake.threads_in(c.group_channel) == []


async def test_the_member_asks_to_be_contacted(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_message(member, c.group_channel, "there's no reason to live anymore")
    [alert] = await c.wait_for_alerts(1)
    await wait_until(lambda: len(c.dms(member)) == 1)
    [dm] = c.dms(member)

    res = await c.fake.click(member, dm, "escalation:contact:1")
    assert res.ephemeral and "I've let the moderators know" in res.text
    await wait_until(
        lambda: any("asked a moderator to contact them" in p.content for p in c.pages())
    )
    await wait_until(lambda: "asked a moderator to contact them" in live(c, alert).text)
    res = await c.fake.click(member, dm, "escalation:contact:1")
    assert res.ephemeral and "You've already asked" in res.text
    await c.settle()
    assert len([p for p in c.pages() if "contact them" in p.content]) == 1

    # after the case is closed, the button opens a new request for a human
    modal = await c.fake.click(c.server.moderator, alert, "escalation:resolve:1")
    await c.fake.submit_modal(c.server.moderator, modal, {"note": "Spoke on the phone."})
    res = await c.fake.click(member, dm, "escalation:contact:1")
    assert res.ephemeral and "I've let the moderators know" in res.text
    alerts = await c.wait_for_alerts(2)
    assert alerts[1].embeds[0]["title"] == "Alert #2: a member asked for a human"
    assert field(alerts[1], "Where") == "the button under their crisis resources"
    await c.settle()
    assert len(c.dms(member)) == 1  # they already have the resources
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_support_opens_a_case_with_the_members_words(community: Community) -> None:
    c, member = community, community.server.member
    res = await c.fake.slash(member, "support", guild=c.server.guild, channel=c.group_channel)
    assert res.modal is not None and res.modal.input_ids() == ["words"]
    done = await c.fake.submit_modal(member, res, {"words": "I'm struggling after my scan news"})
    assert done.ephemeral and "I've told the moderators privately" in done.text

    [alert] = await c.wait_for_alerts(1)
    assert alert.embeds[0]["title"] == "Alert #1: a member asked for a human"
    assert "I'm struggling after my scan news" in field(alert, "What they wrote")
    assert field(alert, "Category and severity") == "asked for help · high"
    assert "/support, used in" in field(alert, "Where")
    assert "asked a moderator to contact them" in alert.text
    await wait_until(lambda: len(c.dms(member)) == 1)
    [dm] = c.dms(member)
    assert "you asked for someone to talk to" in dm.content
    assert dm.custom_ids() == []  # they already asked for a moderator

    # empty words are fine, and a second /support joins the open case
    res = await c.fake.slash(member, "support", guild=c.server.guild, channel=c.server.general)
    done = await c.fake.submit_modal(member, res, {})
    assert done.ephemeral and "The moderators already know" in done.text
    await wait_until(lambda: any("used /support" in p.content for p in c.pages()))
    await c.settle()
    assert len(c.alerts()) == 1 and len(c.dms(member)) == 1
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_the_support_form_is_optional_and_bounded(community: Community) -> None:
    c, member = community, community.server.member
    res = await c.fake.slash(member, "support", guild=c.server.guild, channel=c.group_channel)
    assert res.modal is not None
    words = res.modal.inputs()[0]
    assert words["max_length"] == 1000 and words.get("required") is False
    await c.settle()
    assert c.alerts() == []  # opening the form alone tells nobody


async def test_support_words_that_signal_crisis_raise_what_the_moderators_see(
    community: Community,
) -> None:
    c, member, peer = community, community.server.member, community.peer
    res = await c.fake.slash(member, "support", guild=c.server.guild, channel=c.group_channel)
    done = await c.fake.submit_modal(member, res, {"words": "I'm going to end my life tonight"})
    # the member's side is the same as for any /support
    assert done.ephemeral and "I've told the moderators privately" in done.text

    [alert] = await c.wait_for_alerts(1)
    assert alert.embeds[0]["title"] == "Alert #1: a member asked for a human"
    assert field(alert, "Category and severity") == "asked for help · critical"
    # why: the C-SSRS level in words and the cue, the words that raised it (normalised)
    assert field(alert, "Why") == "Intent with a plan · “am going to end my life”"
    words = field(alert, "What they wrote")
    assert "end my life tonight" in words and "Their words signal intent or plan, critical" in words
    await wait_until(lambda: len(c.dms(member)) == 1)
    assert "you asked for someone to talk to" in c.dms(member)[0].content

    # /support words joining a case a message opened raise it like a follow-up message
    await c.fake.send_message(peer, c.group_channel, "I want to die")
    second = (await c.wait_for_alerts(2))[1]
    # the wish to be dead, without a method or intent: medium (it still alerts)
    assert field(second, "Category and severity") == "suicidal ideation · medium"
    assert field(second, "Why") == "Wish to be dead · “i want to die”"
    res = await c.fake.slash(peer, "support", guild=c.server.guild, channel=c.group_channel)
    await c.fake.submit_modal(peer, res, {"words": "I'm going to end my life tonight"})
    await wait_until(lambda: "intent or plan · critical" in live(c, second).text)
    await c.settle()
    assert field(live(c, second), "Why") == "Intent with a plan · “am going to end my life”"
    assert len(c.alerts()) == 2
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)
