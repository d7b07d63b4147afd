"""/care: weathering storms. Discord glue only: the rules are in service.py.

- `/care remember member group why` (a leader of the group, or a moderator): record that a
  member died or asked to be remembered. "Remember" is the gentlest true word: it says what the
  group does, not what happened, and it reads the same for a death and for a member who asked
  to be remembered. The leader then sees a private preview of the group's message (Post, Edit,
  Cancel); nothing reaches the group until they press Post.
- `/care leaders group` (moderators): who might lead a group that lost its leaders.

It is the storms `Feature`: three outbox kinds, the buttons and the form, the mod-log actions,
the job `storms:due` (the moderators' private reminder a day later, and a sweep for groups
left without a leader while the bot was away), and the privacy hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import LEADER, MODERATOR, Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.dispatcher import PermanentFailure, Rendered, Renderer
from bot.errors import UserError
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_, Translate
from bot.kit.groups import AnyGroup, LedGroup
from bot.kit.text import escape_member_text
from bot.modlog import ActionText
from bot.outbox import OutboxMessage
from bot.registry import Kept, iso
from bot.tree import translator
from cogs.storms import render
from cogs.storms.service import (
    ASKED,
    CHECKED_IN,
    CHECKIN_NOTE,
    CHECKIN_REMINDER,
    DIED,
    DRAFTS,
    GROUP_MESSAGE,
    LEADERLESS,
    REMEMBERED,
    UNDONE,
    StormsService,
)
from cogs.storms.views import COG_NAME, PERSISTENT_ITEMS, MessageModal, checkin_view, preview_view

log = logging.getLogger(__name__)

DUE_JOB = "storms:due"
JOB_SECONDS = 300
REMIND_AT_MOST = 10  # moderators reminded privately per remembrance

WHY_CHOICES = [
    app_commands.Choice(name=_T("they have died"), value=DIED),
    app_commands.Choice(name=_T("they asked to be remembered"), value=ASKED),
]


class StormsCog(Feature, name=COG_NAME):
    persistent_items = PERSISTENT_ITEMS
    persistent_modals = (MessageModal,)
    job_prefix = "storms:"

    care = app_commands.Group(
        name="care", description=_T("Caring for a group through hard times"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = StormsService(
            bot.db,
            bot.clock,
            bot.outbox,
            bot.modlog,
            bot.event_log,
            bot.do_not_contact,
            bot.participation,
            lambda: bot.groups,
        )

    # ------------------------------------------------------------------ the feature contract

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            GROUP_MESSAGE: OutboxKind(self._render_group_message, on_sent=self._posted),
            CHECKIN_NOTE: self._render_checkin_note,
            CHECKIN_REMINDER: self._render_checkin_reminder,
        }

    def mod_log_actions(self) -> Mapping[str, ActionText]:
        return {
            REMEMBERED: ActionText(
                N_("Member remembered"),
                N_(
                    "{actor} recorded that {target} is remembered in {group}. The bot will not "
                    "write to them privately again."
                ),
                0x6B7B8C,
            ),
            CHECKED_IN: ActionText(
                N_("Checked in with leaders"),
                N_("{actor} checked in with the leaders of {group}."),
                0x6B7B8C,
            ),
            UNDONE: ActionText(
                N_("Remembrance undone"),
                N_(
                    "{actor} undid a remembrance of {target} recorded by mistake: the bot may "
                    "write to them again."
                ),
                0x6B7B8C,
            ),
            LEADERLESS: ActionText(
                N_("Group without a leader"),
                N_(
                    "{group} has no leader now. It keeps running (its sessions and reminders "
                    "go on); /care leaders suggests who might lead it."
                ),
                0xC27C0E,
            ),
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._schedule,)

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        await self.service.forget(guild_id, user_id)
        if await self.bot.do_not_contact.barred(guild_id, user_id):
            return [
                Kept(
                    N_("that the bot must not write to you privately in this server"),
                    N_(
                        "someone asked the bot to remember you; a moderator can take you off "
                        "this list"
                    ),
                )
            ]
        return None

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        about, recorded = await self.service.export(guild_id, user_id)
        out: dict[str, Any] = {}
        if await self.bot.do_not_contact.barred(guild_id, user_id):
            out["Not to be contacted privately"] = True
        if about:
            out["Remembered in groups"] = [
                {"group_id": r.group_id, "since": iso(r.recorded_at), "why": r.why} for r in about
            ]
        if recorded:
            out["Members you recorded as remembered"] = [
                {"group_id": r.group_id, "when": iso(r.recorded_at)} for r in recorded
            ]
        return out

    # ------------------------------------------------------------------ /care remember

    @care.command(
        name="remember",
        description=_T("Record that a member has died or asked to be remembered"),
        extras=LEADER,
    )
    @app_commands.describe(
        member=_T("The member"),
        group=_T("Their group (one you lead)"),
        why=_T("What happened"),
    )
    @app_commands.choices(why=WHY_CHOICES)
    async def remember(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.User,
        group: app_commands.Transform[GroupRef, LedGroup],
        why: str = DIED,
    ) -> None:
        me = await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        if member.bot:
            raise UserError(N_("That is a bot, not a member of the group."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self.bot.guild_settings.get(me.guild.id)
        server_t = await self.bot.guild_settings.translator(me.guild.id)
        draft = server_t(DRAFTS.get(why, DRAFTS[DIED]), name=render.name_of(member))
        notes = settings.mod_log_channel_id or settings.escalation_channel_id
        recorded = await self.service.record(group, member.id, why, me.id, draft, notes)
        row = recorded.remembrance
        if recorded.new:
            self.bot.spawn(self._leaders_changed(group), name="storms leaders check")
        t = await translator(interaction)
        if row.message != "draft":
            await interaction.followup.send(
                t(
                    "{member} is already remembered in {group}, and the group's message was "
                    "posted. The bot will not write to them privately.",
                    member=render.name_of(member),
                    group=escape_member_text(group.name),
                ),
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            **await self._preview(t, row.id, group, me.id), ephemeral=True
        )

    async def _preview(self, t: Translate, row_id: int, group: GroupRef, owner: int) -> Any:
        row = await self.service.get(row_id)
        settings = await self.bot.guild_settings.get(group.guild_id)
        server_t = await self.bot.guild_settings.translator(group.guild_id)
        # The content is the message exactly as the group will read it (at most 1,800
        # characters); what the leader should know is in an embed of its own.
        return {
            "content": render.words(row.draft or ""),
            "embeds": [
                render.preview_embed(t, group),
                render.resources_embed(server_t, settings.effective_region),
            ],
            "view": preview_view(t, row.id, group.id, owner),
        }

    async def _group_of(self, row_guild: int, group_id: int) -> GroupRef:
        group = await self.bot.groups.get(row_guild, group_id)
        if group is None:
            raise UserError(N_("That group no longer exists."))
        return group

    async def edit_pressed(self, interaction: discord.Interaction[Any], row: int) -> None:
        found = await self.service.get(row)
        if found.message != "draft":
            raise UserError(N_("This message was already posted or cancelled."))
        modal = MessageModal(entry=found.id, group=found.group_id)
        modal.prefill = found.draft or ""
        await modal.open(interaction)

    async def edit_submitted(
        self, interaction: discord.Interaction[Any], row: int, text: str
    ) -> None:
        found = await self.service.get(row)
        if interaction.user.id != found.recorded_by:
            raise UserError(N_("Only the person who recorded this can change the message."))
        await self.service.edit(row, text)
        group = await self._group_of(found.guild_id, found.group_id)
        t = await translator(interaction)
        await interaction.response.send_message(
            **await self._preview(t, row, group, found.recorded_by), ephemeral=True
        )

    async def post_pressed(self, interaction: discord.Interaction[Any], row: int) -> None:
        found = await self.service.get(row)
        group = await self._group_of(found.guild_id, found.group_id)
        await self.service.post(row, group.channel_id)
        t = await translator(interaction)
        await interaction.response.edit_message(
            content=t(
                "Posted in {channel}. Thank you for looking after your group.",
                channel=f"<#{group.channel_id}>",
            ),
            embeds=[],
            view=None,
        )

    async def cancel_pressed(self, interaction: discord.Interaction[Any], row: int) -> None:
        await self.service.cancel(row)
        t = await translator(interaction)
        await interaction.response.edit_message(
            content=t(
                "Nothing was posted. The member stays remembered: the bot won't write to them. "
                "You can run /care remember again to write the group's message later."
            ),
            embeds=[],
            view=None,
        )

    async def checked_in_pressed(self, interaction: discord.Interaction[Any], row: int) -> None:
        member = caller(interaction)
        first = await self.service.checked_in(row, member.id)
        t = await translator(interaction)
        if not first:
            await interaction.response.send_message(
                t("Someone has already checked in. Thank you."), ephemeral=True
            )
            return
        row_now = await self.service.get(row)
        group = await self.bot.groups.get(row_now.guild_id, row_now.group_id)
        server_t = await self.bot.guild_settings.translator(row_now.guild_id)
        await interaction.response.edit_message(
            content=render.checkin_note(server_t, group, row_now), view=None
        )
        await interaction.followup.send(
            t("Thank you for checking in with the leaders. No reminder will follow."),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ /care undo

    @care.command(
        name="undo",
        description=_T("Undo a remembrance recorded by mistake"),
        extras=MODERATOR,
    )
    @app_commands.describe(member=_T("The member recorded by mistake"))
    async def undo(self, interaction: discord.Interaction[Bot], member: discord.User) -> None:
        me = await self.bot.access.require(interaction, Audience.MODERATOR)
        await self.service.undo(me.guild.id, member.id, me.id)
        t = await translator(interaction)
        await interaction.response.send_message(
            t(
                "Undone: {member} is no longer remembered here, and the bot may write to them "
                "again. A message already posted in the group stays: a leader can delete it.",
                member=render.name_of(member),
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ /care leaders

    @care.command(
        name="leaders",
        description=_T("Who might lead a group that lost its leaders"),
        extras=MODERATOR,
    )
    @app_commands.describe(group=_T("The group"))
    async def leaders(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, AnyGroup],
    ) -> None:
        me = await self.bot.access.require(interaction, Audience.MODERATOR)
        await interaction.response.defer(ephemeral=True, thinking=True)

        async def still_here(user_id: int) -> bool:
            return me.guild.get_member(user_id) is not None

        found = await self.service.candidates(me.guild.id, group.id, still_here)
        since = await self.service.leaderless_since(me.guild.id, group.id)
        t = await translator(interaction)
        await interaction.followup.send(render.candidates(t, group, found, since), ephemeral=True)

    # ------------------------------------------------------------------ leaders who go

    @commands.Cog.listener()
    async def on_group_member_left(
        self, guild_id: int, group_id: int, user_id: int, reason: str
    ) -> None:
        group = await self.bot.groups.get(guild_id, group_id)
        if group is not None:
            await self._leaders_changed(group)

    @commands.Cog.listener()
    async def on_group_leader_removed(self, guild_id: int, group_id: int, user_id: int) -> None:
        group = await self.bot.groups.get(guild_id, group_id)
        if group is not None:
            await self._leaders_changed(group)

    @commands.Cog.listener()
    async def on_group_leader_added(self, guild_id: int, group_id: int, user_id: int) -> None:
        await self.service.leader_added(guild_id, group_id)

    async def _leaders_changed(self, group: GroupRef) -> None:
        assert self.bot.user is not None
        await self.service.check_leaders(group, self.bot.user.id)

    # ------------------------------------------------------------------ the job

    async def _schedule(self) -> None:
        self.bot.scheduler.add_job(
            self.run_due,
            "interval",
            seconds=JOB_SECONDS,
            id=DUE_JOB,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )

    async def run_due(self) -> None:
        """The moderators' private reminders that are due, and groups left without a leader
        while the bot was away (group events are not durable)."""
        try:
            for row in await self.service.due_reminders():
                guild = self.bot.get_guild(row.guild_id)
                if guild is None or not guild.chunked:
                    continue  # who the moderators are is not known yet: the next run decides
                await self.service.remind(row.id, await self._moderators(guild))
            if self.bot.user is None:
                return
            for guild in self.bot.guilds:
                for group in await self.bot.groups.search(guild.id, "", limit=100_000):
                    await self.service.check_leaders(group, self.bot.user.id)
        except Exception:
            log.exception("storms: due job failed; trying again at the next run")

    async def _moderators(self, guild: discord.Guild) -> list[int]:
        settings = await self.bot.guild_settings.get(guild.id)
        role = guild.get_role(settings.moderator_role_id) if settings.moderator_role_id else None
        people = [m.id for m in (role.members if role else []) if not m.bot]
        return sorted(people)[:REMIND_AT_MOST]

    # ------------------------------------------------------------------ renderers

    async def _render_group_message(self, message: OutboxMessage) -> Rendered:
        row = await self.service.find(int(message.payload["remembrance"]))
        if row is None or row.draft is None:
            raise PermanentFailure("the message was withdrawn")
        settings = await self.bot.guild_settings.get(row.guild_id)
        t = await self.bot.guild_settings.translator(row.guild_id)
        return Rendered(
            content=render.words(row.draft),
            embeds=[render.resources_embed(t, settings.effective_region)],
        )

    async def _posted(self, message: OutboxMessage, message_id: int) -> None:
        await self.service.delivered(int(message.payload["remembrance"]), message_id)

    async def _render_checkin_note(self, message: OutboxMessage) -> Rendered:
        row = await self.service.find(int(message.payload["remembrance"]))
        if row is None:
            raise PermanentFailure("the record is gone")
        group = await self.bot.groups.get(row.guild_id, row.group_id)
        t = await self.bot.guild_settings.translator(row.guild_id)
        return Rendered(
            content=render.checkin_note(t, group, row),
            view=None if row.checked_in_at else checkin_view(t, row.id),
        )

    async def _render_checkin_reminder(self, message: OutboxMessage) -> Rendered:
        row = await self.service.find(int(message.payload["remembrance"]))
        if row is None:
            raise PermanentFailure("the record is gone")
        if row.checked_in_at is not None:
            raise PermanentFailure("someone checked in meanwhile")
        group = await self.bot.groups.get(row.guild_id, row.group_id)
        t = await self.bot.guild_settings.translator(row.guild_id)
        return Rendered(content=render.checkin_reminder(t, group, row))
