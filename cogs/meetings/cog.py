"""/meeting: sessions of a group, one-off or repeating, in the group's time zone. Discord glue
only: the rules are in service.py, the server events in events.py, the texts in render.py.

Jobs: one job, `meetings:due`, sleeps until the earliest due action in the database (a
reminder, a session's start or end) and fires everything due, then re-arms itself; so start-up
costs one query whatever the number of series. `meetings:events` retries Discord event syncs
that failed; `meetings:purge` forgets old sessions; `meetings:zones` notices a group whose time
zone changed. All are rebuilt from the database at start. Stopping the bot cancels a job that is
running: that is quiet (what it did not finish is still due in the database).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import LEADER, MEMBER, Audience, caller
from bot.client import Bot
from bot.clock import epoch
from bot.directory import GroupRef
from bot.dispatcher import PermanentFailure, Rendered, server_of
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_, Translate, server_translator
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.meetings import render
from cogs.meetings.events import EventSync
from cogs.meetings.models import CANCELLED, ENDED, GOING, MAYBE, NO, Series, local_value
from cogs.meetings.recurrence import Term, translate_terms
from cogs.meetings.rules import Draft
from cogs.meetings.service import ANNOUNCE, NOTICE, REMINDER, MeetingService
from cogs.meetings.service_actions import DueActions
from cogs.meetings.views import DYNAMIC_ITEMS, PreviewView, rsvp_view
from cogs.meetings.zones import adjustment_note

log = logging.getLogger(__name__)


DUE_JOB = "meetings:due"
EVENTS_JOB = "meetings:events"
PURGE_JOB = "meetings:purge"
ZONES_JOB = "meetings:zones"
ZONES_EVERY_MINUTES = 10
RETRY_SECONDS = 5

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


class MeetingsCog(commands.Cog, name="Meetings"):
    meeting = app_commands.Group(
        name="meeting", description=_T("Group sessions and their reminders"), guild_only=True
    )
    settings = app_commands.Group(
        name="settings", description=_T("Meeting settings of a group"), parent=meeting
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.service = MeetingService(
            bot.db, bot.clock, bot.outbox, lambda: bot.groups, self._dispatch
        )
        self.actions = DueActions(self.service)
        self.events = EventSync(bot, self.service)
        self._tasks: set[asyncio.Task[None]] = set()
        self.catch_up: asyncio.Task[None] | None = None
        self._wake_pending = False
        bot.dispatcher.register(ANNOUNCE, self._render_announcement)
        bot.dispatcher.register(REMINDER, self._render_reminder)
        bot.dispatcher.register(NOTICE, self._render_notice)
        bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.service.on_change(self._wake)
        bot.add_rebuilder(self._rebuild)

    # ------------------------------------------------------------------ jobs

    def _dispatch(self, name: str, guild_id: int, group_id: int, occurrence: str) -> None:
        log.info("%s: group %d, session %s", name, group_id, occurrence)
        self.bot.dispatch(name, guild_id, group_id, occurrence)

    async def _rebuild(self) -> None:
        """Arm the jobs from the database (one query each), then, in the background, give every
        series whose next session is missing (never materialised, or its last session ended
        while the bot was down) that session: with thousands of series that takes seconds, and
        the bot should not wait for it to connect."""
        await self.arm()
        await self.arm_events()
        self.bot.scheduler.add_job(
            self.purge, "interval", hours=24, id=PURGE_JOB, replace_existing=True
        )
        self.bot.scheduler.add_job(
            self.reconcile_zones,
            "interval",
            minutes=ZONES_EVERY_MINUTES,
            id=ZONES_JOB,
            replace_existing=True,
        )
        self.catch_up = self._spawn(self._catch_up())

    async def _catch_up(self) -> None:
        made = await self.service.ensure_sessions()
        if made:
            log.info("meetings: materialised the next session of %d series", made)
            self._wake()
        await self._reconcile_zones()

    @staticmethod
    async def _until_stopped(work: Callable[[], Awaitable[None]], what: str) -> None:
        """Run a job's work; a cancellation (the scheduler cancels running jobs when the bot
        stops) ends it quietly: the database still holds whatever it did not finish, and the
        next start picks that up. Without this, every stop logged a scary job error."""
        try:
            await work()
        except asyncio.CancelledError:
            log.debug("meetings: %s stopped with the bot; the rest waits in the database", what)

    async def purge(self) -> None:
        await self._until_stopped(self.service.purge, "purge")

    async def reconcile_zones(self) -> None:
        await self._until_stopped(self._reconcile_zones, "time zone check")

    async def _reconcile_zones(self) -> None:
        moved = await self.service.reconcile_zones()
        if moved:
            log.info("meetings: %d series follow their group's new time zone", moved)

    @commands.Cog.listener()
    async def on_group_updated(self, guild_id: int, group_id: int) -> None:
        """/group edit: a new time zone applies at once (`meetings:zones` and the /meeting
        commands notice one that was changed while the bot was away)."""
        group = await self.bot.groups.get(guild_id, group_id)
        if group is not None:
            await self.service.rezone(group)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def cog_unload(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for job_id in (DUE_JOB, EVENTS_JOB, PURGE_JOB, ZONES_JOB):
            if self.bot.scheduler.get_job(job_id) is not None:
                self.bot.scheduler.remove_job(job_id)

    def _wake(self) -> None:
        """After a change: re-arm the due job and bring the Discord events up to date."""
        if self._wake_pending:
            return
        self._wake_pending = True
        self._spawn(self._woken())

    async def _woken(self) -> None:
        await asyncio.sleep(0)
        self._wake_pending = False
        try:
            await self.arm()
            await self.sync_events()
        except Exception:
            log.exception("meetings: could not re-arm after a change")

    async def arm(self, *, not_before: int = 0) -> None:
        """Point the due job at the earliest due action (at once if it is already due)."""
        due = await self.service.next_due_at()
        if due is None:
            if self.bot.scheduler.get_job(DUE_JOB) is not None:
                self.bot.scheduler.remove_job(DUE_JOB)
            return
        self.bot.scheduler.add_job(
            self.run_due,
            "date",
            run_date=datetime.fromtimestamp(max(due, not_before), UTC),
            id=DUE_JOB,
            replace_existing=True,
            misfire_grace_time=None,  # late (the bot was down) is handled by the late rules
        )

    async def run_due(self) -> None:
        """The due job. It runs until nothing is due: while it runs, APScheduler skips a new
        run of the same job (max_instances=1), so it must not leave due work to one."""
        await self._until_stopped(self._run_due, "due actions")

    async def _run_due(self) -> None:
        try:
            while True:
                await self.actions.run_due()
                due = await self.service.next_due_at()
                if due is None or due > epoch(self.bot.clock()):
                    break
        except Exception:
            # Try again shortly: a run armed for "now" would be skipped, as this one still runs.
            await self.arm(not_before=epoch(self.bot.clock()) + RETRY_SECONDS)
            raise
        await self.arm()

    async def arm_events(self) -> None:
        due = await self.service.next_event_try_at()
        if due is None:
            return
        self.bot.scheduler.add_job(
            self.sync_events,
            "date",
            run_date=datetime.fromtimestamp(due, UTC),
            id=EVENTS_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def sync_events(self) -> None:
        await self._until_stopped(self._sync_events, "Discord event sync")

    async def _sync_events(self) -> None:
        await self.events.sync_due()
        await self.arm_events()

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Connected (or the server is back): its groups' Discord events are synced now."""
        await self.service.retry_events_of_guild(guild.id)
        self._wake()

    @commands.Cog.listener()
    async def on_group_member_left(
        self, guild_id: int, group_id: int, user_id: int, reason: str
    ) -> None:
        """Someone who left a group no longer has an answer on its sessions."""
        await self.service.drop_member(guild_id, group_id, user_id)

    # ------------------------------------------------------------------ helpers

    async def _group(self, interaction: discord.Interaction[Bot], value: str) -> GroupRef:
        member = caller(interaction)
        try:
            group_id = int(value)
        except ValueError:
            raise NotFound(N_("Please pick a group from the list.")) from None
        group = await self.bot.groups.get(member.guild.id, group_id)
        if group is None:
            raise NotFound(N_("Please pick a group from the list."))
        if group.archived:
            raise UserError(N_("{group} is archived, so it has no meetings."), group=group.name)
        await self.service.rezone(group)  # its time zone may have changed since
        return group

    async def _series(self, interaction: discord.Interaction[Bot], value: str) -> Series:
        member = caller(interaction)
        try:
            series_id = int(value)
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

    async def cog_app_command_error(
        self, interaction: discord.Interaction[Bot], error: app_commands.AppCommandError
    ) -> None:
        """Runs before the tree's handler words the error: our own words inside its sentence
        (a weekday, an ordinal) are put in the reader's language, like the sentence."""
        original = getattr(error, "original", error)
        if isinstance(original, UserError) and any(
            isinstance(v, Term) for v in original.params.values()
        ):
            original.params = translate_terms(original.params, await translator(interaction))

    async def _require_member_of(
        self, interaction: discord.Interaction[Bot], group: GroupRef
    ) -> None:
        member = caller(interaction)
        if await self.bot.groups.is_member(group.guild_id, group.id, member.id):
            return
        if await self.bot.access.is_moderator(member):
            return
        raise NotAllowed(N_("Only members of {group} can see its meetings."), group=group.name)

    async def _groups_for(
        self, interaction: discord.Interaction[Bot], current: str, *, led: bool
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            return []
        member = interaction.user
        if await self.bot.access.is_moderator(member):
            groups = await self.bot.groups.search(member.guild.id, current)
        elif led:
            groups = await self.bot.groups.led_by(member.guild.id, member.id)
        else:
            groups = await self.bot.groups.groups_of(member.guild.id, member.id)
        needle = current.casefold().strip()
        return [
            app_commands.Choice(name=g.name[:100], value=str(g.id))
            for g in groups
            if needle in g.name.casefold()
        ][:25]

    async def led_groups(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._groups_for(interaction, current, led=True)

    async def my_groups(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._groups_for(interaction, current, led=False)

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
        except (ValueError, UserError):
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

    # ------------------------------------------------------------------ /meeting schedule

    @meeting.command(
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
        group: str,
        title: str,
        when: str,
        minutes: app_commands.Range[int, 15, 480] = 60,
        repeat: str = ONCE,
        week: int | None = None,
        until: str | None = None,
    ) -> None:
        ref = await self._group(interaction, group)
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

    schedule.autocomplete("group")(led_groups)

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
                when=render.when_line(session.starts_at, t),
            )
        await interaction.response.edit_message(content=text, embed=None, view=None)

    async def cancel_draft(self, interaction: discord.Interaction[Any]) -> None:
        t = await translator(interaction)
        await interaction.response.edit_message(
            content=t("Nothing was scheduled."), embed=None, view=None
        )

    # ------------------------------------------------------------------ /meeting list

    @meeting.command(name="list", description=_T("Upcoming sessions of your groups"), extras=MEMBER)
    @app_commands.describe(group=_T("Only this group (empty: all your groups)"))
    async def list_meetings(
        self, interaction: discord.Interaction[Bot], group: str | None = None
    ) -> None:
        member = caller(interaction)
        if group is not None:
            ref = await self._group(interaction, group)
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

    list_meetings.autocomplete("group")(my_groups)

    # ------------------------------------------------------------------ edit, cancel, skip

    @meeting.command(
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
                when=render.when_line(moved.starts_at, t),
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
            text += " " + t("Next session: {when}.", when=render.when_line(upcoming.starts_at, t))
        await interaction.response.send_message(text, ephemeral=True)

    edit.autocomplete("series")(led_series)
    edit.autocomplete("session")(series_sessions)

    @meeting.command(
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
        if told:
            text += " " + t.plural(
                "{n} person who said they're coming is told privately.",
                "{n} people who said they're coming are told privately.",
                told,
            )
        await interaction.response.send_message(text, ephemeral=True)

    cancel.autocomplete("series")(led_series)
    cancel.autocomplete("session")(series_sessions)

    @meeting.command(
        name="skip", description=_T("Skip the next session of a series"), extras=LEADER
    )
    @app_commands.describe(series=_T("The series"))
    async def skip(self, interaction: discord.Interaction[Bot], series: str) -> None:
        found = await self._series(interaction, series)
        skipped, told = await self.service.skip_next(found)
        t = await translator(interaction)
        text = t("The session of {when} is skipped.", when=render.when_line(skipped.starts_at, t))
        upcoming = await self.service.upcoming_session(found.id)
        if upcoming is not None:
            text += " " + t("Next session: {when}.", when=render.when_line(upcoming.starts_at, t))
        if told:
            text += " " + t.plural(
                "{n} person who said they're coming is told privately.",
                "{n} people who said they're coming are told privately.",
                told,
            )
        await interaction.response.send_message(text, ephemeral=True)

    skip.autocomplete("series")(led_series)

    # ------------------------------------------------------------------ calendar

    @meeting.command(
        name="calendar",
        description=_T("A calendar file (.ics) of a group's sessions"),
        extras=MEMBER,
    )
    @app_commands.describe(group=_T("The group"))
    async def calendar(self, interaction: discord.Interaction[Bot], group: str) -> None:
        ref = await self._group(interaction, group)
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

    calendar.autocomplete("group")(my_groups)

    # ------------------------------------------------------------------ settings

    @settings.command(
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
        group: str,
        times: str | None = None,
        ping_role: bool | None = None,
        remind_going: bool | None = None,
    ) -> None:
        ref = await self._group(interaction, group)
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

    settings_reminders.autocomplete("group")(led_groups)

    # ------------------------------------------------------------------ RSVP

    async def answer_rsvp(
        self, interaction: discord.Interaction[Any], occurrence_id: int, answer: str
    ) -> None:
        member = caller(interaction)
        session = await self.service.rsvp(occurrence_id, member.id, answer)
        series = await self.service.series_of(session)
        group = await self.bot.groups.get(session.guild_id, session.group_id)
        t = server_translator((await self.bot.guild_settings.get(session.guild_id)).language)
        counts = await self.service.counts(occurrence_id)
        await interaction.response.edit_message(
            embed=render.announcement(series, session, group.name if group else "", counts, t),
            view=rsvp_view(occurrence_id, counts, t),
        )
        mine = await translator(interaction)
        text = {
            GOING: mine("Thank you: you're down as going. The leaders will see your name."),
            MAYBE: mine("Noted: maybe. You can change your answer any time."),
            NO: mine("Noted: you can't make this one. Thanks for letting the leaders know."),
        }[answer]
        await interaction.followup.send(text, ephemeral=True)

    async def show_who(self, interaction: discord.Interaction[Any], occurrence_id: int) -> None:
        session = await self.service.session(occurrence_id)
        if session is None:
            raise NotFound(N_("That session no longer exists."))
        await self.bot.access.require(interaction, Audience.LEADER, group_id=session.group_id)
        t = await translator(interaction)
        answers = await self.service.answers(occurrence_id)
        lines = []
        for answer, label in ((GOING, t("Going")), (MAYBE, t("Maybe")), (NO, t("Can't go"))):
            people = [f"<@{uid}>" for uid, a in answers.items() if a == answer]
            lines.append(f"**{label}** ({len(people)}): {', '.join(people) or '-'}")
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    # ------------------------------------------------------------------ renderers

    async def _render_announcement(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        session = await self.service.session(message.payload["occ"])
        if session is None or session.status in (CANCELLED, ENDED):
            raise PermanentFailure("the session was cancelled or is over")
        series = await self.service.series_of(session)
        group = await self.bot.groups.get(session.guild_id, session.group_id)
        counts = await self.service.counts(session.id)
        return Rendered(
            embeds=[render.announcement(series, session, group.name if group else "", counts, t)],
            view=rsvp_view(session.id, counts, t),
        )

    async def _render_reminder(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        session = await self.service.session(message.payload["occ"])
        if session is None or session.status in (CANCELLED, ENDED):
            raise PermanentFailure("the session was cancelled or is over")
        series = await self.service.series_of(session)
        text = render.reminder(series, session, bool(message.payload.get("late")), t)
        role_id = message.payload.get("role")
        if role_id is None:
            return Rendered(content=text)
        # Only the group's role may be mentioned, whatever the title says.
        return Rendered(
            content=f"<@&{int(role_id)}> {text}",
            allowed_mentions=discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(int(role_id))]
            ),
        )

    async def _render_notice(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        return Rendered(content=t(message.payload["msg"], **message.payload.get("params", {})))


def _offset_text(minutes: int, t: Translate) -> str:
    if minutes % 1440 == 0:
        return t.plural("{n} day", "{n} days", minutes // 1440)
    if minutes % 60 == 0:
        return t.plural("{n} hour", "{n} hours", minutes // 60)
    return t.plural("{n} minute", "{n} minutes", minutes)
