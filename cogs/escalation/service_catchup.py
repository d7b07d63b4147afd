"""Distress escalation, the catch-up (issue 17): what the bot read, so that what was posted while
it was away is read when it comes back. Never imports discord.

As messages arrive the bot notes, in memory, the newest message of each channel and when each
member last wrote in each server; `flush()` writes them in one transaction (every
`FLUSH_SECONDS`, and when the feature unloads), with the moment the bot was last reading each
server ("offline from X").

From the moment the gateway connection is lost until the catch-up of the new session is done,
the bot is "paused": what it reads live meanwhile is held apart and never moves a channel's
mark, so a crash in that window cannot skip messages that were never read. A resumed session
(Discord replays what was missed) simply unpauses.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.clock import Clock, epoch
from bot.db import Database
from bot.outbox import Outbox
from cogs.escalation.repository_catchup import CatchupRepository, Seen

log = logging.getLogger(__name__)

CATCHUP_SUMMARY = "escalation:catchup_summary"  # "I was offline from X to Y; I read N ..."

FLUSH_SECONDS = 30
# The bound of the catch-up, per channel or thread: the newest MAX_MESSAGES messages of the
# last MAX_HOURS hours since the last one read.
MAX_MESSAGES = 100
MAX_HOURS = 24
# DM channels with the bot read back: the ones written in most recently (a DM channel is known
# only once the member has written in it while the bot was reading).
MAX_DM_CHANNELS = 200
# A restart shorter than this with nothing posted meanwhile is not worth a message.
SUMMARY_MIN_OFFLINE_SECONDS = 10 * 60
LIVE_IDS_KEPT = 10_000


@dataclass
class CatchupReport:
    """What one server's catch-up read; the moderators hear it in one message."""

    guild_id: int
    offline_from: int | None
    offline_until: int
    read: int = 0
    attention: int = 0
    # channel id -> newest message id read (or seen in the channel's list), for the marks
    marks: dict[int, int] = field(default_factory=dict)
    # channels with more messages than the bound allowed: the oldest were not read
    truncated: list[int] = field(default_factory=list)

    @property
    def worth_telling(self) -> bool:
        if self.offline_from is None:
            return False
        away = self.offline_until - self.offline_from
        return self.read > 0 or bool(self.truncated) or away >= SUMMARY_MIN_OFFLINE_SECONDS


class CatchupService:
    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db = db
        self.repository = CatchupRepository(db)
        self._clock = clock
        self._outbox = outbox
        self.paused = True  # until the first catch-up is done
        self._generation = 0  # counts the times the connection was lost
        self._catching_up = 0
        # channel -> (guild, or None for a DM channel; message id)
        self._marks: dict[int, tuple[int | None, int]] = {}
        self._held: dict[int, tuple[int | None, int]] = {}  # the same, read while paused
        self._activity: dict[tuple[int, int], int] = {}  # (guild, user) -> when
        self._live: set[int] = set()
        self._live_order: deque[int] = deque()

    def now(self) -> int:
        return epoch(self._clock())

    # ------------------------------------------------------------------ as messages arrive

    def read_live(
        self, guild_id: int | None, channel_id: int, message_id: int, author_id: int | None
    ) -> None:
        """A message the bot read as it arrived (`guild_id`: None in a DM; `author_id`: a
        person, not a bot)."""
        marks = self._held if self.paused else self._marks
        known = marks.get(channel_id)
        if known is None or known[1] < message_id:
            marks[channel_id] = (guild_id, message_id)
        if author_id is not None and guild_id is not None:
            self._activity[(guild_id, author_id)] = self.now()
        if message_id not in self._live:
            self._live.add(message_id)
            self._live_order.append(message_id)
            if len(self._live_order) > LIVE_IDS_KEPT:
                self._live.discard(self._live_order.popleft())

    def was_read_live(self, message_id: int) -> bool:
        return message_id in self._live

    async def last_activity(self, user_id: int) -> dict[int, int]:
        """Server -> when the member last wrote there (written, and noted since)."""
        found = await self.repository.activity(user_id)
        for (guild_id, member), at in self._activity.items():
            if member == user_id:
                found[guild_id] = max(at, found.get(guild_id, 0))
        return found

    def pause(self) -> None:
        """The connection was lost (or a new session began)."""
        self.paused = True
        self._generation += 1

    def resume(self) -> None:
        """A resumed session: Discord replayed what was missed. A catch-up still reading
        unpauses when it is done."""
        if not self._catching_up:
            self._unpause()

    def _unpause(self) -> None:
        self.paused = False
        for channel_id, (guild_id, message_id) in self._held.items():
            self._mark(channel_id, guild_id, message_id)
        self._held.clear()

    def _mark(self, channel_id: int, guild_id: int | None, message_id: int) -> None:
        known = self._marks.get(channel_id)
        if known is None or known[1] < message_id:
            self._marks[channel_id] = (guild_id, message_id)

    async def flush(self, guild_ids: Iterable[int]) -> None:
        """Write what was read since the last flush; `guild_ids`: the servers being read now."""
        marks = dict(self._marks)
        activity = dict(self._activity)
        alive = [] if self.paused else list(guild_ids)
        if not marks and not activity and not alive:
            return
        now = self.now()
        async with self.db.transaction() as tx:
            await self.repository.save_seen(tx, ((c, g, m) for c, (g, m) in marks.items()), now)
            await self.repository.save_activity(tx, ((g, u, at) for (g, u), at in activity.items()))
            await self.repository.save_alive(tx, alive, now)
        for channel_id, value in marks.items():
            if self._marks.get(channel_id) == value:
                del self._marks[channel_id]
        for key, at in activity.items():
            if self._activity.get(key) == at:
                del self._activity[key]

    # ------------------------------------------------------------------ the catch-up

    async def seen(self, guild_id: int) -> Seen:
        return await self.repository.seen(guild_id)

    async def first_read(self, guild_id: int, marks: Mapping[int, int]) -> None:
        """A server the bot never read before: nothing to catch up on, only where to start."""
        now = self.now()
        async with self.db.transaction() as tx:
            await self.repository.save_seen(tx, ((c, guild_id, m) for c, m in marks.items()), now)
            await self.repository.save_alive(tx, [guild_id], now)

    async def caught_up(self, report: CatchupReport, alert_channel_id: int | None) -> bool:
        """The server's catch-up is done: its marks, the moment, and the moderators' summary in
        one transaction (a crash before it reads the same messages again, and alerts nothing
        twice). True when the moderators are told."""
        now = self.now()
        tell = report.worth_telling and alert_channel_id is not None
        async with self.db.transaction() as tx:
            await self.repository.save_seen(
                tx, ((c, report.guild_id, m) for c, m in report.marks.items()), now
            )
            await self.repository.save_alive(tx, [report.guild_id], now)
            if tell:
                assert alert_channel_id is not None
                await self._outbox.enqueue(
                    tx,
                    kind=CATCHUP_SUMMARY,
                    guild_id=report.guild_id,
                    channel_id=alert_channel_id,
                    payload={
                        "from": report.offline_from,
                        "until": report.offline_until,
                        "read": report.read,
                        "attention": report.attention,
                        "truncated": report.truncated[:10],
                    },
                )
        if report.worth_telling and alert_channel_id is None:
            log.warning(
                "escalation: caught up on guild %d (%d messages, %d needing attention) but it "
                "has no escalation or mod-log channel to tell",
                report.guild_id,
                report.read,
                report.attention,
            )
        log.info(
            "escalation: caught up on guild %d: offline from %s to %d, %d messages read, %d "
            "needed attention, %d channels over the bound",
            report.guild_id,
            report.offline_from,
            report.offline_until,
            report.read,
            report.attention,
            len(report.truncated),
        )
        return tell

    def begin(self) -> int:
        """A catch-up starts; give its number back to `done`."""
        self._catching_up += 1
        return self._generation

    def done(self, generation: int) -> None:
        """Every server caught up: what was read live meanwhile may move the marks again, unless
        the connection was lost again meanwhile (the next catch-up, or a RESUME, unpauses)."""
        self._catching_up -= 1
        if generation == self._generation and not self._catching_up:
            self._unpause()

    async def seen_dms(self) -> dict[int, int]:
        """The DM channels to read back: those written in most recently, at most
        `MAX_DM_CHANNELS`."""
        return await self.repository.seen_dms(MAX_DM_CHANNELS)

    async def dms_caught_up(self, marks: Mapping[int, int], read: int, attention: int) -> None:
        now = self.now()
        async with self.db.transaction() as tx:
            await self.repository.save_seen(tx, ((c, None, m) for c, m in marks.items()), now)
        log.info(
            "escalation: caught up on direct messages: %d read, %d needed attention",
            read,
            attention,
        )

    async def forget_member(self, guild_id: int, user_id: int) -> None:
        self._activity.pop((guild_id, user_id), None)
        await self.repository.forget_activity(guild_id, user_id)
