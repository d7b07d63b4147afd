"""Members' own data rights: `/privacy export` and `/privacy delete` (issue 18)."""

from bot.client import Bot
from cogs.privacy.cog import PrivacyCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(PrivacyCog(bot))
