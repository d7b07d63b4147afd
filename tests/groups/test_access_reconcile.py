"""Access follows the database whatever happens in Discord (issue 18): a leader's own
permissions do not survive their leaving the server, the groups' channels follow the moderator
role, what the bot cannot take away is told to the moderators at once and marked "to remove"
(nobody hears "removed" while the member can still read), and start-up takes away what nobody
is entitled to. Each removal is in the mod log."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Message, Role, User, iso
from tests.groups.conftest import (
    channel_of,
    cog,
    create_group,
    group_named,
    has_role,
    role_of,
)
from tests.groups.test_membership import join, last_dm, people
from tests.harness import VIEW_CHANNEL, BotRunner, Server

ROLE_ROUTE = r"^/guilds/\d+/members/\d+/roles/\d+$"


def can_read(fake: FakeDiscord, s: Server, user: User, channel: Channel) -> bool:
    return bool(fake.member_permissions(s.guild, user, channel) & VIEW_CHANNEL)


def overwrite_ids(channel: Channel) -> set[int]:
    return {o.id for o in channel.permission_overwrites}


def mod_log(fake: FakeDiscord, s: Server, title: str) -> list[Message]:
    """The mod-log entries (embeds in the mod-log channel) whose title ends with `title`."""
    return [
        m
        for m in fake.messages_in(s.private.id)
        if m.embeds and str(m.embeds[0].get("title", "")).endswith(title)
    ]


def describe(message: Message) -> str:
    embed = message.embeds[0]
    fields = " ".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
    return f"{embed.get('description', '')} {fields}"


def alerts(fake: FakeDiscord, s: Server) -> list[Message]:
    return [m for m in fake.messages_in(s.private.id) if "I couldn't take away" in m.text]


def move_role(fake: FakeDiscord, role: Role, position: int) -> None:
    """An admin drags a role in Server Settings > Roles."""
    role.position = position
    fake.dispatch(
        "GUILD_ROLE_UPDATE",
        {"guild_id": str(role.guild_id), "role": role.payload()},
        guild_id=role.guild_id,
    )


async def test_a_leader_who_leaves_and_comes_back_reads_nothing(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    (lena,) = people(fake, s, "lena")
    await create_group(fake, s, "Survivors", lena)
    group = await group_named(runner, s, "Survivors")
    room, leaders = channel_of(fake, group.channel_id), channel_of(fake, group.leaders_channel_id)
    assert can_read(fake, s, lena, room) and can_read(fake, s, lena, leaders)

    fake.remove_member(s.guild, lena)
    await runner.idle()
    assert lena.id not in overwrite_ids(room) | overwrite_ids(leaders)
    entries = mod_log(fake, s, "Channel permissions taken away")
    assert len(entries) == 1
    assert f"<@{lena.id}>" in describe(entries[0]) and "Left the server" in describe(entries[0])

    # She comes back, and another bot (a "role restore" bot) hands her old role back at once.
    assert group.role_id is not None
    fake.add_member(s.guild, lena, roles=[group.role_id])
    await runner.idle()
    assert not can_read(fake, s, lena, room) and not can_read(fake, s, lena, leaders)
    assert not has_role(fake, s, lena, group.role_id)
    assert not await cog(runner).service.is_member(group, lena.id)
    assert len(mod_log(fake, s, "Channel permissions taken away")) == 1  # nothing left to take
    taken = [describe(m) for m in mod_log(fake, s, "Group role taken away")]
    assert len(taken) == 1 and f"<@{lena.id}>" in taken[0] and "Not a member" in taken[0]


async def test_a_leader_who_left_while_the_bot_was_away(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock: FakeClock
) -> None:
    """The bot missed both the leaving and the coming back: start-up finds her permissions
    and the stray ones an admin gave by hand, takes them away and says so in the mod log."""
    fake, s = fake_discord, community
    lena, rick = people(fake, s, "lena", "rick")
    helpers = fake.create_role(s.guild, "Helpers")
    fake.set_member_roles(s.guild, rick, [helpers.id])
    await create_group(fake, s, "Survivors", lena)
    group = await group_named(runner, s, "Survivors")
    room, leaders = channel_of(fake, group.channel_id), channel_of(fake, group.leaders_channel_id)

    await runner.stop()
    fake.remove_member(s.guild, lena)
    fake.add_member(s.guild, lena).joined_at = iso(clock() + timedelta(hours=1))
    # By hand, in Discord: a role and a member given the room, a member only denied something.
    mia = s.member
    fake.set_overwrites(
        room,
        [
            *room.permission_overwrites,
            {"id": helpers.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": mia.id, "type": 1, "allow": VIEW_CHANNEL},
            {"id": rick.id, "type": 1, "deny": 1 << 11},
        ],
    )
    assert can_read(fake, s, lena, room) and can_read(fake, s, rick, room)
    await runner.start(sync=False)
    await runner.idle()

    for user in (lena, rick, mia):
        assert not can_read(fake, s, user, room), user.username
    assert not can_read(fake, s, lena, leaders)
    assert rick.id in overwrite_ids(room)  # a deny gives nobody access: left alone
    assert can_read(fake, s, s.moderator, room)  # entitled access stays
    assert group.role_id in overwrite_ids(room)
    people_entries = [describe(m) for m in mod_log(fake, s, "Channel permissions taken away")]
    assert any(f"<@{lena.id}>" in d and "Not a member of the group" in d for d in people_entries)
    assert any(f"<@{mia.id}>" in d for d in people_entries)
    roles = [describe(m) for m in mod_log(fake, s, "Role taken off group channels")]
    assert len(roles) == 1 and f"<@&{helpers.id}>" in roles[0]

    # Nothing is left: another start changes and logs nothing.
    count = len(fake.messages_in(s.private.id))
    await runner.stop()
    await runner.start(sync=False)
    await runner.idle()
    assert len(fake.messages_in(s.private.id)) == count


async def test_the_group_channels_follow_the_moderator_role(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    lena, carla = people(fake, s, "lena", "carla")
    care_team = fake.create_role(s.guild, "Care team")
    fake.set_member_roles(s.guild, carla, [care_team.id])
    await create_group(fake, s, "Survivors", lena)
    await create_group(fake, s, "Caregivers", lena)
    groups = [await group_named(runner, s, n) for n in ("Survivors", "Caregivers")]
    channels = [
        channel_of(fake, cid) for g in groups for cid in (g.channel_id, g.leaders_channel_id)
    ]
    assert all(can_read(fake, s, s.moderator, c) for c in channels)
    assert not any(can_read(fake, s, carla, c) for c in channels)

    res = await fake.slash(
        s.admin,
        "setup moderator-role",
        guild=s.guild,
        channel=s.general,
        options={"role": care_team.id},
    )
    assert "Moderators are now the people with" in res.text
    await runner.idle()
    for channel in channels:
        assert can_read(fake, s, carla, channel), channel.name
        assert not can_read(fake, s, s.moderator, channel), channel.name
        assert s.moderator_role.id not in overwrite_ids(channel)
    moved = mod_log(fake, s, "Group channels follow the moderator role")
    assert len(moved) == 1
    assert f"<@&{care_team.id}>" in describe(moved[0])
    assert f"<@&{s.moderator_role.id}>" in describe(moved[0]) and "2 groups" in describe(moved[0])

    # A change the bot missed (made while it was away) is caught up at start.
    await runner.stop()
    fake.set_overwrites(
        channels[0],
        [o for o in channels[0].permission_overwrites if o.id != care_team.id]
        + [{"id": s.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL}],
    )
    await runner.start(sync=False)
    await runner.idle()
    assert can_read(fake, s, carla, channels[0]) and not can_read(fake, s, s.moderator, channels[0])


async def test_a_role_the_bot_cannot_take_away_is_never_called_removed(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    lena, anna = people(fake, s, "lena", "anna")
    await create_group(fake, s, "Survivors", lena)
    group = await group_named(runner, s, "Survivors")
    await join(fake, s, anna, group.id)
    role = role_of(fake, group)
    room = channel_of(fake, group.channel_id)
    await runner.idle()
    dms_before = len(fake.dm_messages(anna))

    # An admin drags the group's role above the bot's: Discord refuses to take it away.
    below = role.position
    move_role(fake, role, fake.top_role_position(s.guild, fake.bot_user) + 1)
    await runner.idle()
    res = await fake.slash(
        lena,
        "group remove",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": anna.id, "reason": "Repeated medical advice"},
    )
    assert res.ephemeral and "they can still read it" in res.text
    assert "is no longer in" not in res.text
    await runner.idle()
    assert has_role(fake, s, anna, role.id) and can_read(fake, s, anna, room)
    told = alerts(fake, s)
    assert len(told) == 1 and f"<@{anna.id}>" in told[0].text and "Survivors" in told[0].text
    assert "Discord refused" in told[0].text and told[0].allowed_mentions == {"parse": []}
    assert len(fake.dm_messages(anna)) == dms_before  # not told "removed"
    marks = await cog(runner).service.removals(s.guild.id)
    assert [(m.group_id, m.target_id, m.kind) for m in marks] == [(group.id, anna.id, "role")]
    assert not await cog(runner).service.is_member(group, anna.id)

    # A restart does not read her role as given by hand; it tries again, quietly.
    await runner.stop()
    await runner.start(sync=False)
    await runner.idle()
    assert has_role(fake, s, anna, role.id)
    assert not await cog(runner).service.is_member(group, anna.id)
    assert len(alerts(fake, s)) == 1  # told once
    assert len(fake.dm_messages(anna)) == dms_before

    # The admin puts the role back below the bot's: tried again at once, and finished.
    move_role(fake, role, below)
    await runner.idle()
    assert not has_role(fake, s, anna, role.id) and not can_read(fake, s, anna, room)
    assert await cog(runner).service.removals(s.guild.id) == []
    assert "no longer a member of the group Survivors" in last_dm(fake, anna).text
    done = mod_log(fake, s, "Group role taken away")
    assert len(done) == 1 and f"<@{anna.id}>" in describe(done[0])
    assert "Removed from the group" in describe(done[0])


async def test_held_access_refused_by_discord_is_retried(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    """Holding access (after the agreement's grace period) when Discord answers 403: the
    moderators are told at once, the member stays marked, the 15-minute retry finishes it."""
    fake, s = fake_discord, community
    lena, anna = people(fake, s, "lena", "anna")
    await create_group(fake, s, "Survivors", lena)
    group = await group_named(runner, s, "Survivors")
    await join(fake, s, anna, group.id)
    bot = runner.bot
    assert bot is not None
    await runner.idle()

    fault = fake.faults.add("DELETE", ROLE_ROUTE, status=403, count=None)
    assert await bot.groups.hold_access(s.guild.id, group.id, anna.id)
    await runner.idle()
    assert has_role(fake, s, anna, group.role_id)
    assert len(alerts(fake, s)) == 1 and "Access held" in alerts(fake, s)[0].text
    assert [m.target_id for m in await cog(runner).service.removals(s.guild.id)] == [anna.id]
    job = bot.scheduler.get_job("groups:access-retry")
    assert job is not None
    await job.func(*job.args)  # still refused: still marked, not told again
    await runner.idle()
    assert has_role(fake, s, anna, group.role_id) and len(alerts(fake, s)) == 1

    fake.faults.remove(fault)
    await job.func(*job.args)
    await runner.idle()
    assert not has_role(fake, s, anna, group.role_id)
    assert await cog(runner).service.removals(s.guild.id) == []
    assert await bot.groups.is_member(s.guild.id, group.id, anna.id)  # held, not removed
    done = mod_log(fake, s, "Group role taken away")
    assert len(done) == 1 and "Access held" in describe(done[0])

    # Released: she gets the role back, and nothing is marked against her.
    assert await bot.groups.release_access(s.guild.id, group.id, anna.id)
    assert has_role(fake, s, anna, group.role_id)


async def test_leader_permissions_refused_by_discord_are_retried(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    lena, olga = people(fake, s, "lena", "olga")
    await create_group(fake, s, "Survivors", lena)
    group = await group_named(runner, s, "Survivors")
    await fake.slash(
        s.moderator,
        "group leaders add",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": olga.id},
    )
    leaders_room = channel_of(fake, group.leaders_channel_id)
    assert can_read(fake, s, olga, leaders_room)

    fault = fake.faults.add("DELETE", r"^/channels/\d+/permissions/\d+$", status=403, count=None)
    res = await fake.slash(
        s.moderator,
        "group leaders remove",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": olga.id},
    )
    assert "didn't let me remove their leader permissions yet" in res.text
    await runner.idle()
    assert can_read(fake, s, olga, leaders_room)
    assert len(alerts(fake, s)) == 1 and f"<@{olga.id}>" in alerts(fake, s)[0].text
    marks = await cog(runner).service.removals(s.guild.id)
    assert [(m.target_id, m.kind) for m in marks] == [(olga.id, "overwrite")]

    fake.faults.remove(fault)
    bot = runner.bot
    assert bot is not None
    job = bot.scheduler.get_job("groups:access-retry")
    assert job is not None
    await job.func(*job.args)
    await runner.idle()
    assert not can_read(fake, s, olga, leaders_room)
    assert can_read(fake, s, olga, channel_of(fake, group.channel_id))  # still a member
    assert await cog(runner).service.removals(s.guild.id) == []
    done = [describe(m) for m in mod_log(fake, s, "Channel permissions taken away")]
    assert len(done) == 1 and "No longer a leader of the group" in done[0]
