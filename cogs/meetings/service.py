"""The meetings feature's rules: series, sessions, changes, RSVPs. Never imports discord.

MeetingService is the one object the cog holds; its parts, one module each:
- service_sessions.py: a series' rule expanded, its next session materialised (how sessions are
  kept is explained there), who is told of a change;
- service_actions.py: a session's due actions fired (reminders, start, end);
- service_changes.py: a session cancelled, skipped or moved, a series edited or cancelled;
- service_zones.py: series following their group's new time zone;
- service_rsvps.py: answers, their counts, forgetting them;
- service_events.py: the state of each group's Discord event, for events.py;
- here: scheduling (draft, confirm), reminder settings and what the cog reads.

Archived groups: checked when an action fires. Their sessions stay on record but nothing is
sent or dispatched, and their Discord event is removed; unarchiving resumes them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import epoch
from bot.directory import GroupRef
from bot.errors import NotFound, UserError
from bot.i18n import N_
from cogs.meetings.ics import CalendarSeries, calendar_ics
from cogs.meetings.models import GroupSettings, Series, Session, local_text
from cogs.meetings.recurrence import Repeat, repeat_kind, rrule_for
from cogs.meetings.rules import (
    PREVIEW_COUNT,
    Draft,
    Upcoming,
    action_plan,
    check_duration,
    check_title,
    parse_offsets,
)
from cogs.meetings.service_changes import SeriesChanges
from cogs.meetings.service_events import EventStates
from cogs.meetings.service_rsvps import Rsvps
from cogs.meetings.service_sessions import ANNOUNCE, NOTICE, REMINDER
from cogs.meetings.service_zones import ZoneChanges
from cogs.meetings.typed_dates import parse_until, parse_when

__all__ = ["ANNOUNCE", "NOTICE", "REMINDER", "MeetingService"]

log = logging.getLogger(__name__)


class MeetingService(SeriesChanges, ZoneChanges, Rsvps, EventStates):
    """The meetings feature's rules, for the cog: its parts (see above) in one object."""

    # ------------------------------------------------------------------ scheduling

    def draft(
        self,
        *,
        group: GroupRef,
        title: str,
        when: str,
        duration_minutes: int,
        repeat: str,
        nth: int | None,
        until: str | None,
        by: int,
    ) -> Draft:
        """Check what the leader typed and compute the preview. Nothing is written."""
        now = self.now()
        clean_title = check_title(title)
        duration = check_duration(duration_minutes)
        start_local = parse_when(when, group.timezone, now)
        until_date = parse_until(until, group.timezone, now) if until else None
        if repeat == "none" and (until_date is not None or nth is not None):
            raise UserError(
                N_(
                    "An end date or a week of the month only makes sense for a repeating "
                    "session. Choose how it repeats, or leave those empty."
                )
            )
        if until_date is not None and until_date < start_local.date():
            raise UserError(
                N_("The series would end before its first session. Please check the end date.")
            )
        if nth is not None and repeat != "monthly_nth":
            raise UserError(N_("The week of the month goes with “monthly on a weekday”."))
        rule = Repeat(kind=repeat_kind(repeat), nth=nth, until=until_date)
        rrule = rrule_for(rule, start_local)
        probe = Series(
            id=0,
            guild_id=group.guild_id,
            group_id=group.id,
            title=clean_title,
            zone=group.timezone,
            start_local=start_local,
            rrule=rrule,
            duration_minutes=duration,
            sequence=0,
            created_by=by,
            cancelled_at=None,
        )
        previews = self.expand(probe, {}, after=now, limit=PREVIEW_COUNT)
        if not previews:
            raise UserError(
                N_(
                    "No session falls between that date and the end of the series. Please "
                    "check the date, the repeat and the end date."
                )
            )
        return Draft(
            guild_id=group.guild_id,
            group_id=group.id,
            group_name=group.name,
            zone=group.timezone,
            title=clean_title,
            start_local=start_local,
            duration_minutes=duration,
            rrule=rrule,
            repeat=rule,
            previews=tuple(previews),
            by=by,
        )

    async def confirm(self, draft: Draft) -> tuple[Series, Session | None]:
        """Save a previewed series and materialise its first session."""
        group = await self.groups.get(draft.guild_id, draft.group_id)
        if group is None or group.archived:
            raise NotFound(N_("That group is no longer active, so nothing was scheduled."))
        settings = await self.repo.group_settings(draft.group_id)
        now_dt = self.now()
        if draft.rrule is None and draft.previews[0].starts_at <= epoch(now_dt):
            raise UserError(N_("That time has passed meanwhile. Please schedule it again."))
        async with self.db.transaction() as tx:
            series_id = await self.repo.insert_series(
                tx,
                {
                    "guild_id": draft.guild_id,
                    "group_id": draft.group_id,
                    "title": draft.title,
                    "zone": draft.zone,
                    "start_local": local_text(draft.start_local),
                    "rrule": draft.rrule,
                    "duration_minutes": draft.duration_minutes,
                    "created_by": draft.by,
                    "now": epoch(now_dt),
                },
            )
            series = await self.repo.series(series_id, via=tx)
            assert series is not None
            session = await self.materialise(tx, series, group, settings, now_dt, epoch(now_dt))
        log.info("meeting series %d scheduled for group %d", series_id, group.id)
        return series, session

    # ------------------------------------------------------------------ settings

    async def set_reminders(
        self,
        group: GroupRef,
        *,
        offsets: str | None,
        ping_role: bool | None,
        remind_going: bool | None,
        by: int,
    ) -> GroupSettings:
        current = await self.repo.group_settings(group.id)
        new = GroupSettings(
            offsets=parse_offsets(offsets) if offsets is not None else current.offsets,
            ping_role=current.ping_role if ping_role is None else ping_role,
            remind_going=current.remind_going if remind_going is None else remind_going,
        )
        if new.ping_role and group.role_id is None:
            raise UserError(N_("This group has no role to mention."))
        now = epoch(self.now())
        async with self.db.transaction() as tx:
            await self.repo.save_group_settings(tx, group.guild_id, group.id, new, by, now)
            if new.offsets != current.offsets:
                for session in await self.repo.tx_scheduled_sessions_of_group(
                    tx, group.guild_id, group.id
                ):
                    plan = action_plan(session.starts_at, session.ends_at, new.offsets, now)
                    reminders = {k: v for k, v in plan.items() if k.startswith("reminder:")}
                    await self.repo.replace_pending_actions(
                        tx, session.id, reminders, prefix="reminder:"
                    )
            self.changed(tx)
        return new

    # ------------------------------------------------------------------ reading

    async def upcoming(self, guild_id: int, group_ids: list[int]) -> list[Upcoming]:
        found = [
            Upcoming(series, session)
            for series, session in await self.repo.upcoming_of_groups(guild_id, group_ids)
        ]
        found.sort(key=lambda u: u.session.starts_at if u.session else 2**62)
        return found

    async def upcoming_session(self, series_id: int) -> Session | None:
        """The series' session under way, or else its next one."""
        return await self.repo.upcoming_of_series(series_id)

    async def session(self, occurrence_id: int) -> Session | None:
        return await self.repo.session(occurrence_id)

    async def series_of(self, session: Session) -> Series:
        series = await self.repo.series(session.series_id)
        assert series is not None  # a series goes only with its sessions (ON DELETE CASCADE)
        return series

    async def answers(self, occurrence_id: int) -> dict[int, str]:
        """Who answered what (user id -> going / maybe / no), for the group's leaders."""
        return await self.repo.rsvps(occurrence_id)

    async def calendar(self, group: GroupRef) -> bytes:
        """The group's sessions as an .ics file. One file has one time zone: the group's, or
        (its series not yet moved to a new zone) that of its first series."""
        all_series = await self.repo.series_of_group(group.guild_id, group.id)
        series = [s for s in all_series if s.zone == group.timezone] or all_series
        if not series:
            raise UserError(N_("{group} has no sessions scheduled yet."), group=group.name)
        zone = series[0].zone
        entries = []
        for s in series:
            if s.zone != zone:
                continue
            overrides = await self.repo.overrides(s.id)
            entries.append(
                CalendarSeries(
                    uid=f"meeting-{s.id}@peer-support-bot",
                    title=s.title,
                    description=group.name,
                    location=None,
                    start_local=s.start_local,
                    duration=timedelta(minutes=s.duration_minutes),
                    rrule=s.rrule,
                    cancelled=frozenset(k for k, v in overrides.items() if v is None),
                    moved={k: v for k, v in overrides.items() if v is not None},
                    sequence=s.sequence,
                )
            )
        return calendar_ics(group.name, zone, entries, self.now())
