"""Changes to a series: one session cancelled, skipped or moved; the whole series edited or
cancelled. Those who said they're coming are told privately, the group's channel publicly.
Never imports discord."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.clock import epoch
from bot.db import Transaction
from bot.directory import GroupRef
from bot.errors import NotFound, UserError
from bot.i18n import N_
from cogs.meetings.models import CANCELLED, SCHEDULED, STARTED, Series, Session, local_text
from cogs.meetings.recurrence import repeat_from_rrule, rrule_for
from cogs.meetings.rules import Planned, action_plan, check_duration, check_title, utc
from cogs.meetings.service_sessions import NOTICE, Sessions
from cogs.meetings.typed_dates import parse_when
from cogs.meetings.zones import to_utc

log = logging.getLogger(__name__)


class SeriesChanges(Sessions):
    async def series_for(self, guild_id: int, series_id: int) -> Series:
        series = await self.repo.series(series_id)
        if series is None or series.guild_id != guild_id:
            raise NotFound(
                N_("I couldn't find that meeting series. Please pick one from the list.")
            )
        return series

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
        log.info("meeting series %d cancelled", series.id)
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
                await self.repo.mark_announcement_stale(tx, session.id)
                # Reminders follow the new time, even one already sent for the old time.
                await self.repo.reschedule_actions(
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
            if when is None and session is not None:
                await self.repo.mark_announcement_stale(tx, session.id)  # a new title, length
            await self.repo.mark_event_dirty(tx, series.guild_id, series.group_id)
            self.changed(tx)
        return updated
