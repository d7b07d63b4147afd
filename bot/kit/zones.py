"""The IANA time-zone option: one autocomplete and one check for every command that asks for a
zone.

Replaces the three autocompletes built on `search_timezones` in cogs/settings/cog.py
(`/setup timezone`) and cogs/groups/cog.py (`/group create` and `/group edit`). The zone list,
the search and the check stay in bot/guild_settings.py (`search_timezones`,
`validate_timezone`), which services use; this module is their slash-command side.

    @app_commands.describe(zone=_T("A city-based zone such as America/New_York"))
    async def timezone(self, interaction, zone: app_commands.Transform[str, TimeZone]) -> None:

or, keeping a plain `str` option: `command.autocomplete("zone")(timezone_autocomplete)`.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.guild_settings import search_timezones, validate_timezone


def timezone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Up to 25 zones matching what was typed ("new y" -> America/New_York); common zones when
    nothing was typed yet."""
    return [app_commands.Choice(name=c.name, value=c.value) for c in search_timezones(current)]


async def timezone_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return timezone_choices(current)


class TimeZone(app_commands.Transformer):
    """A string option with the zone autocomplete; the value is checked (and its case
    corrected) with `validate_timezone`, whose UserError suggests close names."""

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> str:
        return validate_timezone(value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(value)
