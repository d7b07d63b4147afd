"""pytest fixture `fake_discord`: a started FakeDiscord; the test fails at teardown if the bot
did anything the fake flagged as a problem."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .fake import FakeDiscord
from .spec import SpecNotFound, find_spec_path


def spec_or_skip() -> None:
    """Skip the calling test, with the reason, when Discord's OpenAPI description is missing."""
    try:
        find_spec_path()
    except SpecNotFound as e:
        pytest.skip(f"loopback Discord unavailable: {e}")


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    spec_or_skip()
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    if fake.problems:
        listing = "\n\n".join(f"- {p}" for p in fake.problems)
        pytest.fail(
            f"fake Discord recorded {len(fake.problems)} problem(s):\n{listing}", pytrace=False
        )
