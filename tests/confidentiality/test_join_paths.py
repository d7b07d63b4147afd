"""No path grants a group's role without an acceptance of the current agreement on record:
/group join, the directory, the panel, an approved request, an accepted waitlist offer, a
restart in the middle of a join, and a moderator adding the role by hand."""

from __future__ import annotations

from tests.confidentiality.conftest import (
    agree,
    conf,
    followup_text,
    not_now_id,
    the_bot,
)
from tests.fakediscord import FakeDiscord
from tests.groups.conftest import channel_of, create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, Server, wait_until


async def accepted_versions(runner: BotRunner, s: Server, user_id: int, group_id: int) -> list:
    rows = await conf(runner).service.acceptances(s.guild.id, user_id)
    return [(a.text_group_id, a.version) for a in rows if a.group_id == group_id]


async def test_group_join_asks_first_and_not_now_frees_the_seat(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator, capacity=1)
    group = await group_named(runner, s, "Survivors")

    res = await join(fake, s, anna, group.id)
    shown = res.message
    assert res.ephemeral and "Before you join Survivors" in shown.text
    assert "What is shared here stays here" in shown.text  # the default text, version 1
    assert "version 1" in shown.text
    assert not has_role(fake, s, anna, group.role_id)
    # Her seat is held while she reads: Bea waits.
    assert "number 1" in (await join(fake, s, bea, group.id)).text

    res = await fake.click(anna, shown, not_now_id(shown))
    await res.wait_for(lambda r: bool(r.followups))
    assert "next person" in followup_text(res)
    assert not fake.message(shown.id).components
    assert not has_role(fake, s, anna, group.role_id)
    assert await accepted_versions(runner, s, anna.id, group.id) == []
    # The seat goes to Bea, who accepts the offer and then the agreement.
    await runner.idle()
    offer = last_dm(fake, bea)
    res = await fake.click(bea, offer, next(c for c in offer.custom_ids() if "accept" in c))
    prompt = res.message
    assert "Before you join Survivors" in prompt.text and not has_role(fake, s, bea, group.role_id)
    res = await agree(fake, bea, prompt)
    assert "Welcome to Survivors" in followup_text(res)
    assert has_role(fake, s, bea, group.role_id)
    assert "You agreed on" in fake.message(prompt.id).text
    assert await accepted_versions(runner, s, bea.id, group.id) == [(None, 1)]


async def test_i_agree_is_recorded_and_not_asked_again(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")

    res = await join(fake, s, anna, group.id)
    res = await agree(fake, anna, res.message)
    assert has_role(fake, s, anna, group.role_id)
    rows = await conf(runner).service.acceptances(s.guild.id, anna.id)
    assert [(a.group_id, a.version, a.accepted_at) for a in rows] == [
        (group.id, 1, int(clock().timestamp()))
    ]
    # She leaves (that is how one withdraws) and comes back: the version she accepted is on
    # record, so she is let straight in.
    await fake.slash(
        anna, "group leave", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    assert not has_role(fake, s, anna, group.role_id)
    assert len(await conf(runner).service.acceptances(s.guild.id, anna.id)) == 1
    res = await join(fake, s, anna, group.id)
    assert "Welcome to Survivors" in res.text and has_role(fake, s, anna, group.role_id)


async def test_directory_and_panel_join_ask_first(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")

    # The directory's select, then its Join button.
    res = await fake.slash(anna, "group list", guild=s.guild, channel=s.general)
    res = await fake.select(anna, res.message, "groups:directory:pick", [str(group.id)])
    res = await fake.click(anna, res.message, f"groups:join:{group.id}")
    assert "Before you join Survivors" in res.text
    assert not has_role(fake, s, anna, group.role_id)
    await agree(fake, anna, res.message)
    assert has_role(fake, s, anna, group.role_id)

    # The panel's button.
    await fake.slash(
        s.admin, "group panel", guild=s.guild, channel=s.general, options={"channel": s.general.id}
    )
    panel = next(m for m in fake.messages_in(s.general.id) if m.author.id == fake.bot_user.id)
    res = await fake.click(bea, panel, f"groups:join:{group.id}")
    assert "Before you join Survivors" in res.text
    assert not has_role(fake, s, bea, group.role_id)
    await agree(fake, bea, res.message)
    assert has_role(fake, s, bea, group.role_id)


async def test_an_approved_request_asks_by_direct_message(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader, rosa = people(fake, s, "lena", "rosa")
    await create_group(fake, s, "Young adults", leader, access="restricted")
    group = await group_named(runner, s, "Young adults")
    await join(fake, s, rosa, group.id)
    await runner.idle()
    leaders_channel = channel_of(fake, group.leaders_channel_id)
    request = [m for m in fake.messages_in(leaders_channel.id) if m.author.id == fake.bot_user.id]
    res = await fake.click(
        leader, request[-1], next(c for c in request[-1].custom_ids() if ":approve:" in c)
    )
    assert "Approved" in res.text
    assert not has_role(fake, s, rosa, group.role_id)
    await runner.idle()
    prompt = last_dm(fake, rosa)
    assert "leaders of Young adults approved your request" in prompt.text
    assert prompt.allowed_mentions == {"parse": []}
    res = await agree(fake, rosa, prompt)
    assert "Welcome to Young adults" in followup_text(res)
    assert has_role(fake, s, rosa, group.role_id)


async def test_a_restart_in_the_middle_of_a_join(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    res = await join(fake, s, anna, group.id)
    prompt = res.message

    await runner.stop()
    await runner.start(sync=False)
    res = await agree(fake, anna, fake.message(prompt.id))
    assert "Welcome to Survivors" in followup_text(res)
    assert has_role(fake, s, anna, group.role_id)


async def test_a_role_given_by_hand_is_taken_back_until_the_member_agrees(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    bot = the_bot(runner)
    assert group.role_id is not None

    fake.set_member_roles(s.guild, anna, [group.role_id])
    await wait_until(lambda: not has_role(fake, s, anna, group.role_id))
    await wait_until(lambda: bool(fake.dm_messages(anna)))
    prompt = last_dm(fake, anna)
    assert "A moderator added you to Survivors" in prompt.text
    assert not await bot.groups.is_member(s.guild.id, group.id, anna.id)
    res = await agree(fake, anna, prompt)
    assert "Welcome to Survivors" in followup_text(res)
    assert has_role(fake, s, anna, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, anna.id)


async def test_a_role_given_by_hand_while_the_bot_was_away(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    (bea,) = people(fake, s, "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    assert group.role_id is not None

    await runner.stop()
    fake.set_member_roles(s.guild, bea, [group.role_id])
    await runner.start(sync=False)
    await wait_until(lambda: not has_role(fake, s, bea, group.role_id))
    await wait_until(lambda: bool(fake.dm_messages(bea)))
    prompt = last_dm(fake, bea)
    assert "A moderator added you to Survivors" in prompt.text
    await agree(fake, bea, prompt)
    assert has_role(fake, s, bea, group.role_id)
    await runner.idle()
    assert has_role(fake, s, bea, group.role_id)  # not taken back again


async def test_agreeing_after_the_held_seat_expired(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    res = await join(fake, s, anna, group.id)
    clock.advance(hours=49)  # the seat was held for 48 hours
    res = await agree(fake, anna, res.message)
    assert "no longer available" in followup_text(res)
    assert not has_role(fake, s, anna, group.role_id)
    # What she agreed to is kept: joining again lets her straight in.
    res = await join(fake, s, anna, group.id)
    assert "Welcome to Survivors" in res.text and has_role(fake, s, anna, group.role_id)


async def test_closed_direct_messages_can_still_accept_with_a_command(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    assert group.role_id is not None
    fake.close_dms(anna)
    fake.set_member_roles(s.guild, anna, [group.role_id])
    await wait_until(lambda: not has_role(fake, s, anna, group.role_id))
    await runner.idle()
    assert fake.dm_messages(anna) == []
    # She can't be told privately: the moderators are, so a person can let her know.
    note = [m for m in fake.messages_in(s.private) if m.author.id == fake.bot_user.id][-1]
    assert f"I couldn't reach <@{anna.id}> privately" in note.text
    assert "agreement of Survivors" in note.text and "/confidentiality accept" in note.text
    assert note.allowed_mentions == {"parse": []}
    res = await fake.slash(anna, "confidentiality accept", guild=s.guild, channel=s.general)
    assert "A moderator added you to Survivors" in res.text
    res = await agree(fake, anna, res.message)
    assert "Welcome to Survivors" in followup_text(res)
    assert has_role(fake, s, anna, group.role_id)


async def test_leaders_are_the_one_explicit_exception_and_are_listed_until_they_accept(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    """A group's leaders see its channel through their own permission overwrite, not only its
    role, so the agreement can't stand between them and the group they lead: they get the role
    when appointed (at /group create and /group leaders add) and are never held. They are asked
    like everyone else (privately, when appointed), and shown to leaders and moderators until
    they accept."""
    fake, s = fake_discord, community
    lena, lou = people(fake, s, "lena", "lou")
    await create_group(fake, s, "Survivors", lena)
    group = await group_named(runner, s, "Survivors")
    assert has_role(fake, s, lena, group.role_id)
    res = await fake.slash(
        s.moderator,
        "group leaders add",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": lou.id},
    )
    assert "now leads Survivors" in res.text and has_role(fake, s, lou, group.role_id)
    # Both were asked privately when appointed, with only "I agree" (no "Not now": they lead).
    await runner.idle()
    for leader in (lena, lou):
        await wait_until(lambda leader=leader: bool(fake.dm_messages(leader)))
        asked = last_dm(fake, leader)
        assert "You now lead Survivors" in asked.text
        assert [c.split(":")[1] for c in asked.custom_ids()] == ["agree"]
    await agree(fake, lou, last_dm(fake, lou))
    assert await accepted_versions(runner, s, lou.id, group.id) == [(None, 1)]
    assert has_role(fake, s, lou, group.role_id)

    res = await fake.slash(
        s.moderator,
        "confidentiality status",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id)},
    )
    assert f"<@{lena.id}> (leader): not accepted yet (/confidentiality accept)" in res.text
    assert f"<@{lou.id}>" not in res.text  # he agreed from the message

    res = await fake.slash(lena, "confidentiality accept", guild=s.guild, channel=s.general)
    assert "The agreement of Survivors is waiting for you" in res.text
    await agree(fake, lena, res.message)
    assert await accepted_versions(runner, s, lena.id, group.id) == [(None, 1)]
    res = await fake.slash(
        lena,
        "confidentiality status",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id)},
    )
    assert f"<@{lena.id}>" not in res.text and f"<@{lou.id}>" not in res.text


async def test_a_restart_before_an_approved_member_agrees(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    """The agreement sent by direct message (an approved request) still works after a restart,
    and the restart's reconciliation does not hand out the role meanwhile."""
    fake, s = fake_discord, community
    leader, rosa = people(fake, s, "lena", "rosa")
    await create_group(fake, s, "Young adults", leader, access="restricted")
    group = await group_named(runner, s, "Young adults")
    await join(fake, s, rosa, group.id)
    await runner.idle()
    leaders_channel = channel_of(fake, group.leaders_channel_id)
    request = [m for m in fake.messages_in(leaders_channel.id) if m.author.id == fake.bot_user.id]
    await fake.click(
        leader, request[-1], next(c for c in request[-1].custom_ids() if ":approve:" in c)
    )
    await runner.idle()
    prompt = last_dm(fake, rosa)

    await runner.stop()
    await runner.start(sync=False)
    await runner.idle()
    assert not has_role(fake, s, rosa, group.role_id)
    res = await agree(fake, rosa, fake.message(prompt.id))
    assert "Welcome to Young adults" in followup_text(res)
    assert has_role(fake, s, rosa, group.role_id)
    assert await accepted_versions(runner, s, rosa.id, group.id) == [(None, 1)]


async def test_not_now_on_an_old_prompt_after_joining_changes_nothing(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    first = (await join(fake, s, anna, group.id)).message
    second = (await join(fake, s, anna, group.id)).message  # asked again: the same seat
    await agree(fake, anna, second)
    assert has_role(fake, s, anna, group.role_id)

    res = await fake.click(anna, first, not_now_id(first))
    await res.wait_for(lambda r: "already a member" in fake.message(first.id).text)
    assert has_role(fake, s, anna, group.role_id)
    assert await the_bot(runner).groups.is_member(s.guild.id, group.id, anna.id)
