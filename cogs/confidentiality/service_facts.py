"""The confidentiality feature's answer for `bot.facts.agreements` (bot/facts.py): who in a
group has not accepted what applies to it yet (the server's agreement and the group's own), the
same list as /confidentiality status. Ids only."""

from __future__ import annotations

from collections.abc import Callable

from bot.directory import GroupDirectory
from cogs.confidentiality.service import ConfidentialityService


class AgreementFacts:
    def __init__(
        self, service: ConfidentialityService, groups: Callable[[], GroupDirectory]
    ) -> None:
        self._service = service
        self._groups = groups

    async def not_accepted(self, guild_id: int, group_id: int) -> list[int]:
        group = await self._groups().get(guild_id, group_id)
        if group is None:
            return []
        return sorted(p.user_id for p in await self._service.pending(guild_id, group))
