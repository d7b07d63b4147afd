"""Crash points of the groups feature's multi-step flows (issue 19): each flow is run once to
count its steps (every request to Discord, every commit), then killed at every step, restarted
on the same database and checked (tests/crashpoints.py): nothing half-done visible to anyone,
nothing lost, nothing doubled, the person told once.

The flows: /group create, a join through the confidentiality agreement, a leader approving a
join request, and a waitlist seat offer to a member whose direct messages are closed.
"""

from __future__ import annotations

import logging
from typing import cast

import pytest

from cogs.groups.cog import GroupsCog
from cogs.groups.records import Group
from tests.crashpoints import Flow, SweepReport, World, sweep
from tests.fakediscord.models import Message, User

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

FEATURES = ("settings", "groups", "moderation")
WITH_AGREEMENT = (*FEATURES, "confidentiality")


def groups_cog(world: World) -> GroupsCog:
    found = world.bot.get_cog("Groups")
    assert found is not None and type(found).__name__ == "GroupsCog"
    return cast(GroupsCog, found)


async def community(world: World) -> None:
    s = world.server
    await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    await world.bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)


def person(world: World, name: str) -> User:
    user = world.fake.create_user(name)
    world.fake.add_member(world.server.guild, user)
    world.state[name] = user
    return user


async def make_group(world: World, name: str, leader: User, **options: object) -> Group:
    s = world.server
    res = await world.fake.slash(
        s.admin,
        "group create",
        guild=s.guild,
        channel=s.general,
        options={"name": name, "leader": leader.id, **options},
    )
    assert "is ready" in res.text, res
    return await group_named(world, name)


async def group_named(world: World, name: str) -> Group:
    groups = await groups_cog(world).service.list(world.server.guild.id, include_archived=True)
    return next(g for g in groups if g.name == name)


async def groups_called(world: World, name: str) -> list[Group]:
    groups = await groups_cog(world).service.list(world.server.guild.id, include_archived=True)
    return [g for g in groups if g.name == name]


def has_role(world: World, user: User, role_id: int | None) -> bool:
    return role_id is not None and role_id in world.fake.member(world.server.guild, user).roles


def replies_to(world: World, user: User) -> list[str]:
    """Every message the bot showed `user` in answer to their interactions (ephemeral ones
    included) as it reads now: an edited message counts once, with its last text."""
    shown: dict[int, str] = {}
    for pending in world.fake.pending.values():
        if pending.result.user.id == user.id:
            for m in pending.result.messages:
                shown[m.id] = m.text
    return list(shown.values())


def dms(world: World, user: User) -> list[Message]:
    return world.fake.dm_messages(user)


def count(texts: list[str], words: str) -> int:
    return sum(words in t for t in texts)


def report(result: SweepReport) -> None:
    line = (
        f"{result.flow}: {result.steps} steps, {result.points} crash points, {result.seconds:.1f} s"
    )
    log.warning("%s", line)
    print(line)


# ---------------------------------------------------------------------- /group create


class Create(Flow):
    """A moderator creates a group with a voice channel: a role, three channels, the leader's
    role, the records. Killed anywhere, the server ends with the whole group (the moderator
    told it is ready once) or with nothing of it (told once that it was undone, if anything
    had been started)."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)
        person(world, "lena")

    async def act(self, world: World) -> None:
        s = world.server
        await world.fake.slash(
            s.admin,
            "group create",
            guild=s.guild,
            channel=s.general,
            options={"name": "Caregivers", "leader": world.state["lena"].id, "voice": True},
        )

    async def check(self, world: World, point: int | None) -> None:
        fake, s, lena = world.fake, world.server, world.state["lena"]
        guild = fake.guilds[s.guild.id]
        roles = [r for r in guild.roles.values() if r.name == "Caregivers"]
        channels = [
            c for c in guild.channels.values() if c.name in ("caregivers", "caregivers-leaders")
        ]
        found = await groups_called(world, "Caregivers")
        told = replies_to(world, s.admin) + [m.text for m in dms(world, s.admin)]
        ready = count(told, "is ready")
        undone = count(told, "was interrupted")
        if found:
            (group,) = found
            # The whole group, nothing more: its role and its three channels.
            assert [r.id for r in roles] == [group.role_id]
            assert {c.id for c in channels} == {
                group.channel_id,
                group.voice_channel_id,
                group.leaders_channel_id,
            }
            assert has_role(world, lena, group.role_id)
            assert (ready, undone) == (1, 0), told
        else:
            # Nothing of it anywhere.
            assert roles == [] and channels == [], (roles, channels)
            setups = await groups_cog(world).service.repo.db.fetchall(
                "SELECT status, told_at FROM group_provisionings"
            )
            assert all(r["status"] == "undone" for r in setups), [dict(r) for r in setups]
            # Told once if a setup had begun; a bot killed before it began said nothing (the
            # moderator sees Discord's "did not respond" and nothing was made).
            assert ready == 0 and undone == (1 if setups else 0), told


async def test_group_create_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Create(), tmp_path)
    report(result)
    assert result.steps >= 8  # defer, setup, role, 3 channels and their records, group, ...
