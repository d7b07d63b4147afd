"""Storms tests: the real bot with groups, meetings, confidentiality, moderation (mod-log lines),
settings and storms, on the test's clock. Moderator role and mod-log channel (`server.private`)
are set. Sessions are driven as in tests/meetings (run_until fires what is due)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.storms.cog import StormsCog
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server
from tests.meetings.conftest import START

FEATURES = ("settings", "groups", "moderation", "meetings", "confidentiality", "storms")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def runner(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock, features=FEATURES)
    bot = await running.start()
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    await bot.guild_settings.set_private_channel(server.guild.id, "mod_log", server.private.id, 0)
    await running.idle()
    try:
        yield running
    finally:
        await running.stop()


def storms(runner: BotRunner) -> StormsCog:
    bot: Bot | None = runner.bot
    assert bot is not None
    found = bot.get_cog("Storms")
    assert found is not None and type(found).__name__ == "StormsCog"
    return cast(StormsCog, found)


async def remember(
    fake: FakeDiscord, server: Server, by: User, member: User, group_id: int, **options: Any
) -> InteractionResult:
    return await fake.slash(
        by,
        "care remember",
        guild=server.guild,
        channel=server.general,
        options={"member": member.id, "group": str(group_id), **options},
    )


def button(message: Message, prefix: str) -> str:
    return next(c for c in message.custom_ids() if c.startswith(prefix))


def mod_log(fake: FakeDiscord, server: Server) -> list[Message]:
    return fake.messages_in(server.private.id, include_system=False)
