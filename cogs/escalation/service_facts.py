"""The escalation feature's answers for `bot.facts` (bot/facts.py): `duty` (the moderators on
the rota during a session) and its part of `cases` (members of a group who asked to be
contacted; how many crisis cases a period had), and `bot.metrics.alerts` (bot/metrics.py: how
many alerts nobody has claimed, for /metrics). Counts and ids only: never a case's words.

A crisis case belongs to a group when it started in the group's text channel (or a thread of
it); a case with no channel (a DM, /support, the contact button) belongs to the groups the
member is in now."""

from __future__ import annotations

from collections.abc import Callable

from bot.db import Database
from bot.directory import GroupDirectory
from bot.facts import CaseCounts, GroupNotices
from bot.metrics import UnclaimedAlerts
from cogs.escalation.duty import DutyService
from cogs.escalation.repository_duty import DutyRepository
from cogs.escalation.repository_facts import EscalationFactsRepository

STEP_SECONDS = 15 * 60  # how finely a session's span is looked at for rota shifts
MAX_STEPS = 96  # a day's worth: longer spans are looked at this many times


class DutyFacts:
    def __init__(self, db: Database, duty: Callable[[], DutyService]) -> None:
        self._repo = DutyRepository(db)
        self._duty = duty

    async def on_duty(self, guild_id: int, start: int, end: int) -> list[int] | None:
        """Moderators on duty at any moment of [start, end); None when the server has no rota
        and nobody is on duty by hand then (the moderator role stands in)."""
        has_rota = bool(await self._repo.rota(guild_id))
        if not has_rota and not await self._repo.overrides(guild_id):
            return None
        step = max(STEP_SECONDS, (end - start) // MAX_STEPS + 1)
        found: set[int] = set()
        moment = start
        while moment < max(end, start + 1):
            found.update(d.user_id for d in await self._duty().who(guild_id, moment))
            moment += step
        return sorted(found) if found or has_rota else None


class CrisisFacts:
    def __init__(self, db: Database, groups: Callable[[], GroupDirectory]) -> None:
        self._repo = EscalationFactsRepository(db)
        self._groups = groups

    async def notices(self, guild_id: int, group_id: int) -> GroupNotices:
        members = set(await self._groups().member_ids(guild_id, group_id))
        asked = [u for u in await self._repo.contact_requests(guild_id) if u in members]
        return GroupNotices(contact_requests=tuple(asked))

    async def counts(self, guild_id: int, group_id: int | None, start: int, end: int) -> CaseCounts:
        cases = await self._repo.cases_between(guild_id, start, end)
        if group_id is None:
            return CaseCounts(reports=0, crisis_cases=len(cases))
        groups = self._groups()
        group = await groups.get(guild_id, group_id)
        if group is None:
            return CaseCounts(reports=0, crisis_cases=0)
        members = set(await groups.member_ids(guild_id, group_id))
        channel = group.channel_id
        found = sum(
            1
            for user, where, parent in cases
            if (channel is not None and channel in (where, parent))
            or (where is None and user in members)
        )
        return CaseCounts(reports=0, crisis_cases=found)

    async def unclaimed(self) -> UnclaimedAlerts:
        count, oldest = await self._repo.unclaimed()
        return UnclaimedAlerts(count=count, oldest_opened_at=oldest)
