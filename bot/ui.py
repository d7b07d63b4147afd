"""Base classes for views and modals: their errors go through the tree's one error handler."""

from __future__ import annotations

from typing import Any, TypeVar

import discord

from bot.tree import report_error

T = TypeVar("T")


class BaseView(discord.ui.View):
    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        await report_error(interaction, error, source=f"{type(self).__name__} {item!r}")


class BaseModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:
        await report_error(interaction, error, source=f"modal {type(self).__name__}")


def loaded_cog(interaction: discord.Interaction[Any], name: str) -> Any:
    """The feature cog a persistent item belongs to. Items are rebuilt from their custom id, so
    they find their cog through the client; the caller narrows the type."""
    get_cog = getattr(interaction.client, "get_cog", None)
    cog = get_cog(name) if get_cog is not None else None
    if cog is None:
        raise RuntimeError(f"the {name} feature is not loaded")
    return cog
