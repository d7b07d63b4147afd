"""Who comes to a group's sessions, for features that must not read the meetings feature's
tables: the most regular members of a group by their RSVPs ("going") over recent sessions.

The meetings feature provides the answer (`bot.participation.provide(lookup)` when it loads,
`provide(None)` when it unloads); until then nobody is known to come. Used by cogs/storms to
suggest who might lead a group that lost its last leader.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

# (guild_id, group_id, since epoch seconds, limit) -> [(user_id, sessions "going")], most first
RegularsLookup = Callable[[int, int, int, int], Awaitable[list[tuple[int, int]]]]


class Participation:
    def __init__(self) -> None:
        self._lookup: RegularsLookup | None = None

    def provide(self, lookup: RegularsLookup | None) -> None:
        self._lookup = lookup

    async def regulars(
        self, guild_id: int, group_id: int, since: int, limit: int = 10
    ) -> list[tuple[int, int]]:
        """The group's members who said "going" most often to sessions starting after `since`,
        with how many times; [] when no feature knows."""
        if self._lookup is None:
            return []
        return await self._lookup(guild_id, group_id, since, limit)
