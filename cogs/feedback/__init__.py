"""Anonymous feedback: polls and free text. Its cogs share one set of services."""

from bot.client import Bot
from cogs.feedback.cog import FeedbackCog, FeedbackServices
from cogs.feedback.listeners import FeedbackListenersCog
from cogs.feedback.poll_board import PollBoardCog
from cogs.feedback.poll_commands import PollCommandsCog


async def setup(bot: Bot) -> None:
    services = FeedbackServices.build(bot)
    board = PollBoardCog(bot, services.polls)
    await bot.add_cog(board)
    await bot.add_cog(PollCommandsCog(bot, services.polls, board))
    await bot.add_cog(FeedbackCog(bot, services, board))
    await bot.add_cog(FeedbackListenersCog(bot, services.polls, board))
