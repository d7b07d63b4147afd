"""A group's time zone changed: its series keep their local times, read in the new zone.
Never imports discord."""

from __future__ import annotations

import logging

from bot.clock import epoch
from bot.db import Transaction
from bot.directory import GroupRef
from bot.i18n import N_
from cogs.meetings.models import SCHEDULED, GroupSettings, Series
from cogs.meetings.rules import action_plan
from cogs.meetings.service_sessions import NOTICE, Sessions
from cogs.meetings.zones import to_utc

log = logging.getLogger(__name__)


class ZoneChanges(Sessions):
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
                await self.repo.mark_announcement_stale(tx, session.id)
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
