"""The meetings feature's rules: series, sessions, changes, RSVPs. Never imports discord.

How sessions are kept: a series stores its rule; only its next session is materialised (a row of
meeting_occurrences, with an id the RSVP buttons carry). Each session has due actions (its
reminders, its start, its end) in meeting_actions, fired by actions.py; the end of a session
materialises the next one of its series. Every change that alters what is due or what the
group's Discord event shows calls `changed(tx)`, so the cog re-arms its job and syncs the event
once the transaction has committed.

Archived groups: checked when an action fires. Their sessions stay on record but nothing is
sent or dispatched, and their Discord event is removed; unarchiving resumes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupDirectory, GroupRef
from bot.errors import NotFound, UserError
from bot.i18n import N_
from bot.outbox import Outbox
from cogs.meetings.models import (
    ANSWERS,
    CANCELLED,
    DEFAULT_OFFSETS,
    ENDED,
    GOING,
    SCHEDULED,
    STARTED,
    GroupSettings,
    Series,
    Session,
    local_text,
)
from cogs.meetings.recurrence import Repeat, occurrences, repeat_from_rrule, repeat_kind, rrule_for
from cogs.meetings.repository import MeetingRepository
from cogs.meetings.rules import (
    PREVIEW_COUNT,
    Counts,
    Draft,
    Planned,
    Upcoming,
    action_plan,
    check_duration,
    check_title,
    parse_offsets,
    utc,
)
from cogs.meetings.typed_dates import parse_until, parse_when
from cogs.meetings.zones import to_utc

log = logging.getLogger(__name__)

ANNOUNCE = "meetings.announce"  # a new session, with RSVP buttons, in the group's channel
REMINDER = "meetings.reminder"  # a reminder in the group's channel
NOTICE = "meetings.notice"  # a text (msgid + params): change notices, private reminders

ALL_GROUPS = 1_000_000  # the directory's search with an empty query lists them all
ENSURE_CHUNK = 500  # series materialised per transaction at start-up
KEEP_RSVPS_SECONDS = 7 * 24 * 3600  # who was going is forgotten a week after the session
KEEP_SESSIONS_SECONDS = 90 * 24 * 3600


Dispatch = Callable[[str, int, int, str], None]  # event name, guild id, group id, occurrence
Listener = Callable[[], None]


class MeetingService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        groups: Callable[[], GroupDirectory],
        dispatch: Dispatch,
    ) -> None:
        self.db = db
        self.repo = MeetingRepository(db)
        self.now = clock
        self.outbox = outbox
        self._groups = groups
        self.dispatch = dispatch
        self._listeners: list[Listener] = []

    @property
    def groups(self) -> GroupDirectory:
        return self._groups()

    def on_change(self, listener: Listener) -> None:
        """Called after a transaction that changed what is due (the cog re-arms its jobs)."""
        self._listeners.append(listener)

    def changed(self, tx: Transaction) -> None:
        for listener in self._listeners:
            tx.after_commit(listener)

    # ------------------------------------------------------------------ expansion

    def expand(
        self,
        series: Series,
        overrides: dict[datetime, datetime | None],
        *,
        after: datetime,
        limit: int,
    ) -> list[Planned]:
        cancelled = frozenset(k for k, v in overrides.items() if v is None)
        found = occurrences(
            series.rrule,
            series.start_local,
            series.zone,
            after=after,
            limit=limit,
            exclude=cancelled,
        )
        planned = []
        for occ in found:
            moved = overrides.get(occ.local)
            if moved is not None:
                start, adjustment = to_utc(moved, series.zone)
                local = moved
            else:
                start, adjustment, local = occ.start, occ.adjustment, occ.local
            planned.append(Planned(occ.local, local, epoch(start), epoch(occ.start), adjustment))
        return planned

    async def upcoming_planned(self, series: Series, limit: int = 10) -> list[Planned]:
        """The next sessions of a series (the materialised one first), for choices and lists."""
        overrides = await self.repo.overrides(series.id)
        current = await self.repo.upcoming_of_series(series.id)
        after = (
            utc(current.scheduled_at)
            if current is not None
            else self.now() - timedelta(minutes=series.duration_minutes)
        )
        planned = self.expand(series, overrides, after=after, limit=limit)
        if current is not None and planned and planned[0].key == current.local_key:
            planned[0] = Planned(
                current.local_key,
                planned[0].local,
                current.starts_at,
                current.scheduled_at,
                planned[0].adjustment,
            )
        return planned

    async def materialise(
        self,
        tx: Transaction,
        series: Series,
        group: GroupRef | None,
        settings: GroupSettings,
        after: datetime,
        now: int,
        *,
        overrides: dict[datetime, datetime | None] | None = None,
        mark_event: bool = True,
    ) -> Session | None:
        """The next session of `series` starting at or after `after`, with its due actions and
        its announcement. None when the series has no further session."""
        if series.cancelled_at is not None:
            return None
        if overrides is None:
            overrides = await self.repo.overrides(series.id, via=tx)
        floor = utc(now) - timedelta(minutes=series.duration_minutes)
        planned = self.expand(series, overrides, after=max(after, floor), limit=1)
        if not planned:
            return None
        p = planned[0]
        ends_at = p.starts_at + series.duration_minutes * 60
        occurrence_id = await self.repo.insert_session(
            tx,
            {
                "series_id": series.id,
                "guild_id": series.guild_id,
                "group_id": series.group_id,
                "local_key": local_text(p.key),
                "scheduled_at": p.scheduled_at,
                "starts_at": p.starts_at,
                "ends_at": ends_at,
            },
        )
        if occurrence_id is None:
            return None
        await self.repo.insert_actions(
            tx, occurrence_id, action_plan(p.starts_at, ends_at, settings.offsets, now)
        )
        if group is not None and group.channel_id is not None and not group.archived:
            await self.outbox.enqueue(
                tx,
                kind=ANNOUNCE,
                guild_id=series.guild_id,
                channel_id=group.channel_id,
                payload={"occ": occurrence_id},
            )
        if mark_event:
            await self.repo.mark_event_dirty(tx, series.guild_id, series.group_id)
        self.changed(tx)
        return Session(
            id=occurrence_id,
            series_id=series.id,
            guild_id=series.guild_id,
            group_id=series.group_id,
            local_key=p.key,
            scheduled_at=p.scheduled_at,
            starts_at=p.starts_at,
            ends_at=ends_at,
            status=SCHEDULED,
        )

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
        log.info("meeting series %d scheduled for group %d by %d", series_id, group.id, draft.by)
        return series, session

    async def ensure_sessions(self) -> int:
        """At start-up: every active series has its next session materialised (a series whose
        last session ended while the bot was down, or that was never materialised). In chunks,
        so other features' writes are not held up for long."""
        stale = await self.repo.active_series_without_session()
        if not stale:
            return 0
        settings = await self.repo.all_group_settings()
        overrides = await self.repo.overrides_of([s.id for s in stale])
        default = GroupSettings(DEFAULT_OFFSETS, False, False)
        refs = await self.group_refs({s.guild_id for s in stale})
        made = 0
        for first in range(0, len(stale), ENSURE_CHUNK):
            chunk = stale[first : first + ENSURE_CHUNK]
            now_dt = self.now()
            async with self.db.transaction() as tx:
                for series in chunk:
                    session = await self.materialise(
                        tx,
                        series,
                        refs.get(series.group_id),
                        settings.get(series.group_id, default),
                        now_dt,
                        epoch(now_dt),
                        overrides=overrides[series.id],
                        mark_event=False,
                    )
                    made += session is not None
                for guild_id, group_id in {(s.guild_id, s.group_id) for s in chunk}:
                    await self.repo.mark_event_dirty(tx, guild_id, group_id)
        return made

    # ------------------------------------------------------------------ due actions

    async def next_due_at(self) -> int | None:
        return await self.repo.next_due_at()

    async def group_refs(self, guild_ids: set[int]) -> dict[int, GroupRef]:
        """Every group of these servers, one directory call per server: a batch may touch a
        thousand groups, and one read each would queue behind every other write."""
        found: dict[int, GroupRef] = {}
        for guild_id in guild_ids:
            for ref in await self.groups.search(
                guild_id, "", limit=ALL_GROUPS, include_archived=True
            ):
                found[ref.id] = ref
        return found

    # ------------------------------------------------------------------ changes

    async def series_for(self, guild_id: int, series_id: int) -> Series:
        series = await self.repo.series(series_id)
        if series is None or series.guild_id != guild_id:
            raise NotFound(
                N_("I couldn't find that meeting series. Please pick one from the list.")
            )
        return series

    async def notify_going(
        self, tx: Transaction, session: Session, msg: str, params: dict[str, Any]
    ) -> int:
        going = await self.repo.tx_going(tx, session.id)
        for user_id in going:
            await self.outbox.enqueue(
                tx,
                kind=NOTICE,
                guild_id=session.guild_id,
                user_id=user_id,
                payload={"msg": msg, "params": params},
            )
        return len(going)

    async def _tell_channel(
        self, tx: Transaction, group: GroupRef | None, msg: str, params: dict[str, Any]
    ) -> None:
        if group is None or group.channel_id is None or group.archived:
            return
        await self.outbox.enqueue(
            tx,
            kind=NOTICE,
            guild_id=group.guild_id,
            channel_id=group.channel_id,
            payload={"msg": msg, "params": params},
        )

    async def _cancel_session(
        self, tx: Transaction, session: Session, series: Series, group: GroupRef | None, now: int
    ) -> int:
        await self.repo.set_status(tx, session.id, CANCELLED)
        await self.repo.drop_pending_actions(tx, session.id, now)
        await self.repo.mark_event_dirty(tx, session.guild_id, session.group_id)
        params = {
            "title": series.title,
            "group": group.name if group else "",
            "at": session.starts_at,
        }
        told = await self.notify_going(
            tx,
            session,
            N_(
                "{title} of {group} on <t:{at}:F> is cancelled. You said you were coming, so "
                "I wanted you to know."
            ),
            params,
        )
        await self._tell_channel(tx, group, N_("{title} on <t:{at}:F> is cancelled."), params)
        return told

    def _check_not_started(self, session: Session | None) -> None:
        if session is not None and session.status == STARTED:
            raise UserError(N_("That session has already started, so it can't be changed now."))

    async def cancel_session(self, series: Series, key: datetime) -> int:
        """Cancel one session (by its local key). Returns how many going members were told."""
        group = await self.groups.get(series.guild_id, series.group_id)
        settings = await self.repo.group_settings(series.group_id)
        planned = await self.upcoming_planned(series, limit=50)
        if key not in {p.key for p in planned}:
            raise NotFound(
                N_(
                    "That session isn't one of the upcoming ones of this series. "
                    "Please pick one from the list."
                )
            )
        session = await self.repo.session_by_key(series.id, key)
        self._check_not_started(session)
        now = epoch(self.now())
        told = 0
        async with self.db.transaction() as tx:
            await self.repo.set_override(tx, series.id, key, None)
            if session is not None and session.status == SCHEDULED:
                told = await self._cancel_session(tx, session, series, group, now)
                await self.materialise(
                    tx, series, group, settings, utc(session.scheduled_at + 1), now
                )
            self.changed(tx)
        return told

    async def skip_next(self, series: Series) -> tuple[Session, int]:
        session = await self.repo.upcoming_of_series(series.id)
        if session is None or session.status != SCHEDULED:
            raise UserError(N_("This series has no upcoming session that could be skipped."))
        told = await self.cancel_session(series, session.local_key)
        return session, told

    async def cancel_series(self, series: Series, by: int) -> int:
        if series.cancelled_at is not None:
            raise UserError(N_("That series is already cancelled."))
        group = await self.groups.get(series.guild_id, series.group_id)
        session = await self.repo.upcoming_of_series(series.id)
        now = epoch(self.now())
        told = 0
        async with self.db.transaction() as tx:
            await self.repo.update_series(tx, series.id, {"cancelled_at": now, "now": now})
            if session is not None and session.status == SCHEDULED:
                told = await self._cancel_session(tx, session, series, group, now)
            await self.repo.mark_event_dirty(tx, series.guild_id, series.group_id)
            self.changed(tx)
        log.info("meeting series %d cancelled by %d", series.id, by)
        return told

    async def move_session(self, series: Series, key: datetime, when: str) -> Planned:
        """Move one session to a new local time, between its neighbours in the series."""
        group = await self.groups.get(series.guild_id, series.group_id)
        settings = await self.repo.group_settings(series.group_id)
        now_dt = self.now()
        new_local = parse_when(when, series.zone, now_dt)
        new_start, adjustment = to_utc(new_local, series.zone)
        planned = await self.upcoming_planned(series, limit=50)
        index = next((i for i, p in enumerate(planned) if p.key == key), None)
        if index is None:
            raise NotFound(
                N_(
                    "That session isn't one of the upcoming ones of this series. "
                    "Please pick one from the list."
                )
            )
        session = await self.repo.session_by_key(series.id, key)
        self._check_not_started(session)
        starts_at = epoch(new_start)
        later = planned[index + 1] if index + 1 < len(planned) else None
        earlier = planned[index - 1] if index > 0 else None
        if (later is not None and starts_at >= later.starts_at) or (
            earlier is not None and starts_at <= earlier.starts_at
        ):
            raise UserError(
                N_(
                    "A session can move only between the sessions before and after it. To "
                    "change the whole series, leave the session empty."
                )
            )
        now = epoch(now_dt)
        ends_at = starts_at + series.duration_minutes * 60
        async with self.db.transaction() as tx:
            await self.repo.set_override(tx, series.id, key, new_local)
            if session is not None and session.status == SCHEDULED:
                await self.repo.move_session(tx, session.id, starts_at, ends_at)
                await self.repo.replace_pending_actions(
                    tx, session.id, action_plan(starts_at, ends_at, settings.offsets, now)
                )
                await self.repo.mark_event_dirty(tx, series.guild_id, series.group_id)
                params = {
                    "title": series.title,
                    "group": group.name if group else "",
                    "old": session.starts_at,
                    "at": starts_at,
                }
                await self.notify_going(
                    tx,
                    session,
                    N_(
                        "{title} of {group} has moved from <t:{old}:F> to <t:{at}:F> "
                        "(<t:{at}:R>). You said you were coming, so I wanted you to know."
                    ),
                    params,
                )
                await self._tell_channel(
                    tx, group, N_("{title} has moved from <t:{old}:F> to <t:{at}:F>."), params
                )
            self.changed(tx)
        return Planned(key, new_local, starts_at, planned[index].scheduled_at, adjustment)

    async def edit_series(
        self,
        series: Series,
        *,
        title: str | None,
        duration_minutes: int | None,
        when: str | None,
    ) -> Series:
        """Change the whole series. A new time starts the rule afresh from that time (moves
        and skips of the old times no longer apply)."""
        if title is None and duration_minutes is None and when is None:
            raise UserError(N_("Tell me what to change: a title, a length or a new time."))
        group = await self.groups.get(series.guild_id, series.group_id)
        settings = await self.repo.group_settings(series.group_id)
        now_dt = self.now()
        now = epoch(now_dt)
        values: dict[str, Any] = {"now": now}
        if title is not None:
            values["title"] = check_title(title)
        if duration_minutes is not None:
            values["duration_minutes"] = check_duration(duration_minutes)
        if when is not None:
            start = parse_when(when, series.zone, now_dt)
            # Same repeat from the new time ("the first Tuesday" stays the first Tuesday:
            # rrule_for explains kindly when the new date is not one).
            repeat = repeat_from_rrule(series.rrule, series.start_local)
            values["start_local"] = local_text(start)
            values["rrule"] = rrule_for(repeat, start)
        session = await self.repo.upcoming_of_series(series.id)
        self._check_not_started(session)
        async with self.db.transaction() as tx:
            await self.repo.update_series(tx, series.id, values)
            updated = await self.repo.series(series.id, via=tx)
            assert updated is not None
            if when is not None:
                # The old upcoming session goes (its row too: the new rule may produce the same
                # local time, the key of a session); those going are told of the new time.
                await self.repo.clear_overrides(tx, series.id)
                told = await self.repo.tx_going(tx, session.id) if session else []
                if session is not None:
                    await self.repo.delete_session(tx, session.id)
                fresh = await self.materialise(tx, updated, group, settings, now_dt, now)
                if session is not None and told:
                    params = {
                        "title": updated.title,
                        "group": group.name if group else "",
                        "old": session.starts_at,
                        "at": fresh.starts_at if fresh else session.starts_at,
                    }
                    for user_id in told:
                        await self.outbox.enqueue(
                            tx,
                            kind=NOTICE,
                            guild_id=series.guild_id,
                            user_id=user_id,
                            payload={
                                "msg": N_(
                                    "{title} of {group} has a new time: the session of "
                                    "<t:{old}:F> is now on <t:{at}:F>. Please let the group "
                                    "know again if you're coming."
                                ),
                                "params": params,
                            },
                        )
            elif session is not None and duration_minutes is not None:
                ends_at = session.starts_at + updated.duration_minutes * 60
                await self.repo.move_session(tx, session.id, session.starts_at, ends_at)
                await self.repo.replace_pending_actions(
                    tx, session.id, {"end": ends_at}, prefix="end"
                )
            await self.repo.mark_event_dirty(tx, series.guild_id, series.group_id)
            self.changed(tx)
        return updated

    # ------------------------------------------------------------------ the group's zone

    async def reconcile_zones(self) -> int:
        """Series of groups whose time zone changed since they were scheduled follow the new
        zone (`rezone`). The groups feature dispatches no event for that change, so this runs
        at start-up, periodically and whenever a /meeting command names a group. Returns how
        many series moved."""
        stale = await self.repo.active_series_zones()
        refs = await self.group_refs({guild_id for guild_id, _, _ in stale})
        moved = 0
        changed = {g for _, g, zone in stale if g in refs and refs[g].timezone != zone}
        for group_id in sorted(changed):
            moved += await self.rezone(refs[group_id])
        return moved

    async def rezone(self, group: GroupRef) -> int:
        """The group's time zone changed: its series keep their local wall-clock times, now read
        in the new zone (a group that meets at 18:00 still meets at 18:00 where it now is). The
        upcoming session of each series moves with its reminders (one under way is left alone);
        those going, the channel and the leaders are told. Returns how many series moved."""
        series_list = [
            s
            for s in await self.repo.series_of_group(group.guild_id, group.id)
            if s.zone != group.timezone
        ]
        if not series_list:
            return 0
        settings = await self.repo.group_settings(group.id)
        leaders = await self.groups.leader_ids(group.guild_id, group.id)
        now = epoch(self.now())
        async with self.db.transaction() as tx:
            for series in series_list:
                await self._rezone_series(tx, series, group, settings, leaders, now)
            await self.repo.mark_event_dirty(tx, group.guild_id, group.id)
            self.changed(tx)
        log.info("meetings of group %d now follow its zone %s", group.id, group.timezone)
        return len(series_list)

    async def _rezone_series(
        self,
        tx: Transaction,
        series: Series,
        group: GroupRef,
        settings: GroupSettings,
        leaders: list[int],
        now: int,
    ) -> None:
        zone = group.timezone
        if not await self.repo.set_series_zone(tx, series.id, zone, now):
            return  # moved meanwhile by another check (an event and a command at once)
        session = await self.repo.upcoming_of_series(series.id, via=tx)
        at = session.starts_at if session is not None else None
        if session is not None and session.status == SCHEDULED:
            overrides = await self.repo.overrides(series.id, via=tx)
            local = overrides.get(session.local_key) or session.local_key
            scheduled_at = epoch(to_utc(session.local_key, zone)[0])
            at = epoch(to_utc(local, zone)[0])
            ends_at = at + series.duration_minutes * 60
            await self.repo.rezone_session(tx, session.id, scheduled_at, at, ends_at)
            await self.repo.replace_pending_actions(
                tx, session.id, action_plan(at, ends_at, settings.offsets, now)
            )
            if at != session.starts_at:
                params = {
                    "title": series.title,
                    "group": group.name,
                    "zone": zone,
                    "old": session.starts_at,
                    "at": at,
                }
                await self.notify_going(
                    tx,
                    session,
                    N_(
                        "{group} now meets in the time zone {zone}, so {title} of <t:{old}:F> "
                        "is now on <t:{at}:F> (<t:{at}:R>). You said you were coming, so I "
                        "wanted you to know."
                    ),
                    params,
                )
                await self._tell_channel(
                    tx,
                    group,
                    N_(
                        "{group} now meets in the time zone {zone}: {title} keeps its local "
                        "time there, so it is now on <t:{at}:F> (was <t:{old}:F>)."
                    ),
                    params,
                )
        for user_id in leaders:
            await self.outbox.enqueue(
                tx,
                kind=NOTICE,
                guild_id=group.guild_id,
                user_id=user_id,
                payload={
                    "msg": N_(
                        "{group}'s time zone is now {zone}. {title} keeps its local times, now "
                        "read in {zone}; its next session is <t:{at}:F>. If the sessions should "
                        "instead stay at the same moment, use /meeting edit to set the new time."
                    )
                    if at is not None
                    else N_(
                        "{group}'s time zone is now {zone}. {title} keeps its local times, now "
                        "read in {zone}."
                    ),
                    "params": {"group": group.name, "zone": zone, "title": series.title, "at": at},
                },
            )

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

    # ------------------------------------------------------------------ RSVP

    async def rsvp(self, occurrence_id: int, user_id: int, answer: str) -> Session:
        if answer not in ANSWERS:
            raise UserError(N_("Please use one of the buttons."))
        session = await self.repo.session(occurrence_id)
        if session is None:
            raise NotFound(N_("That session no longer exists."))
        if session.status == CANCELLED:
            raise UserError(N_("That session was cancelled, so there's nothing to answer."))
        if session.status == ENDED:
            raise UserError(N_("That session is over. Thank you all the same!"))
        if not await self.groups.is_member(session.guild_id, session.group_id, user_id):
            raise UserError(
                N_("Only members of this group can answer. You can join it with /group join.")
            )
        async with self.db.transaction() as tx:
            await self.repo.set_rsvp(tx, occurrence_id, user_id, answer, epoch(self.now()))
        return session

    async def counts(self, occurrence_id: int) -> Counts:
        answers = list((await self.repo.rsvps(occurrence_id)).values())
        return Counts(answers.count(GOING), answers.count("maybe"), answers.count("no"))

    async def drop_member(self, guild_id: int, group_id: int, user_id: int) -> None:
        removed = await self.repo.delete_rsvps_of_member(guild_id, group_id, user_id)
        if removed:
            log.debug("dropped %d RSVPs of a member who left group %d", removed, group_id)

    async def purge(self) -> None:
        now = epoch(self.now())
        await self.repo.delete_old_rsvps(now - KEEP_RSVPS_SECONDS)
        await self.repo.delete_old_sessions(now - KEEP_SESSIONS_SECONDS)

    # ------------------------------------------------------------------ reading

    async def upcoming(self, guild_id: int, group_ids: list[int]) -> list[Upcoming]:
        found = []
        for series in await self.repo.series_of_groups(guild_id, group_ids):
            found.append(Upcoming(series, await self.repo.upcoming_of_series(series.id)))
        found.sort(key=lambda u: u.session.starts_at if u.session else 2**62)
        return found
