"""/group: what its commands share. The commands themselves are in commands_manage.py (create,
edit, archive, leaders: moderators) and commands_membership.py (the directory, joining and
leaving, a group's members, the panel); GroupsCog (cog.py) is assembled from both.

The order the subcommands are declared in is the order Discord receives them: `leaders` here,
then commands_manage.py, then commands_membership.py (cog.py imports them in that order).

The group options of /group read the feature's own tables (a waitlist counts as "mine", an
archived group can be named to unarchive it); their choices are built by the kit's `choices`.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import Audience
from bot.client import Bot
from bot.feature import Feature
from bot.i18n import server_translator
from bot.kit.groups import choices
from bot.ui import BaseView
from cogs.groups import render
from cogs.groups.access import AccessKeeper
from cogs.groups.joining import JoinFlow
from cogs.groups.records import Group
from cogs.groups.roles import GroupRoles
from cogs.groups.service import GroupService
from cogs.groups.views import JoinButton

log = logging.getLogger(__name__)

GROUP = app_commands.Group(name="group", description=_T("Peer support groups"), guild_only=True)
LEADERS = app_commands.Group(
    name="leaders", description=_T("A group's leaders (moderators)"), parent=GROUP
)

OPEN, RESTRICTED = "open", "restricted"  # values of the access option
ACCESS_CHOICES = [
    app_commands.Choice(name=_T("open"), value=OPEN),
    app_commands.Choice(name=_T("restricted: leaders approve"), value=RESTRICTED),
]


class GroupCommands(Feature):
    """The base of GroupsCog's mixins (the /group commands, the reconcile listeners):
    GroupsCog.__init__ sets these parts up."""

    group = GROUP
    leaders = LEADERS

    bot: Bot
    service: GroupService
    roles: GroupRoles
    joining: JoinFlow
    access: AccessKeeper
    live_setups: set[int]  # /group create running in this process (recovery.py skips them)

    async def _require_leader_of(
        self, interaction: discord.Interaction[Bot], group: Group
    ) -> discord.Member:
        return await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)

    async def _group_choices(
        self, interaction: discord.Interaction[Bot], current: str, scope: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete: the groups of `scope` (mine, led, archived, any, active) whose name
        contains what was typed."""
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            return []
        member = interaction.user
        guild_id = interaction.guild.id
        if scope == "mine":
            groups = await self.service.groups_of(guild_id, member.id)
            held = {g.id for g in groups}
            for g in await self.service.list(guild_id):
                waiting = g.waiting and g.id not in held
                if waiting and any(e.user_id == member.id for e in await self.service.waitlist(g)):
                    groups.append(g)
        elif scope == "led" and not await self.bot.access.is_moderator(member):
            groups = [
                g
                for g in await self.service.groups_of(guild_id, member.id)
                if await self.service.is_leader(guild_id, member.id, g.id)
            ]
        elif scope == "archived":
            groups = [
                g for g in await self.service.list(guild_id, include_archived=True) if g.archived
            ]
        elif scope == "any":
            groups = await self.service.list(guild_id, include_archived=True)
        else:
            groups = await self.service.list(guild_id)
        return choices([g.ref() for g in groups], current)

    # ------------------------------------------------------------------ panels

    async def _panel_content(self, guild: discord.Guild) -> tuple[discord.Embed, BaseView]:
        settings = await self.bot.guild_settings.get(guild.id)
        t = server_translator(settings.language)
        groups = await self.service.list(guild.id)
        embed = render.panel_embed(groups, t)
        view = BaseView(timeout=None)
        for g in groups[: render.PANEL_BUTTONS]:
            view.add_item(JoinButton(group=g.id, label=g.name))
        return embed, view

    async def refresh_panels(self, guild: discord.Guild) -> None:
        """Groups changed: edit every panel of this server (deleted panels are forgotten)."""
        panels = await self.service.panels(guild.id)
        if not panels:
            return
        embed, view = await self._panel_content(guild)
        for panel in panels:
            if panel.message_id is None:
                continue
            message = self.bot.get_partial_messageable(
                panel.channel_id, guild_id=guild.id
            ).get_partial_message(panel.message_id)
            try:
                await message.edit(embed=embed, view=view)
            except discord.NotFound:
                await self.service.forget_panel(panel.id)
            except discord.HTTPException:
                log.warning("could not refresh groups panel %d", panel.id, exc_info=True)
