"""/meeting schedule, edit, cancel and skip: a leader plans a group's sessions and changes
them. Discord glue only: the rules are in the service."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import LEADER, Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.errors import UserError
from bot.i18n import N_, Translate
from bot.kit.timestamps import stamp_and_relative
from bot.tree import translator
from cogs.meetings import render
from cogs.meetings.cog_common import MEETING, LedMeetingGroup, MeetingCommands, with_meetings
from cogs.meetings.rules import Draft
from cogs.meetings.views import PreviewView
from cogs.meetings.zones import adjustment_note

# Values of the repeat option: recurrence.RepeatKind.
ONCE, WEEKLY, BIWEEKLY, MONTHLY_NTH, MONTHLY_DATE = (
    "none",
    "weekly",
    "biweekly",
    "monthly_nth",
    "monthly_date",
)
REPEAT_CHOICES = [
    app_commands.Choice(name=_T("once"), value=ONCE),
    app_commands.Choice(name=_T("every week"), value=WEEKLY),
    app_commands.Choice(name=_T("every 2 weeks"), value=BIWEEKLY),
    app_commands.Choice(name=_T("monthly on a weekday (e.g. first Tuesday)"), value=MONTHLY_NTH),
    app_commands.Choice(name=_T("monthly on a date (e.g. the 15th)"), value=MONTHLY_DATE),
]
WEEK_CHOICES = [
    app_commands.Choice(name=_T("first"), value=1),
    app_commands.Choice(name=_T("second"), value=2),
    app_commands.Choice(name=_T("third"), value=3),
    app_commands.Choice(name=_T("fourth"), value=4),
    app_commands.Choice(name=_T("fifth (months without one are skipped)"), value=5),
    app_commands.Choice(name=_T("last"), value=-1),
]


class ScheduleCommands(MeetingCommands):
    # ------------------------------------------------------------------ /meeting schedule

    @MEETING.command(
        name="schedule", description=_T("Schedule a session or a series"), extras=LEADER
    )
    @app_commands.describe(
        group=_T("The group that meets"),
        title=_T("What the session is called, e.g. Monthly check-in"),
        when=_T("Date and time in the group's time zone, e.g. 2027-03-02 12:00 or tomorrow 6pm"),
        minutes=_T("How long it lasts, in minutes"),
        repeat=_T("How it repeats"),
        week=_T("For monthly on a weekday: which one (empty: as the date)"),
        until=_T("Last date of the series, e.g. 2027-12-31 (empty: no end)"),
    )
    @app_commands.choices(repeat=REPEAT_CHOICES)
    @app_commands.choices(week=WEEK_CHOICES)
    async def schedule(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedMeetingGroup],
        title: str,
        when: str,
        minutes: app_commands.Range[int, 15, 480] = 60,
        repeat: str = ONCE,
        week: int | None = None,
        until: str | None = None,
    ) -> None:
        ref = with_meetings(group)
        await self.service.rezone(ref)  # its time zone may have changed since
        member = await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
        draft = self.service.draft(
            group=ref,
            title=title,
            when=when,
            duration_minutes=minutes,
            repeat=repeat,
            nth=week,
            until=until,
            by=member.id,
        )
        t = await translator(interaction)
        await interaction.response.send_message(
            embed=render.preview(draft, t), view=PreviewView(draft, member.id, t), ephemeral=True
        )

    async def confirm_draft(self, interaction: discord.Interaction[Any], draft: Draft) -> None:
        await self.bot.access.require(interaction, Audience.LEADER, group_id=draft.group_id)
        series, session = await self.service.confirm(draft)
        t = await translator(interaction)
        if session is None:
            text = t("{title} is saved, but it has no upcoming session.", title=series.title)
        else:
            text = t(
                "{title} is scheduled. The first session is {when}. The group's channel gets "
                "an announcement with RSVP buttons, and reminders follow.",
                title=series.title,
                when=stamp_and_relative(session.starts_at),
            )
        await interaction.response.edit_message(content=text, embed=None, view=None)

    async def cancel_draft(self, interaction: discord.Interaction[Any]) -> None:
        t = await translator(interaction)
        await interaction.response.edit_message(
            content=t("Nothing was scheduled."), embed=None, view=None
        )

    # ------------------------------------------------------------------ edit, cancel, skip

    @MEETING.command(
        name="edit",
        description=_T("Move one session, or change a whole series"),
        extras=LEADER,
    )
    @app_commands.describe(
        series=_T("The series"),
        session=_T("One session to move (empty: change the whole series)"),
        when=_T("The new date and time, in the group's time zone"),
        title=_T("A new title (whole series)"),
        minutes=_T("A new length in minutes (whole series)"),
    )
    async def edit(
        self,
        interaction: discord.Interaction[Bot],
        series: str,
        session: str | None = None,
        when: str | None = None,
        title: str | None = None,
        minutes: app_commands.Range[int, 15, 480] | None = None,
    ) -> None:
        found = await self._series(interaction, series)
        t = await translator(interaction)
        if session is not None:
            if when is None or title is not None or minutes is not None:
                raise UserError(
                    N_(
                        "To move one session, give only its new date and time (when). A new "
                        "title or length applies to the whole series: leave the session empty."
                    )
                )
            moved = await self.service.move_session(found, self._session_key(session), when)
            text = t(
                "That session of {title} is moved to {when}. Those who said they're coming "
                "are told privately.",
                title=found.title,
                when=stamp_and_relative(moved.starts_at),
            )
            note = adjustment_note(moved.adjustment, moved.local, found.zone, t)
            await interaction.response.send_message(f"{text} {note}".strip(), ephemeral=True)
            return
        updated = await self.service.edit_series(
            found, title=title, duration_minutes=minutes, when=when
        )
        upcoming = await self.service.upcoming_session(updated.id)
        text = t("{title} is updated.", title=updated.title)
        if upcoming is not None:
            text += " " + t("Next session: {when}.", when=stamp_and_relative(upcoming.starts_at))
        await interaction.response.send_message(text, ephemeral=True)

    edit.autocomplete("series")(MeetingCommands.led_series)
    edit.autocomplete("session")(MeetingCommands.series_sessions)

    @MEETING.command(
        name="cancel",
        description=_T("Cancel one session or a whole series"),
        extras=LEADER,
    )
    @app_commands.describe(
        series=_T("The series"),
        session=_T("One session to cancel (empty: the whole series)"),
    )
    async def cancel(
        self, interaction: discord.Interaction[Bot], series: str, session: str | None = None
    ) -> None:
        found = await self._series(interaction, series)
        t = await translator(interaction)
        if session is not None:
            told = await self.service.cancel_session(found, self._session_key(session))
            text = t("That session of {title} is cancelled.", title=found.title)
        else:
            told = await self.service.cancel_series(found, caller(interaction).id)
            text = t("The series {title} is cancelled.", title=found.title)
        text += _told(t, told)
        await interaction.response.send_message(text, ephemeral=True)

    cancel.autocomplete("series")(MeetingCommands.led_series)
    cancel.autocomplete("session")(MeetingCommands.series_sessions)

    @MEETING.command(
        name="skip", description=_T("Skip the next session of a series"), extras=LEADER
    )
    @app_commands.describe(series=_T("The series"))
    async def skip(self, interaction: discord.Interaction[Bot], series: str) -> None:
        found = await self._series(interaction, series)
        skipped, told = await self.service.skip_next(found)
        t = await translator(interaction)
        text = t("The session of {when} is skipped.", when=stamp_and_relative(skipped.starts_at))
        upcoming = await self.service.upcoming_session(found.id)
        if upcoming is not None:
            text += " " + t("Next session: {when}.", when=stamp_and_relative(upcoming.starts_at))
        text += _told(t, told)
        await interaction.response.send_message(text, ephemeral=True)

    skip.autocomplete("series")(MeetingCommands.led_series)


def _told(t: Translate, told: int) -> str:
    """' N people who said they're coming are told privately.', or '' when nobody was."""
    if not told:
        return ""
    return " " + t.plural(
        "{n} person who said they're coming is told privately.",
        "{n} people who said they're coming are told privately.",
        told,
    )
