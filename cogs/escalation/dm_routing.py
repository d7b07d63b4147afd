"""Distress escalation: a crisis DM to the bot goes to one community, Discord side (issue 17).
The rules are in service_routing.py; the texts in render_routing.py.

Last activity: when each member last wrote in each server, noted by the catch-up as messages
arrive (service_catchup.py) and written in batches; for a member who never wrote, the server
they joined last."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.client import Bot
from bot.dispatcher import PermanentFailure, Rendered
from bot.guild_settings import INTERNATIONAL
from bot.i18n import DEFAULT_LANGUAGE
from bot.outbox import OutboxMessage
from cogs.escalation import render, render_routing
from cogs.escalation.detection import Detection
from cogs.escalation.helplines import Helplines
from cogs.escalation.service import Incoming
from cogs.escalation.service_catchup import CatchupService
from cogs.escalation.service_routing import DmRouting, Route, Settled

log = logging.getLogger(__name__)


class DmDesk:
    def __init__(
        self,
        bot: Bot,
        routing: DmRouting,
        catchup: CatchupService,
        helplines: Helplines,
        refresh: Callable[[int], Awaitable[object]],
    ) -> None:
        self.bot = bot
        self.refresh = refresh  # edit a case's alert (alerts.py)
        self.routing = routing
        self.catchup = catchup
        self.helplines = helplines

    async def receive(
        self,
        message: discord.Message,
        incoming: Incoming,
        detection: Detection,
        guild_ids: list[int],
    ) -> object:
        user_id = message.author.id
        activity = await self.catchup.last_activity(user_id)
        joined: dict[int, int] = {}
        for guild in self.bot.guilds:
            member = guild.get_member(user_id)
            if member is not None and member.joined_at is not None:
                joined[guild.id] = int(member.joined_at.timestamp())
        return await self.routing.receive(
            incoming, detection, guild_ids, last_active=activity, joined=joined
        )

    # ------------------------------------------------------------------ rendering

    def _name(self, user_id: int) -> str | None:
        user = self.bot.get_user(user_id)
        return user.display_name if user is not None else None

    def _server(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else str(guild_id)

    async def _parts(self, route: Route) -> tuple[Any, Any]:
        settings = await self.bot.guild_settings.get(route.fallback_guild_id)
        t = await self.bot.languages.translator(
            route.fallback_guild_id, route.user_id, server_language=settings.language
        )
        return t, self.helplines.for_region(settings.effective_region, t.language)

    async def settled_parts(self, settled: Settled) -> tuple[str, discord.Embed]:
        t, resources = await self._parts(settled.route)
        content = render_routing.settled_content(
            self._name(settled.route.user_id),
            resources,
            t,
            server=self._server(settled.guild_id),
            chosen=settled.by == "member",
        )
        return content, render.resources_embed(resources, t)

    async def render_question(self, message: OutboxMessage) -> Rendered:
        route = await self.routing.route(int(message.payload["route_id"]))
        if route is None:
            raise PermanentFailure(f"route {message.payload.get('route_id')} does not exist")
        t, resources = await self._parts(route)
        embed = render.resources_embed(resources, t)
        name = self._name(route.user_id)
        if route.settled_at is not None:  # settled before the question could go out
            chosen = route.chosen_guild_id or route.fallback_guild_id
            content = render_routing.settled_content(
                name, resources, t, server=self._server(chosen), chosen=route.chosen_by == "member"
            )
            return Rendered(content=content, embeds=[embed])
        servers = [(g, self._server(g)) for g in route.guild_ids]
        return Rendered(
            content=render_routing.question_content(name, resources, t),
            embeds=[embed],
            view=render_routing.question_view(route.id, servers),
        )

    async def question_sent(self, message: OutboxMessage, message_id: int) -> None:
        await self.routing.question_sent(int(message.payload["route_id"]), message_id)

    async def question_failed(self, message: OutboxMessage, error: Exception) -> None:
        """The member's DMs refused the resources: the moderators are told at once."""
        for case_id in await self.routing.question_failed(int(message.payload["route_id"])):
            await self.refresh(case_id)

    async def render_resources(self, message: OutboxMessage) -> Rendered:
        region = message.payload.get("region") or INTERNATIONAL
        language = message.payload.get("language")
        t = await self.bot.languages.translator(
            message.guild_id,
            message.destination_id,
            server_language=str(language) if language else DEFAULT_LANGUAGE,
        )
        resources = self.helplines.for_region(str(region), t.language)
        content = render_routing.resources_only_content(
            self._name(message.destination_id), resources, t
        )
        return Rendered(content=content, embeds=[render.resources_embed(resources, t)])

    # ------------------------------------------------------------------ settling

    async def chosen(
        self, interaction: discord.Interaction[Any], route_id: int, guild_id: int
    ) -> None:
        settled = await self.routing.choose(route_id, interaction.user.id, guild_id)
        content, embed = await self.settled_parts(settled)
        await interaction.response.edit_message(content=content, embeds=[embed], view=None)

    async def settle_due(self) -> None:
        """Routes whose minute is over: the case is opened in the server where the member last
        wrote; the question, when it was sent, says so (best effort: the case is what counts)."""
        for settled in await self.routing.settle_due():
            message_id = settled.route.question_message_id
            if message_id is None or settled.already:
                continue
            try:
                user = self.bot.get_user(settled.route.user_id) or await self.bot.fetch_user(
                    settled.route.user_id
                )
                channel = user.dm_channel or await user.create_dm()
                content, embed = await self.settled_parts(settled)
                await channel.get_partial_message(message_id).edit(
                    content=content, embeds=[embed], view=None
                )
            except discord.HTTPException as error:
                log.warning(
                    "escalation: could not update the question of route %d: %s",
                    settled.route.id,
                    error,
                )
