"""Weathering storms (issue 21): a member who died or asked to be remembered, and groups that
lose their last leader. See cog.py."""

from bot.client import Bot
from cogs.storms.cog import StormsCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(StormsCog(bot))
