"""Run the real bot, in this process, against the loopback Discord.

`Server` is a small community as a test starts it: a server with an admin, a moderator role and
a moderator, a plain member, a private channel only moderators see and a public one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.client import Bot, configure_endpoints
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.db import Database
from bot.migrate import apply_migrations
from bot.scheduler import create_scheduler
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Guild, Role, User

VIEW_CHANNEL = 1 << 10

TEST_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.loopback-token-for-tests"
# Fixed, so a test can restart the bot on the same database and play the attacker who has it.
TEST_ANON_SECRET = "test-anon-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


@dataclass
class Server:
    guild: Guild
    admin: User
    moderator: User
    member: User
    moderator_role: Role
    private: Channel  # only moderators (and the bot) can see it
    general: Channel  # everyone can see it


def build_server(fake: FakeDiscord) -> Server:
    admin = fake.create_user("ada")
    guild = fake.create_guild("Hope Circle", owner=admin)
    moderator_role = fake.create_role(guild, "Moderators", mentionable=True)
    moderator = fake.create_user("mo")
    member = fake.create_user("mia")
    fake.add_member(guild, moderator, roles=[moderator_role])
    fake.add_member(guild, member)
    private = fake.create_text_channel(
        guild,
        "mod-alerts",
        overwrites=[
            {"id": guild.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )
    general = fake.create_text_channel(guild, "general")
    return Server(guild, admin, moderator, member, moderator_role, private, general)


def test_settings(fake: FakeDiscord, database_path: Path) -> Settings:
    return Settings(
        discord_token=TEST_TOKEN,
        database_path=database_path,
        dev_guild_id=None,
        log_level="DEBUG",
        anon_secret=TEST_ANON_SECRET,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
    )


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


# A job this late by real time was planned at a test's date, not by real time: see HeldJobStore.
HOLD_AFTER = timedelta(minutes=1)


class HeldJobStore(MemoryJobStore):
    """The scheduler's job store in tests. The tests move a FakeClock (set in 2027) and run
    dated jobs themselves (`job.func(*job.args)`); the scheduler itself runs on real time. Once
    real time passes a test's dates, every job planned at them would be overdue and APScheduler
    would run them all at once, by itself, in the middle of the test. This store holds back jobs
    overdue by more than HOLD_AFTER of real time (they stay listed, with their next run time);
    a job asked to run now (no trigger, or `next_run_time=datetime.now(UTC)`) runs as usual."""

    def _live(self, job: Job, now: datetime) -> bool:
        return job.next_run_time is not None and job.next_run_time >= now - HOLD_AFTER

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return [job for job in super().get_due_jobs(now) if self._live(job, now)]

    def get_next_run_time(self) -> datetime | None:
        now = datetime.now(UTC)
        return next(
            (job.next_run_time for job in self.get_all_jobs() if self._live(job, now)), None
        )


def held_scheduler() -> AsyncIOScheduler:
    scheduler = create_scheduler()
    scheduler.add_jobstore(HeldJobStore(), alias="default")
    return scheduler


class BotRunner:
    """Starts and stops the real Bot (as `python -m bot` builds it) on a given database file."""

    def __init__(self, fake: FakeDiscord, database_path: Path, clock: Clock = system_clock):
        self.fake = fake
        self.settings = test_settings(fake, database_path)
        self.clock = clock
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        self.bot: Bot | None = None
        self.db: Database | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(
        self, *, sync: bool = True, prepare: Callable[[Bot], None] | None = None
    ) -> Bot:
        """`prepare` runs on the built bot before it connects (e.g. to register a renderer)."""
        configure_endpoints(self.settings)
        self.db = await Database.open(self.settings.database_path)
        await apply_migrations(self.db)
        bot = Bot(
            settings=self.settings,
            db=self.db,
            scheduler=held_scheduler(),
            clock=self.clock,
            guild_ready_timeout=0.1,
        )
        self.bot = bot
        if prepare is not None:
            prepare(bot)
        self._task = asyncio.create_task(bot.start(self.settings.discord_token))
        await self.fake.wait_until_connected(timeout=10)
        async with asyncio.timeout(10):
            while not all(bot.get_guild(g) for g in self.fake.guilds):
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        if sync:
            await bot.sync_commands()
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5)
            except Exception:
                logging.getLogger(__name__).exception("the bot stopped with an error")
        if self.db is not None:
            await self.db.close()
        self.bot = self.db = self._task = None
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved


async def wait_until(predicate, timeout: float = 5.0, interval: float = 0.01) -> None:
    """Poll a condition the bot will make true; fails the test if it does not in time."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(interval)
