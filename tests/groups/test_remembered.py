"""Who leads which group, and each member's groups, are answered from memory (every leader's
command, /help and `bot.groups.groups_of` ask them): the answer follows every change at once,
a leader added or removed, a member joining or leaving, a group archived, reopened or renamed."""

from __future__ import annotations

import pytest

from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.groups.conftest import FEATURES, create_group, group_named
from tests.harness import BotRunner, Server


@pytest.fixture
async def runner(start_bot: StartBot) -> BotRunner:
    return await start_bot(features=(*FEATURES, "help"))


async def slash(fake: FakeDiscord, s: Server, user, command: str, **options: object) -> str:
    res = await fake.slash(user, command, guild=s.guild, channel=s.general, options=options)
    return res.text


async def test_leadership_follows_every_change_at_once(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    await create_group(fake, s, "Carers", s.moderator)
    gid = str((await group_named(runner, s, "Carers")).id)

    async def leads() -> bool:
        """What the member is told, asked twice: the second answer comes from memory."""
        said = [await slash(fake, s, s.member, "help") for _ in range(2)]
        assert said[0] == said[1]
        return "You are a group leader here." in said[0]

    async def sees_members() -> bool:
        said = await slash(fake, s, s.member, "group members", group=gid)
        return "Only this group's leaders" not in said

    assert not await leads() and not await sees_members()
    said = await slash(fake, s, s.moderator, "group leaders add", group=gid, member=s.member.id)
    assert "now leads" in said
    assert await leads() and await sees_members()

    assert "is archived" in await slash(fake, s, s.moderator, "group archive", group=gid)
    assert not await leads()  # leads no open group (and may still see the archived one's list)
    assert await sees_members()
    assert "open again" in await slash(fake, s, s.moderator, "group unarchive", group=gid)
    assert await leads()

    said = await slash(fake, s, s.moderator, "group leaders remove", group=gid, member=s.member.id)
    assert "no longer leads" in said
    assert not await leads() and not await sees_members()


async def test_a_members_groups_follow_joining_leaving_and_renaming(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    bot = runner.bot
    assert bot is not None
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    gid, guild, member = str(group.id), s.guild.id, s.member.id

    async def names(of: int) -> list[str]:
        found = [[g.name for g in await bot.groups.groups_of(guild, of)] for _ in range(2)]
        assert found[0] == found[1]
        return found[0]

    assert await names(member) == [] and await names(s.moderator.id) == ["Survivors"]
    assert [g.name for g in await bot.groups.led_by(guild, s.moderator.id)] == ["Survivors"]
    assert "Welcome to Survivors" in await slash(fake, s, s.member, "group join", group=gid)
    assert await names(member) == ["Survivors"]
    assert await bot.groups.led_by(guild, member) == []

    said = await slash(fake, s, s.moderator, "group edit", group=gid, name="Long-term survivors")
    assert "Long-term survivors" in said
    assert await names(member) == ["Long-term survivors"]
    [ref] = await bot.groups.groups_of(guild, member)
    assert ref == (await bot.groups.get(guild, group.id))  # the same as the group's own answer

    assert "is archived" in await slash(fake, s, s.moderator, "group archive", group=gid)
    assert await names(member) == [] and await bot.groups.led_by(guild, s.moderator.id) == []
    assert "open again" in await slash(fake, s, s.moderator, "group unarchive", group=gid)
    assert await names(member) == ["Long-term survivors"]

    assert "You've left" in await slash(fake, s, s.member, "group leave", group=gid)
    assert await names(member) == []
