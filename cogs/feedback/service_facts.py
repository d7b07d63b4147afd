"""The feedback feature's answers for `bot.facts.ratings` (bot/facts.py): the anonymous ratings
of the post-session polls ("How helpful was today's session?", 1 to 5) that closed in a period,
with how many answered, and the server's k. A poll with fewer than k voters has no mean: its
tally was never written (and the programme's view never shows it)."""

from __future__ import annotations

from bot.db import Database
from bot.facts import Rating
from cogs.feedback.poll_creation import DEFAULT_MIN_VOTERS
from cogs.feedback.repository_facts import RatingFactsRepository


class RatingFacts:
    def __init__(self, db: Database) -> None:
        self._repo = RatingFactsRepository(db)

    async def k(self, guild_id: int) -> int:
        return await self._repo.min_voters(guild_id) or DEFAULT_MIN_VOTERS

    async def ratings(self, guild_id: int, start: int, end: int) -> list[Rating]:
        return await self._repo.ratings(guild_id, start, end)
