from bot.client import Bot
from cogs.meetings.cog import MeetingsCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(MeetingsCog(bot))
