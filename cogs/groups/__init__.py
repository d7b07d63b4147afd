from bot.client import Bot
from cogs.groups.cog import GroupsCog


async def setup(bot: Bot) -> None:
    groups = GroupsCog(bot)
    await bot.add_cog(groups)
    await bot.add_cog(groups.reconcile)
