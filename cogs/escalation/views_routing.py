"""The buttons of a crisis DM's question, "which community should I tell?" (issue 17):
persistent buttons of the kit (`escalation:route:7:123`, the route and the server), so a press
after a restart still works; the route is read from the database when pressed. What pressing
does lives in the catch-up cog (catchup_cog.py), reached through a small protocol."""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.kit.buttons import PersistentButton
from bot.ui import loaded_cog

ROUTING_COG_NAME = "Escalation catch-up"


class RouteActions(Protocol):
    async def route_chosen(
        self, interaction: discord.Interaction[Any], route_id: int, guild_id: int
    ) -> None: ...


class RouteButton(
    PersistentButton,
    prefix="escalation:route",
    fields={"route": int, "guild": int},
    style=discord.ButtonStyle.primary,
):
    """One community the member may choose. Only the member the DM was sent to can press it
    (it is in their DMs; the service checks the route's member too)."""

    route: int
    guild: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        cog = cast(RouteActions, loaded_cog(interaction, ROUTING_COG_NAME))
        await cog.route_chosen(interaction, self.route, self.guild)
