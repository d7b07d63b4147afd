"""What the /meeting commands share: the command groups, the group options (the kit's
transformers, archived groups let through so the command can say they have no meetings),
picking a series or a session (typed values and their autocompletes), and who may see a group's
meetings. Discord glue only.

The group options never write to the database (bot/kit/groups.py): a command that names a group
calls `service.rezone(group)` itself, so a time zone changed while the bot was away applies
before the command reads or changes the group's sessions."""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.errors import NotAllowed, NotFound, UserError
from bot.feature import Feature
from bot.i18n import N_
from bot.kit.groups import JoinedGroup, LedGroup
from bot.tree import translator
from cogs.meetings import render
from cogs.meetings.models import Series, local_value
from cogs.meetings.service import MeetingService

MEETING = app_commands.Group(
    name="meeting", description=_T("Group sessions and their reminders"), guild_only=True
)
SETTINGS = app_commands.Group(
    name="settings", description=_T("Meeting settings of a group"), parent=MEETING
)


class LedMeetingGroup(LedGroup):
    """The groups the caller leads (every group for moderators); an archived one is let
    through, for `with_meetings` to refuse in the feature's words."""

    include_archived = True


class JoinedMeetingGroup(JoinedGroup):
    """The caller's groups (every group for moderators); archived ones as above."""

    include_archived = True


def with_meetings(group: GroupRef) -> GroupRef:
    """The group, unless it is archived: an archived group has no meetings."""
    if group.archived:
        raise UserError(N_("{group} is archived, so it has no meetings."), group=group.name)
    return group


class MeetingCommands(Feature):
    """The base of the /meeting command classes; MeetingsCog (cog.py) brings them together."""

    service: MeetingService

    async def _series(self, interaction: discord.Interaction[Bot], value: str) -> Series:
        member = caller(interaction)
        try:
            series_id = int(value)
            if not 0 < series_id < 2**63:  # an id SQLite can hold, or the database refuses it
                raise ValueError(value)
        except ValueError:
            raise NotFound(N_("Please pick a meeting series from the list.")) from None
        series = await self.service.series_for(member.guild.id, series_id)
        await self.bot.access.require(interaction, Audience.LEADER, group_id=series.group_id)
        if series.cancelled_at is not None:
            raise UserError(N_("That series is cancelled."))
        group = await self.bot.groups.get(series.guild_id, series.group_id)
        if group is not None and group.timezone != series.zone:
            await self.service.rezone(group)  # the group's time zone changed since
            series = await self.service.series_for(member.guild.id, series_id)
        return series

    async def _require_member_of(
        self, interaction: discord.Interaction[Bot], group: GroupRef
    ) -> None:
        member = caller(interaction)
        if await self.bot.groups.is_member(group.guild_id, group.id, member.id):
            return
        if await self.bot.access.is_moderator(member):
            return
        raise NotAllowed(N_("Only members of {group} can see its meetings."), group=group.name)

    async def led_series(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            return []
        groups = {g.id: g for g in await self._led_refs(interaction.user)}
        items = await self.service.upcoming(interaction.guild.id, list(groups))
        needle = current.casefold().strip()
        return [
            app_commands.Choice(
                name=f"{u.series.title} · {groups[u.series.group_id].name}"[:100],
                value=str(u.series.id),
            )
            for u in items
            if needle in u.series.title.casefold()
            or needle in groups[u.series.group_id].name.casefold()
        ][:25]

    async def _led_refs(self, member: discord.Member) -> list[GroupRef]:
        if await self.bot.access.is_moderator(member):
            return await self.bot.groups.search(member.guild.id, "", limit=1000)
        return await self.bot.groups.led_by(member.guild.id, member.id)

    async def series_sessions(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        value = getattr(interaction.namespace, "series", None)
        if (
            interaction.guild is None
            or not value
            or not isinstance(interaction.user, discord.Member)
        ):
            return []
        try:
            series = await self.service.series_for(interaction.guild.id, int(value))
        except (ValueError, OverflowError, UserError):
            return []
        # Only the series' leaders (and moderators) see its sessions: a typed id is no key.
        if series.group_id not in {g.id for g in await self._led_refs(interaction.user)}:
            return []
        t = await translator(interaction)
        planned = await self.service.upcoming_planned(series, limit=10)
        return [
            app_commands.Choice(
                name=render.planned_label(p, series.zone, t), value=p.key.isoformat()
            )
            for p in planned
            if current.casefold() in render.planned_label(p, series.zone, t).casefold()
        ][:25]

    def _session_key(self, value: str) -> datetime:
        try:
            return local_value(value)
        except ValueError:
            raise NotFound(N_("Please pick a session from the list.")) from None
