from bot.client import Bot
from cogs.feedback.cog import FeedbackCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(FeedbackCog(bot))
