"""Meetings tests: the real bot with the real groups feature, on a clock the test drives.

The `runner` here starts only the groups and meetings features (`meeting_features`; a test
module that needs more, such as the session hooks, overrides that fixture). Due actions are
fired the way the scheduler would: move the clock to the due time, then run the `meetings:due`
job's function (`fire_due`). Nothing sleeps for real minutes: `settle` waits on the bot's idle
barrier.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.groups.repository import Group
from cogs.meetings.cog import DUE_JOB, MeetingsCog
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Channel, Message, User
from tests.groups.conftest import create_group, group_named
from tests.harness import BotRunner, Server, busy_tasks, wait_until

START = datetime(2027, 2, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def meeting_features() -> tuple[str, ...]:
    """The features the meetings tests load: the groups the sessions belong to, and meetings."""
    return ("groups", "meetings")


@pytest.fixture
async def runner(
    fake_discord: FakeDiscord,
    server: Server,
    tmp_path: Path,
    clock: FakeClock,
    meeting_features: tuple[str, ...],
) -> AsyncIterator[BotRunner]:
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock, features=meeting_features)
    bot = await running.start()
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    try:
        yield running
    finally:
        await running.stop()


def meetings(runner: BotRunner) -> MeetingsCog:
    bot: Bot | None = runner.bot
    assert bot is not None
    found = bot.get_cog("Meetings")
    # Not isinstance: closing a bot unloads its extensions, so each bot imports the cog anew.
    assert found is not None and type(found).__name__ == "MeetingsCog"
    return cast(MeetingsCog, found)


class Recorder:
    """The meeting_started / meeting_ended events the bot dispatched, with the clock's time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.started: list[tuple[datetime, int, str]] = []
        self.ended: list[tuple[datetime, int, str]] = []

    def attach(self, bot: Bot) -> None:
        async def on_started(guild_id: int, group_id: int, occurrence: str) -> None:
            self.started.append((self.clock.now, group_id, occurrence))

        async def on_ended(guild_id: int, group_id: int, occurrence: str) -> None:
            self.ended.append((self.clock.now, group_id, occurrence))

        bot.add_listener(on_started, "on_meeting_started")
        bot.add_listener(on_ended, "on_meeting_ended")


async def fire_due(runner: BotRunner) -> None:
    """Run the due job as the scheduler would at the clock's time, and settle the outbox."""
    bot = runner.bot
    assert bot is not None
    cog = meetings(runner)
    await cog.run_due()
    await settle(runner)


async def settle(runner: BotRunner) -> None:
    """Let the bot finish what a change started (re-arming, Discord events, the outbox), with
    the Discord event sync a retry job would run at the clock's time, then wait on the bot's
    idle barrier (gateway events read too)."""
    await _work_done(runner)
    await runner.idle()


async def _work_done(runner: BotRunner) -> None:
    """`settle` without the gateway barrier: listeners, commands and background tasks done,
    the Discord events synced and the outbox drained, in three rounds (the work of one may
    start the next). For loops that fire many actions: every gateway barrier makes discord.py
    send a heartbeat, and it sends at most 110 a minute (more would stall the test a minute).
    A failure of the feature's background catch-up fails the test."""
    bot = runner.bot
    assert bot is not None
    cog = meetings(runner)
    for _ in range(3):
        while busy := busy_tasks():
            await asyncio.wait(busy)
            await asyncio.sleep(0)  # let their done callbacks run
        catch_up = cog.catch_up
        if catch_up is not None and catch_up.done() and not catch_up.cancelled():
            error = catch_up.exception()
            if error is not None:
                raise error
        await cog.sync_events()
        await bot.dispatcher.drain()


async def run_until(runner: BotRunner, clock: FakeClock, until: datetime) -> list[int]:
    """Fire every due action up to `until`, each at its own due time. Returns the due times."""
    cog = meetings(runner)
    fired: list[int] = []
    while True:
        due = await cog.service.next_due_at()
        if due is None or due > until.timestamp():
            break
        clock.now = max(clock.now, datetime.fromtimestamp(due, UTC))
        job = runner.bot.scheduler.get_job(DUE_JOB) if runner.bot else None
        assert job is not None, "the due job is armed"
        await job.func(*job.args)
        await _work_done(runner)
        fired.append(due)
    clock.now = max(clock.now, until)
    await settle(runner)
    return fired


async def make_group(
    runner: BotRunner,
    fake: FakeDiscord,
    server: Server,
    name: str,
    leader: User,
    timezone: str = "America/New_York",
    **options: Any,
) -> Group:
    result = await create_group(fake, server, name, leader, timezone=timezone, **options)
    assert "is ready" in result.text, result.text
    return await group_named(runner, server, name)


def person(fake: FakeDiscord, server: Server, name: str) -> User:
    user = fake.create_user(name)
    fake.add_member(server.guild, user)
    return user


async def join(fake: FakeDiscord, server: Server, user: User, group_id: int) -> None:
    result = await fake.slash(
        user,
        "group join",
        guild=server.guild,
        channel=server.general,
        options={"group": str(group_id)},
    )
    agree = [c for c in result.message.custom_ids() if ":agree:" in c]
    if agree:  # the confidentiality feature asks first
        result = await fake.click(user, result.message, agree[0])
    await wait_until(lambda: fake.member(server.guild, user).roles != [])


async def schedule(
    fake: FakeDiscord,
    server: Server,
    leader: User,
    group_id: int,
    *,
    confirm: bool = True,
    **options: Any,
) -> InteractionResult:
    """/meeting schedule, then Confirm on the preview."""
    preview = await fake.slash(
        leader,
        "meeting schedule",
        guild=server.guild,
        channel=server.general,
        options={"group": str(group_id), **options},
    )
    if not confirm or not preview.message.custom_ids():
        return preview
    confirm_id = preview.message.custom_ids()[0]
    return await fake.click(leader, preview.message, confirm_id)


def channel_messages(fake: FakeDiscord, channel_id: int | None) -> list[Message]:
    assert channel_id is not None
    return fake.messages_in(channel_id, include_system=False)


def announcements(fake: FakeDiscord, channel: Channel | int | None) -> list[Message]:
    assert channel is not None
    cid = channel if isinstance(channel, int) else channel.id
    return [
        m
        for m in fake.messages_in(cid, include_system=False)
        if any(c.startswith("meetings:rsvp:") for c in m.custom_ids())
    ]


def reminders(fake: FakeDiscord, channel_id: int | None) -> list[Message]:
    return [m for m in channel_messages(fake, channel_id) if m.content.count("Reminder:")]


async def wait_dm(fake: FakeDiscord, user: User, count: int) -> list[Message]:
    await wait_until(lambda: len(fake.dm_messages(user)) >= count)
    return fake.dm_messages(user)


def epoch(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


class SentFiles:
    """The files the bot uploaded with interaction follow-ups, by name: the loopback Discord
    keeps only an attachment's metadata, so the bytes are read off its route as they arrive."""

    ROUTE = ("POST", "/webhooks/{webhook_id}/{webhook_token}")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from tests.fakediscord.routing import ROUTES

        self.files: dict[str, bytes] = {}
        handler = ROUTES[self.ROUTE]

        async def keep(fake: Any, req: Any) -> Any:
            for upload in req.files:
                self.files[upload.filename] = upload.data
            return await handler(fake, req)

        monkeypatch.setitem(ROUTES, self.ROUTE, keep)
