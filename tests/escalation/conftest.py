"""A configured community for escalation tests: moderator role, a private escalation channel, a
private mod-log channel and the region set by the admin with /setup, the bot on a FakeClock.

The bot loads the features the tests need: escalation, settings (/setup) and moderation (it
renders the mod-log records of /setup); a test that needs more passes `features=`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.escalation.cog import EscalationCog
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Message, User
from tests.harness import VIEW_CHANNEL, BotRunner, Server, wait_until

FEATURES = ("settings", "moderation", "escalation")


@dataclass
class Community:
    fake: FakeDiscord
    server: Server
    runner: BotRunner
    clock: FakeClock
    mod_log: Channel
    group_channel: Channel  # a support group's channel: its members and the moderators
    peer: User  # another member of the group

    @property
    def bot(self) -> Bot:
        assert self.runner.bot is not None
        return self.runner.bot

    @property
    def cog(self) -> EscalationCog:
        # discord.py drops an extension's modules from sys.modules when the bot closes, so each
        # bot has its own copy of the class: compare by name, not with isinstance.
        cog = self.bot.get_cog("Escalation")
        assert cog is not None and type(cog).__name__ == "EscalationCog"
        return cast(EscalationCog, cog)

    @property
    def alerts_channel(self) -> Channel:
        return self.server.private

    def bot_messages(self, channel: Any) -> list[Message]:
        return [
            m
            for m in self.fake.messages_in(channel, include_system=False)
            if m.author.id == self.fake.bot_user.id
        ]

    def alerts(self) -> list[Message]:
        return [m for m in self.bot_messages(self.alerts_channel) if m.embeds]

    def pages(self) -> list[Message]:
        """Pages and notes under the alerts (not the alerts, nor /setup's note)."""
        return [
            m
            for m in self.bot_messages(self.alerts_channel)
            if not m.embeds and "Alert #" in m.content
        ]

    def mod_log_lines(self) -> list[str]:
        return [m.content for m in self.bot_messages(self.mod_log)]

    def dms(self, user: User) -> list[Message]:
        return [m for m in self.fake.dm_messages(user) if m.author.id == self.fake.bot_user.id]

    async def settle(self) -> None:
        """Wait until the bot has nothing left to do: every event read and handled, every send
        that is due made (the harness's idle barrier)."""
        await self.runner.idle()

    async def wait_for_alerts(self, n: int, timeout: float = 5) -> list[Message]:
        await wait_until(lambda: len(self.alerts()) >= n, timeout=timeout)
        return self.alerts()

    async def run_job(self, job_id: str) -> None:
        """Run a scheduled job now, as the scheduler would (the test moved the clock)."""
        job = self.bot.scheduler.get_job(job_id)
        assert job is not None, f"job {job_id} is not scheduled"
        await job.func()
        await self.settle()

    def public_messages_by_bot(self) -> list[Message]:
        """Anything the bot posted where members who are not moderators can read it."""
        private = {self.alerts_channel.id, self.mod_log.id}
        found: list[Message] = []
        for channel in self.server.guild.channels.values():
            if channel.id in private or channel.type == 12:  # private threads checked apart
                continue
            found += self.bot_messages(channel)
        return found


def private_overwrites(server: Server) -> list[dict[str, int]]:
    return [
        {"id": server.guild.id, "type": 0, "deny": VIEW_CHANNEL},
        {"id": server.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
        {"id": server.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
    ]


async def configure(fake: FakeDiscord, server: Server, mod_log: Channel, region: str) -> None:
    admin, g, ch = server.admin, server.guild, server.general
    for command, options in (
        ("setup moderator-role", {"role": server.moderator_role.id}),
        ("setup escalation-channel", {"channel": server.private.id}),
        ("setup mod-log-channel", {"channel": mod_log.id}),
        ("setup region", {"region": region}),
    ):
        res = await fake.slash(admin, command, guild=g, channel=ch, options=options)
        assert res.ephemeral, (command, res)


@asynccontextmanager
async def start_community(
    fake: FakeDiscord,
    server: Server,
    tmp_path: Path,
    clock: FakeClock,
    region: str = "GB",
    *,
    features: Iterable[str] = FEATURES,
) -> AsyncIterator[Community]:
    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    group_channel = fake.create_text_channel(server.guild, "breast-cancer-circle")
    peer = fake.create_user("pat")
    fake.add_member(server.guild, peer)
    runner = BotRunner(fake, tmp_path / "bot.sqlite3", clock=clock, features=features)
    await runner.start()
    community = Community(fake, server, runner, clock, mod_log, group_channel, peer)
    try:
        await configure(fake, server, mod_log, region)
        await community.settle()
        yield community
    finally:
        await runner.stop()


@pytest.fixture
async def community(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Community]:
    async with start_community(fake_discord, server, tmp_path, clock) as value:
        yield value
