"""What the bot's health looks like in numbers: the readings `/healthz` judges and `/metrics`
shows in Prometheus' text format (bot/health.py serves both).

Each Bot has its own `BotMetrics` with its own `CollectorRegistry` (tests start many bots in one
process). Values are read when someone asks, not kept up to date everywhere: `await
metrics.read()` takes a `Reading` (the database probed with a trivial query under a time-out,
the outbox's pending and failed rows by kind and priority, the unclaimed crisis alerts), and
the registry's collector turns the last reading, the gateway's state and the scheduler's lag
into metrics. Only two things are counted as they happen, because nothing else remembers them:
gateway events by type (`saw_event`, from `Bot.dispatch`) and errors logged by exception class
and logger (`ErrorCounter`, a logging handler while the endpoint runs).

Numbers only: no member, message, server or channel id, and no error message (it may quote what
a member typed), only the exception's class and the logger that reported it.

Core knows no feature: the escalation feature installs `bot.metrics.alerts` (an `AlertSource`)
in its cog_load and removes it in cog_unload, as features install `bot.facts`. Not installed,
the unclaimed-alerts metrics are left out (not known, not zero).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, STATE_STOPPED
from prometheus_client import CollectorRegistry, Counter, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.clock import epoch
from bot.db import Database
from bot.outbox import NORMAL, TIMELY, URGENT
from bot.shards import EVERY_SHARD, ShardSet

if TYPE_CHECKING:
    from bot.client import Bot

log = logging.getLogger(__name__)

PREFIX = "peer_support_"
DATABASE_TIMEOUT_SECONDS = 2.0  # a trivial query slower than this: the database is unreachable
HEARTBEAT_ID = "core:health-heartbeat"
HEARTBEAT_SECONDS = 10  # the scheduler wakes this often at least, so its lag is always known
SCHEDULER_STATES = {STATE_RUNNING: "running", STATE_PAUSED: "paused", STATE_STOPPED: "stopped"}


@dataclass(frozen=True)
class UnclaimedAlerts:
    count: int  # crisis alerts no moderator has claimed yet (cases still open)
    oldest_opened_at: int | None  # epoch seconds of the oldest one


class AlertSource(Protocol):
    async def unclaimed(self) -> UnclaimedAlerts:
        """Every server's crisis alerts that nobody has claimed: a count and the oldest's age."""
        ...


def priority_name(priority: int) -> str:
    if priority >= URGENT:
        return "urgent"
    if priority == TIMELY:
        return "timely"
    return "normal" if priority == NORMAL else "set_aside"


@dataclass(frozen=True)
class OutboxGroup:
    status: str  # pending or failed (failed rows are kept 30 days)
    kind: str
    priority: int
    rows: int
    oldest_created_at: int


class OutboxHealthRepository:
    """Counts of the outbox's rows (core's table), read-only, for the health endpoint: of this
    process's servers only (bot/shards.py), so a process is not unhealthy for another's sends."""

    def __init__(self, db: Database, shards: ShardSet = EVERY_SHARD) -> None:
        self.db = db
        self.shards = shards

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    async def groups(self) -> list[OutboxGroup]:
        rows = await self.db.fetchall(
            "SELECT status, kind, priority, COUNT(*) AS n, MIN(created_at) AS oldest "
            "FROM outbox WHERE status IN ('pending', 'failed')"
            f"{self.shards.sql('guild_id')} GROUP BY status, kind, priority",
            self.shards.params(),
        )
        return [
            OutboxGroup(r["status"], r["kind"], int(r["priority"]), int(r["n"]), int(r["oldest"]))
            for r in rows
        ]


@dataclass
class Reading:
    """What was read at one moment (`BotMetrics.read`); None where it could not be read."""

    now: int  # by the bot's clock, epoch seconds
    database_latency: float | None = None  # seconds for a trivial query; None: unreachable
    database_error: str | None = None  # the error's class ("TimeoutError"), never its message
    outbox: list[OutboxGroup] | None = None
    urgent_kinds: frozenset[str] = frozenset()
    alerts: UnclaimedAlerts | None = None

    def _crisis(self, group: OutboxGroup) -> bool:
        return group.priority >= URGENT or group.kind in self.urgent_kinds

    def oldest_pending_age(self, *, crisis: bool) -> int | None:
        """Seconds since the oldest pending crisis (or other) send was written."""
        if self.outbox is None:
            return None
        oldest = [
            g.oldest_created_at
            for g in self.outbox
            if g.status == "pending" and self._crisis(g) == crisis
        ]
        return max(0, self.now - min(oldest)) if oldest else None


@dataclass(frozen=True)
class Shard:
    shard_id: int
    connected: bool
    latency: float | None  # seconds; None before the first heartbeat was answered


def gateway_shards(bot: Bot) -> list[Shard]:
    """Each shard's connection: every shard this process runs (SHARD_IDS, or all of
    SHARD_COUNT; one not launched yet is not connected), or the one connection."""
    shards = getattr(bot, "shards", None)
    count, ids = bot.settings.shard_count, bot.settings.shard_ids
    if isinstance(shards, dict) and count is not None:
        expected = ids if ids is not None else tuple(range(count))
        return [
            Shard(sid, False, None)
            if (info := shards.get(sid)) is None
            else Shard(sid, not info.is_closed() and bot.is_ready(), _seconds(info.latency))
            for sid in expected
        ]
    ws = bot.ws
    connected = ws is not None and ws.open and bot.is_ready() and not bot.is_closed()
    return [Shard(bot.shard_id or 0, connected, _seconds(bot.latency) if ws else None)]


def _seconds(value: float) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else float(value)


EXECUTOR_LOGGER = "apscheduler.executors.default"


def _quiet_heartbeat(record: logging.LogRecord) -> bool:
    """False for APScheduler's "Running job" and "executed successfully" lines about the
    heartbeat (two lines every ten seconds would bury what the log is for)."""
    args = record.args
    first = args[0] if isinstance(args, tuple) and args else None
    return record.levelno > logging.INFO or getattr(first, "id", None) != HEARTBEAT_ID


class SchedulerWatch:
    """How late the scheduler wakes: a heartbeat job every HEARTBEAT_SECONDS, and each of its
    submissions measured against the time it was due (real time: APScheduler runs on it)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self.last_lag = 0.0
        self.beats = 0

    def start(self) -> None:
        scheduler = self._bot.scheduler
        logging.getLogger(EXECUTOR_LOGGER).addFilter(_quiet_heartbeat)
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_job(
            self._beat, "interval", seconds=HEARTBEAT_SECONDS, id=HEARTBEAT_ID,
            replace_existing=True,
        )  # fmt: skip

    def stop(self) -> None:
        scheduler = self._bot.scheduler
        logging.getLogger(EXECUTOR_LOGGER).removeFilter(_quiet_heartbeat)
        scheduler.remove_listener(self._submitted)
        if scheduler.state != STATE_STOPPED and scheduler.get_job(HEARTBEAT_ID) is not None:
            scheduler.remove_job(HEARTBEAT_ID)

    async def _beat(self) -> None:
        self.beats += 1

    def _submitted(self, event: JobSubmissionEvent) -> None:
        if event.job_id == HEARTBEAT_ID and event.scheduled_run_times:
            due = min(event.scheduled_run_times)
            self.last_lag = max(0.0, (datetime.now(UTC) - due).total_seconds())

    @property
    def state(self) -> str:
        return SCHEDULER_STATES.get(self._bot.scheduler.state, "unknown")

    def lag(self) -> float | None:
        """Seconds the scheduler is behind: the last heartbeat's lateness, or how long the next
        one is overdue (a scheduler that stopped waking). None: no heartbeat is planned."""
        job = self._bot.scheduler.get_job(HEARTBEAT_ID)
        if job is None or job.next_run_time is None:
            return None
        overdue = (datetime.now(UTC) - job.next_run_time).total_seconds()
        return max(self.last_lag, overdue, 0.0)


class ErrorCounter(logging.Handler):
    """Counts every ERROR (and worse) logged, by exception class and logger: the bot's error
    handlers (the command tree, views, background tasks, scheduled jobs, the outbox) all log
    what they catch, so this sees them all. The handler reads only the record's level, logger
    name and exception class. It is process-wide, like logging: with two bots in one process
    (tests), each counts the other's errors too."""

    def __init__(self, counter: Counter) -> None:
        super().__init__(level=logging.ERROR)
        self._counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else "none"
        self._counter.labels(kind=kind, where=record.name).inc()


class BotMetrics:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        # No `*_created` series beside each counter: a scrape shows what the bot does now.
        # (prometheus-client's switch is process-wide; nothing else in the bot uses it.)
        disable_created_metrics()
        self.registry = CollectorRegistry()
        self.events = Counter(
            f"{PREFIX}gateway_events",
            "Gateway events received, by type (rate() gives events per second).",
            ["type"],
            registry=self.registry,
        )
        self._event_counters: dict[str, Any] = {}
        self.errors = Counter(
            f"{PREFIX}errors",
            "Errors logged, by exception class ('none': an error without one) and logger.",
            ["kind", "where"],
            registry=self.registry,
        )
        self.alerts: AlertSource | None = None  # installed by the escalation feature
        self.scheduler = SchedulerWatch(bot)
        self.error_counter = ErrorCounter(self.errors)
        self.last: Reading | None = None
        self._database_failing = False
        self.registry.register(_ReadingCollector(self))

    def saw_event(self, event_type: str) -> None:
        # Each type's child counter looked up once (`labels()` takes a lock and builds a key
        # on every call; this runs for every gateway event).
        counter = self._event_counters.get(event_type)
        if counter is None:
            counter = self._event_counters[event_type] = self.events.labels(type=event_type)
        counter.inc()

    def start(self) -> None:
        """While the endpoint runs: the scheduler's heartbeat and the error count."""
        self.scheduler.start()
        logging.getLogger().addHandler(self.error_counter)

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.error_counter)
        self.scheduler.stop()

    async def read(self) -> Reading:
        bot = self._bot
        reading = Reading(now=epoch(bot.clock()))
        repository = OutboxHealthRepository(bot.db, bot.shard_set)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                await repository.ping()
            reading.database_latency = time.perf_counter() - started
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                reading.outbox = await repository.groups()
        except Exception as error:  # a closed, locked, missing or broken database
            reading.database_error = type(error).__name__
        failing = reading.database_error is not None
        if failing != self._database_failing:  # said once when it starts and once when it ends
            self._database_failing = failing
            if failing:
                log.warning("health: the database did not answer (%s)", reading.database_error)
            else:
                log.info("health: the database answers again")
        reading.urgent_kinds = frozenset(
            g.kind for g in reading.outbox or () if bot.outbox.priority_of(g.kind) >= URGENT
        )
        source = self.alerts
        if source is not None and reading.database_error is None:
            try:
                async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                    reading.alerts = await source.unclaimed()
            except Exception as error:
                log.warning("health: unclaimed alerts not known (%s)", type(error).__name__)
        self.last = reading
        return reading

    async def exposition(self) -> bytes:
        """The Prometheus text of everything, read now."""
        await self.read()
        return generate_latest(self.registry)


def _gauge(
    name: str, doc: str, labels: Iterable[str] = (), values: Iterable[Any] = ()
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"{PREFIX}{name}", doc, labels=list(labels))
    for *label_values, value in values:
        family.add_metric([str(v) for v in label_values], value)
    return family


class _ReadingCollector(Collector):
    """The metrics read at scrape time: the last `Reading`, the gateway and the scheduler."""

    def __init__(self, metrics: BotMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        metrics, bot = self._metrics, self._metrics._bot
        shards = gateway_shards(bot)
        yield _gauge(
            "gateway_connected",
            "1 when the shard's gateway connection is up and ready.",
            ["shard"],
            ((s.shard_id, int(s.connected)) for s in shards),
        )
        yield _gauge(
            "gateway_latency_seconds",
            "Time between the shard's last heartbeat and Discord's answer.",
            ["shard"],
            ((s.shard_id, s.latency) for s in shards if s.latency is not None),
        )
        watch = metrics.scheduler
        yield _gauge(
            "scheduler_running",
            "1 when the scheduler is running (not paused or stopped).",
            values=[(int(watch.state == "running"),)],
        )
        lag = watch.lag()
        if lag is not None:
            yield _gauge(
                "scheduler_lag_seconds",
                "How late the scheduler woke for its heartbeat (or how overdue it is now).",
                values=[(lag,)],
            )
        yield _gauge("scheduler_jobs", "Jobs the scheduler holds.", values=[(_job_count(bot),)])
        reading = metrics.last
        if reading is None:
            return
        yield from _reading_metrics(reading)


def _job_count(bot: Bot) -> int:
    try:
        return len(bot.scheduler.get_jobs())
    except Exception:  # a scheduler shutting down
        return 0


_OUTBOX_DOCS = {
    "pending": "Sends waiting to go out.",
    "failed": "Sends Discord refused for good (kept 30 days: see the log for why).",
}


def _reading_metrics(reading: Reading) -> Iterator[GaugeMetricFamily]:
    yield _gauge(
        "database_up",
        "1 when a trivial query answered within the time-out.",
        values=[(int(reading.database_latency is not None),)],
    )
    if reading.database_latency is not None:
        yield _gauge(
            "database_latency_seconds",
            "Time a trivial query took, measured at this scrape.",
            values=[(reading.database_latency,)],
        )
    if reading.outbox is not None:
        for status, doc in _OUTBOX_DOCS.items():
            totals: dict[tuple[str, str], int] = {}
            for g in reading.outbox:
                if g.status == status:
                    key = (g.kind, priority_name(g.priority))
                    totals[key] = totals.get(key, 0) + g.rows
            yield _gauge(
                f"outbox_{status}",
                doc + " By kind and priority (urgent: crisis sends; set_aside: its render failed).",
                ["kind", "priority"],
                ((kind, priority, n) for (kind, priority), n in sorted(totals.items())),
            )
        for crisis, name in ((True, "crisis"), (False, "ordinary")):
            age = reading.oldest_pending_age(crisis=crisis)
            yield _gauge(
                f"outbox_oldest_pending_{name}_seconds",
                f"Age of the oldest {name} send still waiting (0 when none waits).",
                values=[(age or 0,)],
            )
    if reading.alerts is not None:
        yield _gauge(
            "crisis_alerts_unclaimed",
            "Crisis alerts (open cases) that no moderator has claimed yet.",
            values=[(reading.alerts.count,)],
        )
        oldest = reading.alerts.oldest_opened_at
        yield _gauge(
            "crisis_alerts_oldest_unclaimed_seconds",
            "Age of the oldest unclaimed crisis alert (0 when there is none).",
            values=[(max(0, reading.now - oldest) if oldest is not None else 0,)],
        )
