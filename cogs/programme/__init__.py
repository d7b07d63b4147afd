from bot.client import Bot
from cogs.programme.cog import ProgrammeCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProgrammeCog(bot))
