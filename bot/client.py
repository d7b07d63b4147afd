"""The Bot: built in main() from its dependencies, which it never creates itself."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Literal

import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.checks import AccessControl
from bot.clock import Clock, epoch, system_clock
from bot.config import Settings
from bot.db import Database
from bot.directory import GroupDirectory, NoGroups
from bot.dispatcher import OutboxDispatcher
from bot.do_not_contact import DoNotContact
from bot.event_log import EventLog
from bot.facts import Facts
from bot.guild_settings import GuildSettingsService
from bot.health import HealthServer
from bot.kit.modals import ModalRoutes
from bot.member_language import MemberLanguages
from bot.metrics import BotMetrics
from bot.modlog import ModLog
from bot.outbox import Outbox
from bot.participation import Participation
from bot.registry import DataDeletion, DataExport, JoinGates
from bot.shards import ShardSet
from bot.tree import BotTree, CommandTranslator

log = logging.getLogger(__name__)

# Every feature, in the order they load; `main()` passes it to the Bot. A test names only the
# features it needs (tests/harness.py). The order no longer matters for join gates or mod-log
# kinds (core registries hold them), but /help lists the features in this order.
EXTENSIONS = (
    "cogs.settings",
    "cogs.help",
    "cogs.groups",
    "cogs.feedback",
    "cogs.meetings",
    "cogs.escalation",
    "cogs.moderation",
    "cogs.confidentiality",
    "cogs.privacy",
    "cogs.programme",
    "cogs.language",
    "cogs.storms",
    "cogs.mentoring",
)

Mode = Literal["run", "sync"]


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at a REST or gateway proxy (or the tests' loopback Discord).

    discord.py has no constructor option for these; both are documented class attributes."""
    if settings.api_base:
        Route.BASE = settings.api_base
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def intents() -> discord.Intents:
    value = discord.Intents.default()
    value.members = True  # privileged: group membership follows members joining and leaving
    value.message_content = True  # privileged: distress escalation reads message text
    value.presences = False
    value.typing = False
    return value


def set_aside_from_the_collector() -> None:
    """What the bot holds from start-up on (the features, the catalogues, the servers' channels
    and members) lives as long as it does: set aside from Python's garbage collector, whose
    full passes would otherwise walk all of it again and again, stalling every command in flight
    (100-500 ms each under load in benchmarks/slash_commands.py). Objects set aside are still
    freed when nothing refers to them any more; only cycles among them wait. So at each new
    gateway session (`on_ready`: discord.py has thrown the previous session's servers and
    members away, cycles among them) what was set aside before is collected first."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def set_aside_warm_up() -> None:
    """A warm-up finished after `on_ready` (a feature's library imported in a worker thread so
    its first use is quick: the programme's charts bring matplotlib, numpy and their data, some
    70,000 objects) is set aside as well: otherwise every full pass of the collector walks all
    of it again (about 50 ms each, every command in flight waiting). Only what was not set aside
    yet is collected first, a short pass, so the garbage of the moment is not kept."""
    gc.collect()
    gc.freeze()


class Bot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        scheduler: AsyncIOScheduler,
        clock: Clock = system_clock,
        mode: Mode = "run",
        extensions: Sequence[str] = EXTENSIONS,
        **options: Any,
    ) -> None:
        # The bot never joins voice: discord.py's warnings about voice libraries only confuse.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            **options,
        )
        self.settings = settings
        self.db = db
        self.scheduler = scheduler
        self.clock = clock
        self.mode: Mode = mode
        self.extensions_to_load: tuple[str, ...] = tuple(extensions)
        # Which servers this process handles (bot/shards.py; SHARD_COUNT, SHARD_IDS).
        self.shard_set: ShardSet = settings.shards
        self.outbox = Outbox(db, clock, self.shard_set)
        # Every feature records moderation actions here (settings changes included).
        self.modlog = ModLog(db, clock, self.outbox)
        self.guild_settings = GuildSettingsService(
            db, clock, self.outbox, self.modlog, dispatch=self.dispatch
        )
        self.access = AccessControl(self.guild_settings)
        # Whose language (bot/member_language.py): a member's for what is sent to them.
        self.languages = MemberLanguages(db, self.guild_settings)
        self.outbox.on_user_row(self.languages.record_in)  # the language goes with each DM
        # Core registries that features fill when they load (bot/feature.py).
        self.join_gates = JoinGates()
        self.data_deletion = DataDeletion()
        self.data_export = DataExport()
        # Forms (modals) of the kit: answered here by prefix, before and after a restart.
        self.modals = ModalRoutes()  # handed each form's answer by `dispatch`
        # The groups feature replaces this with its own directory when it loads.
        self._groups: GroupDirectory = NoGroups()
        # Read interfaces features offer the programme's view (bot/facts.py).
        self.facts = Facts()
        self.dispatcher = OutboxDispatcher(self, self.outbox, clock)
        # Members the bot never writes to privately again (bot/do_not_contact.py): every DM
        # the outbox sends is checked against it first.
        self.do_not_contact = DoNotContact(db, clock)
        self.dispatcher.barred = self.do_not_contact.barred
        # Who comes to sessions (bot/participation.py), provided by the meetings feature.
        self.participation = Participation()
        # Durable cross-feature events (bot/event_log.py); features declare their listeners.
        # With SHARD_IDS, this process delivers its own servers' events (bot/shards.py).
        self.event_log = EventLog(db, clock, spawn=self.spawn, shards=self.shard_set)
        self._rebuilders: list[Callable[[], Awaitable[None]]] = []
        self.jobs_rebuilt = False  # True once setup_hook has run every rebuilder
        self._background: set[asyncio.Task[Any]] = set()
        # /healthz and /metrics (bot/health.py, bot/metrics.py), when HEALTH_PORT is set.
        self.metrics = BotMetrics(self)
        self.health = HealthServer(self)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "interaction" and args and isinstance(args[0], discord.Interaction):
            # Before any handler of it runs: what it sends the member later is in their language.
            interaction = args[0]
            self.languages.saw(interaction.guild_id, interaction.user.id, str(interaction.locale))
            if interaction.type is discord.InteractionType.modal_submit:
                # Only a form's answer has work for the kit: no task for every other interaction.
                self.spawn(self.modals.on_interaction(interaction), name="modal answer")
        elif event_name == "socket_event_type" and args:
            self.metrics.saw_event(str(args[0]))  # every gateway event, by type
        super().dispatch(event_name, *args, **kwargs)

    @property
    def groups(self) -> GroupDirectory:
        """What features may ask about groups (bot/directory.py)."""
        return self._groups

    @groups.setter
    def groups(self, directory: GroupDirectory) -> None:
        self._groups = directory

    def owns_guild(self, guild_id: int | None) -> bool:
        """Whether this process handles server `guild_id` (None: a direct message, shard 0's):
        always, unless SHARD_IDS gives other processes some of the shards. A rebuilder arms a
        server's own jobs only for the servers its process owns (bot/feature.py)."""
        return self.shard_set.owns(guild_id)

    def add_rebuilder(self, rebuild: Callable[[], Awaitable[None]]) -> None:
        """Features register how to rebuild their scheduler jobs from the database at start."""
        self._rebuilders.append(rebuild)

    def remove_rebuilder(self, rebuild: Callable[[], Awaitable[None]]) -> None:
        self._rebuilders = [r for r in self._rebuilders if r != rebuild]

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run `work` in the background, held by the bot (so it is not garbage collected),
        logged if it fails, cancelled by close(), and awaited by the tests' idle barrier."""
        task = asyncio.create_task(work, name=f"bot-background: {name}")
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def background_tasks(self) -> frozenset[asyncio.Task[Any]]:
        return frozenset(self._background)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CommandTranslator())
        for extension in self.extensions_to_load:
            await self.load_extension(extension)
        if self.mode == "sync":
            return
        for rebuild in list(self._rebuilders):
            await rebuild()
        self.jobs_rebuilt = True
        self.scheduler.add_job(
            self._prune_outbox,
            "interval",
            hours=1,
            id="core:outbox-prune",
            replace_existing=True,
        )
        self.scheduler.start()
        # Pending sends go out at once, before the gateway is even connected.
        await self.dispatcher.start()
        # Durable events a crash left undelivered reach their listeners now.
        self.event_log.start()
        await self.health.start()

    async def _prune_outbox(self) -> None:
        removed = await self.outbox.repository.prune(epoch(self.clock()))
        if removed:
            log.info("outbox: pruned %d old rows", removed)
            await self.db.forget()  # their payloads (feedback texts) out of the log too
        events = await self.event_log.prune()
        if events:
            log.info("event log: pruned %d old events", events)

    async def close(self) -> None:
        await self.health.stop()
        self.event_log.stop()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.dispatcher.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
        gc.unfreeze()  # what start-up made may be garbage now (another bot may start here)

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Register the slash commands: to DEV_GUILD_ID when set (instant), else globally."""
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            return await self.tree.sync(guild=guild)
        return await self.tree.sync()

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("connected as %s (%s) to %d servers", self.user, self.user.id, len(self.guilds))
        set_aside_from_the_collector()


class ShardedBot(Bot, commands.AutoShardedBot):
    """The Bot for the shards of `SHARD_IDS` (of `SHARD_COUNT`): discord.py's AutoShardedBot,
    which opens one gateway connection per shard, with exactly those shards. Discord sends it
    the events of those shards' servers only; `owns_guild` says which servers they are."""

    def __init__(self, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(
            settings=settings,
            shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,
            **kwargs,
        )


def bot_class(settings: Settings) -> type[Bot]:
    """Bot for one process with discord.py's own behaviour (no SHARD_COUNT), ShardedBot when
    SHARD_COUNT (and perhaps SHARD_IDS) says which shards this process runs."""
    return ShardedBot if settings.shard_count is not None else Bot
