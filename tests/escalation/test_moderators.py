"""What moderators do with an alert (Claim, Resolved, False alarm with a note), the pages when
nobody claims it, and the server's own phrases."""

from __future__ import annotations

import asyncio

import pytest

from tests.escalation.conftest import Community
from tests.escalation.helpers import (
    assert_nobody_pinged_by_accident,
    assert_nothing_public,
    field,
    live,
)
from tests.fakediscord.errors import InteractionRefused
from tests.harness import VIEW_CHANNEL, wait_until


async def open_case(c: Community, text: str = "I want to die", who=None):
    await c.fake.send_message(who or c.server.member, c.group_channel, text)
    alerts = await c.wait_for_alerts(len(c.alerts()) + 1)
    await c.settle()
    return alerts[-1]


async def test_claim_then_resolve_with_a_note(community: Community) -> None:
    c, mod = community, community.server.moderator
    alert = await open_case(c)

    claimed = await c.fake.click(mod, alert, "escalation:claim:1")
    assert claimed.message.id == alert.id  # the alert itself was updated
    now = live(c, alert)
    assert f"**Claimed** by <@{mod.id}>" in now.text
    assert now.custom_ids() == ["escalation:resolve:1", "escalation:false:1"]

    again = await c.fake.click(c.server.admin, now, "escalation:resolve:1")
    assert again.modal is not None and again.modal.input_ids() == ["note"]
    # an empty note is refused kindly by Discord's own form (required); a blank one by the bot
    blank = await c.fake.submit_modal(c.server.admin, again, {"note": "   "})
    assert blank.ephemeral and "write a short note" in blank.text
    assert live(c, alert).custom_ids() == ["escalation:resolve:1", "escalation:false:1"]

    modal = await c.fake.click(mod, live(c, alert), "escalation:resolve:1")
    done = await c.fake.submit_modal(mod, modal, {"note": "Talked with her by phone; safe plan."})
    assert done.error_status is None
    final = live(c, alert)
    assert f"**Resolved** by <@{mod.id}>" in final.text
    assert "Talked with her by phone" in final.text
    assert final.custom_ids() == []  # closed: no more buttons

    await c.settle()
    lines = [line for line in c.mod_log_lines() if line.startswith("Alert #1")]
    assert lines[0].startswith("Alert #1 opened for")
    assert lines[1].startswith(f"Alert #1 claimed by <@{mod.id}>.")
    assert lines[2].startswith(f"Alert #1 resolved by <@{mod.id}>.")
    assert all("want to die" not in line and "phone" not in line for line in lines)
    case = await c.cog.service.repository.get(1)
    assert case is not None and case.status == "resolved" and case.note is not None

    # a new message after the case closed is a new case
    await open_case(c, "I want to kill myself")
    assert len(c.alerts()) == 2 and len(c.dms(c.server.member)) == 2
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_false_alarm_with_a_note(community: Community) -> None:
    c, mod = community, community.server.moderator
    alert = await open_case(c, "I'm going to kill myself if the wifi drops again")
    modal = await c.fake.click(mod, alert, "escalation:false:1")
    await c.fake.submit_modal(mod, modal, {"note": "A joke about the hospital wifi; checked in."})
    final = live(c, alert)
    assert f"**Closed as a false alarm** by <@{mod.id}>" in final.text
    assert final.custom_ids() == []
    await c.settle()
    assert any(
        line.startswith(f"Alert #1 closed as a false alarm by <@{mod.id}>")
        for line in c.mod_log_lines()
    )


async def test_a_second_claim_is_refused_kindly(community: Community) -> None:
    c = community
    alert = await open_case(c)
    # two moderators press Claim at the same moment: one wins, the other is told who did
    first, second = await asyncio.gather(
        c.fake.click(c.server.moderator, alert, "escalation:claim:1"),
        c.fake.click(c.server.admin, alert, "escalation:claim:1"),
    )
    refused = [r for r in (first, second) if r.ephemeral]
    assert len(refused) == 1
    winner = c.server.moderator if refused[0] is second else c.server.admin
    assert refused[0].text == f"<@{winner.id}> has already claimed this case."
    assert f"**Claimed** by <@{winner.id}>" in live(c, alert).text


async def test_members_cannot_press_the_alert_buttons(community: Community) -> None:
    c, peer = community, community.peer
    alert = await open_case(c)
    # someone opened the escalation channel to a member by mistake; the bot's own check holds
    c.fake.set_overwrites(
        c.alerts_channel,
        [
            {"id": c.server.guild.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": c.server.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": c.server.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": peer.id, "type": 1, "allow": VIEW_CHANNEL},
        ],
    )
    for custom_id in ("escalation:claim:1", "escalation:resolve:1", "escalation:false:1"):
        res = await c.fake.click(peer, alert, custom_id)
        assert res.ephemeral, custom_id
        assert res.modal is None
        assert "Only moderators can do this" in res.text
    case = await c.cog.service.repository.get(1)
    assert case is not None and case.status == "open"
    # and a member who cannot see the channel cannot click at all
    with pytest.raises(InteractionRefused):
        await c.fake.click(c.server.member, alert, "escalation:claim:1")


async def test_unclaimed_cases_page_the_moderator_role_then_the_admins(
    community: Community,
) -> None:
    c = community
    role, admin = c.server.moderator_role, c.server.admin
    alert = await open_case(c)
    claimed_alert = await open_case(c, "I wish I were dead", who=c.peer)
    await c.fake.click(c.server.moderator, claimed_alert, "escalation:claim:2")

    c.clock.advance(minutes=4)
    await c.run_job("escalation:tick")
    assert c.pages() == []

    c.clock.advance(minutes=1)
    await c.run_job("escalation:tick")
    [page] = c.pages()
    assert page.content.startswith(f"<@&{role.id}> Alert #1 has waited 5 minutes")
    assert f"/{alert.id}" in page.content  # links to the alert
    assert page.allowed_mentions == {"parse": [], "roles": [role.id]}
    assert role.id in page.mention_roles and page.mentions == []

    await c.run_job("escalation:tick")  # nothing new until the admins are due
    assert len(c.pages()) == 1
    c.clock.advance(minutes=5)
    await c.run_job("escalation:tick")
    pages = c.pages()
    assert len(pages) == 2
    assert pages[1].content.startswith(f"<@{admin.id}> Alert #1 is still unclaimed after 10")
    assert pages[1].allowed_mentions == {"parse": [], "users": [admin.id]}
    assert [u.id for u in pages[1].mentions] == [admin.id]

    c.clock.advance(minutes=30)
    await c.run_job("escalation:tick")
    pages = c.pages()  # still unclaimed half an hour later: the admins again (issue 17)
    assert len(pages) == 3
    assert pages[2].content.startswith(f"<@{admin.id}> Alert #1 is still unclaimed after 40")

    log = [line for line in c.mod_log_lines() if line.startswith("Alert #1")]
    assert any("the moderator role was paged" in line for line in log)
    assert any("the server admins were paged" in line for line in log)
    assert not any(line.startswith("Alert #2:") for line in c.mod_log_lines())  # claimed: quiet
    assert_nobody_pinged_by_accident(c, allowed_roles={role.id}, allowed_users={admin.id})
    assert_nothing_public(c)


async def test_claiming_stops_the_pages_and_paging_can_be_changed(community: Community) -> None:
    c, admin = community, community.server.admin
    g, ch = c.server.guild, c.server.general
    res = await c.fake.slash(
        admin,
        "escalation paging",
        guild=g,
        channel=ch,
        options={"moderators-after": 2, "admins-after": 1},
    )
    assert res.ephemeral and "more than 2" in res.text
    res = await c.fake.slash(
        c.server.moderator,
        "escalation paging",
        guild=g,
        channel=ch,
        options={"moderators-after": 2, "admins-after": 4},
    )
    assert res.ephemeral and "Only server admins" in res.text
    res = await c.fake.slash(
        admin,
        "escalation paging",
        guild=g,
        channel=ch,
        options={"moderators-after": 2, "admins-after": 4},
    )
    assert "after 2 minutes and the admins after 4 minutes" in res.text

    alert = await open_case(c)
    c.clock.advance(minutes=2)
    await c.run_job("escalation:tick")
    assert len(c.pages()) == 1
    await c.fake.click(c.server.moderator, alert, "escalation:claim:1")
    c.clock.advance(minutes=10)
    await c.run_job("escalation:tick")
    assert len(c.pages()) == 1


async def test_server_phrases_add_list_remove(community: Community) -> None:
    c, mod, member = community, community.server.moderator, community.server.member
    g, ch = c.server.guild, c.server.general

    async def slash(who, command, **options):
        return await c.fake.slash(who, command, guild=g, channel=ch, options=options)

    res = await slash(
        mod,
        "escalation phrases add",
        phrase="off to the quarry",
        category="intent_or_plan",
        severity="critical",
    )
    assert res.ephemeral and "Added “off to the quarry” (intent or plan, critical)" in res.text
    res = await slash(mod, "escalation phrases list")
    assert res.ephemeral and "off to the quarry" in res.text and "built-in phrases" in res.text

    for phrase, expected in (
        ("ok", "too short"),
        ("kill myself", "already in the bot's built-in list"),
        ("Off to the QUARRY", "already on this server's list"),
        ("x" * 120, "1 to 100 characters"),
    ):
        res = await slash(
            mod, "escalation phrases add", phrase=phrase, category="hopelessness", severity="low"
        )
        assert res.ephemeral and expected in res.text, (phrase, res.text)

    await c.fake.send_message(member, c.group_channel, "I'm off to the quarry tonight, bye all")
    [alert] = await c.wait_for_alerts(1)
    assert "intent or plan · critical" in alert.text
    assert field(alert, "Why") == "Intent · “off to the quarry”"  # the phrase's category's level

    choices = await c.fake.autocomplete(
        mod, "escalation phrases remove", focused="phrase", value="quar", guild=g, channel=ch
    )
    assert [x["value"] for x in choices] == ["off to the quarry"]
    res = await slash(mod, "escalation phrases remove", phrase="kill myself")
    assert res.ephemeral and "built-in list, which a server can't change" in res.text
    res = await slash(mod, "escalation phrases remove", phrase="off to the quarry")
    assert res.ephemeral and "Removed" in res.text
    res = await slash(mod, "escalation phrases remove", phrase="off to the quarry")
    assert res.ephemeral and "not on this server's list" in res.text

    await c.fake.send_message(c.peer, c.group_channel, "off to the quarry for a walk")
    await c.settle()
    assert len(c.alerts()) == 1


async def test_members_are_refused_the_moderator_commands_kindly(community: Community) -> None:
    c, member = community, community.server.member
    g, ch = c.server.guild, c.server.general
    for command, options in (
        (
            "escalation phrases add",
            {"phrase": "harmless words", "category": "hopelessness", "severity": "low"},
        ),
        ("escalation phrases remove", {"phrase": "harmless words"}),
        ("escalation phrases list", {}),
    ):
        res = await c.fake.slash(member, command, guild=g, channel=ch, options=options)
        assert res.ephemeral, command
        assert "Only moderators can do this. Please ask one of them for help." == res.text
    choices = await c.fake.autocomplete(
        member, "escalation phrases remove", focused="phrase", value="", guild=g, channel=ch
    )
    assert choices == []
    assert await c.cog.service.phrases(g.id) == []


async def test_the_buttons_work_after_a_restart(community: Community) -> None:
    c, member = community, community.server.member
    alert = await open_case(c)
    await wait_until(lambda: len(c.dms(member)) == 1)
    [dm] = c.dms(member)
    await c.runner.stop()
    await c.runner.start(sync=False)

    res = await c.fake.click(member, dm, "escalation:contact:1")
    assert res.ephemeral and "I've let the moderators know" in res.text
    await c.fake.click(c.server.moderator, alert, "escalation:claim:1")
    assert f"**Claimed** by <@{c.server.moderator.id}>" in live(c, alert).text
    assert "asked a moderator to contact them" in live(c, alert).text
