"""/meeting: sessions of a group, one-off or repeating, in the group's time zone. Discord glue
only: the rules are in service.py, the server events in events.py, the texts in render.py.

MeetingsCog brings together the commands (cog_schedule.py: schedule, edit, cancel, skip;
cog_browse.py: list, calendar, settings; cog_common.py: what they share) and holds here the
jobs, the listeners, what the RSVP buttons do, and the outbox renderers. The buttons reach
it through the small protocol in views.py.

It is the meetings `Feature` (bot/feature.py): it declares its three outbox kinds, its RSVP
buttons, its job rebuilder and `meetings:` job prefix, and its data-deletion hook (a member's
RSVPs in a server they left); loading registers them, unloading removes them.

Jobs: one job, `meetings:due`, sleeps until the earliest due action in the database (a
reminder, a session's start or end) and fires everything due, then re-arms itself; so start-up
costs one query whatever the number of series. `meetings:events` retries Discord event syncs
that failed; `meetings:announcements` retries an edit of a changed session's announcement that
Discord could not take (announcements.py); `meetings:purge` forgets old sessions;
`meetings:zones` notices a group whose time zone changed. All are rebuilt from the database at
start (a stale announcement is edited at the first sync). Stopping the bot cancels a job that
is running: that is quiet (what it did not finish is still due in the database).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import Audience, caller
from bot.client import Bot
from bot.clock import epoch
from bot.db_work import MEETINGS_WORK
from bot.dispatcher import PermanentFailure, Rendered, Renderer, server_of
from bot.errors import NotFound, UserError
from bot.event_log import DurableHandler, Event
from bot.events import GROUP_MEMBER_LEFT, GROUP_UPDATED, MEMBER_REMEMBERED
from bot.feature import OutboxKind, Rebuilder
from bot.i18n import N_, server_translator
from bot.kit.text import escape_member_text
from bot.outbox import TIMELY, OutboxMessage
from bot.registry import Kept
from bot.tree import translator
from cogs.meetings import render
from cogs.meetings.announcements import AnnouncementRefresh
from cogs.meetings.cog_browse import BrowseCommands
from cogs.meetings.cog_common import MEETING
from cogs.meetings.cog_schedule import ScheduleCommands
from cogs.meetings.events import EventSync
from cogs.meetings.models import CANCELLED, ENDED, GOING, MAYBE, NO
from cogs.meetings.recurrence import Term, translate_terms
from cogs.meetings.service import ANNOUNCE, NOTICE, REMINDER, MeetingService
from cogs.meetings.service_actions import DueActions
from cogs.meetings.service_facts import MeetingFacts
from cogs.meetings.service_privacy import MeetingsPrivacy
from cogs.meetings.views import COG_NAME, PERSISTENT_ITEMS, rsvp_view

log = logging.getLogger(__name__)


DUE_JOB = "meetings:due"
EVENTS_JOB = "meetings:events"
PURGE_JOB = "meetings:purge"
ZONES_JOB = "meetings:zones"
ANNOUNCEMENTS_JOB = "meetings:announcements"
ZONES_EVERY_MINUTES = 10
RETRY_SECONDS = 5
ANNOUNCEMENT_RETRY_SECONDS = 60


class MeetingsCog(ScheduleCommands, BrowseCommands, name=COG_NAME):
    meeting = MEETING
    persistent_items = PERSISTENT_ITEMS
    job_prefix = "meetings:"  # DUE_JOB, EVENTS_JOB, PURGE_JOB, ZONES_JOB: removed on unload

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = MeetingService(
            bot.db,
            bot.clock,
            bot.outbox,
            lambda: bot.groups,
            self._dispatch,
            bot.event_log,
            shards=bot.shard_set,  # this process's servers' due actions and events
        )
        self.actions = DueActions(self.service)
        self.events = EventSync(bot, self.service)
        self.announcements = AnnouncementRefresh(bot, self.service, self._announcement)
        self._tasks: set[asyncio.Task[None]] = set()
        self.catch_up: asyncio.Task[None] | None = None
        self._catching_up = False
        self._wake_pending = False
        self.service.on_change(self._wake)
        self.privacy = MeetingsPrivacy(bot.db)

    # ------------------------------------------------------------------ the feature contract

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            ANNOUNCE: OutboxKind(self._render_announcement, on_sent=self._announced),
            REMINDER: OutboxKind(self._render_reminder, priority=TIMELY),
            NOTICE: OutboxKind(self._render_notice, priority=TIMELY),
        }

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {
            GROUP_UPDATED: self._group_updated,
            GROUP_MEMBER_LEFT: self._member_left,
            MEMBER_REMEMBERED: self._member_remembered,
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    async def _member_remembered(self, event: Event) -> None:
        """cogs/storms: a member who died is no longer counted on any session of the server
        (idempotent)."""
        await self.service.forget_member(event.payload["guild_id"], event.payload["user_id"])

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        """A member who leaves the server: their RSVPs in its groups go at once (PRIVACY.md)."""
        await self.service.forget_member(guild_id, user_id)
        return await self.privacy.kept(guild_id, user_id)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.privacy.export(guild_id, user_id)

    # ------------------------------------------------------------------ jobs

    def _dispatch(self, name: str, guild_id: int, group_id: int, occurrence: str) -> None:
        log.info("%s: group %d, session %s", name, group_id, occurrence)
        self.bot.dispatch(name, guild_id, group_id, occurrence)

    async def _rebuild(self) -> None:
        """Arm the jobs from the database (one query each), then, in the background, give every
        series whose next session is missing (never materialised, or its last session ended
        while the bot was down) that session: with thousands of series that takes seconds, and
        the bot should not wait for it to connect."""
        released = await self.actions.release_own_leases()
        if released:
            log.info(
                "meetings: %d due actions claimed before the stop are claimable again", released
            )
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
        self._catching_up = True
        self.catch_up = self._spawn(self._catch_up(), "catch-up")

    async def _catch_up(self) -> None:
        """Every series' next session, then the due job armed at the earliest of their actions;
        only then the groups' Discord events (`sync_events` waits for it): while the sessions
        of a group's series are written chunk by chunk, its next session may change several
        times, and each change would be an edit in Discord."""
        try:
            made = await self.service.ensure_sessions()
            if made:
                log.info("meetings: materialised the next session of %d series", made)
            await self.arm()
        finally:
            self._catching_up = False
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

    async def _group_updated(self, event: Event) -> None:
        """The durable `group_updated` (/group edit): a new time zone applies at once
        (`meetings:zones` and the /meeting commands notice one changed while the bot was away).
        Idempotent: series already in the group's zone are left alone."""
        guild_id, group_id = int(event.payload["guild_id"]), int(event.payload["group_id"])
        group = await self.bot.groups.get(guild_id, group_id)
        if group is not None:
            await self.service.rezone(group)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Background work on `bot.spawn` (held, logged if it fails, cancelled at close); the
        feature keeps its own tasks too, to cancel them when it unloads."""
        task: asyncio.Task[None] = self.bot.spawn(work, name=f"meetings {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.facts.sessions = MeetingFacts(self.bot.db)  # for the programme's view
        self.bot.participation.provide(self.service.regulars)  # bot/participation.py (storms)
        # A session of this process's server written by another (PostgreSQL): re-armed at once.
        self.bot.db.work.on(MEETINGS_WORK, self._wake, self.bot.owns_guild)

    async def cog_unload(self) -> None:
        self.bot.facts.sessions = None
        self.bot.participation.provide(None)
        self.bot.db.work.off(MEETINGS_WORK, self._wake)
        for task in list(self._tasks):
            task.cancel()
        await super().cog_unload()  # the renderers, buttons, rebuilder and meetings: jobs

    def _wake(self) -> None:
        """After a change: re-arm the due job and bring the Discord events up to date."""
        if self._wake_pending:
            return
        self._wake_pending = True
        self._spawn(self._woken(), "re-arm")

    async def _woken(self) -> None:
        await asyncio.sleep(0)
        self._wake_pending = False
        try:
            await self.arm()
            await self.sync_events()
            await self.refresh_announcements()
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
        if self._catching_up:
            return  # the catch-up syncs them once it is done
        await self._until_stopped(self._sync_events, "Discord event sync")

    async def _sync_events(self) -> None:
        await self.events.sync_due()
        await self.arm_events()

    async def refresh_announcements(self) -> None:
        await self._until_stopped(self._refresh_announcements, "announcement edits")

    async def _refresh_announcements(self) -> None:
        if not await self.announcements.refresh_due():
            self.bot.scheduler.add_job(
                self.refresh_announcements,
                "date",
                run_date=datetime.fromtimestamp(
                    epoch(self.bot.clock()) + ANNOUNCEMENT_RETRY_SECONDS, UTC
                ),
                id=ANNOUNCEMENTS_JOB,
                replace_existing=True,
                misfire_grace_time=None,
            )

    async def _announced(self, message: OutboxMessage, message_id: int) -> None:
        """The outbox posted a session's announcement: its id is kept, so a change of the
        session edits it; one that came before the post was known is applied now."""
        if await self.service.announced(message.payload["occ"], message.destination_id, message_id):
            self._wake()

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Connected (or the server is back): its groups' Discord events are synced now."""
        await self.service.retry_events_of_guild(guild.id)
        self._wake()

    async def _member_left(self, event: Event) -> None:
        """The durable `group_member_left`: someone who left a group no longer has an answer on
        its sessions (so is not told privately of their changes). Deleting is idempotent."""
        p = event.payload
        await self.service.drop_member(int(p["guild_id"]), int(p["group_id"]), int(p["user_id"]))

    # ------------------------------------------------------------------ errors

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
        text = {
            GOING: N_("Thank you: you're down as going. The leaders will see your name."),
            MAYBE: N_("Noted: maybe. You can change your answer any time."),
            NO: N_("Noted: you can't make this one. Thanks for letting the leaders know."),
        }[answer]
        member_t = await translator(interaction)  # the answer is theirs: their language
        await interaction.followup.send(member_t(text), ephemeral=True)

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
        rendered = await self._announcement(message.payload["occ"])
        if rendered is None:
            raise PermanentFailure("the session was cancelled or is over")
        return rendered

    async def _announcement(self, occurrence_id: int) -> Rendered | None:
        """A session's announcement with its RSVP buttons, as it is now (None once the session
        is cancelled or over)."""
        session = await self.service.session(occurrence_id)
        if session is None or session.status in (CANCELLED, ENDED):
            return None
        t = await self.bot.guild_settings.translator(session.guild_id)
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
        t = await self.bot.languages.for_row(message)  # a member's DM: their language
        params = message.payload.get("params", {})  # titles and names leaders typed: escaped
        safe = {k: escape_member_text(v) if isinstance(v, str) else v for k, v in params.items()}
        return Rendered(content=t(message.payload["msg"], **safe))
