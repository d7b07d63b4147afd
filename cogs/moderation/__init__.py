"""Moderation and guidelines: reports, warnings, timeouts, the mod log's messages, and the
server's and groups' guidelines with their reminders."""

from bot.client import Bot
from cogs.moderation.cog import ModerationCog
from cogs.moderation.guidelines_cog import GuidelinesCog
from cogs.moderation.reports_cog import ReportsCog


async def setup(bot: Bot) -> None:
    moderation = ModerationCog(bot)
    await bot.add_cog(moderation)
    await bot.add_cog(ReportsCog(bot, moderation.service))
    await bot.add_cog(GuidelinesCog(bot, moderation.guidelines))
