"""/duty: who is on duty. Moderators go on duty for a while (/duty on, /duty off) or keep a
weekly rota in their own time zone (/duty rota, /duty timezone); /duty who shows who is on now.
Admins choose when the check-in reminder goes (/duty check-in). Alerts mention the moderators on
duty and pages widen from them (render_duty.py, duty.py). Discord glue only.

Every reply is ephemeral; a moderator who leaves the server is forgotten here, and one who
loses the moderator role is no longer counted as on duty (`moderator_check`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import ADMIN, MODERATOR, Audience
from bot.client import Bot
from bot.dispatcher import Renderer
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.kit.timestamps import stamp
from bot.kit.zones import TimeZone
from bot.tree import translator
from cogs.escalation.duty import CHECKIN, DUTY_NOTE, DutyService, MemberCheck
from cogs.escalation.render_duty import DAY_NAMES, DutyDesk, rota_embed, shift_text, who_embed

log = logging.getLogger(__name__)

JOB_ID = "escalation:duty"
JOB_SECONDS = 60  # check-in reminders that are due, hand-set duty that ended

DAY_CHOICES = [app_commands.Choice(name=_T(name), value=i) for i, name in enumerate(DAY_NAMES)]


def moderator_check(bot: Bot) -> MemberCheck:
    """Whether a user is still in the server and a moderator there (the role set with /setup,
    or an admin): only then are they on duty."""

    async def check(guild_id: int, user_id: int) -> bool:
        guild = bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild is not None else None
        if member is None or member.bot:
            return False
        return await bot.access.is_moderator(member)

    return check


class DutyCog(Feature, name="Escalation duty"):
    job_prefix = "escalation:duty"

    duty_group = app_commands.Group(
        name="duty",
        description=_T("Who is on duty for alerts (moderators)"),
        guild_only=True,
    )
    rota_group = app_commands.Group(
        name="rota",
        description=_T("Your weekly duty shifts, in your own time zone"),
        parent=duty_group,
    )

    def __init__(self, bot: Bot, duty: DutyService) -> None:
        super().__init__(bot)
        self.duty = duty
        self.desk = DutyDesk(bot, duty)

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            CHECKIN: OutboxKind(self.desk.render_checkin, on_failure=self.desk.checkin_failed),
            DUTY_NOTE: self.desk.render_note,
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._schedule,)

    async def delete_user_data(self, guild_id: int, user_id: int) -> None:
        await self.duty.forget(guild_id, user_id)

    # ------------------------------------------------------------------ scheduled work

    async def _schedule(self) -> None:
        """Everything is in the database; the job only looks at it (a restart loses nothing:
        a reminder due while the bot was away goes at start)."""
        self.bot.scheduler.add_job(
            self.run_due,
            "interval",
            seconds=JOB_SECONDS,
            id=JOB_ID,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )

    async def run_due(self) -> None:
        try:
            await self.duty.tidy()
            for case in await self.duty.due_checkins():
                guild = self.bot.get_guild(case.guild_id)
                if guild is None or not guild.chunked:
                    continue  # who is still a moderator is not known yet: the next run decides
                await self.duty.decide_checkin(case.id)
        except Exception:
            log.exception("escalation: duty job failed; trying again at the next run")

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A moderator who leaves is off duty at once, and their rota and zone are forgotten."""
        await self.duty.forget(payload.guild_id, payload.user.id)

    # ------------------------------------------------------------------ on, off, who

    @duty_group.command(
        name="on", description=_T("Go on duty for alerts, for a while"), extras=MODERATOR
    )
    @app_commands.describe(length=_T("How long, e.g. 2h or 90m (default 8 hours)"))
    @app_commands.rename(length="for")
    async def on(self, interaction: discord.Interaction[Bot], length: str | None = None) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        until = await self.duty.go_on(member.guild.id, member.id, length)
        await interaction.response.send_message(
            t(
                "You're on duty until {until} ({relative}). New alerts will mention you, and "
                "unclaimed ones page you first. /duty off stops it earlier.",
                until=stamp(until, "f"),
                relative=stamp(until, "R"),
            ),
            ephemeral=True,
        )

    @duty_group.command(name="off", description=_T("Go off duty now"), extras=MODERATOR)
    async def off(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        outcome = await self.duty.go_off(member.guild.id, member.id)
        text = (
            t("You're off duty. Thank you for looking after people.")
            if outcome.was_on
            else t("You weren't on duty, and you aren't now.")
        )
        if outcome.back_at is not None:
            text += " " + t(
                "Your rota has you on duty again from {when}.", when=stamp(outcome.back_at, "f")
            )
        await interaction.response.send_message(text, ephemeral=True)

    @duty_group.command(
        name="who", description=_T("Who is on duty now, and until when"), extras=MODERATOR
    )
    async def who(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        guild_id = member.guild.id
        on = await self.duty.who(guild_id)
        upcoming = await self.duty.upcoming(guild_id)
        settings = await self.duty.settings(guild_id)
        first_page = await self.duty.first_page_seconds(guild_id) // 60
        await interaction.response.send_message(
            embed=who_embed(on, upcoming, settings, first_page, t),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @duty_group.command(
        name="timezone",
        description=_T("The time zone your rota shifts are written in"),
        extras=MODERATOR,
    )
    @app_commands.describe(zone=_T("A city-based zone such as Europe/London"))
    async def timezone(
        self, interaction: discord.Interaction[Bot], zone: app_commands.Transform[str, TimeZone]
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        await self.duty.set_zone(member.guild.id, member.id, zone)
        await interaction.response.send_message(
            t(
                "Your rota is now read in {zone}. Your shifts keep their local times there, "
                "also when the clocks change.",
                zone=zone,
            ),
            ephemeral=True,
        )

    @duty_group.command(
        name="check-in",
        description=_T("When the moderator who resolved a case is reminded to check in"),
        extras=ADMIN,
    )
    @app_commands.describe(after=_T("How long after resolving, e.g. 24h or 2d; off for never"))
    async def checkin(self, interaction: discord.Interaction[Bot], after: str) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.duty.set_checkin_after(member.guild.id, after, member.id)
        seconds = settings.checkin_after_seconds
        if seconds == 0:
            text = t("Check-in reminders are off on this server.")
        else:
            text = t(
                "The moderator who resolves a case will get a private reminder to check in "
                "with the member {hours} hours later.",
                hours=round(seconds / 3600, 1) if seconds % 3600 else seconds // 3600,
            )
        await interaction.response.send_message(text, ephemeral=True)

    # ------------------------------------------------------------------ the rota

    @rota_group.command(
        name="add", description=_T("Add a weekly shift, in your time zone"), extras=MODERATOR
    )
    @app_commands.describe(
        day=_T("The day the shift starts"),
        start=_T("When it starts, e.g. 18:00 or 6pm"),
        end=_T("When it ends, e.g. 22:00; before the start means the next day"),
    )
    @app_commands.choices(day=DAY_CHOICES)
    async def rota_add(
        self, interaction: discord.Interaction[Bot], day: int, start: str, end: str
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        added = await self.duty.add_shift(member.guild.id, member.id, day, start, end)
        where = (
            t("{zone}, your time zone", zone=added.zone)
            if added.own_zone
            else t(
                "{zone}, the server's time zone; set your own with /duty timezone",
                zone=added.zone,
            )
        )
        text = t("Added {shift} ({where}).", shift=shift_text(added.entry, t), where=where)
        if added.next_start is not None:
            text += " " + t("Your next shift starts {when}.", when=stamp(added.next_start, "f"))
        await interaction.response.send_message(text, ephemeral=True)

    @rota_group.command(
        name="remove", description=_T("Remove one of your shifts"), extras=MODERATOR
    )
    @app_commands.describe(shift=_T("The shift to remove"))
    async def rota_remove(self, interaction: discord.Interaction[Bot], shift: int) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        await self.duty.remove_shift(member.guild.id, member.id, shift)
        await interaction.response.send_message(t("Removed that shift."), ephemeral=True)

    @rota_remove.autocomplete("shift")
    async def rota_remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            return []
        if not await self.bot.access.is_moderator(interaction.user):
            return []
        t = await translator(interaction)
        mine = [
            line
            for line in await self.duty.rota(interaction.guild_id)
            if line.entry.user_id == interaction.user.id
        ]
        choices = [
            app_commands.Choice(
                name=f"{shift_text(line.entry, t)} ({line.zone})"[:100], value=line.entry.id
            )
            for line in mine
        ]
        current = current.casefold()
        return [c for c in choices if current in c.name.casefold()][:25]

    @rota_group.command(name="show", description=_T("Everyone's weekly shifts"), extras=MODERATOR)
    async def rota_show(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        lines = await self.duty.rota(member.guild.id)
        await interaction.response.send_message(
            embed=rota_embed(lines, member.id, t),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
