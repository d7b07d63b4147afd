"""/group create, edit, archive, unarchive and leaders: setting groups up and changing them
(moderators; a group's leaders may edit it). A mixin of GroupsCog (see commands.py)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import LEADER, MODERATOR, Audience
from bot.client import Bot
from bot.errors import UserError
from bot.i18n import N_
from bot.kit.zones import timezone_autocomplete
from bot.tree import translator
from cogs.groups import provision, render
from cogs.groups.commands import ACCESS_CHOICES, GROUP, LEADERS, OPEN, GroupCommands
from cogs.groups.rules import GroupSpec, channel_name, check_spec

log = logging.getLogger(__name__)


class ManageCommands(GroupCommands):
    # ------------------------------------------------------------------ create

    @GROUP.command(
        name="create",
        description=_T("Create a support group with its own private channel"),
        extras=MODERATOR,
    )
    @app_commands.describe(
        name=_T("The group's name, e.g. Caregivers"),
        leader=_T("The peer who leads the group"),
        description=_T("A few words about who the group is for"),
        topic=_T("The shared experience, e.g. metastatic breast cancer"),
        language=_T("The language the group meets in"),
        access=_T("Open, or restricted (leaders approve each member)"),
        capacity=_T("Members' seats (leave empty for no limit)"),
        timezone=_T("The group's time zone for meetings, e.g. America/New_York"),
        voice=_T("Also create a voice channel for sessions"),
    )
    @app_commands.choices(access=ACCESS_CHOICES)
    async def create(
        self,
        interaction: discord.Interaction[Bot],
        name: str,
        leader: discord.Member,
        description: str | None = None,
        topic: str | None = None,
        language: str | None = None,
        access: str = OPEN,
        capacity: app_commands.Range[int, 1, 1000] | None = None,
        timezone: str | None = None,
        voice: bool = False,
    ) -> None:
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        guild = moderator.guild
        settings = await self.bot.guild_settings.get(guild.id)
        spec = check_spec(
            name=name,
            description=description,
            topic=topic,
            language=language,
            capacity=capacity,
            access=access,
            timezone=timezone or settings.effective_timezone,
        )
        if leader.bot:
            raise UserError(N_("A group's leader must be a person, not a bot."))
        await self.service.check_name_free(guild.id, spec.name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Intent first, then each object recorded as it is made, then the group and "done" in
        # one transaction: a crash anywhere leaves what start-up undoes (recovery.py).
        setup = await self.service.start_provisioning(
            guild.id, spec, by=moderator.id, token=interaction.token
        )
        self.live_setups.add(setup)
        try:
            await self._provision(interaction, setup, spec, leader, moderator, voice)
        finally:
            self.live_setups.discard(setup)

    async def _provision(
        self,
        interaction: discord.Interaction[Bot],
        setup: int,
        spec: GroupSpec,
        leader: discord.Member,
        moderator: discord.Member,
        voice: bool,
    ) -> None:
        guild = moderator.guild
        settings = await self.bot.guild_settings.get(guild.id)
        moderator_role = (
            guild.get_role(settings.moderator_role_id) if settings.moderator_role_id else None
        )

        async def record(column: str, object_id: int) -> None:
            await self.service.record_provisioned(setup, column, object_id)

        try:
            created = await provision.create_resources(
                guild,
                name=spec.name,
                channel_name=spec.channel_name,
                topic=spec.topic or spec.description,
                moderator_role=moderator_role,
                leaders=[leader],
                voice=voice,
                record=record,
            )
        except UserError:
            await self.service.provisioning_failed(setup)
            raise
        assert created.role and created.channel and created.leaders_channel
        try:
            group = await self.service.create(
                guild.id,
                spec,
                by=moderator.id,
                leader_id=leader.id,
                role_id=created.role.id,
                channel_id=created.channel.id,
                voice_channel_id=created.voice.id if created.voice else None,
                leaders_channel_id=created.leaders_channel.id,
                provisioning_id=setup,
            )
        except Exception:
            await created.rollback()
            await self.service.provisioning_failed(setup)
            raise
        try:
            await self.roles.give(leader, created.role, f"Leader of {spec.name}")
        except discord.HTTPException:
            # The leader is on record: start-up gives recorded members their role.
            log.warning("could not give the leader of group %d the role", group.id)
        t = await translator(interaction)
        lines = [
            t(
                "The group {group} is ready: {channel} for its members, {leaders} for its "
                "leaders' join requests, and the role {role}. {leader} leads it.",
                group=group.name,
                channel=created.channel.mention,
                leaders=created.leaders_channel.mention,
                role=created.role.mention,
                leader=leader.mention,
            )
        ]
        if moderator_role is None:
            lines.append(
                t(
                    "Note: no moderator role is set, so only admins and the leader can see the "
                    "channel besides its members. Set one with /setup moderator-role."
                )
            )
        # The deferred reply is edited (not followed up): if a crash comes before `told` is
        # recorded, start-up edits the same message again instead of sending a second one.
        await interaction.edit_original_response(content="\n".join(lines))
        await self.service.provisioning_told(setup)
        await self.refresh_panels(guild)

    @create.autocomplete("name")
    async def name_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        """A preview of the channel name Discord's rules make of the typed name."""
        text = " ".join(current.split())[:60]
        if not text:
            return []
        preview = channel_name(text)
        t = await translator(interaction)
        label = (
            t("{name} → channel #{channel}", name=text, channel=preview)
            if preview
            else t("{name} → needs a letter or number", name=text)
        )
        return [app_commands.Choice(name=label[:100], value=text)]

    create.autocomplete("timezone")(timezone_autocomplete)

    # ------------------------------------------------------------------ edit, archive

    @GROUP.command(name="edit", description=_T("Change a group's details"), extras=LEADER)
    @app_commands.describe(
        group=_T("The group"),
        name=_T("A new name (the channel and role are renamed too)"),
        description=_T("A new description"),
        topic=_T("A new topic"),
        language=_T("The language the group meets in"),
        capacity=_T("Members' seats"),
        no_limit=_T("Remove the seat limit"),
        access=_T("Open, or restricted (leaders approve each member)"),
        timezone=_T("The group's time zone"),
    )
    @app_commands.choices(access=ACCESS_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction[Bot],
        group: str,
        name: str | None = None,
        description: str | None = None,
        topic: str | None = None,
        language: str | None = None,
        capacity: app_commands.Range[int, 1, 1000] | None = None,
        no_limit: bool = False,
        access: str | None = None,
        timezone: str | None = None,
    ) -> None:
        found = await self.service.find(interaction.guild_id or 0, group)
        member = await self._require_leader_of(interaction, found)
        if name is not None:
            await self.bot.access.require(interaction, Audience.MODERATOR)
        updated = await self.service.edit(
            found,
            name=name,
            description=description,
            topic=topic,
            language=language,
            capacity=capacity,
            clear_capacity=no_limit,
            access=access,
            timezone=timezone,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        if name is not None and updated.name != found.name:
            await provision.rename(member.guild, updated)
        t = await translator(interaction)
        await interaction.followup.send(
            t("{group} is updated.", group=updated.name),
            embed=render.group_embed(updated, t),
            ephemeral=True,
        )
        await self.refresh_panels(member.guild)

    @edit.autocomplete("group")
    async def led_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "led")

    edit.autocomplete("timezone")(timezone_autocomplete)

    @GROUP.command(
        name="archive",
        description=_T("Close a group: its channel becomes read-only"),
        extras=MODERATOR,
    )
    @app_commands.describe(group=_T("The group to archive"))
    async def archive(self, interaction: discord.Interaction[Bot], group: str) -> None:
        await self._set_archived(interaction, group, True)

    @GROUP.command(name="unarchive", description=_T("Reopen an archived group"), extras=MODERATOR)
    @app_commands.describe(group=_T("The archived group"))
    async def unarchive(self, interaction: discord.Interaction[Bot], group: str) -> None:
        await self._set_archived(interaction, group, False)

    async def _set_archived(
        self, interaction: discord.Interaction[Bot], value: str, archived: bool
    ) -> None:
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        found = await self.service.find(moderator.guild.id, value)
        await interaction.response.defer(ephemeral=True, thinking=True)
        updated = await self.service.set_archived(found, archived, moderator.id)
        await self.roles.apply_channel_access(moderator.guild, updated)
        t = await translator(interaction)
        text = (
            t(
                "{group} is archived: its members can still read the channel, nobody can post, "
                "and it is no longer listed. /group unarchive reopens it.",
                group=updated.name,
            )
            if archived
            else t("{group} is open again and listed in the directory.", group=updated.name)
        )
        await interaction.followup.send(text, ephemeral=True)
        await self.refresh_panels(moderator.guild)

    @archive.autocomplete("group")
    async def active_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "active")

    @unarchive.autocomplete("group")
    async def archived_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "archived")

    # ------------------------------------------------------------------ leaders

    @LEADERS.command(
        name="add", description=_T("Make someone a leader of a group"), extras=MODERATOR
    )
    @app_commands.describe(group=_T("The group"), member=_T("The new leader"))
    async def leaders_add(
        self, interaction: discord.Interaction[Bot], group: str, member: discord.Member
    ) -> None:
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        found = await self.service.find(moderator.guild.id, group)
        if member.bot:
            raise UserError(N_("A group's leader must be a person, not a bot."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.set_leader(found, member.id, True)
        try:
            await self.roles.grant_leader_access(moderator.guild, found, member, True)
        except discord.HTTPException:
            await self.service.set_leader(found, member.id, False, announce=False)
            raise
        t = await translator(interaction)
        await interaction.followup.send(
            t(
                "{member} now leads {group}: they can see its leaders' channel and manage "
                "messages in the group.",
                member=member.mention,
                group=found.name,
            ),
            ephemeral=True,
        )

    @LEADERS.command(
        name="remove", description=_T("Stop someone leading a group"), extras=MODERATOR
    )
    @app_commands.describe(group=_T("The group"), member=_T("The leader"))
    async def leaders_remove(
        self, interaction: discord.Interaction[Bot], group: str, member: discord.Member
    ) -> None:
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        found = await self.service.find(moderator.guild.id, group)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.set_leader(found, member.id, False)
        # Their own permissions (the leaders' channel, managing messages) go; the group's role
        # stays. They now pass the agreement like any member (the confidentiality feature
        # gives them a grace period), and take a seat.
        gone = await self.access.take_overwrites(found, member.id, "not_leader")
        over = await self.service.over_capacity_notice(found, member.id)
        t = await translator(interaction)
        lines = [
            t(
                "{member} no longer leads {group}. They stay in the group as a member; "
                "use /group remove if they should leave it too.",
                member=member.mention,
                group=found.name,
            )
        ]
        if not gone:
            lines.append(
                t(
                    "Discord didn't let me remove their leader permissions yet (they can still "
                    "see the leaders' channel). The moderators have been told and I'll keep "
                    "trying."
                )
            )
        if over:
            lines.append(
                t(
                    "The group is now over its seat limit: nobody is asked to leave, and no "
                    "seat is offered until it is back within the limit. Its leaders were told."
                )
            )
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    @leaders_add.autocomplete("group")
    async def leaders_add_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "any")

    @leaders_remove.autocomplete("group")
    async def leaders_remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "any")
