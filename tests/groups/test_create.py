"""/group create, edit, archive and leaders, driven through the loopback Discord."""

from __future__ import annotations

import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.groups.conftest import channel_of, cog, create_group, group_named, has_role, role_of
from tests.harness import BotRunner, Server

VIEW = 1 << 10
SEND = 1 << 11
MANAGE_MESSAGES = 1 << 13


def overwrite(channel, target_id: int):
    return next((o for o in channel.permission_overwrites if o.id == target_id), None)


async def test_admin_creates_a_group_with_private_channels_and_role(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader = fake.create_user("lena")
    fake.add_member(s.guild, leader)

    res = await create_group(
        fake,
        s,
        "Metastatic Breast Cancer",
        leader,
        topic="metastatic breast cancer",
        language="English",
        capacity=12,
        timezone="America/New_York",
        voice=True,
    )
    assert res.ephemeral and "is ready" in res.text, res

    group = await group_named(runner, s, "Metastatic Breast Cancer")
    assert group.capacity == 12 and group.timezone == "America/New_York"
    channel = channel_of(fake, group.channel_id)
    assert channel.name == "metastatic-breast-cancer"
    assert channel_of(fake, group.voice_channel_id).type == 2
    assert channel_of(fake, group.leaders_channel_id).name == "metastatic-breast-cancer-leaders"
    role = role_of(fake, group)
    assert role.name == "Metastatic Breast Cancer"

    everyone = overwrite(channel, s.guild.id)
    assert everyone is not None and everyone.deny & VIEW
    assert overwrite(channel, role.id).allow & VIEW  # type: ignore[union-attr]
    assert overwrite(channel, s.moderator_role.id).allow & VIEW  # type: ignore[union-attr]
    leader_ow = overwrite(channel, leader.id)
    assert leader_ow is not None and leader_ow.allow & MANAGE_MESSAGES and leader_ow.type == 1
    assert overwrite(channel, fake.bot_user.id).allow & VIEW  # type: ignore[union-attr]
    # Only leaders and moderators see the leaders' channel, not the members' role.
    leaders_channel = channel_of(fake, group.leaders_channel_id)
    assert overwrite(leaders_channel, role.id) is None
    assert overwrite(leaders_channel, leader.id) is not None

    # The leader holds the role; a plain member cannot see the channel.
    assert has_role(fake, s, leader, group.role_id)
    assert not fake.member_permissions(s.guild, s.member, channel) & VIEW
    assert fake.member_permissions(s.guild, leader, channel) & VIEW

    # The directory lists it, with its seats.
    res = await fake.slash(s.member, "group list", guild=s.guild, channel=s.general)
    assert res.ephemeral and "Metastatic Breast Cancer" in res.text and "12" in res.text


async def test_names_are_unique_case_insensitively_and_previewed(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    await create_group(fake, s, "Caregivers", s.moderator)
    channels_before = len(fake.guilds[s.guild.id].channels)
    res = await create_group(fake, s, "  CAREGIVERS ", s.moderator)
    assert res.ephemeral and "already a group called" in res.text
    res = await create_group(fake, s, "!!! ???", s.moderator)
    assert res.ephemeral and "at least one letter or number" in res.text
    res = await create_group(fake, s, "Young adults", s.moderator, timezone="EST")
    assert res.ephemeral and "time zone" in res.text.lower()
    assert len(fake.guilds[s.guild.id].channels) == channels_before  # nothing half-made

    choices = await fake.autocomplete(
        s.admin,
        "group create",
        focused="name",
        value="Young Adults: After Treatment!",
        guild=s.guild,
        channel=s.general,
    )
    assert choices[0]["name"].endswith("#young-adults-after-treatment")
    assert choices[0]["value"] == "Young Adults: After Treatment!"


async def test_only_moderators_create_and_a_member_is_told_kindly(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    res = await fake.slash(
        s.member,
        "group create",
        guild=s.guild,
        channel=s.general,
        options={"name": "Mine", "leader": s.member.id},
    )
    assert res.ephemeral and "Only moderators" in res.text
    assert await cog(runner).service.list(s.guild.id) == []
    # A moderator (not an admin) may.
    res = await fake.slash(
        s.moderator,
        "group create",
        guild=s.guild,
        channel=s.general,
        options={"name": "Survivors", "leader": s.moderator.id},
    )
    assert "is ready" in res.text


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        (403, 50013, "missing a permission"),
        (400, 30013, "limit of 500 channels"),
    ],
)
async def test_a_failure_half_way_leaves_nothing_behind(
    runner: BotRunner,
    fake_discord: FakeDiscord,
    community: Server,
    status: int,
    code: int,
    words: str,
) -> None:
    fake, s = fake_discord, community
    guild = fake.guilds[s.guild.id]
    roles_before, channels_before = set(guild.roles), set(guild.channels)
    # The role and the text channel are created; the voice channel is refused.
    fake.faults.add(
        "POST",
        rf"/guilds/{s.guild.id}/channels$",
        status=status,
        body={"message": "refused by the test", "code": code},
        count=1,
        after=1,
    )
    res = await create_group(fake, s, "Caregivers", s.moderator, voice=True)
    assert res.ephemeral and words in res.text and "Nothing was created" in res.text
    assert set(guild.roles) == roles_before
    assert set(guild.channels) == channels_before
    assert await cog(runner).service.list(s.guild.id, include_archived=True) == []


async def test_edit_archive_unarchive_and_leaders(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader = fake.create_user("lena")
    fake.add_member(s.guild, leader)
    await create_group(fake, s, "Caregivers", leader)
    group = await group_named(runner, s, "Caregivers")
    gid = str(group.id)

    # The leader edits their own group; a plain member may not.
    res = await fake.slash(
        s.member,
        "group edit",
        guild=s.guild,
        channel=s.general,
        options={"group": gid, "topic": "x"},
    )
    assert "Only this group's leaders and the moderators" in res.text
    res = await fake.slash(
        leader,
        "group edit",
        guild=s.guild,
        channel=s.general,
        options={"group": gid, "topic": "caring for someone with cancer", "capacity": 8},
    )
    assert "is updated" in res.text
    group = await group_named(runner, s, "Caregivers")
    assert group.topic == "caring for someone with cancer" and group.capacity == 8

    # Renaming (moderators) renames the channel and role too.
    res = await fake.slash(
        s.moderator,
        "group edit",
        guild=s.guild,
        channel=s.general,
        options={"group": gid, "name": "Caregivers Circle"},
    )
    group = await group_named(runner, s, "Caregivers Circle")
    assert channel_of(fake, group.channel_id).name == "caregivers-circle"
    assert role_of(fake, group).name == "Caregivers Circle"

    # Archive: read-only for members, gone from the directory, joins refused.
    res = await fake.slash(
        s.moderator, "group archive", guild=s.guild, channel=s.general, options={"group": gid}
    )
    assert "is archived" in res.text
    channel = channel_of(fake, group.channel_id)
    role_ow = overwrite(channel, role_of(fake, group).id)
    assert role_ow is not None and role_ow.allow & VIEW and role_ow.deny & SEND
    res = await fake.slash(s.member, "group list", guild=s.guild, channel=s.general)
    assert "Caregivers Circle" not in res.text
    res = await fake.slash(
        s.member, "group join", guild=s.guild, channel=s.general, options={"group": gid}
    )
    assert "closed for now" in res.text
    res = await fake.slash(
        s.moderator, "group unarchive", guild=s.guild, channel=s.general, options={"group": gid}
    )
    assert "open again" in res.text
    role_ow = overwrite(channel_of(fake, group.channel_id), role_of(fake, group).id)
    assert role_ow is not None and not role_ow.deny & SEND

    # Leaders: add one, who then sees the leaders' channel; remove them again.
    res = await fake.slash(
        s.moderator,
        "group leaders add",
        guild=s.guild,
        channel=s.general,
        options={"group": gid, "member": s.member.id},
    )
    assert "now leads" in res.text
    leaders_channel = channel_of(fake, group.leaders_channel_id)
    assert fake.member_permissions(s.guild, s.member, leaders_channel) & VIEW
    assert has_role(fake, s, s.member, group.role_id)
    res = await fake.slash(
        leader,
        "group leaders remove",
        guild=s.guild,
        channel=s.general,
        options={"group": gid, "member": s.member.id},
    )
    assert "Only moderators" in res.text
    res = await fake.slash(
        s.moderator,
        "group leaders remove",
        guild=s.guild,
        channel=s.general,
        options={"group": gid, "member": s.member.id},
    )
    assert "no longer leads" in res.text
    assert not fake.member_permissions(s.guild, s.member, leaders_channel) & VIEW


async def test_a_member_cannot_open_setup_only_commands_by_crafting_an_interaction(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    await create_group(fake, s, "Caregivers", s.moderator)
    group = await group_named(runner, s, "Caregivers")
    for command, options in [
        ("group archive", {"group": str(group.id)}),
        ("group leaders add", {"group": str(group.id), "member": s.member.id}),
        ("group panel", {"channel": s.general.id}),
    ]:
        try:
            res = await fake.slash(
                s.member, command, guild=s.guild, channel=s.general, options=options
            )
        except InteractionRefused:
            continue  # Discord itself hid it
        assert res.ephemeral and "Only" in res.text, (command, res)
