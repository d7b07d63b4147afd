"""Groups tests: a server whose moderator role and mod-log channel are set, and helpers.

The bot runs the groups feature with the features whose messages these tests cause (`/setup`
notes: settings; mod-log lines: moderation), and no other feature's join gate: the gate
mechanism is tested here with a stand-in (test_join_gate.py), the agreement with the real
groups feature in tests/confidentiality.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.groups.cog import GroupsCog
from cogs.groups.records import Group
from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Channel, Role, User
from tests.harness import BotRunner, Server

FEATURES = ("settings", "groups", "moderation")


class GroupsRunner(BotRunner):
    """Kept for the tests outside this folder that import it (tests/moderation): the real bot
    with all features, whose join gates (the confidentiality agreement) are taken off core's
    registry after each start. Prefer `start_bot(features=...)` without "confidentiality"."""

    async def start(
        self, *, sync: bool = True, prepare: Callable[[Bot], None] | None = None
    ) -> Bot:
        bot = await super().start(sync=sync, prepare=prepare)
        for gate in list(bot.join_gates):
            bot.join_gates.remove(gate)
        return bot


@pytest.fixture
async def runner(start_bot: StartBot) -> BotRunner:
    """The real bot on the test's clock (seat offers expire by it); restart it with
    `runner.stop()` and `runner.start(sync=False)`."""
    return await start_bot(features=FEATURES)


@pytest.fixture
async def community(runner: BotRunner, server: Server) -> Server:
    bot = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    await bot.guild_settings.set_private_channel(server.guild.id, "mod_log", server.private.id, 0)
    await runner.idle()
    return server


def cog(runner: BotRunner) -> GroupsCog:
    bot: Bot | None = runner.bot
    assert bot is not None
    found = bot.get_cog("Groups")
    # Not isinstance: closing a bot unloads its extensions, so each bot imports the cog anew.
    assert found is not None and type(found).__name__ == "GroupsCog"
    return cast(GroupsCog, found)


async def create_group(
    fake: FakeDiscord, server: Server, name: str, leader: User, **options: Any
) -> InteractionResult:
    return await fake.slash(
        server.admin,
        "group create",
        guild=server.guild,
        channel=server.general,
        options={"name": name, "leader": leader.id, **options},
    )


async def group_named(runner: BotRunner, server: Server, name: str) -> Group:
    groups = await cog(runner).service.list(server.guild.id, include_archived=True)
    return next(g for g in groups if g.name == name)


def has_role(fake: FakeDiscord, server: Server, user: User, role_id: int | None) -> bool:
    return role_id is not None and role_id in fake.member(server.guild, user).roles


def role_of(fake: FakeDiscord, group: Group) -> Role:
    assert group.role_id is not None
    return fake.role(group.role_id)


def channel_of(fake: FakeDiscord, channel_id: int | None) -> Channel:
    assert channel_id is not None
    return fake.channel(channel_id)
