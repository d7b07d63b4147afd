"""The programme report to the organisation on a schedule, and the leaders' check-in.

Admins choose a private channel and an interval (monthly or quarterly, by the calendar in the
server's time zone). A sweep (the `programme:scheduled` job, hourly, and once at start) posts
every period that has ended and was not posted yet: the period's row is claimed in the
transaction that queues the post through the outbox, so each period is posted exactly once
across restarts, and late rather than never after the bot was offline. The same transaction
queues each group's report to its leaders by DM, with "How is the group going?" (1-5, and a few
words if they like). Their answers go into the next programme report, under the group's name
and never shown to members; the words and who answered go after the server's retention period.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.clock import Clock, epoch
from bot.db import Database
from bot.directory import GroupDirectory
from bot.errors import NotAllowed, UserError
from bot.i18n import N_
from bot.outbox import Outbox
from bot.registry import iso
from cogs.programme.repository_schedule import Schedule, ScheduleRepository

REPORT_POST = "programme:report_post"  # the programme report, to the organisation's channel
REPORT_DM = "programme:report_dm"  # a group's report and the check-in, to each of its leaders
INTERVALS = {"monthly": 1, "quarterly": 3}
MAX_WORDS = 1000
MAX_GROUPS = 1000
Zone = Callable[[int], Awaitable[str]]  # guild id -> the server's time zone


def period_around(interval: str, moment: int, zone: str) -> tuple[int, int]:
    """The calendar month or quarter (in `zone`) that holds `moment`: [start, end)."""
    months = INTERVALS[interval]
    local = datetime.fromtimestamp(moment, ZoneInfo(zone))
    first = datetime(local.year, local.month - (local.month - 1) % months, 1, tzinfo=local.tzinfo)
    return int(first.timestamp()), int((first + relativedelta(months=months)).timestamp())


class ScheduleService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        groups: Callable[[], GroupDirectory],
        zone: Zone,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self._groups = groups
        self._zone = zone
        self.repo = ScheduleRepository(db)

    def now(self) -> int:
        return epoch(self.clock())

    async def schedule(self, guild_id: int) -> Schedule | None:
        return await self.repo.schedule(guild_id)

    async def set_schedule(
        self, guild_id: int, channel_id: int, interval: str | None, by: int
    ) -> tuple[Schedule | None, int | None]:
        """Start (or change) or, with None, stop the reports. Returns the schedule and when its
        first report goes (the end of the current period)."""
        async with self.db.transaction() as tx:
            if interval is None:
                await self.repo.stop(tx, guild_id)
                return None, None
            if interval not in INTERVALS:
                raise UserError(N_("Please pick monthly or quarterly."))
            zone = await self._zone(guild_id)
            start, _ = period_around(interval, self.now(), zone)
            before = await self.repo.schedule(guild_id)
            if before is not None and before.interval == interval:
                start = min(start, before.next_start)  # a period not posted yet still will be
            _, end = period_around(interval, start, zone)
            schedule = Schedule(guild_id, channel_id, interval, start)
            await self.repo.set_schedule(tx, schedule, by, self.now())
        return schedule, end

    async def sweep(self) -> int:
        """Queue every ended period not yet posted. Returns how many were queued."""
        queued = 0
        now = self.now()
        for schedule in await self.repo.schedules():
            zone = await self._zone(schedule.guild_id)
            start = schedule.next_start
            while True:
                _, end = period_around(schedule.interval, start, zone)
                if end > now:
                    break
                if await self._post(schedule, start, end, zone):
                    queued += 1
                start = end
        return queued

    async def _post(self, schedule: Schedule, start: int, end: int, zone: str) -> bool:
        guild_id = schedule.guild_id
        groups = self._groups()
        leaders: list[tuple[int, int]] = []
        for group in await groups.search(guild_id, "", limit=MAX_GROUPS):
            leaders += [(group.id, u) for u in await groups.leader_ids(guild_id, group.id)]
        period = {"start": start, "end": end, "zone": zone, "interval": schedule.interval}
        async with self.db.transaction() as tx:
            if not await self.repo.claim(tx, schedule, start, end, self.now()):
                return False
            await self.outbox.enqueue(
                tx,
                kind=REPORT_POST,
                guild_id=guild_id,
                channel_id=schedule.channel_id,
                payload=period,
            )
            for group_id, leader in leaders:
                await self.outbox.enqueue(
                    tx,
                    kind=REPORT_DM,
                    guild_id=guild_id,
                    user_id=leader,
                    payload={**period, "group_id": group_id},
                )
        return True

    # ------------------------------------------------------------------ the check-in

    async def _require_leader(self, guild_id: int, group_id: int, user_id: int) -> None:
        if user_id not in await self._groups().leader_ids(guild_id, group_id):
            raise NotAllowed(N_("Only this group's leaders can answer for it."))

    async def rate(
        self, guild_id: int, group_id: int, period_start: int, user_id: int, rating: int
    ) -> None:
        if not 1 <= rating <= 5:
            raise UserError(N_("Please pick a number from 1 to 5."))
        await self._require_leader(guild_id, group_id, user_id)
        async with self.db.transaction() as tx:
            await self.repo.answer(
                tx, guild_id, group_id, period_start, user_id, rating, None, self.now()
            )

    async def add_words(
        self, guild_id: int, group_id: int, period_start: int, user_id: int, words: str
    ) -> None:
        await self._require_leader(guild_id, group_id, user_id)
        text = " ".join(words.split())[:MAX_WORDS] or None
        async with self.db.transaction() as tx:
            done = await self.repo.answer(
                tx, guild_id, group_id, period_start, user_id, None, text, self.now()
            )
        if not done:
            raise UserError(N_("Please pick a number from 1 to 5 first."))

    async def checkins(
        self, guild_id: int, start: int, end: int
    ) -> dict[int, tuple[int, float, list[str]]]:
        """Per group: how many answered, their mean rating, and their words."""
        found: dict[int, list[Any]] = {}
        for c in await self.repo.checkins_between(guild_id, start, end):
            ratings, words = found.setdefault(c.group_id, [[], []])
            ratings.append(c.rating)
            if c.words:
                words.append(c.words)
        return {g: (len(r), round(fmean(r), 2), w) for g, (r, w) in found.items()}

    # ------------------------------------------------------------------ members' data

    async def export(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        return [
            {
                "group": r["group_id"],
                "period_start": iso(r["period_start"]),
                "rating": r["rating"],
                "words": r["words"],
                "answered_at": iso(r["answered_at"]),
            }
            for r in await self.repo.of_leader(guild_id, user_id)
        ]

    async def forget(self, guild_id: int, user_id: int) -> int:
        async with self.db.transaction() as tx:
            return await self.repo.forget_leader(tx, guild_id, user_id)

    async def forget_old(self, retention_days: Callable[[int], Awaitable[int]]) -> int:
        forgotten = 0
        for guild_id in await self.repo.guilds_with_checkins():
            before = self.now() - (await retention_days(guild_id)) * 86400
            async with self.db.transaction() as tx:
                forgotten += await self.repo.forget_before(tx, guild_id, before)
        return forgotten
