"""Role bookkeeping: every group role the bot gives or takes goes through `GroupRoles`, which
remembers the change until its gateway event comes back, so reconcile.py does not read the bot's
own change as one made by hand (even when the event arrives after the member has left again).
Also the channel overwrites that follow a group's leaders and its archived state."""

from __future__ import annotations

import logging
import time

import discord

from cogs.groups import provision
from cogs.groups.records import Group
from cogs.groups.service import GroupService

log = logging.getLogger(__name__)

FORGET_AFTER = 300  # seconds: an expected role event that never came (e.g. a reconnect)
HELD = "Access to the group is held"  # the audit-log reason when a held role is taken back


async def fetch_member(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """From the cache, else from Discord; None when they are not on the server."""
    member = guild.get_member(user_id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


class GroupRoles:
    """Gives and takes group roles, remembering its own changes; sets channel access."""

    def __init__(self, service: GroupService) -> None:
        self._service = service
        # Role changes the bot itself is making: (guild, user, role, added) -> when asked.
        self._own_changes: dict[tuple[int, int, int, bool], float] = {}

    def _expect(self, member: discord.Member, role: discord.Role, added: bool) -> None:
        now = time.monotonic()
        for key, at in list(self._own_changes.items()):
            if now - at > FORGET_AFTER:  # its event never came (e.g. a reconnect): forget it
                del self._own_changes[key]
        self._own_changes[(member.guild.id, member.id, role.id, added)] = now

    def was_own_change(self, guild_id: int, user_id: int, role_id: int, added: bool) -> bool:
        """True (once) for a role change the bot made itself."""
        return self._own_changes.pop((guild_id, user_id, role_id, added), None) is not None

    async def give(self, member: discord.Member, role: discord.Role, reason: str) -> None:
        """Every group role the bot gives goes through here."""
        self._expect(member, role, True)
        try:
            await member.add_roles(role, reason=reason)
        except BaseException:
            self.was_own_change(member.guild.id, member.id, role.id, True)
            raise

    async def remove(self, member: discord.Member, role: discord.Role, reason: str) -> None:
        self._expect(member, role, False)
        try:
            await member.remove_roles(role, reason=reason)
        except BaseException:
            self.was_own_change(member.guild.id, member.id, role.id, False)
            raise

    async def take_back(self, member: discord.Member, role: discord.Role, reason: str) -> None:
        """Remove the role, logging (not raising) when Discord refuses."""
        try:
            await self.remove(member, role, reason)
        except discord.HTTPException:
            log.warning("could not take the role %d back from a member", role.id)

    async def apply_channel_access(self, guild: discord.Guild, group: Group) -> None:
        """The group's role and leaders on its channels, as its archived state wants them."""
        role = guild.get_role(group.role_id) if group.role_id else None
        leaders = [u for u, r, _ in await self._service.members(group) if r == "leader"]
        for channel_id in (group.channel_id, group.voice_channel_id):
            channel = guild.get_channel(channel_id) if channel_id else None
            if channel is None:
                continue
            if role is not None:
                await provision.set_channel_access(
                    channel, role, provision.MEMBER_ALLOW, archived=group.archived
                )
            for leader_id in leaders:
                target = await fetch_member(guild, leader_id)
                if target is None:
                    continue
                await provision.set_channel_access(
                    channel, target, provision.LEADER_ALLOW, archived=group.archived
                )

    async def grant_leader_access(
        self, guild: discord.Guild, group: Group, member: discord.Member, leader: bool
    ) -> None:
        """A leader added (the role, and leaders' rights on every channel) or removed."""
        role = guild.get_role(group.role_id) if group.role_id else None
        if role is not None and role not in member.roles:
            await self.give(member, role, f"Leader of {group.name}")
        for channel_id in (group.channel_id, group.voice_channel_id, group.leaders_channel_id):
            channel = guild.get_channel(channel_id) if channel_id else None
            await provision.set_channel_access(
                channel,
                member,
                provision.LEADER_ALLOW if leader else None,
                archived=group.archived and channel_id != group.leaders_channel_id,
            )
