"""A stand-in for the groups feature, for group-only polls and feedback to a group's leaders.

The groups feature (cogs/groups) is not what these tests are about; `test_with_real_groups.py`
runs group polls and group feedback against it end to end. This in-memory `GroupDirectory`
answers the few questions feedback asks (`get`, `is_member`, `member_ids`, `leader_ids`,
`groups_of`, `led_by`, `search`) and tells the access checks who leads what, so the other
tests can set up many groups and members in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol

from bot.client import Bot
from bot.directory import GroupRef, NoGroups


class HasId(Protocol):
    id: int


def _id(user: int | HasId) -> int:
    return user if isinstance(user, int) else user.id


class StandInGroups(NoGroups):
    """Groups kept in memory: {group id: GroupRef}, members and leaders as user ids."""

    def __init__(self) -> None:
        self.groups: dict[int, GroupRef] = {}
        self.members: dict[int, set[int]] = {}
        self.leaders: dict[int, set[int]] = {}
        self.bot: Bot | None = None

    def add(
        self,
        guild_id: int,
        name: str,
        *,
        channel_id: int | None = None,
        members: Iterable[int | HasId] = (),
        leaders: Iterable[int | HasId] = (),
    ) -> GroupRef:
        group = GroupRef(
            id=len(self.groups) + 1,
            guild_id=guild_id,
            name=name,
            timezone="UTC",
            channel_id=channel_id,
            voice_channel_id=None,
            role_id=None,
            archived=False,
        )
        self.groups[group.id] = group
        self.leaders[group.id] = {_id(u) for u in leaders}
        self.members[group.id] = {_id(u) for u in members} | self.leaders[group.id]
        return group

    def join(self, group: GroupRef, user_id: int) -> None:
        """A member joins, and the bot hears of it as the real feature would tell it."""
        self.members[group.id].add(user_id)
        if self.bot is not None:
            self.bot.dispatch("group_member_joined", group.guild_id, group.id, user_id)

    def archive(self, group: GroupRef) -> None:
        self.groups[group.id] = replace(group, archived=True)

    async def is_leader(self, guild_id: int, user_id: int, group_id: int | None) -> bool:
        return any(
            user_id in self.leaders[g.id]
            for g in self.groups.values()
            if g.guild_id == guild_id and (group_id is None or g.id == group_id)
        )

    async def get(self, guild_id: int, group_id: int) -> GroupRef | None:
        group = self.groups.get(group_id)
        return group if group is not None and group.guild_id == guild_id else None

    async def is_member(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return await self.get(guild_id, group_id) is not None and user_id in self.members[group_id]

    async def member_ids(self, guild_id: int, group_id: int) -> list[int]:
        return sorted(self.members.get(group_id, ())) if await self.get(guild_id, group_id) else []

    async def leader_ids(self, guild_id: int, group_id: int) -> list[int]:
        return sorted(self.leaders.get(group_id, ())) if await self.get(guild_id, group_id) else []

    async def groups_of(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return [
            g
            for g in self.groups.values()
            if g.guild_id == guild_id and not g.archived and user_id in self.members[g.id]
        ]

    async def led_by(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return [
            g
            for g in self.groups.values()
            if g.guild_id == guild_id and not g.archived and user_id in self.leaders[g.id]
        ]

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        return [
            g
            for g in self.groups.values()
            if g.guild_id == guild_id
            and (include_archived or not g.archived)
            and query.casefold() in g.name.casefold()
        ][:limit]


def install_groups(groups: StandInGroups) -> Callable[[Bot], None]:
    """A `prepare` hook for `BotRunner.start`: once every extension has loaded (the real groups
    feature, if loaded, installs itself then), the stand-in becomes `bot.groups` and the
    source of truth about who leads a group."""

    def prepare(bot: Bot) -> None:
        async def install() -> None:
            bot.groups = groups
            bot.access.set_leader_lookup(groups.is_leader)

        groups.bot = bot
        bot.add_rebuilder(install)

    return prepare
