"""/meeting list, calendar and settings reminders: a group's sessions as a list or a calendar
file, and when its reminders go out. Discord glue only: the rules are in the service."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import LEADER, MEMBER, Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.i18n import Translate
from bot.tree import translator
from cogs.meetings import render
from cogs.meetings.cog_common import (
    MEETING,
    SETTINGS,
    JoinedMeetingGroup,
    LedMeetingGroup,
    MeetingCommands,
    with_meetings,
)


class BrowseCommands(MeetingCommands):
    # ------------------------------------------------------------------ /meeting list

    @MEETING.command(name="list", description=_T("Upcoming sessions of your groups"), extras=MEMBER)
    @app_commands.describe(group=_T("Only this group (empty: all your groups)"))
    async def list_meetings(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, JoinedMeetingGroup] | None = None,
    ) -> None:
        member = caller(interaction)
        if group is not None:
            ref = with_meetings(group)
            await self.service.rezone(ref)  # its time zone may have changed since
            await self._require_member_of(interaction, ref)
            refs = [ref]
        else:
            refs = await self.bot.groups.groups_of(member.guild.id, member.id)
        t = await translator(interaction)
        items = await self.service.upcoming(member.guild.id, [g.id for g in refs])
        if not items:
            await interaction.response.send_message(
                t("No sessions are scheduled for your groups yet."), ephemeral=True
            )
            return
        text = render.upcoming_lines(items, {g.id: g.name for g in refs}, t)
        embed = discord.Embed(title=t("Upcoming sessions"), description=text[:4000])
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ calendar

    @MEETING.command(
        name="calendar",
        description=_T("A calendar file (.ics) of a group's sessions"),
        extras=MEMBER,
    )
    @app_commands.describe(group=_T("The group"))
    async def calendar(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, JoinedMeetingGroup],
    ) -> None:
        ref = with_meetings(group)
        await self.service.rezone(ref)  # the file has the sessions in the group's zone
        await self._require_member_of(interaction, ref)
        t = await translator(interaction)
        data = await self.service.calendar(ref)
        name = "".join(c if c.isalnum() else "-" for c in ref.name.lower()).strip("-")
        # A follow-up after a defer: the way discord.py sends a file with an ephemeral answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            t(
                "The sessions of {group} as a calendar file: open it with your calendar app. "
                "Changes made later are not in this copy; ask for a new one after a change.",
                group=ref.name,
            ),
            file=discord.File(io.BytesIO(data), filename=f"{name or 'meetings'}.ics"),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ settings

    @SETTINGS.command(
        name="reminders", description=_T("When a group's reminders go out"), extras=LEADER
    )
    @app_commands.describe(
        group=_T("The group"),
        times=_T("How long before each session, e.g. 24h, 1h (at most 3)"),
        ping_role=_T("Mention the group's role in reminders (nobody else is ever mentioned)"),
        remind_going=_T("Also remind privately those who said they're coming"),
    )
    async def settings_reminders(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedMeetingGroup],
        times: str | None = None,
        ping_role: bool | None = None,
        remind_going: bool | None = None,
    ) -> None:
        ref = with_meetings(group)
        await self.service.rezone(ref)  # reminders are planned from the sessions' times
        member = await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
        saved = await self.service.set_reminders(
            ref, offsets=times, ping_role=ping_role, remind_going=remind_going, by=member.id
        )
        t = await translator(interaction)
        times_text = ", ".join(_offset_text(m, t) for m in saved.offsets) or t("none")
        await interaction.response.send_message(
            t(
                "Reminders for {group}: {times} before each session. Role mention: {ping}. "
                "Private reminder to those going: {going}.",
                group=ref.name,
                times=times_text,
                ping=t("on") if saved.ping_role else t("off"),
                going=t("on") if saved.remind_going else t("off"),
            ),
            ephemeral=True,
        )


def _offset_text(minutes: int, t: Translate) -> str:
    if minutes % 1440 == 0:
        return t.plural("{n} day", "{n} days", minutes // 1440)
    if minutes % 60 == 0:
        return t.plural("{n} hour", "{n} hours", minutes // 60)
    return t.plural("{n} minute", "{n} minutes", minutes)
