from bot.client import Bot
from cogs.programme.cog import ProgrammeCog
from cogs.programme.schedule_cog import ScheduleCog


async def setup(bot: Bot) -> None:
    programme = ProgrammeCog(bot)
    await bot.add_cog(programme)
    await bot.add_cog(ScheduleCog(bot, programme.scheduled, programme.reports))
