"""The meetings feature's answers for `bot.facts.sessions` (bot/facts.py): the programme's view
asks which sessions start soon, and how many said they are coming, without reading our tables."""

from __future__ import annotations

from bot.db import Database
from bot.facts import SessionFact
from cogs.meetings.repository_facts import SessionFactsRepository


class MeetingFacts:
    def __init__(self, db: Database) -> None:
        self._repo = SessionFactsRepository(db)

    async def starting_between(self, start: int, end: int) -> list[SessionFact]:
        return await self._repo.starting_between(start, end)

    async def session(self, guild_id: int, occurrence: str) -> SessionFact | None:
        return await self._repo.session(guild_id, occurrence)
