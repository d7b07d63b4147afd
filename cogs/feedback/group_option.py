"""The `group` option of /poll and /feedback: a typed value or a pick from the list -> a group,
and the choices offered while typing. Discord glue (the groups come from `bot.groups`)."""

from __future__ import annotations

from discord import app_commands

from bot.directory import GroupDirectory, GroupRef
from bot.errors import NotFound
from bot.i18n import N_


async def resolve_group(groups: GroupDirectory, guild_id: int, value: str) -> GroupRef:
    """A group id picked from the list, or a name typed in full; archived groups are not found."""
    value = value.strip()
    group = await groups.get(guild_id, int(value)) if value.isdigit() else None
    if group is None:
        matches = [
            g
            for g in await groups.search(guild_id, value, limit=25)
            if g.name.casefold() == value.casefold()
        ]
        group = matches[0] if len(matches) == 1 else None
    if group is None or group.archived:
        raise NotFound(
            N_("I can't find a group called “{name}”. Please pick one from the list."),
            name=value[:80],
        )
    return group


def group_choices(groups: list[GroupRef], current: str) -> list[app_commands.Choice[str]]:
    wanted = current.strip().casefold()
    return [
        app_commands.Choice(name=g.name[:100], value=str(g.id))
        for g in groups
        if not g.archived and wanted in g.name.casefold()
    ][:25]
