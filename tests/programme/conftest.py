"""Programme tests: the real bot with the real groups and meetings features and the programme
feature, on a clock the test drives (the meetings tests' runner and helpers, with these
features). Jobs are run by hand: the meetings' due actions with `run_until`, the programme's
briefing sweep with `sweep`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.programme.cog import ProgrammeCog
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Message, User
from tests.harness import BotRunner, Server
from tests.meetings.conftest import clock, join, make_group, person, runner, schedule, settle

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


QUESTION = "How helpful was today's session?"  # the feedback feature's session poll


@dataclass
class RatedGroup:
    leader: User
    members: tuple[User, User, User, User]
    group: Any
    room: Channel


async def group_with_session_polls(runner: BotRunner, fake: FakeDiscord, s: Server) -> RatedGroup:
    """Lena leads "Survivors" with four members (anna, bea, cai, dan), turns the session poll on
    (12 hours) and schedules two sessions a week apart (2 and 9 March 2027, 18:00)."""
    lena = person(fake, s, "lena")
    anna, bea, cai, dan = (person(fake, s, n) for n in ("anna", "bea", "cai", "dan"))
    group = await make_group(runner, fake, s, "Survivors", lena)
    for member in (anna, bea, cai, dan):
        await join(fake, s, member, group.id)
    room = fake.channel(group.channel_id)  # type: ignore[arg-type]
    res = await fake.slash(
        lena,
        "poll settings session-poll",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "enabled": True, "hours": 12},
    )
    assert QUESTION in res.text, res.text
    for when in ("2027-03-02 18:00", "2027-03-09 18:00"):
        done = await schedule(fake, s, lena, group.id, title="Circle", when=when, minutes=60)
        assert "is scheduled" in done.text, done.text
    await settle(runner)
    return RatedGroup(lena, (anna, bea, cai, dan), group, room)
