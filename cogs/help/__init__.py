from bot.client import Bot
from cogs.help.cog import HelpCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(HelpCog(bot))
