"""Who may do what. Every command checks in our own code, whatever Discord's default permissions
say (a server admin can change those in Server Settings > Integrations at any time).

Audiences, lowest to highest: member, group leader, moderator (the role set with /setup, and
admins), admin (the owner, or Administrator / Manage Server). Leadership belongs to the groups
feature: it registers a `LeaderLookup` here; until then nobody is a leader.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import IntEnum
from typing import Any

import discord

from bot.errors import NotAllowed, UserError
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_

# (guild_id, user_id, group_id or None for "any group") -> is a leader
LeaderLookup = Callable[[int, int, int | None], Awaitable[bool]]


class Audience(IntEnum):
    MEMBER = 0
    LEADER = 1
    MODERATOR = 2
    ADMIN = 3


ROLE_NAMES = {
    Audience.MEMBER: N_("member"),
    Audience.LEADER: N_("group leader"),
    Audience.MODERATOR: N_("moderator"),
    Audience.ADMIN: N_("server admin"),
}

# A command's `extras`: who may run it. /help reads it and tests/test_project.py checks every
# command has one; the command itself still checks with AccessControl.require.
MEMBER = {"audience": Audience.MEMBER}
LEADER = {"audience": Audience.LEADER}
MODERATOR = {"audience": Audience.MODERATOR}
ADMIN = {"audience": Audience.ADMIN}

AUDIENCE_NAMES = {
    Audience.MEMBER: N_("Everyone"),
    Audience.LEADER: N_("Group leaders"),
    Audience.MODERATOR: N_("Moderators"),
    Audience.ADMIN: N_("Server admins"),
}


def is_admin(member: discord.Member) -> bool:
    # In an interaction Discord sends the member's resolved permissions; prefer those.
    perms = member.resolved_permissions or member.guild_permissions
    return member.id == member.guild.owner_id or perms.administrator or perms.manage_guild


class AccessControl:
    def __init__(self, settings: GuildSettingsService) -> None:
        self._settings = settings
        self._leader_lookup: LeaderLookup | None = None

    def set_leader_lookup(self, lookup: LeaderLookup) -> None:
        self._leader_lookup = lookup

    async def is_moderator(self, member: discord.Member) -> bool:
        return is_admin(member) or await self._has_moderator_role(member)

    async def _has_moderator_role(self, member: discord.Member) -> bool:
        settings = await self._settings.get(member.guild.id)  # remembered: no read each time
        role_id = settings.moderator_role_id
        return role_id is not None and member.get_role(role_id) is not None

    async def is_leader(self, member: discord.Member, group_id: int | None = None) -> bool:
        if self._leader_lookup is None:
            return False
        return await self._leader_lookup(member.guild.id, member.id, group_id)

    async def audience(self, member: discord.Member) -> Audience:
        if is_admin(member):
            return Audience.ADMIN
        if await self._has_moderator_role(member):
            return Audience.MODERATOR
        if await self.is_leader(member):
            return Audience.LEADER
        return Audience.MEMBER

    async def require(
        self,
        interaction: discord.Interaction[Any],
        audience: Audience,
        *,
        group_id: int | None = None,
    ) -> discord.Member:
        """The caller as a Member, or NotAllowed with words saying who may do this."""
        member = caller(interaction)
        if audience == Audience.MEMBER:
            return member
        if audience == Audience.ADMIN:
            if not is_admin(member):
                raise NotAllowed(
                    N_(
                        "Only server admins (Administrator or Manage Server permission) can do "
                        "this. If something needs changing, please ask one of them."
                    )
                )
            return member
        if await self.is_moderator(member):
            return member
        if audience == Audience.LEADER and await self.is_leader(member, group_id):
            return member
        if audience == Audience.MODERATOR:
            settings = await self._settings.get(member.guild.id)
            if settings.moderator_role_id is None:
                raise NotAllowed(
                    N_(
                        "Only moderators can do this, and no moderator role has been set up yet. "
                        "A server admin can choose one with /setup moderator-role."
                    )
                )
            raise NotAllowed(N_("Only moderators can do this. Please ask one of them for help."))
        raise NotAllowed(
            N_(
                "Only this group's leaders and the moderators can do this. "
                "Please ask one of them for help."
            )
        )


def caller(interaction: discord.Interaction[Any]) -> discord.Member:
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise UserError(N_("This command works inside a server, not in direct messages."))
    return interaction.user
