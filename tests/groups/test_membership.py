"""Joining and leaving: seats, the waitlist and its offers, restricted groups, the panel."""

from __future__ import annotations

import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.fakediscord.models import User
from tests.groups.conftest import channel_of, cog, create_group, group_named, has_role
from tests.harness import BotRunner, Server


def people(fake: FakeDiscord, server: Server, *names: str) -> list[User]:
    users = [fake.create_user(n) for n in names]
    for user in users:
        fake.add_member(server.guild, user)
    return users


async def join(fake: FakeDiscord, s: Server, user: User, group_id: int):
    return await fake.slash(
        user, "group join", guild=s.guild, channel=s.general, options={"group": str(group_id)}
    )


async def leave(fake: FakeDiscord, s: Server, user: User, group_id: int):
    return await fake.slash(
        user, "group leave", guild=s.guild, channel=s.general, options={"group": str(group_id)}
    )


async def drain(runner: BotRunner) -> None:
    """The outbox alone (tests/confidentiality use it); the groups tests wait for
    `runner.idle()`."""
    assert runner.bot is not None
    await runner.bot.dispatcher.drain()


def last_dm(fake: FakeDiscord, user: User):
    messages = fake.dm_messages(user)
    assert messages, f"{user.username} got no direct message"
    return messages[-1]


async def test_join_leave_and_mine(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")

    choices = await fake.autocomplete(
        s.member, "group join", focused="group", value="surv", guild=s.guild, channel=s.general
    )
    assert choices == [{"name": "Survivors", "value": str(group.id)}]

    res = await join(fake, s, s.member, group.id)
    assert res.ephemeral and "Welcome to Survivors" in res.text
    assert has_role(fake, s, s.member, group.role_id)
    res = await join(fake, s, s.member, group.id)
    assert "already in Survivors" in res.text

    res = await fake.slash(s.member, "group mine", guild=s.guild, channel=s.general)
    assert "Survivors" in res.text and f"<#{group.channel_id}>" in res.text

    res = await leave(fake, s, s.member, group.id)
    assert "You've left Survivors" in res.text
    assert not has_role(fake, s, s.member, group.role_id)
    assert not await runner.bot.groups.is_member(s.guild.id, group.id, s.member.id)  # type: ignore[union-attr]
    res = await leave(fake, s, s.member, group.id)
    assert "not in Survivors" in res.text


async def test_a_full_group_with_a_waitlist_of_three(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    anna, bea, cleo, dora, emma = people(fake, s, "anna", "bea", "cleo", "dora", "emma")
    await create_group(fake, s, "Caregivers", s.moderator, capacity=1)
    group = await group_named(runner, s, "Caregivers")

    assert "Welcome" in (await join(fake, s, anna, group.id)).text
    for n, user in enumerate((bea, cleo, dora), start=1):
        res = await join(fake, s, user, group.id)
        assert res.ephemeral and f"you are number {n}" in res.text, res
        assert not has_role(fake, s, user, group.role_id)
    res = await join(fake, s, cleo, group.id)
    assert "already on the waitlist" in res.text and "number 2" in res.text

    # Anna leaves: the seat is offered to Bea, privately, with buttons.
    await leave(fake, s, anna, group.id)
    await runner.idle()
    offer = last_dm(fake, bea)
    assert "A seat is free in Caregivers" in offer.text
    accept = next(c for c in offer.custom_ids() if c.startswith("groups:offer:accept:"))
    assert fake.dm_messages(cleo) == []
    # Someone new does not jump the queue while the seat is held for Bea.
    res = await join(fake, s, emma, group.id)
    assert "number 3" in res.text

    res = await fake.click(bea, offer, accept)
    assert "Welcome to Caregivers" in res.text
    assert has_role(fake, s, bea, group.role_id)
    await runner.idle()
    assert not fake.message(offer.id).components  # buttons gone

    # Bea leaves again: Cleo is offered the seat and lets the offer run out.
    await leave(fake, s, bea, group.id)
    await runner.idle()
    cleo_offer = last_dm(fake, cleo)
    assert "A seat is free" in cleo_offer.text
    entry_id = int(next(c for c in cleo_offer.custom_ids() if "accept" in c).rsplit(":", 1)[1])
    bot = runner.bot
    assert bot is not None
    job = bot.scheduler.get_job(f"groups:offer:{entry_id}")
    assert job is not None
    assert int(job.next_run_time.timestamp()) == int(clock().timestamp()) + 48 * 3600
    clock.advance(hours=48, seconds=1)
    await job.func(*job.args)  # what the scheduler runs at that time
    await runner.idle()
    assert "has gone to the next person" in last_dm(fake, cleo).text
    dora_offer = last_dm(fake, dora)
    assert "A seat is free" in dora_offer.text
    # Cleo's old button no longer works, kindly.
    res = await fake.click(
        cleo, cleo_offer, next(c for c in cleo_offer.custom_ids() if "accept" in c)
    )
    assert res.ephemeral and "no longer open" in res.text
    assert not has_role(fake, s, cleo, group.role_id)

    # Dora says no thanks: Emma (last in line) is offered the seat.
    res = await fake.click(
        dora, dora_offer, next(c for c in dora_offer.custom_ids() if "decline" in c)
    )
    await runner.idle()
    assert "A seat is free" in last_dm(fake, emma).text
    waitlist = await cog(runner).service.waitlist(group)
    assert [e.user_id for e in waitlist] == [emma.id]


async def test_a_member_who_leaves_the_server_frees_their_seat_and_their_offer(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea, cleo = people(fake, s, "anna", "bea", "cleo")
    await create_group(fake, s, "Caregivers", s.moderator, capacity=1)
    group = await group_named(runner, s, "Caregivers")
    await join(fake, s, anna, group.id)
    await join(fake, s, bea, group.id)
    await join(fake, s, cleo, group.id)

    await fake.member_leave(s.guild, anna)  # left, kicked or banned: the same event
    await runner.idle()
    assert fake.dm_messages(bea)
    assert "A seat is free" in last_dm(fake, bea).text
    directory = runner.bot.groups  # type: ignore[union-attr]
    assert not await directory.is_member(s.guild.id, group.id, anna.id)

    # Bea leaves the server while holding the offer: it moves on to Cleo.
    await fake.member_leave(s.guild, bea)
    await runner.idle()
    assert fake.dm_messages(cleo)
    assert "A seat is free" in last_dm(fake, cleo).text
    waitlist = await cog(runner).service.waitlist(group)
    assert [e.user_id for e in waitlist] == [cleo.id]


async def test_restricted_group_requests_are_declined_and_approved_by_leaders(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    leader, rosa = people(fake, s, "lena", "rosa")
    await create_group(fake, s, "Young adults", leader, access="restricted")
    group = await group_named(runner, s, "Young adults")
    leaders_channel = channel_of(fake, group.leaders_channel_id)

    res = await join(fake, s, s.member, group.id)
    assert "sent your request to its leaders" in res.text
    assert not has_role(fake, s, s.member, group.role_id)
    res = await join(fake, s, s.member, group.id)
    assert "is with its leaders" in res.text
    await runner.idle()
    requests = [m for m in fake.messages_in(leaders_channel.id) if m.author.id == fake.bot_user.id]
    assert len(requests) == 1
    request = requests[0]
    assert f"<@{s.member.id}>" in request.text and request.allowed_mentions == {"parse": []}
    decline = next(c for c in request.custom_ids() if ":decline:" in c)
    approve = next(c for c in request.custom_ids() if ":approve:" in c)

    # Only the group's leaders (and moderators) decide. (Rosa cannot even see the channel,
    # so she is made a leader of nothing and tries through a copy of the button.)
    res = await fake.click(s.moderator, request, decline)
    assert res.modal is not None
    res = await fake.submit_modal(
        s.moderator,
        res,
        {
            res.modal.input_ids()[0]: "This group is for people aged 18 to 39; the Survivors "
            "group may suit you."
        },
    )
    assert res.ephemeral and "Declined" in res.text
    await runner.idle()
    told = last_dm(fake, s.member)
    assert "weren't able to accept your request" in told.text and "18 to 39" in told.text
    assert not fake.message(request.id).components
    assert not has_role(fake, s, s.member, group.role_id)

    # Rosa asks; the leader approves; she is let in and told privately.
    await join(fake, s, rosa, group.id)
    await runner.idle()
    second = [m for m in fake.messages_in(leaders_channel.id) if m.author.id == fake.bot_user.id][
        -1
    ]
    res = await fake.click(leader, second, next(c for c in second.custom_ids() if ":approve:" in c))
    assert "Approved" in res.text
    assert has_role(fake, s, rosa, group.role_id)
    await runner.idle()
    assert "Welcome to Young adults" in last_dm(fake, rosa).text
    # The first request's Approve button is dead now.
    assert approve not in fake.message(request.id).custom_ids()

    # Decided requests, and the reason given, are forgotten after the server's retention.
    service = cog(runner).service
    await service.purge()
    assert await service.repo.request_count(group.id) == 2
    clock.advance(days=91)
    await service.purge()
    assert await service.repo.request_count(group.id) == 0


async def test_the_groups_panel_stays_current_and_works_after_a_restart(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    survivors = await group_named(runner, s, "Survivors")
    res = await fake.slash(
        s.admin, "group panel", guild=s.guild, channel=s.general, options={"channel": s.general.id}
    )
    assert "The groups panel is in" in res.text
    panel = next(m for m in fake.messages_in(s.general.id) if m.author.id == fake.bot_user.id)
    assert panel.custom_ids() == [f"groups:join:{survivors.id}"]

    res = await fake.click(anna, panel, f"groups:join:{survivors.id}")
    assert res.ephemeral and "Welcome to Survivors" in res.text
    assert has_role(fake, s, anna, survivors.role_id)

    await create_group(fake, s, "Caregivers", s.moderator)
    caregivers = await group_named(runner, s, "Caregivers")
    await runner.idle()
    assert len(fake.message(panel.id).custom_ids()) == 2
    assert "Caregivers" in fake.message(panel.id).text

    await runner.stop()
    await runner.start(sync=False)
    res = await fake.click(bea, fake.message(panel.id), f"groups:join:{caregivers.id}")
    assert "Welcome to Caregivers" in res.text
    assert has_role(fake, s, bea, caregivers.role_id)


async def test_leaders_see_members_and_remove_one_with_a_reason(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader, other_leader, anna = people(fake, s, "lena", "olga", "anna")
    await create_group(fake, s, "Survivors", leader)
    await create_group(fake, s, "Caregivers", other_leader)
    group = await group_named(runner, s, "Survivors")
    await join(fake, s, anna, group.id)
    await join(fake, s, s.member, group.id)

    for outsider in (s.member, other_leader):
        res = await fake.slash(
            outsider,
            "group members",
            guild=s.guild,
            channel=s.general,
            options={"group": str(group.id)},
        )
        assert res.ephemeral and "Only this group's leaders" in res.text
    res = await fake.slash(
        leader, "group members", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    assert res.ephemeral and f"<@{anna.id}>" in res.text and f"<@{leader.id}>" in res.text

    res = await fake.slash(
        other_leader,
        "group remove",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": anna.id, "reason": "x"},
    )
    assert "Only this group's leaders" in res.text
    res = await fake.slash(
        leader,
        "group remove",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": anna.id, "reason": "Repeated medical advice"},
    )
    assert res.ephemeral and "is no longer in Survivors" in res.text
    assert not has_role(fake, s, anna, group.role_id)
    await runner.idle()
    told = last_dm(fake, anna)
    assert "no longer a member of the group Survivors" in told.text
    assert "Repeated medical advice" not in told.text
    log = [m for m in fake.messages_in(s.private.id) if "removed" in m.text]
    assert log and "Repeated medical advice" in log[-1].text
    assert log[-1].allowed_mentions == {"parse": []}


async def test_a_deleted_role_is_reported_and_recreated(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    await join(fake, s, s.member, group.id)
    assert group.role_id is not None
    fake.delete_role(fake.role(group.role_id))
    await runner.idle()
    assert any("lost its role" in m.text for m in fake.messages_in(s.private.id))
    notice = next(m for m in fake.messages_in(s.private.id) if "lost its role" in m.text)
    with pytest.raises(InteractionRefused):  # members cannot even see the mod log
        await fake.click(s.member, notice, f"groups:recreate:{group.id}")
    res = await fake.click(s.moderator, notice, f"groups:recreate:{group.id}")
    assert "has its role and channels again" in res.text
    group = await group_named(runner, s, "Survivors")
    assert group.role_id is not None and fake.role(group.role_id).name == "Survivors"
    assert has_role(fake, s, s.member, group.role_id)
    assert has_role(fake, s, s.moderator, group.role_id)  # the leader too
    channel = channel_of(fake, group.channel_id)
    assert any(o.id == group.role_id for o in channel.permission_overwrites)


async def test_the_directory_pages_and_opens_a_group(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    names = [f"Group {letter}" for letter in "ABCDEFG"]
    for name in names:
        await create_group(fake, s, name, s.moderator, topic=f"topic {name}")
    res = await fake.slash(s.member, "group list", guild=s.guild, channel=s.general)
    first = res.message
    assert "Group A" in first.text and "Group F" not in first.text and "Page 1 of 2" in first.text
    res = await fake.click(s.member, first, "groups:directory:next")
    page_two = res.message
    assert "Group F" in page_two.text and "Page 2 of 2" in page_two.text
    group_g = await group_named(runner, s, "Group G")
    res = await fake.select(s.member, page_two, "groups:directory:pick", [str(group_g.id)])
    details = res.message
    assert "topic Group G" in details.text
    res = await fake.click(s.member, details, f"groups:join:{group_g.id}")
    assert "Welcome to Group G" in res.text


async def test_a_role_changed_by_hand_follows_the_database(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    directory = runner.bot.groups  # type: ignore[union-attr]
    assert group.role_id is not None

    # A moderator gives Anna the role in Discord's own menu: she is recorded and welcomed.
    fake.set_member_roles(s.guild, anna, [group.role_id])
    await runner.idle()
    assert fake.dm_messages(anna)
    assert await directory.is_member(s.guild.id, group.id, anna.id)
    assert "Welcome to Survivors" in last_dm(fake, anna).text

    # The role taken away by hand: she is out of the group, her seat is free.
    await join(fake, s, bea, group.id)
    fake.set_member_roles(s.guild, anna, [])
    await runner.idle()
    assert not await directory.is_member(s.guild.id, group.id, anna.id)
    assert await directory.is_member(s.guild.id, group.id, bea.id)
    assert has_role(fake, s, bea, group.role_id)


async def test_an_open_offer_still_expires_after_a_restart(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    anna, bea, cleo = people(fake, s, "anna", "bea", "cleo")
    await create_group(fake, s, "Caregivers", s.moderator, capacity=1)
    group = await group_named(runner, s, "Caregivers")
    for user in (anna, bea, cleo):
        await join(fake, s, user, group.id)
    # Capacity raised by the leader: Bea is offered the new seat at once.
    await fake.slash(
        s.moderator,
        "group edit",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "capacity": 2},
    )
    await runner.idle()
    assert fake.dm_messages(bea)
    offer = last_dm(fake, bea)
    entry_id = int(next(c for c in offer.custom_ids() if "accept" in c).rsplit(":", 1)[1])

    await runner.stop()
    bot = await runner.start(sync=False)
    job = bot.scheduler.get_job(f"groups:offer:{entry_id}")
    assert job is not None  # rebuilt from the database
    assert int(job.next_run_time.timestamp()) == int(clock().timestamp()) + 48 * 3600
    clock.advance(hours=49)
    await job.func(*job.args)
    await runner.idle()
    assert fake.dm_messages(cleo)
    assert "A seat is free" in last_dm(fake, cleo).text
    await job.func(*job.args)  # a second run changes nothing
    await runner.idle()
    assert len(fake.dm_messages(cleo)) == 1


async def test_roles_match_the_database_again_after_a_restart(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    assert group.role_id is not None
    await join(fake, s, anna, group.id)

    # While the bot is away, Anna loses the role (as if the bot had died between recording
    # her and granting it) and Bea is given it by hand.
    await runner.stop()
    fake.set_member_roles(s.guild, anna, [])
    fake.set_member_roles(s.guild, bea, [group.role_id])
    bot = await runner.start(sync=False)

    await runner.idle()
    assert has_role(fake, s, anna, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, bea.id)
    assert fake.dm_messages(bea)
    assert "Welcome to Survivors" in last_dm(fake, bea).text
