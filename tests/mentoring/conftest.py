"""Mentoring tests: the real bot with settings and mentoring, a community with a mentee, two
would-be mentors, a coordinator (the moderator), a channel for pairing threads and one for the
coordinators' notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pytest

from cogs.mentoring.cog import MentoringCog
from tests.conftest import FakeClock, StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Channel, Message, User
from tests.harness import VIEW_CHANNEL, BotRunner, Server

FORM = {
    "role": "patient",
    "cancer_type": "Breast",
    "stage": "early",
    "age_band": "30-44",
    "language": "en",
    "time_zone": "Europe/London",
    "frequency": "weekly",
}


@dataclass
class World:
    fake: FakeDiscord
    server: Server
    runner: BotRunner
    clock: FakeClock
    mentee: User
    ana: User  # a close mentor
    ben: User  # a farther one
    threads: Channel
    notices: Channel

    @property
    def cog(self) -> MentoringCog:
        assert self.runner.bot is not None
        return cast(MentoringCog, self.runner.bot.get_cog("Mentoring"))

    async def slash(self, user: User, command: str, **options: Any) -> InteractionResult:
        res = await self.fake.slash(
            user, command, guild=self.server.guild, channel=self.server.general, options=options
        )
        await self.runner.idle()
        return res

    async def count(self, sql: str, **params: Any) -> int:
        assert self.runner.bot is not None
        return int(await self.runner.bot.db.fetchval(sql, params))

    def dms(self, user: User) -> list[Message]:
        return self.fake.dm_messages(user)

    def notices_text(self) -> str:
        return "\n".join(m.text for m in self.fake.messages_in(self.notices))


@pytest.fixture
def mentoring_features() -> tuple[str, ...]:
    """The features the mentoring tests load (a module may add some, e.g. the programme)."""
    return ("settings", "mentoring")


@pytest.fixture
async def world(
    start_bot: StartBot,
    fake_discord: FakeDiscord,
    server: Server,
    clock: FakeClock,
    mentoring_features: tuple[str, ...],
) -> World:
    fake = fake_discord
    mentee = server.member
    ana, ben = fake.create_user("ana"), fake.create_user("ben")
    fake.add_member(server.guild, ana)
    fake.add_member(server.guild, ben)
    threads = fake.create_text_channel(server.guild, "peer-support")
    notices = fake.create_text_channel(
        server.guild,
        "coordinators",
        overwrites=[
            {"id": server.guild.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": server.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )
    runner = await start_bot(features=mentoring_features)
    bot = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    w = World(fake, server, runner, clock, mentee, ana, ben, threads, notices)
    await w.slash(server.admin, "mentor setup channels", threads=threads.id, notices=notices.id)
    return w


async def offer(w: World, user: User, **changes: Any) -> None:
    form = {**FORM, "role": "survivor", "capacity": 1, **changes}
    res = await w.slash(user, "mentor offer", **form)
    assert res.ephemeral and "Thank you for offering" in res.text


async def request(w: World, user: User, **changes: Any) -> None:
    res = await w.slash(user, "mentor request", **{**FORM, **changes})
    assert res.ephemeral and "your request is saved" in res.text
