from bot.client import Bot
from cogs.settings.cog import SettingsCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(SettingsCog(bot))
