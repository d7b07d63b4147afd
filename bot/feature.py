"""The feature contract: a feature's cog subclasses `Feature` and declares what it brings to
core; loading the cog registers all of it in core's registries and unloading removes it.

What a feature declares (all optional):

- `outbox_kinds()`: outbox kind -> `OutboxKind(render, on_failure=None, on_sent=None,
  priority=NORMAL)` (or just the renderer). Registered on `bot.dispatcher`; `on_sent(message,
  message_id)` tells the feature the Discord id of what was delivered (bot/dispatcher.py);
  `priority=URGENT` (crisis alerts and resources only) sends its rows ahead of every other.
- `persistent_items`: DynamicItem classes (bot/kit/buttons.py `PersistentButton`), added with
  `bot.add_dynamic_items` so their buttons work after a restart.
- `persistent_modals`: PersistentModal classes (bot/kit/modals.py), added to `bot.modals` so
  their forms are answered by prefix, however many are open and across a restart.
- `job_rebuilders()`: coroutines that rebuild the feature's scheduler jobs from the database,
  run once at start (`bot.add_rebuilder`), or at once when the feature loads later. With
  `job_prefix` ("meetings:"), unloading also removes the feature's jobs. With several
  processes (SHARD_IDS, bot/shards.py), a job for one server's row is armed only where
  `bot.owns_guild(guild_id)`: a rebuilder arms jobs for `self.owned(rows)` (all of them with
  one process); a sweep that claims its rows in a transaction may run anywhere, unless what it
  does needs the server's gateway cache (then it keeps to `bot.shard_set.sql(column)`'s rows).
- `join_gates()`: steps before a group's role is granted (`bot.join_gates`, bot/registry.py).
- `delete_user_data(guild_id, user_id)`: override to delete what the feature keeps about one
  member of one server (PRIVACY.md); core runs every feature's hook with
  `bot.data_deletion.delete_user(guild_id, user_id)`. It may return the `Kept` records it had
  to keep, and why (bot/registry.py).
- `export_user_data(guild_id, user_id)`: override to return what the feature keeps about one
  member of one server, JSON-ready (`/privacy export`); core runs every feature's hook with
  `bot.data_export.export_user(guild_id, user_id)`.
- `mod_log_actions()`: the mod-log action kinds the feature records, kind -> ActionText
  (`bot.modlog.declare`).
- `durable_listeners()`: durable event name -> handler `async (event: Event) -> None`
  (`bot.event_log`, bot/event_log.py): delivered at least once after the transaction that wrote
  the event commits, at start-up again if a crash came between; the handler is idempotent
  (bot/events.py says which events are durable).

A subclass that needs its own `cog_load` / `cog_unload` calls `await super().cog_load()` first
(and `await super().cog_unload()` last).

    class PollsFeature(Feature, name="Feedback"):
        persistent_items = (VoteButton,)
        job_prefix = "feedback:"

        def __init__(self, bot: Bot) -> None:
            super().__init__(bot)
            self.polls = PollService(bot.db, bot.clock, bot.outbox)

        def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
            return {RESULTS: OutboxKind(self._render_results, on_sent=self._results_posted)}

        def job_rebuilders(self) -> Sequence[Rebuilder]:
            return (self._rebuild,)

        def mod_log_actions(self) -> Mapping[str, ActionText]:
            return {POLL_CLOSED: ActionText(N_("Poll closed"), N_("{actor} closed {poll}."))}

        async def delete_user_data(self, guild_id: int, user_id: int) -> None:
            await self.polls.forget_member(guild_id, user_id)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import discord
from discord.ext import commands

from bot.directory import JoinGate
from bot.dispatcher import FailureHandler, Renderer, SentHandler
from bot.event_log import DurableHandler
from bot.modlog import ActionText
from bot.outbox import NORMAL
from bot.registry import Kept

if TYPE_CHECKING:
    from bot.client import Bot
    from bot.kit.modals import PersistentModal

log = logging.getLogger(__name__)

Rebuilder = Callable[[], Awaitable[None]]


class OfServer(Protocol):
    """A row of one server (None: of no server, such as a direct message's)."""

    @property
    def guild_id(self) -> int | None: ...


RowOfServer = TypeVar("RowOfServer", bound=OfServer)


@dataclass(frozen=True)
class OutboxKind:
    """How one outbox kind is sent: its renderer, and who hears that a row failed for good
    (`on_failure(message, error)`) or was delivered (`on_sent(message, message_id)`), and its
    priority: `URGENT` (bot/outbox.py) for a crisis send that goes ahead of all others."""

    render: Renderer
    on_failure: FailureHandler | None = None
    on_sent: SentHandler | None = None
    priority: int = NORMAL


@dataclass
class _Registered:
    """What one Feature put in the registries, so unloading removes exactly that."""

    kinds: list[str] = field(default_factory=list)
    items: tuple[type[discord.ui.DynamicItem[Any]], ...] = ()
    modals: tuple[type[PersistentModal], ...] = ()
    rebuilders: list[Rebuilder] = field(default_factory=list)
    gates: list[JoinGate] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    listeners: list[str] = field(default_factory=list)
    deletion: bool = False
    export: bool = False


class Feature(commands.Cog):
    """Base cog of a feature (see the module docstring)."""

    persistent_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = ()
    persistent_modals: ClassVar[tuple[type[PersistentModal], ...]] = ()
    job_prefix: ClassVar[str | None] = None  # e.g. "meetings:"; its jobs go when it unloads

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._registered = _Registered()

    # ------------------------------------------------------------------ declarations

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {}

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return ()

    def join_gates(self) -> Sequence[JoinGate]:
        return ()

    def mod_log_actions(self) -> Mapping[str, ActionText]:
        return {}

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {}

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        """Override to delete what this feature keeps about one member of one server; return
        what had to be kept, and why."""
        return None

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        """Override to return what this feature keeps about one member of one server."""
        return {}

    def _has_deletion_hook(self) -> bool:
        return type(self).delete_user_data is not Feature.delete_user_data

    def _has_export_hook(self) -> bool:
        return type(self).export_user_data is not Feature.export_user_data

    def owned(self, rows: Iterable[RowOfServer]) -> list[RowOfServer]:
        """The rows of the servers this process handles (`bot.owns_guild`): what a rebuilder
        arms jobs for. Every row when one process runs every server (bot/shards.py)."""
        owns = self.bot.owns_guild
        return [row for row in rows if owns(row.guild_id)]

    # ------------------------------------------------------------------ lifecycle

    async def cog_load(self) -> None:
        try:
            await self._register()
        except BaseException:
            self._unregister()  # a feature that failed to load leaves nothing behind
            raise

    async def cog_unload(self) -> None:
        self._unregister()

    async def _register(self) -> None:
        bot, done = self.bot, self._registered
        for kind, declared in self.outbox_kinds().items():
            spec = declared if isinstance(declared, OutboxKind) else OutboxKind(declared)
            if kind in bot.dispatcher.kinds():
                raise RuntimeError(f"outbox kind {kind!r} already has a renderer")
            bot.dispatcher.register(
                kind, spec.render, spec.on_failure, spec.on_sent, priority=spec.priority
            )
            done.kinds.append(kind)
        for kind, text in self.mod_log_actions().items():
            bot.modlog.declare(kind, text)
            done.actions.append(kind)
        if self.persistent_items:
            bot.add_dynamic_items(*self.persistent_items)
            done.items = tuple(self.persistent_items)
        if self.persistent_modals:
            bot.modals.add(*self.persistent_modals)
            done.modals = tuple(self.persistent_modals)
        for gate in self.join_gates():
            bot.join_gates.add(gate)
            done.gates.append(gate)
        for name, handler in self.durable_listeners().items():
            bot.event_log.register(name, self.qualified_name, handler)
            done.listeners.append(name)
        if self._has_deletion_hook():
            bot.data_deletion.add(self.qualified_name, self.delete_user_data)
            done.deletion = True
        if self._has_export_hook():
            bot.data_export.add(self.qualified_name, self.export_user_data)
            done.export = True
        for rebuild in self.job_rebuilders():
            bot.add_rebuilder(rebuild)
            done.rebuilders.append(rebuild)
            if bot.jobs_rebuilt:  # loaded after start: nobody else will run it
                await rebuild()

    def _unregister(self) -> None:
        bot, done = self.bot, self._registered
        for kind in done.kinds:
            bot.dispatcher.unregister(kind)
        for kind in done.actions:
            bot.modlog.undeclare(kind)
        if done.items:
            bot.remove_dynamic_items(*done.items)
        if done.modals:
            bot.modals.remove(*done.modals)
        for gate in done.gates:
            bot.join_gates.remove(gate)
        for name in done.listeners:
            bot.event_log.unregister(name, self.qualified_name)
        if done.deletion:
            bot.data_deletion.remove(self.qualified_name)
        if done.export:
            bot.data_export.remove(self.qualified_name)
        for rebuild in done.rebuilders:
            bot.remove_rebuilder(rebuild)
        if self.job_prefix:
            for job in bot.scheduler.get_jobs():
                if job.id.startswith(self.job_prefix):
                    job.remove()
        self._registered = _Registered()
