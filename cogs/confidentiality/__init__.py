from bot.client import Bot
from cogs.confidentiality.cog import ConfidentialityCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(ConfidentialityCog(bot))
