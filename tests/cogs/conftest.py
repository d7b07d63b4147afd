"""/setup and /help tests: the real bot with the settings and help features only (what /help
lists is what is loaded), on real time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server

FEATURES = ("settings", "help")


@pytest.fixture
async def runner(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path
) -> AsyncIterator[BotRunner]:
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3", features=FEATURES)
    bot = await running.start()
    # So short a test could end before discord.py's delayed on_ready, left pending at close.
    await bot.wait_until_ready()
    try:
        yield running
    finally:
        await running.stop()
