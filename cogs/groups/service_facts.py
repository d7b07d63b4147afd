"""The groups feature's answer for `bot.facts.waitlist` (bot/facts.py): how many were put on a
group's (or every group's) waiting list in a period. A count only."""

from __future__ import annotations

from bot.db import Database
from cogs.groups.repository_facts import WaitlistFactsRepository


class WaitlistFacts:
    def __init__(self, db: Database) -> None:
        self._repo = WaitlistFactsRepository(db)

    async def waitlisted(self, guild_id: int, group_id: int | None, start: int, end: int) -> int:
        return await self._repo.waitlisted(guild_id, group_id, start, end)
