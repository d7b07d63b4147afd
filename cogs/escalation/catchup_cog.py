"""Distress escalation, the hours the bot was away and crisis DMs (issue 17): Discord glue.

- Catch-up (catchup.py, service_catchup.py): notes what the escalation cog read; at start and
  after a gateway session that could not be resumed (discord.py fires `on_ready` again after a
  fresh IDENTIFY, `on_resumed` after a RESUME, when Discord replays what was missed) it reads
  what was posted meanwhile, and tells the moderators once.
- A crisis DM goes to one community (dm_routing.py, service_routing.py): the buttons of the
  question, and the minute after which the server where the member last wrote is told.

The escalation cog reads the messages; this cog plugs into it while loaded (`dm_router`,
`after_read`), so it works whichever of the two is loaded first."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext import commands

from bot.client import Bot
from bot.dispatcher import Rendered, Renderer
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.outbox import URGENT, OutboxMessage
from cogs.escalation import render_catchup
from cogs.escalation.catchup import CatchupReader
from cogs.escalation.cog import EscalationCog
from cogs.escalation.dm_routing import DmDesk
from cogs.escalation.service_catchup import (
    CATCHUP_SUMMARY,
    FLUSH_SECONDS,
    MAX_HOURS,
    MAX_MESSAGES,
    CatchupService,
)
from cogs.escalation.service_routing import DM_QUESTION, DM_RESOURCES, DmRouting
from cogs.escalation.views_routing import ROUTING_COG_NAME, RouteButton

log = logging.getLogger(__name__)

ROUTES_SECONDS = 10  # how often routes whose minute is over are settled


class EscalationCatchupCog(Feature, name=ROUTING_COG_NAME):
    persistent_items = (RouteButton,)
    job_prefix = "escalation:catchup:"

    def __init__(self, bot: Bot, escalation: EscalationCog) -> None:
        super().__init__(bot)
        self.escalation = escalation
        self.catchup = CatchupService(bot.db, bot.clock, bot.outbox)
        self.routing = DmRouting(
            bot.db, bot.clock, bot.outbox, bot.guild_settings, escalation.service
        )
        self.reader = CatchupReader(bot, self.catchup, escalation.consider)
        self.desk = DmDesk(
            bot, self.routing, self.catchup, escalation.helplines, escalation.alerts.refresh
        )

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            CATCHUP_SUMMARY: self._render_summary,
            DM_QUESTION: OutboxKind(
                self.desk.render_question,
                on_failure=self.desk.question_failed,
                on_sent=self.desk.question_sent,
                priority=URGENT,
            ),
            DM_RESOURCES: OutboxKind(self.desk.render_resources, priority=URGENT),
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._schedule,)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.escalation.dm_router = self.desk.receive
        self.escalation.after_read = self._read

    async def cog_unload(self) -> None:
        self.escalation.dm_router = None
        self.escalation.after_read = None
        try:
            await self.flush()
        except Exception:
            log.exception("escalation: could not write what was read before stopping")
        await super().cog_unload()

    async def delete_user_data(self, guild_id: int, user_id: int) -> None:
        await self.catchup.forget_member(guild_id, user_id)

    # ------------------------------------------------------------------ scheduled work

    async def _schedule(self) -> None:
        now = datetime.now(UTC)
        self.bot.scheduler.add_job(
            self.flush,
            "interval",
            seconds=FLUSH_SECONDS,
            id="escalation:catchup:flush",
            replace_existing=True,
            next_run_time=now,
        )
        self.bot.scheduler.add_job(
            self.settle_routes,
            "interval",
            seconds=ROUTES_SECONDS,
            id="escalation:catchup:routes",
            replace_existing=True,
            next_run_time=now,
        )

    async def flush(self) -> None:
        await self.catchup.flush(g.id for g in self.bot.guilds)

    async def settle_routes(self) -> None:
        await self.desk.settle_due()

    # ------------------------------------------------------------------ the gateway

    def _read(self, message: discord.Message) -> None:
        guild_id = message.guild.id if message.guild is not None else None
        author = None if message.author.bot else message.author.id
        if guild_id is None and author is None:
            return  # the bot's own DMs (reminders, resources): a DM channel counts once written in
        self.catchup.read_live(guild_id, message.channel.id, message.id, author)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """At start, and after a fresh IDENTIFY (a session that could not be resumed)."""
        self.catchup.pause()
        self.bot.spawn(self.reader.catch_up(), name="escalation: catch-up")

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.catchup.resume()

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self.catchup.pause()

    # ------------------------------------------------------------------ renderers and buttons

    async def _render_summary(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(message.guild_id)
        text = render_catchup.summary_text(
            message.payload, t, max_messages=MAX_MESSAGES, hours=MAX_HOURS
        )
        return Rendered(content=text)

    async def route_chosen(
        self, interaction: discord.Interaction[Any], route_id: int, guild_id: int
    ) -> None:
        await self.desk.chosen(interaction, route_id, guild_id)
