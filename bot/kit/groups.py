"""Group options for slash commands, and "the group of this channel".

A command that takes a group declares the option with a transformer; its autocomplete offers
the groups the caller may pick (value: the group's id, shown: its name), and the value arrives
as a `GroupRef`, or the member reads one text: “I couldn't find a group called …”.

    async def schedule(
        self, interaction, group: app_commands.Transform[GroupRef, LedGroup], ...
    ) -> None:

    # optional: `group: app_commands.Transform[GroupRef, AnyGroup] | None = None`

Transformers (what the autocomplete offers; what the value accepts):
- `AnyGroup`: every active group; any active group.
- `LedGroup`: the groups the caller leads, every active group for moderators; any active group
  (the command still checks `bot.access.require(..., Audience.LEADER, group_id=...)`).
- `JoinedGroup`: the caller's groups, every active group for moderators; any active group.
- `OwnGroup`: the caller's groups only (moderators too); any active group.
- `ArchivedGroup`: archived groups; any group, archived or not.
- `EveryGroup`: every group, archived ones too; any group.

A value is read as the autocomplete's id, else as a name typed by hand: the group of exactly
that name (any case), else the only group whose name contains it. An archived group is refused
(as unknown) unless the option includes archived ones: a feature with its own words for an
archived group (meetings: "… is archived, so it has no meetings") uses `EveryGroup` and checks
`ref.archived` itself. Nothing here writes to the database; work a feature must do on the
group (meetings moving a group's sessions to a new zone) belongs in the command.

Replaces `_find_group` (cogs/confidentiality/cog.py), `_resolve_group` (cogs/feedback/cog.py,
cogs/moderation/guidelines_cog.py), `_group` (cogs/meetings/cog.py, which also wrote to the
database), the group autocompletes of those cogs (`_group_choices`, `_groups_they_may_ask`,
`_groups_for`, `led_groups`, `my_groups`), and `_group_here` (cogs/confidentiality/cog.py,
cogs/moderation/guidelines_cog.py). The groups feature reads its own tables for `/group`.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.directory import GroupDirectory, GroupRef
from bot.errors import NotFound
from bot.i18n import N_

CHOICES_MAX = 25  # Discord's limit
NAME_MAX = 100  # of a choice's name
UNKNOWN_GROUP = N_("I couldn't find a group called “{name}”. Please pick one from the list.")


async def find_group(
    groups: GroupDirectory, guild_id: int, value: str, *, include_archived: bool = False
) -> GroupRef:
    """The group an option's value names: its id (from the autocomplete) or its name."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) < 19:  # an id SQLite can hold
        ref = await groups.get(guild_id, int(value))
        if ref is not None and (include_archived or not ref.archived):
            return ref
    if value:
        found = await groups.search(
            guild_id, value, limit=CHOICES_MAX, include_archived=include_archived
        )
        exact = [g for g in found if g.name.casefold() == value.casefold()]
        if exact or len(found) == 1:
            return (exact or found)[0]
    raise NotFound(UNKNOWN_GROUP, name=value[:80])


def choices(refs: list[GroupRef], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: the groups whose name contains what was typed, at most 25."""
    needle = current.strip().casefold()
    return [
        app_commands.Choice(name=g.name[:NAME_MAX], value=str(g.id))
        for g in refs
        if needle in g.name.casefold()
    ][:CHOICES_MAX]


def channel_key(channel: Any) -> int | None:
    """The channel whose group a place belongs to: a thread counts as its parent channel."""
    if channel is None:
        return None
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return channel.parent_id
    return channel.id


async def group_here(interaction: discord.Interaction[Any]) -> GroupRef | None:
    """The group whose text or voice channel (or a thread of it) the interaction comes from."""
    channel_id = channel_key(interaction.channel)
    if interaction.guild_id is None or channel_id is None:
        return None
    return await interaction.client.groups.for_channel(interaction.guild_id, channel_id)


class GroupOption(app_commands.Transformer):
    """The base of the group transformers: override `offered` for the autocomplete."""

    include_archived = False

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> GroupRef:
        if interaction.guild_id is None:
            raise NotFound(UNKNOWN_GROUP, name=str(value)[:80])
        return await find_group(
            interaction.client.groups,
            interaction.guild_id,
            str(value),
            include_archived=self.include_archived,
        )

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[app_commands.Choice[str]]:
        member = interaction.user
        if interaction.guild_id is None or not isinstance(member, discord.Member):
            return []
        return choices(await self.offered(interaction.client, member, str(value)), str(value))

    async def offered(self, client: Any, member: discord.Member, current: str) -> list[GroupRef]:
        return await client.groups.search(member.guild.id, current.strip(), limit=CHOICES_MAX)


class AnyGroup(GroupOption):
    """Every active group."""


class LedGroup(GroupOption):
    """The groups the caller leads; every group for moderators."""

    async def offered(self, client: Any, member: discord.Member, current: str) -> list[GroupRef]:
        if await client.access.is_moderator(member):
            return await super().offered(client, member, current)
        return await client.groups.led_by(member.guild.id, member.id)


class JoinedGroup(GroupOption):
    """The caller's groups; every group for moderators."""

    async def offered(self, client: Any, member: discord.Member, current: str) -> list[GroupRef]:
        if await client.access.is_moderator(member):
            return await super().offered(client, member, current)
        return await client.groups.groups_of(member.guild.id, member.id)


class OwnGroup(GroupOption):
    """The caller's own groups, moderators included."""

    async def offered(self, client: Any, member: discord.Member, current: str) -> list[GroupRef]:
        return await client.groups.groups_of(member.guild.id, member.id)


class ArchivedGroup(GroupOption):
    """Archived groups (to bring one back)."""

    include_archived = True

    async def offered(self, client: Any, member: discord.Member, current: str) -> list[GroupRef]:
        found = await client.groups.search(
            member.guild.id, current.strip(), limit=1000, include_archived=True
        )
        return [g for g in found if g.archived]


class EveryGroup(GroupOption):
    """Every group, archived ones too."""

    include_archived = True

    async def offered(self, client: Any, member: discord.Member, current: str) -> list[GroupRef]:
        return await client.groups.search(
            member.guild.id, current.strip(), limit=CHOICES_MAX, include_archived=True
        )
