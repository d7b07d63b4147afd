from bot.client import Bot
from cogs.groups.cog import GroupsCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(GroupsCog(bot))
