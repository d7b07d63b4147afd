"""How a series' sessions come to be, and who is told when one changes. Never imports discord.

How sessions are kept: a series stores its rule; only its next session is materialised (a row of
meeting_occurrences, with an id the RSVP buttons carry). Each session has due actions (its
reminders, its start, its end) in meeting_actions, fired by service_actions.py; the end of a
session materialises the next one of its series. Every change that alters what is due or what
the group's Discord event shows calls `changed(tx)`, so the cog re-arms its job and syncs the
event once the transaction has committed.

`Sessions` is the base the other parts of MeetingService build on (service.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupDirectory, GroupRef
from bot.event_log import EventLog
from bot.outbox import Outbox
from bot.shards import EVERY_SHARD, ShardSet
from cogs.meetings.models import (
    DEFAULT_OFFSETS,
    SCHEDULED,
    GroupSettings,
    Series,
    Session,
    local_text,
)
from cogs.meetings.recurrence import occurrences
from cogs.meetings.repository import MeetingRepository
from cogs.meetings.rules import Planned, action_plan, utc
from cogs.meetings.zones import to_utc

ANNOUNCE = "meetings.announce"  # a new session, with RSVP buttons, in the group's channel
REMINDER = "meetings.reminder"  # a reminder in the group's channel
NOTICE = "meetings.notice"  # a text (msgid + params): change notices, private reminders

ALL_GROUPS = 1_000_000  # the directory's search with an empty query lists them all
ENSURE_CHUNK = 1000  # series materialised per transaction at start-up
PLAN_SLICE = 50  # series planned between two turns of the event loop


@dataclass(frozen=True)
class _Chunk:
    """Series planned by `ensure_sessions`, with what writing them needs."""

    planned: list[tuple[Series, Planned]]
    settings: dict[int, GroupSettings]
    default: GroupSettings
    refs: dict[int, GroupRef]
    now: int


Dispatch = Callable[[str, int, int, str], None]  # event name, guild id, group id, occurrence
Listener = Callable[[], None]


class Sessions:
    """What every part of MeetingService shares: the database, the clock, the outbox, the group
    directory, and the sessions of a series."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        groups: Callable[[], GroupDirectory],
        dispatch: Dispatch,
        events: EventLog | None = None,
        shards: ShardSet = EVERY_SHARD,
    ) -> None:
        self.db = db
        self.events = events  # durable meeting_started / meeting_ended (bot/events.py)
        # The due actions and Discord events of this process's servers (bot/shards.py).
        self.repo = MeetingRepository(db, shards)
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

    def next_planned(
        self,
        series: Series,
        overrides: dict[datetime, datetime | None],
        after: datetime,
        now: int,
    ) -> Planned | None:
        """The session of `series` to materialise next: the first at or after `after` (or, at
        the latest, one still under way at `now`)."""
        if series.cancelled_at is not None:
            return None
        floor = utc(now) - timedelta(minutes=series.duration_minutes)
        planned = self.expand(series, overrides, after=max(after, floor), limit=1)
        return planned[0] if planned else None

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
    ) -> Session | None:
        """The next session of `series` starting at or after `after`, with its due actions and
        its announcement. None when the series has no further session."""
        if series.cancelled_at is not None:
            return None
        if overrides is None:
            overrides = await self.repo.overrides(series.id, via=tx)
        p = self.next_planned(series, overrides, after, now)
        if p is None:
            return None
        session = _session_row(series, p)
        occurrence_id = await self.repo.insert_session(tx, session)
        if occurrence_id is None:
            return None
        await self.repo.insert_actions(
            tx, occurrence_id, action_plan(p.starts_at, session["ends_at"], settings.offsets, now)
        )
        if group is not None and group.channel_id is not None and not group.archived:
            await self.outbox.enqueue(
                tx,
                kind=ANNOUNCE,
                guild_id=series.guild_id,
                channel_id=group.channel_id,
                payload={"occ": occurrence_id},
            )
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
            ends_at=session["ends_at"],
            status=SCHEDULED,
        )

    async def ensure_sessions(self) -> int:
        """At start-up: every active series has its next session materialised (a series whose
        last session ended while the bot was down, or that was never materialised), as
        `materialise` would, a chunk of series per transaction in a few statements (thousands
        of series cost a second, not a statement each), so other features' writes are not held
        up for long. While one chunk is written (SQLite works in its own thread), the next is
        planned."""
        stale = await self.repo.active_series_without_session()
        if not stale:
            return 0
        settings = await self.repo.all_group_settings()
        overrides = await self.repo.overrides_of([s.id for s in stale])
        default = GroupSettings(DEFAULT_OFFSETS, False, False)
        refs = await self.group_refs({s.guild_id for s in stale})
        made = 0
        writing: asyncio.Task[int] | None = None
        try:
            for first in range(0, len(stale), ENSURE_CHUNK):
                now_dt = self.now()
                now = epoch(now_dt)
                planned: list[tuple[Series, Planned]] = []
                for n, series in enumerate(stale[first : first + ENSURE_CHUNK]):
                    p = self.next_planned(series, overrides.get(series.id, {}), now_dt, now)
                    if p is not None:
                        planned.append((series, p))
                    if n % PLAN_SLICE == PLAN_SLICE - 1:
                        await asyncio.sleep(0)  # the chunk being written goes on meanwhile
                if writing is not None:
                    made += await writing
                writing = None
                if planned:
                    chunk = _Chunk(planned, settings, default, refs, now)
                    writing = asyncio.ensure_future(self._write_sessions(chunk))
            if writing is not None:
                made += await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        return made

    async def _write_sessions(self, chunk: _Chunk) -> int:
        """One chunk of `ensure_sessions`: its sessions, their actions and announcements, and
        their groups' Discord events marked, in one transaction."""
        async with self.db.transaction() as tx:
            rows = [_session_row(s, p) for s, p in chunk.planned]
            ids = await self.repo.insert_sessions(tx, rows)
            plans: dict[int, dict[str, int]] = {}
            posts: list[tuple[int | None, int, dict[str, Any]]] = []
            for series, p in chunk.planned:
                occurrence_id = ids.get(series.id)
                if occurrence_id is None:
                    continue  # materialised meanwhile
                offsets = chunk.settings.get(series.group_id, chunk.default).offsets
                ends_at = p.starts_at + series.duration_minutes * 60
                plans[occurrence_id] = action_plan(p.starts_at, ends_at, offsets, chunk.now)
                group = chunk.refs.get(series.group_id)
                if group is not None and group.channel_id is not None and not group.archived:
                    posts.append((series.guild_id, group.channel_id, {"occ": occurrence_id}))
            await self.repo.insert_many_actions(tx, plans)
            await self.outbox.enqueue_to_channels(tx, kind=ANNOUNCE, posts=posts)
            groups = {(s.guild_id, s.group_id) for s, _ in chunk.planned}
            await self.repo.mark_events_dirty(tx, groups)
            self.changed(tx)
        return len(plans)

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

    # ------------------------------------------------------------------ telling people

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


def _session_row(series: Series, p: Planned) -> dict[str, Any]:
    """The meeting_occurrences row of a planned session of `series`."""
    return {
        "series_id": series.id,
        "guild_id": series.guild_id,
        "group_id": series.group_id,
        "local_key": local_text(p.key),
        "scheduled_at": p.scheduled_at,
        "starts_at": p.starts_at,
        "ends_at": p.starts_at + series.duration_minutes * 60,
    }
