"""The moderation feature's answers for `bot.facts` (bot/facts.py): `guidelines` (the version a
group follows: its own, else the server's) and its part of `cases` (open reports in a group's
channel, reports of a period). A report belongs to a group when it was made in the group's text
channel. Counts only: never who reported, whom, or the words."""

from __future__ import annotations

from collections.abc import Callable

from bot.db import Database
from bot.directory import GroupDirectory
from bot.facts import CaseCounts, GroupNotices
from cogs.moderation.models import SERVER
from cogs.moderation.repository_facts import ModerationFactsRepository


class GuidelineFacts:
    def __init__(self, db: Database) -> None:
        self._repo = ModerationFactsRepository(db)

    async def version(self, guild_id: int, group_id: int) -> str | None:
        own = await self._repo.version(guild_id, group_id)
        found = own if own is not None else await self._repo.version(guild_id, SERVER)
        return None if found is None else str(found)


class ReportFacts:
    def __init__(self, db: Database, groups: Callable[[], GroupDirectory]) -> None:
        self._repo = ModerationFactsRepository(db)
        self._groups = groups

    async def _channel(self, guild_id: int, group_id: int) -> int | None:
        group = await self._groups().get(guild_id, group_id)
        return None if group is None else group.channel_id

    async def notices(self, guild_id: int, group_id: int) -> GroupNotices:
        channel = await self._channel(guild_id, group_id)
        if channel is None:
            return GroupNotices()
        return GroupNotices(open_reports=await self._repo.open_reports(guild_id, channel))

    async def counts(self, guild_id: int, group_id: int | None, start: int, end: int) -> CaseCounts:
        channel = None if group_id is None else await self._channel(guild_id, group_id)
        if group_id is not None and channel is None:
            return CaseCounts(reports=0, crisis_cases=0)
        found = await self._repo.reports_between(guild_id, channel, start, end)
        return CaseCounts(reports=found, crisis_cases=0)
