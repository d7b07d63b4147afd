"""The programme's view (issue 21, part A): the leaders' briefing before each session, who came
to each session, and the group and programme reports. Discord glue only: the rules are in
service.py and service_reports.py, the words in render.py, the chart in chart.py.

It is a `Feature` (bot/feature.py): two outbox kinds (the briefing and the attendance prompt,
both private messages to a group's leaders), the prompt's buttons, the durable listeners
(`meeting_started`, `meeting_ended`, and the group joins and leaves it counts), the `programme:`
jobs (the briefing sweep every few minutes, the daily retention) and the members' data hooks.
It reads other features only through core: `bot.groups` and `bot.facts` (bot/facts.py).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import ADMIN, LEADER, MODERATOR, Audience
from bot.client import Bot, set_aside_warm_up
from bot.directory import GroupRef
from bot.dispatcher import PermanentFailure, Rendered, Renderer
from bot.event_log import DurableHandler, Event
from bot.events import (
    GROUP_MEMBER_JOINED,
    GROUP_MEMBER_LEFT,
    GROUP_MEMBER_WAITLISTED,
    MEETING_ENDED,
    MEETING_STARTED,
)
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.kit.groups import LedGroup
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.programme import chart, render
from cogs.programme.service import ATTENDANCE, BRIEFING, ProgrammeService
from cogs.programme.service_reports import Period, ReportService, period_of
from cogs.programme.service_schedule import ScheduleService
from cogs.programme.views import COG_NAME, PERSISTENT_ITEMS, AttendanceForm, prompt_view

log = logging.getLogger(__name__)

SWEEP_JOB = "programme:sweep"
RETENTION_JOB = "programme:retention"
SWEEP_MINUTES = 5

INTERVAL_CHOICES = [
    app_commands.Choice(name=_T("Every month"), value=1),
    app_commands.Choice(name=_T("Every quarter"), value=3),
    app_commands.Choice(name=_T("Stop"), value=0),
]
INTERVAL_OF_MONTHS = {1: "monthly", 3: "quarterly"}

PERIOD_CHOICES = [
    app_commands.Choice(name=_T("Last month"), value=1),
    app_commands.Choice(name=_T("Last quarter"), value=3),
    app_commands.Choice(name=_T("Last year"), value=12),
]


class ProgrammeCog(Feature, name=COG_NAME):
    persistent_items = PERSISTENT_ITEMS
    job_prefix = "programme:"

    report = app_commands.Group(
        name="report", description=_T("How the groups are going, in numbers"), guild_only=True
    )
    programme = app_commands.Group(
        name="programme", description=_T("The leaders' briefings"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = ProgrammeService(
            bot.db, bot.clock, bot.outbox, lambda: bot.groups, bot.facts
        )
        self.reports = ReportService(bot.db, bot.facts)

        async def zone(guild_id: int) -> str:
            return (await bot.guild_settings.get(guild_id)).effective_timezone

        async def group_name(guild_id: int, group_id: int) -> str | None:
            group = await bot.groups.get(guild_id, group_id)
            return None if group is None else group.name

        self._warmed = False
        self.scheduled = ScheduleService(bot.db, bot.clock, bot.outbox, lambda: bot.groups, zone)
        self.reports.checkins = (self.scheduled.checkins, group_name)

    # ------------------------------------------------------------------ the feature contract

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {BRIEFING: self._render_briefing, ATTENDANCE: self._render_attendance}

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {
            MEETING_STARTED: self._started,
            MEETING_ENDED: self._ended,
            GROUP_MEMBER_JOINED: self._joined,
            GROUP_MEMBER_LEFT: self._left,
            GROUP_MEMBER_WAITLISTED: self._waitlisted,
        }

    async def delete_user_data(self, guild_id: int, user_id: int) -> None:
        await self.service.forget_member(guild_id, user_id)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.service.export(guild_id, user_id)

    # ------------------------------------------------------------------ jobs

    async def _rebuild(self) -> None:
        if self.bot.is_ready():  # loaded into a running bot: on_ready has come already
            await self.on_ready()
        scheduler = self.bot.scheduler
        scheduler.add_job(
            self.sweep, "interval", minutes=SWEEP_MINUTES, id=SWEEP_JOB, replace_existing=True
        )
        scheduler.add_job(
            self.forget_old, "interval", hours=24, id=RETENTION_JOB, replace_existing=True
        )
        self.bot.spawn(self.sweep(), name="programme: first sweep")

    async def sweep(self) -> int:
        """Briefings due now (late ones after an outage too, never after the start); the
        ratings of polls closed since the last sweep kept for the reports."""
        briefed = await self.service.sweep()
        await self.service.keep_ratings([guild.id for guild in self.bot.guilds])
        return briefed

    async def forget_old(self) -> int:
        async def days(guild_id: int) -> int:
            return (await self.bot.guild_settings.get(guild_id)).retention_days

        return await self.service.forget_old(days)

    # ------------------------------------------------------------------ listeners

    async def _started(self, event: Event) -> None:
        p = event.payload
        await self.service.session_started(
            p["guild_id"], p["group_id"], p["occurrence"], await self._in_voice(p)
        )

    async def _ended(self, event: Event) -> None:
        p = event.payload
        await self.service.session_ended(p["guild_id"], p["group_id"], p["occurrence"])

    async def _in_voice(self, payload: dict[str, Any]) -> list[int]:
        group = await self.bot.groups.get(payload["guild_id"], payload["group_id"])
        guild = self.bot.get_guild(payload["guild_id"])
        if group is None or guild is None or group.voice_channel_id is None:
            return []
        channel = guild.get_channel(group.voice_channel_id)
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            return []
        return [m.id for m in channel.members if not m.bot]

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Once the bot is ready: matplotlib imported and a first chart drawn in a worker thread,
        so the first report after a start does not wait for them (chart.warm_up)."""
        if not self._warmed:
            self._warmed = True
            self.bot.spawn(self._warm_up(), name="programme: chart warm-up")

    async def _warm_up(self) -> None:
        await asyncio.to_thread(chart.warm_up)
        set_aside_warm_up()  # matplotlib's objects, out of the collector's full passes

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        channel = after.channel
        if member.bot or channel is None or (before.channel and before.channel.id == channel.id):
            return
        group = await self.bot.groups.for_channel(member.guild.id, channel.id)
        if group is not None and group.voice_channel_id == channel.id:
            await self.service.seen_in_voice(member.guild.id, group.id, member.id)

    async def _joined(self, event: Event) -> None:
        await self._membership(event, "joined")

    async def _left(self, event: Event) -> None:
        await self._membership(event, "left")

    async def _waitlisted(self, event: Event) -> None:
        p = event.payload
        await self.service.waitlisted(
            p["guild_id"],
            p["group_id"],
            at=event.created_at,
            once=functools.partial(self.bot.event_log.claim, event=event),
        )

    async def _membership(self, event: Event, change: str) -> None:
        """The durable group events: counted once each (the delivery is claimed in the
        transaction that counts it), at the moment the change was written, so a crash between
        the change and the count loses nothing and a delivery again counts nothing twice."""
        p = event.payload
        await self.service.membership(
            p["guild_id"],
            p["group_id"],
            p["user_id"],
            change,
            at=event.created_at,
            once=functools.partial(self.bot.event_log.claim, event=event),
        )

    # ------------------------------------------------------------------ renderers

    async def _group_name(self, guild_id: int, group_id: int) -> str:
        group = await self.bot.groups.get(guild_id, group_id)
        if group is None:
            raise PermanentFailure("the group is gone")
        return group.name

    async def _render_briefing(self, message: OutboxMessage) -> Rendered:
        guild_id, payload = message.guild_id or 0, message.payload
        if self.service.now() >= payload["starts_at"]:  # held up past the start: too late
            raise PermanentFailure("the session has started")
        t = await self.bot.guild_settings.translator(guild_id)
        settings = await self.bot.guild_settings.get(guild_id)
        guild = self.bot.get_guild(guild_id)
        role = guild.get_role(settings.moderator_role_id or 0) if guild else None
        name = await self._group_name(guild_id, payload["group_id"])
        return Rendered(content=render.briefing(payload, name, role.name if role else None, t))

    async def _render_attendance(self, message: OutboxMessage) -> Rendered:
        guild_id, payload = message.guild_id or 0, message.payload
        t = await self.bot.guild_settings.translator(guild_id)
        name = await self._group_name(guild_id, payload["group_id"])
        session = await self.service.repo_session(guild_id, payload["occurrence"])
        starts = session.starts_at if session else int(payload["occurrence"].split(":")[1])
        return Rendered(
            content=render.attendance_prompt(name, starts, t),
            view=prompt_view(guild_id, payload["occurrence"], t),
        )

    # ------------------------------------------------------------------ attendance

    async def open_attendance(
        self, interaction: discord.Interaction[Any], guild_id: int, occurrence: str
    ) -> None:
        t = await translator(interaction)
        _, member_ids, chosen = await self.service.attendance_form(
            guild_id, occurrence, interaction.user.id
        )
        guild = self.bot.get_guild(guild_id)
        members = []
        for uid in member_ids:
            found = guild.get_member(uid) if guild else None
            members.append((uid, found.display_name if found else t("Member {id}", id=uid)))
        if not members:
            await interaction.response.send_message(
                t("This group has no members to choose from."), ephemeral=True
            )
            return
        await interaction.response.send_message(
            t("Who came to the session? Choose, then press Save."),
            view=AttendanceForm(guild_id, occurrence, members, chosen, t),
            ephemeral=True,
        )

    async def save_attendance(
        self,
        interaction: discord.Interaction[Any],
        guild_id: int,
        occurrence: str,
        came: list[int] | None,
    ) -> None:
        count = await self.service.record(guild_id, occurrence, interaction.user.id, came)
        t = await translator(interaction)
        await interaction.response.send_message(render.recorded(count, t), ephemeral=True)

    # ------------------------------------------------------------------ commands

    @programme.command(
        name="briefing",
        description=_T("When a group's leaders get their briefing before each session"),
        extras=LEADER,
    )
    @app_commands.describe(
        group=_T("The group"), hours=_T("Hours before each session (0 turns it off)")
    )
    async def briefing_time(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup],
        hours: app_commands.Range[float, 0, 48],
    ) -> None:
        await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        minutes = await self.service.set_briefing_minutes(
            group.guild_id, group.id, round(hours * 60)
        )
        t = await translator(interaction)
        text = (
            t("The leaders of {group} get no briefing before sessions now.", group=group.name)
            if minutes == 0
            else t(
                "The leaders of {group} get their briefing {hours} hours before each session.",
                group=group.name,
                hours=f"{minutes / 60:g}",
            )
        )
        await interaction.response.send_message(text, ephemeral=True)

    @programme.command(
        name="schedule-reports",
        description=_T("Post the programme report to a private channel every month or quarter"),
        extras=ADMIN,
    )
    @app_commands.describe(
        channel=_T("A channel only moderators and admins can read"),
        interval=_T("How often (in the server's time zone); Stop ends the reports"),
    )
    @app_commands.choices(interval=INTERVAL_CHOICES)
    async def schedule_reports(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        interval: app_commands.Choice[int],
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.get(member.guild.id)
        chosen = INTERVAL_OF_MONTHS.get(interval.value)
        if chosen is not None:
            problem = render.channel_problem(channel, settings.moderator_role_id, t)
            if problem is not None:
                await interaction.response.send_message(problem, ephemeral=True)
                return
        done, first = await self.scheduled.set_schedule(
            member.guild.id, channel.id, chosen, member.id
        )
        await interaction.response.send_message(
            render.schedule_set(done is not None, channel.mention, chosen or "", first, t),
            ephemeral=True,
        )

    @report.command(
        name="group", description=_T("A group's report: sessions, attendance"), extras=LEADER
    )
    @app_commands.describe(
        group=_T("The group"),
        last=_T("The period up to today"),
        start=_T("Or the first day, e.g. 2027-01-01"),
        end=_T("And the last day, e.g. 2027-03-31"),
    )
    @app_commands.rename(start=_T("from"), end=_T("to"))
    @app_commands.choices(last=PERIOD_CHOICES)
    async def report_group(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup],
        last: app_commands.Choice[int] | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> None:
        await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        period = await self._period(interaction, last, start, end, zone=group.timezone)
        members = len(await self.bot.groups.member_ids(group.guild_id, group.id))
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.reports.build(group.guild_id, group.id, group.name, period, members)
        await self._send_report(interaction, report)

    @report.command(
        name="programme", description=_T("The whole programme's report"), extras=MODERATOR
    )
    @app_commands.describe(
        last=_T("The period up to today"),
        start=_T("Or the first day, e.g. 2027-01-01"),
        end=_T("And the last day, e.g. 2027-03-31"),
    )
    @app_commands.rename(start=_T("from"), end=_T("to"))
    @app_commands.choices(last=PERIOD_CHOICES)
    async def report_programme(
        self,
        interaction: discord.Interaction[Bot],
        last: app_commands.Choice[int] | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        period = await self._period(interaction, last, start, end)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.reports.build(member.guild.id, None, member.guild.name, period)
        await self._send_report(interaction, report)

    async def _period(
        self,
        interaction: discord.Interaction[Any],
        last: app_commands.Choice[int] | None,
        start: str | None,
        end: str | None,
        *,
        zone: str | None = None,
    ) -> Period:
        """The period, read in the group's time zone (a group report) or the server's."""
        assert interaction.guild_id is not None
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        return period_of(
            self.service.now(),
            zone or settings.effective_timezone,
            last.value if last else None,
            start,
            end,
        )

    async def _send_report(self, interaction: discord.Interaction[Any], report: Any) -> None:
        t = await translator(interaction)
        png = await chart.chart_png(report, t)
        data = report.csv(t)
        text = t(
            "{name}, {start} to {end}: {held} sessions held, {skipped} skipped, {cancelled} "
            "cancelled. Every number on the chart is in the CSV file. Counts only: no names "
            "and no words.",
            name=report.name,
            start=report.period.day(report.period.start),
            end=report.period.day(report.period.end),
            held=report.held,
            skipped=report.skipped,
            cancelled=report.cancelled,
        )
        await interaction.followup.send(
            text,
            files=[
                discord.File(io.BytesIO(png), filename="report.png"),
                discord.File(io.BytesIO(data), filename="report.csv"),
            ],
            ephemeral=True,
        )
