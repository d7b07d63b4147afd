"""Base classes for views and modals: their errors go through the tree's one error handler."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
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


def guarded(
    callback: Callable[[T, discord.Interaction[Any]], Awaitable[None]],
) -> Callable[[T, discord.Interaction[Any]], Awaitable[None]]:
    """For `DynamicItem.callback`: discord.py only logs errors of dynamic items, so the member
    would see 'This interaction failed'. Decorate the callback to answer them kindly instead."""

    @functools.wraps(callback)
    async def wrapper(self: T, interaction: discord.Interaction[Any]) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:
            await report_error(interaction, error, source=type(self).__name__)

    return wrapper
