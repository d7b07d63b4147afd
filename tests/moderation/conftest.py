"""Moderation tests: a server with a moderator role and a private mod-log channel, the real
groups feature for groups and leaders (without the confidentiality agreement: joining is the
groups feature's part), /setup for the settings a test changes, and the bot on a clock the test
drives.

The clock starts at the real time (whole seconds): Discord (and the loopback Discord) refuses a
timeout more than 28 days after *its* now, so the bot's clock must not run far ahead of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.moderation.cog import ModerationCog
from cogs.moderation.guidelines_cog import GuidelinesCog
from cogs.moderation.reports_cog import ReportsCog
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Channel, Message, User
from tests.groups.conftest import create_group, group_named
from tests.harness import BotRunner, Server

FEATURES = ("settings", "groups", "moderation")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait for a condition only an await can read (a row the bot writes after a request)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.01)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


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


@dataclass
class Community:
    fake: FakeDiscord
    server: Server
    runner: BotRunner
    clock: FakeClock
    leader: User  # leads "Survivors"
    other_leader: User  # leads "Caregivers"
    peer: User  # a member of Survivors
    group_id: int
    group_channel: Channel
    other_group_id: int

    @property
    def bot(self) -> Bot:
        assert self.runner.bot is not None
        return self.runner.bot

    @property
    def mod_log(self) -> Channel:
        return self.server.private

    @property
    def moderation(self) -> ModerationCog:
        # Not isinstance: each bot start imports the cog module anew.
        cog = self.bot.get_cog("Moderation")
        assert cog is not None and type(cog).__name__ == "ModerationCog"
        return cast(ModerationCog, cog)

    @property
    def reports_cog(self) -> ReportsCog:
        cog = self.bot.get_cog("Reports")
        assert cog is not None and type(cog).__name__ == "ReportsCog"
        return cast(ReportsCog, cog)

    @property
    def guidelines(self) -> GuidelinesCog:
        cog = self.bot.get_cog("Guidelines")
        assert cog is not None and type(cog).__name__ == "GuidelinesCog"
        return cast(GuidelinesCog, cog)

    def bot_messages(self, channel: Any) -> list[Message]:
        return [
            m
            for m in self.fake.messages_in(channel, include_system=False)
            if m.author.id == self.fake.bot_user.id
        ]

    def mod_log_entries(self) -> list[Message]:
        """The mod log's embeds ("Case #N · ..."), oldest first."""
        return [
            m
            for m in self.bot_messages(self.mod_log)
            if m.embeds and str(m.embeds[0].get("title", "")).startswith("Case #")
        ]

    def reports(self) -> list[Message]:
        return [
            m
            for m in self.bot_messages(self.mod_log)
            if m.embeds and str(m.embeds[0].get("title", "")).startswith("Report #")
        ]

    def dms(self, user: User) -> list[Message]:
        return [m for m in self.fake.dm_messages(user) if m.author.id == self.fake.bot_user.id]

    async def settle(self) -> None:
        await self.runner.idle()

    async def slash(
        self, user: User, command: str, channel: Channel | None = None, /, **options: Any
    ) -> InteractionResult:
        return await self.fake.slash(
            user,
            command,
            guild=self.server.guild,
            channel=channel or self.server.general,
            options=options,
        )


@pytest.fixture
async def community(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> Community:
    fake, s = fake_discord, server
    bot = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, s.admin.id)
    await bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, s.admin.id)
    leader, other_leader, peer = (fake.create_user(n) for n in ("lena", "otto", "pia"))
    for user in (leader, other_leader, peer):
        fake.add_member(s.guild, user)
    await create_group(fake, s, "Survivors", leader)
    await create_group(fake, s, "Caregivers", other_leader)
    group = await group_named(runner, s, "Survivors")
    other = await group_named(runner, s, "Caregivers")
    for user in (peer, s.member):
        res = await fake.slash(
            user, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
        )
        assert "Welcome" in res.text, res
    await runner.idle()
    assert group.channel_id is not None
    return Community(
        fake=fake,
        server=s,
        runner=runner,
        clock=clock,
        leader=leader,
        other_leader=other_leader,
        peer=peer,
        group_id=group.id,
        group_channel=fake.channel(group.channel_id),
        other_group_id=other.id,
    )
