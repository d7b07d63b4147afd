from bot.client import Bot
from cogs.confidentiality.cog import ConfidentialityCog
from cogs.confidentiality.commands_cog import ConfidentialityCommandsCog


async def setup(bot: Bot) -> None:
    confidentiality = ConfidentialityCog(bot)
    await bot.add_cog(confidentiality)
    await bot.add_cog(ConfidentialityCommandsCog(bot, confidentiality.service))
