"""The mentoring feature's answer for `bot.facts.mentoring` (bot/facts.py), for the programme
report: requests, offers, matches, time to match, active matches and check-in ratings of a
period. Numbers only: never words nor names."""

from __future__ import annotations

from bot.db import Database
from bot.facts import MentoringCounts
from cogs.mentoring.repository_facts import MentoringFactsRepository


class MentoringFacts:
    def __init__(self, db: Database) -> None:
        self._repo = MentoringFactsRepository(db)

    async def counts(self, guild_id: int, start: int, end: int) -> MentoringCounts:
        n = await self._repo.totals(guild_id, start, end)
        matches = n.get("matches", 0)
        return MentoringCounts(
            requests=n.get("requests", 0),
            offers=n.get("offers", 0),
            buddies=n.get("buddies", 0),
            matches=matches,
            declined=n.get("declined", 0),
            ended=n.get("ended", 0),
            days_to_match=(
                round(n.get("seconds_to_match", 0) / matches / 86400, 1) if matches else None
            ),
            active=await self._repo.active(guild_id),
            ratings=tuple(n.get(f"rating_{r}", 0) for r in range(1, 6)),
        )
