"""The programme's reports to the organisation (issue 21): the scheduled programme report in
the admins' chosen channel, each group's report to its leaders by DM with the check-in, and the
check-in's buttons and form. Discord glue only: the rules are in service_schedule.py. The
command (`/programme schedule-reports`) is on the programme cog (cog.py), whose service this
shares."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.client import Bot
from bot.dispatcher import PermanentFailure, Rendered, Renderer
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import Translate
from bot.kit.text import escape_member_text
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.programme.chart import chart_png
from cogs.programme.service_reports import Period, Report, ReportService
from cogs.programme.service_schedule import REPORT_DM, REPORT_POST, ScheduleService
from cogs.programme.views_checkin import SCHEDULE_COG, RateButton, WordsModal, checkin_view

SCHEDULED_JOB = "programme-reports:sweep"
CHECKIN_RETENTION_JOB = "programme-reports:retention"
MAX_WORDS_SHOWN = 1500


class ScheduleCog(Feature, name=SCHEDULE_COG):
    persistent_items = (RateButton,)
    persistent_modals = (WordsModal,)
    job_prefix = "programme-reports:"

    def __init__(self, bot: Bot, schedule: ScheduleService, reports: ReportService) -> None:
        super().__init__(bot)
        self.schedule = schedule
        self.reports = reports

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {REPORT_POST: self._render_post, REPORT_DM: self._render_dm}

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    async def _rebuild(self) -> None:
        scheduler = self.bot.scheduler
        scheduler.add_job(self.sweep, "interval", hours=1, id=SCHEDULED_JOB, replace_existing=True)
        scheduler.add_job(
            self.forget_old, "interval", hours=24, id=CHECKIN_RETENTION_JOB, replace_existing=True
        )
        self.bot.spawn(self.sweep(), name="programme: scheduled reports at start")

    async def sweep(self) -> int:
        return await self.schedule.sweep()

    async def forget_old(self) -> int:
        async def days(guild_id: int) -> int:
            return (await self.bot.guild_settings.get(guild_id)).retention_days

        return await self.schedule.forget_old(days)

    async def delete_user_data(self, guild_id: int, user_id: int) -> None:
        await self.schedule.forget(guild_id, user_id)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        found = await self.schedule.export(guild_id, user_id)
        return {"Your check-ins about your groups": found} if found else {}

    # ------------------------------------------------------------------ renderers

    @staticmethod
    def _period(payload: Mapping[str, Any]) -> Period:
        return Period(int(payload["start"]), int(payload["end"]), str(payload["zone"]))

    async def _files(self, report: Report, t: Translate) -> list[discord.File]:
        png = await chart_png(report, t)
        return [
            discord.File(io.BytesIO(png), filename="report.png"),
            discord.File(io.BytesIO(report.csv(t)), filename="report.csv"),
        ]

    async def _render_post(self, message: OutboxMessage) -> Rendered:
        guild_id = message.guild_id or 0
        guild = self.bot.get_guild(guild_id)
        t = await self.bot.guild_settings.translator(guild_id)
        period = self._period(message.payload)
        name = guild.name if guild else t("The programme")
        report = await self.reports.build(guild_id, None, name, period)
        lines = [
            t(
                "**The programme's report**, {start} to {end}: {held} sessions held, {skipped} "
                "skipped, {cancelled} cancelled. Every number on the chart is in the CSV file.",
                start=period.day(period.start),
                end=period.day(period.end),
                held=report.held,
                skipped=report.skipped,
                cancelled=report.cancelled,
            )
        ]
        if report.checkin_words:
            lines.append(t("What the leaders said about their groups:"))
            shown = 0
            for group, words in report.checkin_words:
                line = f"- {escape_member_text(group)}: {escape_member_text(words)}"
                if shown + len(line) > MAX_WORDS_SHOWN:
                    lines.append(t("(more in the leaders' answers than fits here)"))
                    break
                lines.append(line)
                shown += len(line)
        return Rendered(content="\n".join(lines), files=await self._files(report, t))

    async def _render_dm(self, message: OutboxMessage) -> Rendered:
        guild_id, payload = message.guild_id or 0, message.payload
        group = await self.bot.groups.get(guild_id, int(payload["group_id"]))
        if group is None:
            raise PermanentFailure("the group is gone")
        t = await self.bot.guild_settings.translator(guild_id)
        period = self._period(payload)
        members = len(await self.bot.groups.member_ids(guild_id, group.id))
        report = await self.reports.build(guild_id, group.id, group.name, period, members)
        text = t(
            "**{group}: your group's report**, {start} to {end}: {held} sessions held. It went "
            "to the organisation with the programme's report.\n\n**How is the group going?** "
            "Pick 1 (struggling) to 5 (going well); you can add a few words after. Your answer "
            "goes to the organisation under the group's name, never to the members.",
            group=escape_member_text(group.name),
            start=period.day(period.start),
            end=period.day(period.end),
            held=report.held,
        )
        return Rendered(
            content=text,
            files=await self._files(report, t),
            view=checkin_view(guild_id, group.id, period.start),
        )

    # ------------------------------------------------------------------ the check-in

    async def rated(
        self, interaction: discord.Interaction[Any], guild: int, group: int, start: int, n: int
    ) -> None:
        await self.schedule.rate(guild, group, start, interaction.user.id, n)
        await WordsModal(guild=guild, group=group, start=start).open(interaction)

    async def worded(
        self, interaction: discord.Interaction[Any], guild: int, group: int, start: int, text: str
    ) -> None:
        t = await translator(interaction)
        if text.strip():
            await self.schedule.add_words(guild, group, start, interaction.user.id, text)
        await interaction.response.send_message(
            t("Thank you. Your answer goes into the next programme report."), ephemeral=True
        )
