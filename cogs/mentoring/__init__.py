"""One-to-one peer support: mentors for newly diagnosed members, leader buddies (issue 22)."""

from bot.client import Bot
from cogs.mentoring.cog import MentoringCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(MentoringCog(bot))
