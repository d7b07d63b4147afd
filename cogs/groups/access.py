"""Access follows the database, Discord side: `AccessKeeper` takes away a group's role and the
permissions on its channels from whoever the database does not entitle (service_access.py says
who is), and reports each outcome to the service: done (the mod log says so, the member is told
what waited for it) or refused (marked "to remove", the moderators told at once, tried again).

What is entitled on a group's channels: @everyone's deny, the bot itself, the group's role on
its text and voice channels (not the leaders' channel), the moderator role everywhere, and each
leader's own permissions. Anything else that lets someone see a channel is taken away: a leader
who left (their permissions stay in Discord after they go), a former leader, an old moderator
role, a role or member given access by hand. Permissions that only deny are left alone.

It runs at start (`reconcile_guild`), when a member joins (`reconcile_member`), when a leader
stops leading, when the moderator role changes (`apply_moderator_role`), and again for what is
still marked (`retry`: at start, every 15 minutes, and when the server's roles change).
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import discord

from bot.client import Bot
from cogs.groups import provision
from cogs.groups.records import Group
from cogs.groups.roles import GroupRoles, fetch_member
from cogs.groups.service import GroupService
from cogs.groups.service_access import OVERWRITE, REASONS, ROLE

log = logging.getLogger(__name__)

Target = discord.Role | discord.Member | discord.User


class AccessKeeper:
    """Takes away access nobody is entitled to; GroupsCog builds one."""

    def __init__(self, bot: Bot, service: GroupService, roles: GroupRoles) -> None:
        self.bot = bot
        self.service = service
        self.roles = roles
        self._locks: dict[int, asyncio.Lock] = {}
        self._retry_waiting: set[int] = set()

    def lock(self, guild_id: int) -> asyncio.Lock:
        """One reconciliation at a time per server."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    # ------------------------------------------------------------------ one target

    async def take_role(
        self, group: Group, user_id: int, reason: str, *, announce: bool = False
    ) -> bool:
        """The group's role away from a member the database no longer entitles to it. True
        when it is gone (or was never there); False when Discord refused (marked, the
        moderators told)."""
        guild = self.bot.get_guild(group.guild_id)
        if guild is None:
            await self.service.mark_removal(group, user_id, ROLE, reason)
            return False
        role = guild.get_role(group.role_id) if group.role_id else None
        try:
            member = await fetch_member(guild, user_id)
            if role is not None and member is not None and role in member.roles:
                await self.roles.remove(member, role, REASONS.get(reason, reason))
            else:
                announce = False  # nothing was there to take
        except discord.HTTPException as error:
            await self.service.removal_failed(
                group, user_id, ROLE, reason, forbidden=isinstance(error, discord.Forbidden)
            )
            return False
        await self.service.removal_done(group, user_id, ROLE, reason, announce=announce)
        return True

    async def take_overwrites(
        self, group: Group, target_id: int, reason: str, *, announce: bool = True
    ) -> bool:
        """A member's or a role's own permissions away from the group's channels where they
        are not entitled. True when none is left; False when Discord refused."""
        guild = self.bot.get_guild(group.guild_id)
        if guild is None:
            await self.service.mark_removal(group, target_id, OVERWRITE, reason)
            return False
        is_role = guild.get_role(target_id) is not None
        entitled = await self._entitled(guild, group)
        removed = False
        failure: discord.HTTPException | None = None
        for channel, leaders_only in _channels(guild, group):
            if not any(t.id == target_id for t in channel.overwrites):
                continue
            if _allowed(target_id, leaders_only, entitled):
                continue
            try:
                target = await self._target(guild, target_id, is_role)
                # A user (who left) works like a member here: discord.py checks the User
                # protocol and sends only the id; its annotation says Member.
                await channel.set_permissions(
                    cast(discord.Member, target), overwrite=None, reason=REASONS.get(reason, reason)
                )
                removed = True
            except discord.HTTPException as error:
                failure = error
        if failure is not None:
            await self.service.removal_failed(
                group,
                target_id,
                OVERWRITE,
                reason,
                forbidden=isinstance(failure, discord.Forbidden),
                target_is_role=is_role,
            )
            return False
        await self.service.removal_done(
            group,
            target_id,
            OVERWRITE,
            reason,
            target_is_role=is_role,
            announce=announce and removed,
        )
        return True

    async def _target(self, guild: discord.Guild, target_id: int, is_role: bool) -> Target:
        """What discord.py's `set_permissions` takes: a role, a member, or (someone who left
        the server, whose permissions Discord keeps) the user."""
        if is_role:
            role = guild.get_role(target_id)
            assert role is not None
            return role
        return (
            guild.get_member(target_id)
            or self.bot.get_user(target_id)
            or await self.bot.fetch_user(target_id)
        )

    async def _entitled(self, guild: discord.Guild, group: Group) -> _Entitled:
        settings = await self.bot.guild_settings.get(guild.id)
        allowed_roles = {guild.id}
        if settings.moderator_role_id:
            allowed_roles.add(settings.moderator_role_id)
        allowed_roles |= {r.id for r in guild.me.roles if r.is_bot_managed()}
        return _Entitled(
            roles=allowed_roles,
            group_role=group.role_id,
            members={guild.me.id} | await self.service.leader_ids(group),
        )

    # ------------------------------------------------------------------ reconciliation

    async def reconcile_guild(self, guild: discord.Guild) -> None:
        """At start (and after an outage): every group's channels as the database says, the
        moderator role on each, then what is still marked to remove."""
        async with self.lock(guild.id):
            for group in await self.service.list(guild.id, include_archived=True):
                await self._reconcile_group(guild, group)
            await self._retry(guild)

    async def _reconcile_group(self, guild: discord.Guild, group: Group) -> None:
        settings = await self.bot.guild_settings.get(guild.id)
        moderators = guild.get_role(settings.moderator_role_id or 0)
        if moderators is not None:
            await self._give_moderators(guild, group, moderators)
        entitled = await self._entitled(guild, group)
        strays: dict[int, bool] = {}  # target id -> is a role
        for channel, leaders_only in _channels(guild, group):
            for target, overwrite in channel.overwrites.items():
                allow, _ = overwrite.pair()
                if allow.view_channel and not _allowed(target.id, leaders_only, entitled):
                    strays[target.id] = _is_role(target)
        for target_id, is_role in sorted(strays.items()):
            why = await self._why(guild, group, target_id, is_role)
            await self.take_overwrites(group, target_id, why)

    async def _why(self, guild: discord.Guild, group: Group, target_id: int, is_role: bool) -> str:
        if is_role:
            return "not_moderator_role"
        if guild.get_member(target_id) is None:
            return "left_server"
        if await self.service.is_member(group, target_id):
            return "not_leader"
        return "not_member"

    async def reconcile_member(self, member: discord.Member) -> None:
        """A member joined (or came back): no permissions of theirs on a group's channels and
        no group role that the database does not give them (e.g. a leader who left and came
        back, a role handed back by another bot)."""
        guild = member.guild
        async with self.lock(guild.id):
            for group in await self.service.list(guild.id, include_archived=True):
                if any(
                    member.id in {t.id for t in channel.overwrites}
                    for channel, _ in _channels(guild, group)
                ):
                    await self.take_overwrites(
                        group, member.id, await self._why(guild, group, member.id, False)
                    )
                role = guild.get_role(group.role_id) if group.role_id else None
                if role is not None and role in member.roles:
                    if member.id not in await self.service.role_holders(group):
                        await self.take_role(group, member.id, "not_member", announce=True)

    async def user_left(self, guild_id: int, user_id: int) -> None:
        """A member left the server: Discord drops their roles but keeps their own permissions
        on channels. Those on every group's channels go now."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        async with self.lock(guild_id):
            for group in await self.service.list(guild_id, include_archived=True):
                if any(
                    user_id in {t.id for t in channel.overwrites}
                    for channel, _ in _channels(guild, group)
                ):
                    await self.take_overwrites(group, user_id, "left_server")

    async def apply_moderator_role(
        self, guild: discord.Guild, old_role_id: int | None, new_role_id: int | None
    ) -> None:
        """The moderator role changed: the new one reads every group's channels, the old one
        no longer does; one mod-log line says so (and any refusal is told at once)."""
        new_role = guild.get_role(new_role_id) if new_role_id else None
        async with self.lock(guild.id):
            groups = await self.service.list(guild.id, include_archived=True)
            for group in groups:
                if new_role is not None:
                    await self._give_moderators(guild, group, new_role)
                if old_role_id and old_role_id != new_role_id:
                    await self.take_overwrites(
                        group, old_role_id, "not_moderator_role", announce=False
                    )
            if groups:
                await self.service.moderator_role_moved(
                    guild.id, old_role_id, new_role_id, len(groups)
                )

    async def _give_moderators(
        self, guild: discord.Guild, group: Group, role: discord.Role
    ) -> None:
        for channel, _ in _channels(guild, group):
            current = channel.overwrites.get(role)
            if current is not None and current.pair()[0].view_channel:
                continue
            try:
                await provision.set_channel_access(channel, role, provision.MODERATOR_ALLOW)
            except discord.HTTPException:
                log.warning("could not give the moderator role access to group %d", group.id)

    async def retry(self, guild: discord.Guild) -> None:
        """Try again what is still marked to remove."""
        async with self.lock(guild.id):
            await self._retry(guild)

    async def retry_all(self) -> None:
        """The 15-minute job."""
        for guild_id in sorted({m.guild_id for m in await self.service.removals()}):
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await self.retry(guild)

    def retry_soon(self, guild: discord.Guild) -> None:
        """The server's roles changed (e.g. the bot's role was moved up): try again now, once."""
        if guild.id in self._retry_waiting:
            return
        self._retry_waiting.add(guild.id)

        async def run() -> None:
            try:
                if await self.service.removals(guild.id):
                    await self.retry(guild)
            finally:
                self._retry_waiting.discard(guild.id)

        self.bot.spawn(run(), name=f"groups: access retry in {guild.id}")

    async def _retry(self, guild: discord.Guild) -> None:
        for mark in await self.service.removals(guild.id):
            group = await self.service.lookup(guild.id, mark.group_id)
            if group is None:
                continue
            if mark.kind == ROLE:
                if mark.target_id in await self.service.role_holders(group):
                    await self.service.drop_mark(group, mark.target_id, ROLE)  # entitled again
                    continue
                await self.take_role(group, mark.target_id, mark.reason)
            else:
                await self.take_overwrites(group, mark.target_id, mark.reason)


class _Entitled:
    """Who may have their own permissions on a group's channels."""

    def __init__(self, *, roles: set[int], group_role: int | None, members: set[int]) -> None:
        self.roles = roles
        self.group_role = group_role
        self.members = members


def _allowed(target_id: int, leaders_only: bool, entitled: _Entitled) -> bool:
    if target_id in entitled.roles or target_id in entitled.members:
        return True
    return not leaders_only and target_id == entitled.group_role


def _is_role(target: discord.Role | discord.Member | discord.Object) -> bool:
    if isinstance(target, discord.Object):
        return target.type is discord.Role
    return isinstance(target, discord.Role)


def _channels(guild: discord.Guild, group: Group) -> list[tuple[discord.abc.GuildChannel, bool]]:
    """The group's channels that exist, each with whether it is the leaders' channel."""
    found: list[tuple[discord.abc.GuildChannel, bool]] = []
    for channel_id, leaders_only in (
        (group.channel_id, False),
        (group.voice_channel_id, False),
        (group.leaders_channel_id, True),
    ):
        channel = guild.get_channel(channel_id) if channel_id else None
        if channel is not None:
            found.append((channel, leaders_only))
    return found
