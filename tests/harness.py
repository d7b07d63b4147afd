"""Run the real bot, in this process, against the loopback Discord.

`Server` is a small community as a test starts it: a server with an admin, a moderator role and
a moderator, a plain member, a private channel only moderators see and a public one.

`BotRunner(fake, path, clock, features=("groups", "confidentiality"))` starts the bot with only
the features a test names (None, the default: all of them, as `python -m bot` runs); a name
without a dot is `cogs.<name>`, a dotted name is any extension module (a test's own cog).
`await runner.idle()` is the barrier to use instead of a fixed sleep: it returns when the bot
has nothing left to do (see BotRunner.idle).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.client import EXTENSIONS, Bot, bot_class, configure_endpoints
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.db import Database
from bot.migrate import apply_migrations
from bot.scheduler import create_scheduler
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Guild, Role, User
from tests.postgres import open_test_database
from tests.reuse import for_bots, shared_detector_data

VIEW_CHANNEL = 1 << 10

TEST_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.loopback-token-for-tests"
# Fixed, so a test can restart the bot on the same database and play the attacker who has it.
TEST_ANON_SECRET = "yH3bQ-2nVr8LmWc5TzK0pXs7JdUa4EiGf9oBhNq6Rl1"  # token_urlsafe(32)


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


ALL_FEATURES = tuple(name.removeprefix("cogs.") for name in EXTENSIONS)

# Tasks discord.py starts for gateway events, commands, buttons and modals, and the bot's own
# background work (Bot.spawn): while one runs, the bot is not idle.
BUSY_TASK_PREFIXES = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-dynamic-item-",
    "discord-ui-modal-dispatch-",
    "bot-background: ",
)

Prepare = Callable[[Bot], Awaitable[None] | None]


def extensions_for(features: Iterable[str] | None) -> tuple[str, ...]:
    """Extension modules for feature names: None -> all; "groups" -> "cogs.groups"."""
    if features is None:
        return EXTENSIONS
    return tuple(name if "." in name else f"cogs.{name}" for name in features)


def busy_tasks() -> list[asyncio.Task[object]]:
    current = asyncio.current_task()
    return [
        task
        for task in asyncio.all_tasks()
        if task is not current
        and not task.done()
        and task.get_name().startswith(BUSY_TASK_PREFIXES)
    ]


class BotRunner:
    """Starts and stops the real Bot (as `python -m bot` builds it) on a given database file,
    with the features a test names (all by default)."""

    def __init__(
        self,
        fake: FakeDiscord,
        database_path: Path,
        clock: Clock = system_clock,
        *,
        features: Iterable[str] | None = None,
    ):
        self.fake = fake
        self.settings = test_settings(fake, database_path)
        self.clock = clock
        self.extensions = extensions_for(features)
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        self.bot: Bot | None = None
        self.db: Database | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, sync: bool = True, prepare: Prepare | None = None) -> Bot:
        """`prepare` runs on the built bot before it connects (e.g. to register a renderer or
        add a test's cog); it may be a coroutine function."""
        configure_endpoints(self.settings)
        if "cogs.escalation" in self.extensions:
            shared_detector_data()  # the detector's lexicon and automaton, built once
        self.db = await open_test_database(self.settings.database_path)
        await apply_migrations(self.db)
        # As `python -m bot` builds it: a ShardedBot when the settings name shards (SHARD_COUNT).
        bot = bot_class(self.settings)(
            settings=self.settings,
            db=self.db,
            scheduler=held_scheduler(),
            clock=self.clock,
            extensions=self.extensions,
            guild_ready_timeout=0.1,
        )
        self.bot = bot
        self.fake.bots_quiet.append(self.quiet)
        if prepare is not None:
            prepared = prepare(bot)
            if inspect.isawaitable(prepared):
                await prepared
        with for_bots():  # its features share what is built once (tests/reuse.py)
            self._task = asyncio.create_task(bot.start(self.settings.discord_token))
        await self.fake.wait_until_connected(timeout=10)
        async with asyncio.timeout(10):
            while not all(bot.get_guild(g) for g in self.fake.guilds if bot.owns_guild(g)):
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        if sync:
            await bot.sync_commands()
        return bot

    async def idle(self, timeout: float = 10.0) -> None:
        """The barrier: wait until the bot has nothing left to do, then return.

        Round after round until one changes nothing: (1) gateway idle: the bot has read and
        dispatched every event the loopback Discord sent (`fake.gateway_settled()`), and no
        event listener, command, button, modal or `bot.spawn` task is still running; (2) outbox
        idle: the dispatcher has sent (or given up on) every row due by the bot's clock
        (`dispatcher.drain()`; rows waiting for a retry later by that clock do not count).
        Scheduler jobs are not waited for: tests run them by hand."""
        assert self.bot is not None, "start the bot first"
        await self._settle(timeout, gateway=True)

    async def quiet(self, timeout: float = 10.0) -> None:
        """`idle()` without the gateway barrier (no heartbeat asked, so none of discord.py's
        110 gateway sends a minute): until a round changes nothing, no event listener,
        command, button, modal or `bot.spawn` task is running and the outbox has sent what
        is due. The loopback Discord waits on it for a deferred answer's follow-up."""
        if self.bot is not None:
            await self._settle(timeout, gateway=False)

    async def _settle(self, timeout: float, *, gateway: bool) -> None:
        bot = self.bot
        assert bot is not None
        async with asyncio.timeout(timeout):
            while True:
                before = (self.fake.events_sent(), len(self.fake.requests))
                if gateway:
                    await self.fake.gateway_settled(timeout)
                while busy := busy_tasks():
                    await asyncio.wait(busy)
                    await asyncio.sleep(0)  # let their done callbacks run
                await bot.dispatcher.drain(within=timeout)
                after = (self.fake.events_sent(), len(self.fake.requests))
                if after == before and not busy_tasks():
                    return

    async def stop(self) -> None:
        if self.quiet in self.fake.bots_quiet:
            self.fake.bots_quiet.remove(self.quiet)
        if self.bot is not None:
            # A bot stopped within guild_ready_timeout of its start: the READY discord.py has
            # yet to dispatch is dropped, not dispatched on the closed client (an error and a
            # "coroutine was never awaited" warning at the end of the run).
            ready = getattr(self.bot._connection, "_ready_task", None)  # pyright: ignore[reportPrivateUsage]
            if ready is not None:
                ready.cancel()
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
