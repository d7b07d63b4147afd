"""pytest fixture `fake_discord`: a started FakeDiscord; the test fails at teardown if the bot
did anything the fake flagged as a problem.

Without Discord's OpenAPI description the loopback Discord cannot run: its tests are skipped
and say why, except under CI (`CI=true`), where the run fails at once instead, so a green CI
never hides half the suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from .fake import FakeDiscord
from .spec import SpecNotFound, find_spec_path


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def spec_or_skip() -> None:
    """Skip the calling test, with the reason, when Discord's OpenAPI description is missing
    (under CI: fail it)."""
    try:
        find_spec_path()
    except SpecNotFound as e:
        if under_ci():
            pytest.fail(f"loopback Discord unavailable under CI: {e}", pytrace=False)
        pytest.skip(f"loopback Discord unavailable: {e}")


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Under CI, a run that needs the loopback Discord and cannot have it stops before it
    starts, with the reason, instead of skipping those tests."""
    if not under_ci() or not any("fake_discord" in getattr(i, "fixturenames", ()) for i in items):
        return
    try:
        find_spec_path()
    except SpecNotFound as e:
        raise pytest.UsageError(
            f"CI=true and {e}. The tests that talk to the loopback Discord cannot run; "
            "CI fails rather than skip them."
        ) from None


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async for fake in serve(FakeDiscord):
        yield fake


async def serve(make: Callable[[], FakeDiscord]) -> AsyncIterator[FakeDiscord]:
    """The fixture's life of a loopback Discord (`make` builds it: a subclass may): skipped
    without the spec, started, stopped, and the test failed if it recorded problems."""
    spec_or_skip()
    fake = make()
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
