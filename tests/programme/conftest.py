"""Programme tests: the real bot with the real groups and meetings features and the programme
feature, on a clock the test drives (the meetings tests' runner and helpers, with these
features). Jobs are run by hand: the meetings' due actions with `run_until`, the programme's
briefing sweep with `sweep`."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.programme.cog import ProgrammeCog
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Message, User
from tests.harness import BotRunner, Server
from tests.meetings.conftest import clock, runner, settle

__all__ = ["clock", "runner"]


@pytest.fixture
def meeting_features() -> tuple[str, ...]:
    return ("groups", "meetings", "programme")


def programme(runner: BotRunner) -> ProgrammeCog:
    bot: Bot | None = runner.bot
    assert bot is not None
    found = bot.get_cog("Programme")
    assert found is not None and type(found).__name__ == "ProgrammeCog"
    return cast(ProgrammeCog, found)


async def sweep(runner: BotRunner) -> int:
    """The `programme:sweep` job at the clock's time, then the outbox settled."""
    briefed = await programme(runner).sweep()
    await settle(runner)
    return briefed


def briefings(fake: FakeDiscord, user: User) -> list[Message]:
    return [m for m in fake.dm_messages(user) if m.content.startswith("**Before the session")]


def prompts(fake: FakeDiscord, user: User) -> list[Message]:
    return [
        m
        for m in fake.dm_messages(user)
        if any(c.startswith("programme:came:") for c in m.custom_ids())
    ]


def join_voice(fake: FakeDiscord, server: Server, user: User, channel: Channel | None) -> None:
    """What Discord sends when a member joins (or, with None, leaves) a voice channel."""
    data: dict[str, Any] = {
        "guild_id": str(server.guild.id),
        "channel_id": None if channel is None else str(channel.id),
        "user_id": str(user.id),
        "session_id": f"voice-{user.id}",
        "deaf": False,
        "mute": False,
        "self_deaf": False,
        "self_mute": False,
        "self_video": False,
        "suppress": False,
        "request_to_speak_timestamp": None,
    }
    fake.dispatch("VOICE_STATE_UPDATE", data, guild_id=server.guild.id)
