"""/group: topic groups with a private channel and role. Discord glue only; the rules are in
service.py, the role and channel work in provision.py, the buttons in views.py."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import ADMIN, LEADER, MEMBER, MODERATOR, Audience
from bot.client import Bot
from bot.directory import JoinGate
from bot.dispatcher import Rendered, server_of
from bot.errors import UserError
from bot.events import GROUP_LEADER_ADDED, GROUP_UPDATED
from bot.guild_settings import search_timezones
from bot.i18n import N_, Translate, server_translator
from bot.outbox import OutboxMessage
from bot.tree import translator
from bot.ui import BaseView
from cogs.groups import provision
from cogs.groups.records import Group
from cogs.groups.rules import channel_name, check_spec
from cogs.groups.service import Directory, GroupService
from cogs.groups.service_joining import JoinOutcome
from cogs.groups.service_seats import MISSING, NOTICE, OFFER, REQUEST
from cogs.groups.views import (
    DYNAMIC_ITEMS,
    DeclineModal,
    DirectoryView,
    JoinButton,
    OfferButton,
    RecreateButton,
    RequestButton,
)

log = logging.getLogger(__name__)


OPEN, RESTRICTED = "open", "restricted"  # values of the access option
ACCESS_CHOICES = [
    app_commands.Choice(name=_T("open"), value=OPEN),
    app_commands.Choice(name=_T("restricted: leaders approve"), value=RESTRICTED),
]
PANEL_BUTTONS = 25  # Discord's limit of buttons on one message
OFFER_JOB = "groups:offer:{}"


class GroupsDirectory(Directory):
    """`bot.groups`: the read side from service.py, plus the join gates (Discord side)."""

    def __init__(self, cog: GroupsCog) -> None:
        super().__init__(cog.service)
        self._cog = cog

    def add_join_gate(self, gate: JoinGate) -> None:
        self._cog.gates.append(gate)

    async def complete_join(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return await self._cog.admit(guild_id, group_id, user_id, None)

    async def cancel_join(self, guild_id: int, group_id: int, user_id: int) -> None:
        group = await self._cog.service.get(guild_id, group_id)
        await self._cog.service.cancel_ticket(group, user_id)

    async def hold_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return await self._cog.set_access_held(guild_id, group_id, user_id, True)

    async def release_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return await self._cog.set_access_held(guild_id, group_id, user_id, False)


class GroupsCog(commands.Cog, name="Groups"):
    group = app_commands.Group(name="group", description=_T("Peer support groups"), guild_only=True)
    leaders = app_commands.Group(
        name="leaders", description=_T("A group's leaders (moderators)"), parent=group
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.service = GroupService(bot.db, bot.clock, bot.outbox, bot.guild_settings, bot.modlog)
        self.gates: list[JoinGate] = []
        # Role changes the bot itself is making: (guild, user, role, added) -> when asked.
        # Their gateway events are not read as a change made by hand, even when they arrive
        # after the member has left again.
        self._own_role_changes: dict[tuple[int, int, int, bool], float] = {}
        bot.groups = GroupsDirectory(self)
        bot.access.set_leader_lookup(self.service.is_leader)
        bot.dispatcher.register(NOTICE, self._render_notice)
        bot.dispatcher.register(OFFER, self._render_offer)
        bot.dispatcher.register(REQUEST, self._render_request)
        bot.dispatcher.register(MISSING, self._render_missing)
        bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.service.on_offer(self._schedule_offer_expiry)
        bot.add_rebuilder(self._rebuild_jobs)

    # ------------------------------------------------------------------ scheduling

    async def _rebuild_jobs(self) -> None:
        for entry in await self.service.open_offers():
            assert entry.offer_expires_at is not None
            self._schedule_offer_expiry(entry.id, entry.offer_expires_at)
        self.bot.scheduler.add_job(
            self.service.expire_tickets,
            "interval",
            minutes=15,
            id="groups:ticket-expiry",
            replace_existing=True,
        )
        self.bot.scheduler.add_job(
            self.service.purge,
            "interval",
            hours=24,
            id="groups:purge",
            replace_existing=True,
        )

    def _schedule_offer_expiry(self, entry_id: int, expires_at: int) -> None:
        self.bot.scheduler.add_job(
            self.expire_offer,
            "date",
            run_date=datetime.fromtimestamp(expires_at, UTC),
            args=[entry_id],
            id=OFFER_JOB.format(entry_id),
            replace_existing=True,
            misfire_grace_time=None,  # late (the bot was down) is still better than never
        )

    async def expire_offer(self, entry_id: int) -> None:
        if not await self.service.expire_offer(entry_id):
            log.debug("offer %d was settled before it expired", entry_id)

    # ------------------------------------------------------------------ helpers

    async def _is_moderator(self, member: discord.Member) -> bool:
        return await self.bot.access.is_moderator(member)

    async def _require_leader_of(
        self, interaction: discord.Interaction[Bot], group: Group
    ) -> discord.Member:
        return await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)

    async def _group_choices(
        self, interaction: discord.Interaction[Bot], current: str, scope: str
    ) -> list[app_commands.Choice[str]]:
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
        elif scope == "led" and not await self._is_moderator(member):
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
        needle = current.casefold().strip()
        return [
            app_commands.Choice(name=g.name[:100], value=str(g.id))
            for g in groups
            if needle in g.name.casefold()
        ][:25]

    def group_embed(self, group: Group, t: Translate) -> discord.Embed:
        embed = discord.Embed(title=group.name, description=group.description or None)
        if group.topic:
            embed.add_field(name=t("Topic"), value=group.topic, inline=False)
        if group.language:
            embed.add_field(name=t("Language"), value=group.language, inline=True)
        embed.add_field(
            name=t("Access"),
            value=t("Open") if not group.restricted else t("Restricted: leaders approve"),
            inline=True,
        )
        embed.add_field(name=t("Seats left"), value=self._seats_text(group, t), inline=True)
        embed.add_field(name=t("Time zone"), value=group.timezone, inline=True)
        return embed

    def _seats_text(self, group: Group, t: Translate) -> str:
        if group.seats_left is None:
            return t("no limit")
        if group.seats_left == 0:
            return (
                t.plural("full ({n} waiting)", "full ({n} waiting)", group.waiting)
                if group.waiting
                else t("full")
            )
        return str(group.seats_left)

    def directory_embed(
        self, groups: list[Group], page: int, pages: int, t: Translate
    ) -> discord.Embed:
        embed = discord.Embed(title=t("Support groups"))
        if not groups:
            embed.description = t("There are no groups yet.")
        for g in groups:
            access = t("open") if not g.restricted else t("restricted")
            details = [
                g.topic,
                g.language,
                access,
                t("seats: {seats}", seats=self._seats_text(g, t)),
            ]
            embed.add_field(
                name=g.name, value=" · ".join(x for x in details if x)[:1024], inline=False
            )
        embed.set_footer(text=t("Page {page} of {pages}", page=page + 1, pages=pages))
        return embed

    async def _reply(self, interaction: discord.Interaction[Any], text: str, **kwargs: Any) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(text, ephemeral=True, **kwargs)

    async def _member(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        member = guild.get_member(user_id)
        if member is not None:
            return member
        try:
            return await guild.fetch_member(user_id)
        except discord.NotFound:
            return None

    # ------------------------------------------------------------------ create

    @group.command(
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
        moderator_role = (
            guild.get_role(settings.moderator_role_id) if settings.moderator_role_id else None
        )
        created = await provision.create_resources(
            guild,
            name=spec.name,
            channel_name=spec.channel_name,
            topic=spec.topic or spec.description,
            moderator_role=moderator_role,
            leaders=[leader],
            voice=voice,
        )
        assert created.role and created.channel and created.leaders_channel
        try:
            await self._give_role(leader, created.role, f"Leader of {spec.name}")
            group = await self.service.create(
                guild.id,
                spec,
                by=moderator.id,
                leader_id=leader.id,
                role_id=created.role.id,
                channel_id=created.channel.id,
                voice_channel_id=created.voice.id if created.voice else None,
                leaders_channel_id=created.leaders_channel.id,
            )
        except discord.HTTPException as error:
            await created.rollback()
            raise provision.explain(error) from error
        except BaseException:
            await created.rollback()
            raise
        self.bot.dispatch(GROUP_LEADER_ADDED, guild.id, group.id, leader.id)
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
        await interaction.followup.send("\n".join(lines), ephemeral=True)
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

    @create.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=c.name, value=c.value) for c in search_timezones(current)]

    # ------------------------------------------------------------------ edit, archive

    @group.command(name="edit", description=_T("Change a group's details"), extras=LEADER)
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
        self.bot.dispatch(GROUP_UPDATED, member.guild.id, updated.id)
        if name is not None and updated.name != found.name:
            await self._rename(member.guild, updated)
        t = await translator(interaction)
        await interaction.followup.send(
            t("{group} is updated.", group=updated.name),
            embed=self.group_embed(updated, t),
            ephemeral=True,
        )
        await self.refresh_panels(member.guild)

    async def _rename(self, guild: discord.Guild, group: Group) -> None:
        try:
            role = guild.get_role(group.role_id) if group.role_id else None
            if role is not None:
                await role.edit(name=group.name[:100], reason="Group renamed")
            for channel_id, suffix in (
                (group.channel_id, ""),
                (group.leaders_channel_id, "-leaders"),
            ):
                channel = guild.get_channel(channel_id) if channel_id else None
                if isinstance(channel, discord.TextChannel):
                    await channel.edit(name=f"{channel_name(group.name)}{suffix}"[:100])
        except discord.HTTPException:
            log.warning(
                "could not rename the role or channels of group %d", group.id, exc_info=True
            )

    @edit.autocomplete("group")
    async def led_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "led")

    @edit.autocomplete("timezone")
    async def edit_timezone_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=c.name, value=c.value) for c in search_timezones(current)]

    @group.command(
        name="archive",
        description=_T("Close a group: its channel becomes read-only"),
        extras=MODERATOR,
    )
    @app_commands.describe(group=_T("The group to archive"))
    async def archive(self, interaction: discord.Interaction[Bot], group: str) -> None:
        await self._set_archived(interaction, group, True)

    @group.command(name="unarchive", description=_T("Reopen an archived group"), extras=MODERATOR)
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
        await self._apply_channel_access(moderator.guild, updated)
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

    async def _apply_channel_access(self, guild: discord.Guild, group: Group) -> None:
        role = guild.get_role(group.role_id) if group.role_id else None
        leaders = [u for u, r, _ in await self.service.members(group) if r == "leader"]
        for channel_id in (group.channel_id, group.voice_channel_id):
            channel = guild.get_channel(channel_id) if channel_id else None
            if channel is None:
                continue
            if role is not None:
                await provision.set_channel_access(
                    channel, role, provision.MEMBER_ALLOW, archived=group.archived
                )
            for leader_id in leaders:
                target = await self._member(guild, leader_id)
                if target is None:
                    continue
                await provision.set_channel_access(
                    channel, target, provision.LEADER_ALLOW, archived=group.archived
                )

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

    @leaders.command(
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
            await self._grant_leader_access(moderator.guild, found, member, True)
        except discord.HTTPException:
            await self.service.set_leader(found, member.id, False)
            raise
        self.bot.dispatch(GROUP_LEADER_ADDED, moderator.guild.id, found.id, member.id)
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

    @leaders.command(
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
        await self._grant_leader_access(moderator.guild, found, member, False)
        t = await translator(interaction)
        await interaction.followup.send(
            t(
                "{member} no longer leads {group}. They stay in the group as a member; "
                "use /group remove if they should leave it too.",
                member=member.mention,
                group=found.name,
            ),
            ephemeral=True,
        )

    async def _grant_leader_access(
        self, guild: discord.Guild, group: Group, member: discord.Member, leader: bool
    ) -> None:
        role = guild.get_role(group.role_id) if group.role_id else None
        if role is not None and role not in member.roles:
            await self._give_role(member, role, f"Leader of {group.name}")
        for channel_id in (group.channel_id, group.voice_channel_id, group.leaders_channel_id):
            channel = guild.get_channel(channel_id) if channel_id else None
            await provision.set_channel_access(
                channel,
                member,
                provision.LEADER_ALLOW if leader else None,
                archived=group.archived and channel_id != group.leaders_channel_id,
            )

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

    # ------------------------------------------------------------------ directory

    @group.command(
        name="list", description=_T("See the support groups you can join"), extras=MEMBER
    )
    async def list_groups(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        groups = await self.service.list(member.guild.id)
        t = await translator(interaction)
        view = DirectoryView(self, groups, t, member.id)
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)

    @group.command(
        name="mine", description=_T("The groups you belong to or wait for"), extras=MEMBER
    )
    async def mine(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        lines: list[str] = []
        for g in await self.service.groups_of(member.guild.id, member.id):
            lead = await self.service.is_leader(member.guild.id, member.id, g.id)
            where = f"<#{g.channel_id}>" if g.channel_id else ""
            lines.append(
                t("• {group} {channel} (you lead it)", group=g.name, channel=where)
                if lead
                else t("• {group} {channel}", group=g.name, channel=where)
            )
        for g in await self.service.list(member.guild.id):
            position = 0
            for entry in await self.service.waitlist(g):
                position += entry.offered_at is None  # people holding an offer are not in line
                if entry.user_id != member.id:
                    continue
                if entry.offer_expires_at is not None:
                    lines.append(
                        t(
                            "• {group}: a seat is held for you until <t:{at}:f>. Use /group "
                            "join to take it.",
                            group=g.name,
                            at=entry.offer_expires_at,
                        )
                    )
                else:
                    lines.append(
                        t("• {group}: number {n} on the waitlist", group=g.name, n=position)
                    )
        if not lines:
            lines.append(
                t("You're not in any group yet. /group list shows the groups you can join.")
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    # ------------------------------------------------------------------ join and leave

    @group.command(name="join", description=_T("Join a support group"), extras=MEMBER)
    @app_commands.describe(group=_T("The group to join"))
    async def join(self, interaction: discord.Interaction[Bot], group: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        found = await self.service.find(member.guild.id, group)
        await self._join(interaction, member, found)

    @join.autocomplete("group")
    async def join_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "active")

    async def join_by_id(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        """The Join button of the panel and the directory."""
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        group = await self.service.get(member.guild.id, group_id)
        await self._join(interaction, member, group)

    async def _join(
        self, interaction: discord.Interaction[Any], member: discord.Member, group: Group
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.service.request_join(group, member.id)
        t = await translator(interaction)
        if outcome.kind == "ticket":
            await self.admit(member.guild.id, group.id, member.id, interaction)
            return
        await interaction.followup.send(self._outcome_text(outcome, t), ephemeral=True)

    def _outcome_text(self, outcome: JoinOutcome, t: Translate) -> str:
        group = outcome.group
        if outcome.kind == "member":
            return t(
                "You're already in {group}: its channel is <#{channel}>.",
                group=group.name,
                channel=group.channel_id,
            )
        if outcome.kind == "requested":
            if outcome.already:
                return t(
                    "Your request to join {group} is with its leaders. I'll message you as "
                    "soon as they decide.",
                    group=group.name,
                )
            return t(
                "{group} is a restricted group, so I've sent your request to its leaders. "
                "I'll message you privately as soon as they decide.",
                group=group.name,
            )
        if outcome.already:
            return t(
                "You're already on the waitlist for {group}: you are number {position}. "
                "I'll message you privately when a seat is free.",
                group=group.name,
                position=outcome.position,
            )
        return t(
            "{group} is full right now, so I've put you on its waitlist: you are number "
            "{position}. When a seat frees up I'll message you privately, and you'll have "
            "{hours} hours to take it.",
            group=group.name,
            position=outcome.position,
            hours=group.offer_hours,
        )

    async def admit(
        self,
        guild_id: int,
        group_id: int,
        user_id: int,
        interaction: discord.Interaction[Any] | None,
    ) -> bool:
        """Run the join gates, then grant the role. The gates may ask the member something and
        come back through `bot.groups.complete_join`."""
        for gate in self.gates:
            if not await gate.admit(guild_id, group_id, user_id, interaction):
                return False
        guild = self.bot.get_guild(guild_id)
        group = await self.service.complete_join(guild_id, group_id, user_id)
        if group is None or guild is None:
            if interaction is not None:
                t = await translator(interaction)
                await self._reply(
                    interaction,
                    t(
                        "The seat held for you is no longer available. "
                        "Please try /group join again."
                    ),
                )
            return False
        member = await self._member(guild, user_id)
        role = guild.get_role(group.role_id) if group.role_id else None
        try:
            if member is None:
                raise UserError(N_("You're no longer on this server."))
            if role is None:
                raise UserError(
                    N_(
                        "The group's role is missing, so I can't let you in right now. The "
                        "moderators have been told; please try again later."
                    )
                )
            await self._give_role(member, role, f"Joined the group {group.name}")
        except (discord.HTTPException, UserError) as error:
            await self.service.leave(group, user_id)
            log.warning("could not grant the role of group %d to %d: %s", group.id, user_id, error)
            if interaction is not None:
                raise
            await self.service.notify(
                guild_id,
                user_id,
                N_(
                    "I couldn't give you access to {group} because of a problem on the server. "
                    "Please try /group join again later, or ask a moderator."
                ),
                group=group.name,
            )
            return False
        self.bot.dispatch("group_member_joined", guild_id, group.id, user_id)
        text_id = N_(
            "Welcome to {group}! Your group's private channel is <#{channel}>. What is shared "
            "there stays there. You can leave at any time with /group leave."
        )
        if interaction is not None:
            t = await translator(interaction)
            await self._reply(interaction, t(text_id, group=group.name, channel=group.channel_id))
        else:
            await self.service.notify(
                guild_id, user_id, text_id, group=group.name, channel=group.channel_id
            )
        return True

    @group.command(name="leave", description=_T("Leave a group (or its waitlist)"), extras=MEMBER)
    @app_commands.describe(group=_T("The group to leave"))
    async def leave(self, interaction: discord.Interaction[Bot], group: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        found = await self.service.find(member.guild.id, group)
        t = await translator(interaction)
        if await self.service.is_leader(member.guild.id, member.id, found.id):
            raise UserError(
                N_(
                    "You lead {group}. Please ask a moderator to hand it to another leader "
                    "first (/group leaders remove), then you can leave."
                ),
                group=found.name,
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await self.service.leave(found, member.id):
            await interaction.followup.send(
                t("You're not in {group} or on its waitlist.", group=found.name), ephemeral=True
            )
            return
        role = member.guild.get_role(found.role_id) if found.role_id else None
        if role is not None and role in member.roles:
            await self._remove_role(member, role, f"Left the group {found.name}")
        self.bot.dispatch("group_member_left", member.guild.id, found.id, member.id, "left")
        await interaction.followup.send(
            t(
                "You've left {group}. You're welcome back any time with /group join.",
                group=found.name,
            ),
            ephemeral=True,
        )

    @leave.autocomplete("group")
    async def leave_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "mine")

    # ------------------------------------------------------------------ leaders' tools

    @group.command(
        name="members",
        description=_T("Who is in a group (its leaders and moderators)"),
        extras=LEADER,
    )
    @app_commands.describe(group=_T("The group"))
    async def members(self, interaction: discord.Interaction[Bot], group: str) -> None:
        found = await self.service.find(interaction.guild_id or 0, group)
        await self._require_leader_of(interaction, found)
        t = await translator(interaction)
        rows = await self.service.members(found)
        leaders = [f"<@{u}>" for u, r, _ in rows if r == "leader"]
        members = [f"<@{u}>" for u, r, _ in rows if r == "member"]
        waiting = [f"<@{e.user_id}>" for e in await self.service.waitlist(found)]
        embed = discord.Embed(title=t("Members of {group}", group=found.name))
        embed.add_field(name=t("Leaders"), value=", ".join(leaders)[:1024] or "—", inline=False)
        embed.add_field(
            name=t("Members ({n})", n=len(members)),
            value=", ".join(members)[:1024] or "—",
            inline=False,
        )
        if waiting:
            embed.add_field(
                name=t("Waitlist ({n})", n=len(waiting)),
                value=", ".join(waiting)[:1024],
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @members.autocomplete("group")
    async def members_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "led")

    @group.command(
        name="remove", description=_T("Remove a member from a group, with a reason"), extras=LEADER
    )
    @app_commands.describe(
        group=_T("The group"),
        member=_T("The member to remove"),
        reason=_T("Why (moderators see this; the member is told kindly, without it)"),
    )
    async def remove(
        self,
        interaction: discord.Interaction[Bot],
        group: str,
        member: discord.Member,
        reason: str,
    ) -> None:
        found = await self.service.find(interaction.guild_id or 0, group)
        leader = await self._require_leader_of(interaction, found)
        if member.id == leader.id:
            raise UserError(N_("To leave a group yourself, use /group leave."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.remove(found, member.id, by=leader.id, reason=reason)
        role = leader.guild.get_role(found.role_id) if found.role_id else None
        if role is not None and role in member.roles:
            await self._remove_role(member, role, f"Removed from the group {found.name}")
        self.bot.dispatch("group_member_left", leader.guild.id, found.id, member.id, "removed")
        t = await translator(interaction)
        await interaction.followup.send(
            t(
                "{member} is no longer in {group}. They were told privately and kindly; your "
                "reason is recorded for the moderators.",
                member=member.mention,
                group=found.name,
            ),
            ephemeral=True,
        )

    @remove.autocomplete("group")
    async def remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "led")

    # ------------------------------------------------------------------ requests and offers

    async def approve_request(self, interaction: discord.Interaction[Any], request_id: int) -> None:
        guild_id = interaction.guild_id or 0
        request, group = await self.service.request_group(guild_id, request_id)
        leader = await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        _, outcome = await self.service.approve_request(guild_id, request_id, leader.id)
        if outcome.kind == "ticket":
            await self.admit(guild_id, group.id, request.user_id, None)
        t = await translator(interaction)
        await self._close_request_message(
            interaction,
            t("Approved by {leader}.", leader=leader.mention),
        )
        await interaction.followup.send(
            t("Approved: <@{user}> has been told.", user=request.user_id), ephemeral=True
        )

    async def ask_decline_reason(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> None:
        _, group = await self.service.request_group(interaction.guild_id or 0, request_id)
        await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        t = await translator(interaction)
        await interaction.response.send_modal(DeclineModal(self, request_id, t))

    async def decline_request(
        self, interaction: discord.Interaction[Any], request_id: int, reason: str | None
    ) -> None:
        guild_id = interaction.guild_id or 0
        request, group = await self.service.request_group(guild_id, request_id)
        leader = await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        await self.service.decline_request(guild_id, request_id, leader.id, reason)
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._close_request_message(
            interaction, t("Declined by {leader}.", leader=leader.mention)
        )
        await interaction.followup.send(
            t("Declined: <@{user}> has been told kindly.", user=request.user_id), ephemeral=True
        )

    async def _close_request_message(
        self, interaction: discord.Interaction[Any], outcome: str
    ) -> None:
        message = interaction.message
        if message is None:
            return
        embeds = message.embeds
        if embeds:
            embeds[0].add_field(name="\u200b", value=outcome, inline=False)
        try:
            await message.edit(embeds=embeds, view=None)
        except discord.HTTPException:
            log.warning("could not update the join request message %s", message.id)

    async def accept_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.service.accept_offer(entry_id, interaction.user.id)
        if interaction.message is not None:
            try:
                await interaction.message.edit(view=None)
            except discord.HTTPException:
                log.debug("could not remove the offer buttons", exc_info=True)
        if outcome.kind == "ticket":
            await self.admit(
                outcome.group.guild_id, outcome.group.id, interaction.user.id, interaction
            )
        else:
            t = await translator(interaction)
            await interaction.followup.send(self._outcome_text(outcome, t), ephemeral=True)

    async def decline_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None:
        group = await self.service.decline_offer(entry_id, interaction.user.id)
        t = await translator(interaction)
        if interaction.message is not None:
            await interaction.response.edit_message(view=None)
        else:
            await interaction.response.defer()
        if group is not None:
            await interaction.followup.send(
                t(
                    "No problem: the seat in {group} will go to the next person. You're welcome "
                    "to join again later.",
                    group=group.name,
                ),
                ephemeral=True,
            )

    # ------------------------------------------------------------------ panel

    @group.command(
        name="panel",
        description=_T("Post a groups panel with Join buttons in a channel"),
        extras=ADMIN,
    )
    @app_commands.describe(channel=_T("Where to post it, e.g. your welcome channel"))
    async def panel(
        self, interaction: discord.Interaction[Bot], channel: discord.TextChannel
    ) -> None:
        admin = await self.bot.access.require(interaction, Audience.ADMIN)
        me = channel.permissions_for(channel.guild.me)
        if not (me.view_channel and me.send_messages and me.embed_links):
            raise UserError(
                N_(
                    "I can't post in {channel}: I need View Channel, Send Messages and Embed "
                    "Links there."
                ),
                channel=channel.mention,
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel_id = await self.service.add_panel(admin.guild.id, channel.id, admin.id)
        embed, view = await self._panel_content(admin.guild)
        message = await channel.send(embed=embed, view=view)
        await self.service.repo.set_panel_message(panel_id, message.id)
        t = await translator(interaction)
        await interaction.followup.send(
            t(
                "The groups panel is in {channel}. I'll keep it up to date when groups change.",
                channel=channel.mention,
            ),
            ephemeral=True,
        )

    async def _panel_content(self, guild: discord.Guild) -> tuple[discord.Embed, BaseView]:
        settings = await self.bot.guild_settings.get(guild.id)
        t = server_translator(settings.language)
        groups = await self.service.list(guild.id)
        embed = discord.Embed(
            title=t("Our support groups"),
            description=t(
                "Press a group's button to join it. Every group has a private channel; what is "
                "shared there stays there. /group list shows more about each group."
            ),
            colour=discord.Colour.blurple(),
        )
        for g in groups[:PANEL_BUTTONS]:
            access = t("open") if not g.restricted else t("leaders approve")
            details = [g.topic, g.language, access]
            embed.add_field(
                name=g.name, value=" · ".join(x for x in details if x)[:1024], inline=False
            )
        if len(groups) > PANEL_BUTTONS:
            embed.set_footer(text=t("More groups: use /group list."))
        if not groups:
            embed.add_field(name="\u200b", value=t("No groups yet: check back soon."), inline=False)
        view = BaseView(timeout=None)
        for g in groups[:PANEL_BUTTONS]:
            view.add_item(JoinButton(g.id, g.name))
        return embed, view

    async def refresh_panels(self, guild: discord.Guild) -> None:
        """Groups changed: edit every panel of this server (deleted panels are forgotten)."""
        panels = await self.service.repo.panels(guild.id)
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
                await self.service.repo.delete_panel(panel.id)
            except discord.HTTPException:
                log.warning("could not refresh groups panel %d", panel.id, exc_info=True)

    # ------------------------------------------------------------------ Discord changes

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """At start (and after an outage): make the roles match the database again. A member
        recorded without the role (the bot stopped between the two) gets it; a role given by
        hand while the bot was away counts as a moderator adding the member."""
        for group in await self.service.list(guild.id):
            role = guild.get_role(group.role_id) if group.role_id else None
            if role is None:
                continue
            recorded = {u for u, _, _ in await self.service.members(group)}
            held = await self.service.repo.held_ids(group.id)
            for user_id in sorted(recorded - held - {m.id for m in role.members}):
                member = guild.get_member(user_id)
                if member is None:
                    continue
                try:
                    await self._give_role(member, role, f"Member of the group {group.name}")
                except discord.HTTPException:
                    log.warning("could not give back the role of group %d to %d", group.id, user_id)
            for member in role.members:
                if member.id in held:
                    await self._take_role_back(member, role, "Access to the group is held")
                elif member.id not in recorded and not member.bot:
                    await self._added_by_hand(member, group)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Someone changed a group's role by hand in Discord. The database stays the truth:
        a role given by hand is a moderator adding the member (through the join gates, so
        e.g. the agreement is still asked for); a role taken away by hand removes them."""
        had, has = {r.id for r in before.roles}, {r.id for r in after.roles}
        added, removed = has - had, had - has
        if not added and not removed:
            return
        guild = after.guild
        added = {r for r in added if not self._was_own_change(guild.id, after.id, r, True)}
        removed = {r for r in removed if not self._was_own_change(guild.id, after.id, r, False)}
        for role_id in added:
            group = await self.service.repo.for_role(guild.id, role_id, self.service.now())
            if group is None:
                continue
            if not await self.bot.groups.is_member(guild.id, group.id, after.id):
                await self._added_by_hand(after, group)
            elif after.id in await self.service.repo.held_ids(group.id):
                role = guild.get_role(role_id)
                if role is not None:
                    await self._take_role_back(after, role, "Access to the group is held")
        for role_id in removed:
            group = await self.service.repo.for_role(guild.id, role_id, self.service.now())
            if group is None or not await self.bot.groups.is_member(guild.id, group.id, after.id):
                continue
            if after.id in await self.service.repo.held_ids(group.id):
                continue  # the bot took it back itself while access is held: still a member
            if await self.service.is_leader(guild.id, after.id, group.id):
                continue  # a leader keeps leading; moderators use /group leaders remove
            log.info("the role of group %d was taken from %d by hand", group.id, after.id)
            await self.service.leave(group, after.id)
            self.bot.dispatch("group_member_left", guild.id, group.id, after.id, "removed")

    async def _added_by_hand(self, member: discord.Member, group: Group) -> None:
        log.info("the role of group %d was given to %d by hand", group.id, member.id)
        try:
            outcome = await self.service.request_join(group, member.id, source="added")
        except UserError:
            outcome = None  # e.g. an archived group: the role goes back
        reason = "Group is closed; role given by hand"
        if outcome is not None and outcome.kind == "ticket":
            if await self.admit(member.guild.id, group.id, member.id, None):
                return
            # A join gate asked the member first (e.g. to accept the agreement) and told them
            # why: until they answer, no role. admit() grants it when they do.
            reason = "Role given by hand; the member has not finished joining yet"
        role = member.guild.get_role(group.role_id) if group.role_id else None
        if role is not None:
            await self._take_role_back(member, role, reason)

    def _expect_role_change(self, member: discord.Member, role: discord.Role, added: bool) -> None:
        now = time.monotonic()
        for key, at in list(self._own_role_changes.items()):
            if now - at > 300:  # its event never came (e.g. a reconnect): forget it
                del self._own_role_changes[key]
        self._own_role_changes[(member.guild.id, member.id, role.id, added)] = now

    def _was_own_change(self, guild_id: int, user_id: int, role_id: int, added: bool) -> bool:
        return self._own_role_changes.pop((guild_id, user_id, role_id, added), None) is not None

    async def _give_role(self, member: discord.Member, role: discord.Role, reason: str) -> None:
        """Every group role the bot gives goes through here (see `_own_role_changes`)."""
        self._expect_role_change(member, role, True)
        try:
            await member.add_roles(role, reason=reason)
        except BaseException:
            self._was_own_change(member.guild.id, member.id, role.id, True)
            raise

    async def _remove_role(self, member: discord.Member, role: discord.Role, reason: str) -> None:
        self._expect_role_change(member, role, False)
        try:
            await member.remove_roles(role, reason=reason)
        except BaseException:
            self._was_own_change(member.guild.id, member.id, role.id, False)
            raise

    async def _take_role_back(
        self, member: discord.Member, role: discord.Role, reason: str
    ) -> None:
        try:
            await self._remove_role(member, role, reason)
        except discord.HTTPException:
            log.warning("could not take the role %d back from %d", role.id, member.id)

    async def set_access_held(self, guild_id: int, group_id: int, user_id: int, held: bool) -> bool:
        """`bot.groups.hold_access` / `release_access`: the database first (so the role change
        that follows is not read as the member leaving), then the role."""
        group = await self.service.repo.get(guild_id, group_id, self.service.now())
        if group is None or not await self.service.set_access_held(group, user_id, held):
            return False
        guild = self.bot.get_guild(guild_id)
        role = guild.get_role(group.role_id) if guild is not None and group.role_id else None
        member = await self._member(guild, user_id) if guild is not None else None
        if role is None or member is None:
            return True  # the role follows at start-up reconciliation, or when recreated
        if held:
            await self._take_role_back(member, role, "Access to the group is held")
        elif role not in member.roles:
            try:
                await self._give_role(member, role, f"Access to the group {group.name} restored")
            except discord.HTTPException:
                log.warning("could not give back the role of group %d to %d", group.id, user_id)
        return True

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        left = await self.service.member_left_server(payload.guild_id, payload.user.id)
        for group_id in left.groups:
            self.bot.dispatch(
                "group_member_left", payload.guild_id, group_id, payload.user.id, "left_server"
            )
        if left.groups or left.waitlists or left.requests:
            log.info(
                "user %d left guild %d: out of %d groups, %d waitlists, %d requests",
                payload.user.id,
                payload.guild_id,
                len(left.groups),
                left.waitlists,
                left.requests,
            )

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        group = await self.service.repo.for_role(role.guild.id, role.id, self.service.now())
        if group is not None:
            log.warning("the role of group %d was deleted by hand", group.id)
            await self.service.report_missing(group, "role", "role_id")

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        group = await self.service.repo.for_channel(
            channel.guild.id, channel.id, self.service.now()
        )
        if group is None:
            return
        for field_name, what in (
            ("channel_id", "channel"),
            ("voice_channel_id", "voice"),
            ("leaders_channel_id", "leaders_channel"),
        ):
            if getattr(group, field_name) == channel.id:
                log.warning("the %s of group %d was deleted by hand", what, group.id)
                await self.service.report_missing(group, what, field_name)

    async def recreate(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        guild = moderator.guild
        group = await self.service.get(guild.id, group_id)
        role = guild.get_role(group.role_id) if group.role_id else None
        need_channel = group.channel_id is None or guild.get_channel(group.channel_id) is None
        need_leaders = (
            group.leaders_channel_id is None or guild.get_channel(group.leaders_channel_id) is None
        )
        t = await translator(interaction)
        if role is not None and not need_channel and not need_leaders:
            await self._reply(
                interaction, t("Nothing is missing for {group} any more.", group=group.name)
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self.bot.guild_settings.get(guild.id)
        moderator_role = (
            guild.get_role(settings.moderator_role_id) if settings.moderator_role_id else None
        )
        rows = await self.service.members(group)
        leaders = [discord.Object(u, type=discord.Member) for u, r, _ in rows if r == "leader"]
        created = await provision.create_resources(
            guild,
            name=group.name,
            channel_name=channel_name(group.name),
            topic=group.topic or group.description,
            moderator_role=moderator_role,
            leaders=leaders,  # type: ignore[arg-type]
            voice=False,
            need_role=role is None,
            need_channel=need_channel,
            need_leaders_channel=need_leaders,
            existing_role=role,
            archived=group.archived,
        )
        values: dict[str, int | None] = {}
        if created.role is not None and role is None:
            values["role_id"] = created.role.id
        if created.channel is not None:
            values["channel_id"] = created.channel.id
        if created.leaders_channel is not None:
            values["leaders_channel_id"] = created.leaders_channel.id
        group = await self.service.set_resource(group, **values)
        if role is None and created.role is not None:
            await self._apply_channel_access(guild, group)  # the new role sees the old channels
            held = await self.service.repo.held_ids(group.id)  # they get it when they accept
            for user_id, _, _ in rows:
                member = await self._member(guild, user_id) if user_id not in held else None
                if member is not None:
                    try:
                        await self._give_role(member, created.role, f"Group {group.name} recreated")
                    except discord.HTTPException:
                        log.warning(
                            "could not give back the role of group %d to %d", group.id, user_id
                        )
        if interaction.message is not None:
            try:
                await interaction.message.edit(view=None)
            except discord.HTTPException:
                log.debug("could not remove the recreate button", exc_info=True)
        await interaction.followup.send(
            t(
                "{group} has its role and channels again; its {n} members have access.",
                group=group.name,
                n=len(rows),
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ renderers

    async def _render_notice(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        return Rendered(content=t(message.payload["msg"], **message.payload.get("params", {})))

    async def _render_offer(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        p = message.payload
        embed = discord.Embed(
            title=t("A seat is free in {group}", group=p["group"]),
            description=t(
                "You were on the waitlist, and a seat has opened up for you. It is held for you "
                "until <t:{at}:f> (<t:{at}:R>); after that it goes to the next person.",
                at=p["expires_at"],
            ),
            colour=discord.Colour.green(),
        )
        view = BaseView(timeout=None)
        view.add_item(OfferButton("accept", p["entry"], t("Accept the seat")))
        view.add_item(OfferButton("decline", p["entry"], t("No thanks")))
        return Rendered(embeds=[embed], view=view)

    async def _render_request(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        request, group = await self.service.request_group(
            message.guild_id, message.payload["request"]
        )
        embed = discord.Embed(
            title=t("Join request for {group}", group=group.name),
            description=t(
                "<@{user}> would like to join. Approve to let them in (they will be told "
                "privately), or decline with an optional kind reason.",
                user=request.user_id,
            ),
            colour=discord.Colour.blurple(),
        )
        if request.status != "pending":
            return Rendered(embeds=[embed])
        view = BaseView(timeout=None)
        view.add_item(RequestButton("approve", request.id, t("Approve")))
        view.add_item(RequestButton("decline", request.id, t("Decline")))
        return Rendered(embeds=[embed], view=view)

    async def _render_missing(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        group = await self.service.get(message.guild_id, message.payload["group"])
        what = {
            "role": t("role"),
            "channel": t("private channel"),
            "voice": t("voice channel"),
            "leaders_channel": t("leaders' channel"),
        }.get(message.payload["what"], message.payload["what"])
        embed = discord.Embed(
            title=t("A group lost its {what}", what=what),
            description=t(
                "The {what} of the group {group} was deleted in Discord. The group's members are "
                "still on record. A moderator can recreate it with the button below.",
                what=what,
                group=group.name,
            ),
            colour=discord.Colour.orange(),
        )
        view = BaseView(timeout=None)
        if message.payload["what"] != "voice":
            view.add_item(RecreateButton(group.id, t("Recreate")))
        return Rendered(embeds=[embed], view=view)
