"""The candidates of each server's suggestions, kept in memory and changed one profile at a time.

`/mentor suggest` scores every approved mentor (or every open leader buddy) of a server: 10,000
profiles read from the database take about a hundred milliseconds, the scoring a few. So the
pools are read once, then kept: a write to a profile (repository.py) names the profile it
changed (`changed(guild, user, kind)`, when it writes and again once the write has committed,
as bot/directory.py `Remembered` does), and the next suggestion re-reads only the profiles
named since, moving each into the pool of its kind and status (or out of every pool, when it is
gone). A re-read that overlapped another write is not kept: that suggestion reads its pool
afresh, and the profiles stay named for the next one. Given the database's `changes` (bot/db.py
`Changes`), a write another process sharing the database commits (PostgreSQL: the repository
announces "mentoring_profiles") makes every pool read afresh, and while that cannot be heard
nothing is kept. A change by hand in SQL is seen after `NOTIFY remembered, '*'`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bot.db import Changes
from cogs.mentoring.model import Profile

Key = tuple[int, str, str]  # guild, kind, status
ReadAll = Callable[[], Awaitable[list[Profile]]]
ReadSome = Callable[[int, list[int]], Awaitable[list[Profile]]]  # guild, user ids


NAME = "mentoring_profiles"  # what writes announce to other processes (bot/db.py Changes)


class _ForgetAll:
    """What `Changes` calls when another process changed profiles: every pool read afresh."""

    def __init__(self, pools: ProfilePools) -> None:
        self._pools = pools

    def changed(self) -> None:
        self._pools.forget()


class ProfilePools:
    def __init__(self, limit: int = 1000, changes: Changes | None = None) -> None:
        self.limit = limit
        self._pools: dict[Key, dict[int, Profile]] = {}  # user id -> profile, in each pool
        self._named: dict[int, set[tuple[int, str | None]]] = {}  # guild -> (user, kind|None)
        self._generation = 0
        self._changes = changes
        self._forget_all = _ForgetAll(self)  # held here: Changes keeps it weakly
        if changes is not None:
            changes.register(NAME, self._forget_all)

    def changed(self, guild_id: int, user_id: int, kind: str | None) -> None:
        """A profile was written (`kind` None: every profile of the member)."""
        self._generation += 1
        if any(key[0] == guild_id for key in self._pools):
            self._named.setdefault(guild_id, set()).add((user_id, kind))

    def forget(self) -> None:
        """Every pool read afresh (a change that names no profile)."""
        self._generation += 1
        self._pools.clear()
        self._named.clear()

    async def get(self, key: Key, read_all: ReadAll, read_some: ReadSome) -> list[Profile]:
        guild_id = key[0]
        if self._changes is not None and not self._changes.listening:
            return await read_all()  # another process's writes cannot be heard: keep nothing
        pool = self._pools.get(key)
        if pool is None:
            generation = self._generation
            profiles = await read_all()
            if generation == self._generation:
                if len(self._pools) >= self.limit:
                    self.forget()
                self._pools[key] = {p.user_id: p for p in profiles}
            return profiles
        named = self._named.get(guild_id)
        if named:
            taken = set(named)
            generation = self._generation
            found = await read_some(guild_id, sorted({user for user, _ in taken}))
            if generation != self._generation:  # overlapped a write: not kept
                return await read_all()
            self._apply(guild_id, taken, found)
            named -= taken
        return list(pool.values())

    def _apply(
        self, guild_id: int, taken: set[tuple[int, str | None]], found: Iterable[Profile]
    ) -> None:
        for (guild, kind, _), pool in self._pools.items():
            if guild != guild_id:
                continue
            for user, named_kind in taken:
                if named_kind is None or named_kind == kind:
                    pool.pop(user, None)
        for profile in found:
            if any(profile.user_id == user and k in (None, profile.kind) for user, k in taken):
                pool = self._pools.get((guild_id, profile.kind, profile.status))
                if pool is not None:
                    pool[profile.user_id] = profile
