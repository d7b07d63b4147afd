"""Confidentiality tests: the real bot with the real groups feature, on the test's clock, and
settings and moderation for the notes and mod-log lines the settings below cause."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest

from bot.client import Bot
from cogs.confidentiality.cog import ConfidentialityCog
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server

FEATURES = ("settings", "groups", "moderation", "confidentiality")


@pytest.fixture
async def runner(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock, features=FEATURES)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def community(runner: BotRunner, server: Server) -> Server:
    bot = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    await bot.guild_settings.set_private_channel(server.guild.id, "mod_log", server.private.id, 0)
    await runner.idle()
    return server


def the_bot(runner: BotRunner) -> Bot:
    assert runner.bot is not None
    return runner.bot


def conf(runner: BotRunner) -> ConfidentialityCog:
    found = the_bot(runner).get_cog("Confidentiality")
    # Not isinstance: closing a bot unloads its extensions, so each bot imports the cog anew.
    assert found is not None and type(found).__name__ == "ConfidentialityCog"
    return cast(ConfidentialityCog, found)


def agree_id(message: Message) -> str:
    return next(c for c in message.custom_ids() if c.startswith("confidentiality:agree:"))


def not_now_id(message: Message) -> str:
    return next(c for c in message.custom_ids() if c.startswith("confidentiality:notnow:"))


async def agree(fake: FakeDiscord, user: User, message: Message) -> InteractionResult:
    """Press "I agree" and wait for the bot's follow-up (what happened next)."""
    res = await fake.click(user, message, agree_id(message))
    await res.wait_for(lambda r: bool(r.followups))
    return res


def followup_text(res: InteractionResult) -> str:
    return res.followups[-1].text if res.followups else ""
