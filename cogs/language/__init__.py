from bot.client import Bot
from cogs.language.cog import LanguageCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(LanguageCog(bot))
