"""The health endpoint: a small HTTP server inside the bot's process (aiohttp's, which discord.py
already brings), for a container's HEALTHCHECK, a service manager or Prometheus.

- `GET /healthz`: JSON saying whether the gateway is connected (per shard), the database answers
  a trivial query, the scheduler is running and waking on time, and the outbox is not stuck (the
  oldest pending crisis send and the oldest other send, each under its limit). 200 when all is
  well, 503 otherwise, with `problems` naming what is wrong.
- `GET /metrics`: the same and more in Prometheus' text format (bot/metrics.py).

Neither ever shows member data: counts, ages, latencies, states, exception class names.

It listens on HEALTH_HOST:HEALTH_PORT (127.0.0.1:8790 unless the settings say otherwise; never
a public interface unless asked). It starts with the bot (`Bot.setup_hook`) and stops with it.
A port already taken is not a reason to stop the bot: it says so in the log and runs without.

`python -m bot health` asks a running bot's /healthz and prints the answer (`probe`).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.config import Settings
from bot.metrics import Reading, gateway_shards

if TYPE_CHECKING:
    from bot.client import Bot

log = logging.getLogger(__name__)

# A crisis send (the alert, the member's resources) waiting longer than this is stuck: it is
# normally out within a second, and Discord forgets a nonce after a few minutes.
CRISIS_STUCK_SECONDS = 120
# Any other send: a backlog of thousands goes out at 20 a second, and a row whose feature is not
# loaded waits about 14 minutes before it fails.
ORDINARY_STUCK_SECONDS = 30 * 60
# The scheduler woke this late (its event loop was blocked, or it stopped waking): unhealthy.
SCHEDULER_LAG_LIMIT_SECONDS = 30.0
PROBE_TIMEOUT_SECONDS = 10.0


@dataclass
class Verdict:
    healthy: bool
    checks: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "problems": self.problems,
            "checks": self.checks,
        }


def judge(bot: Bot, reading: Reading) -> Verdict:
    """Whether the bot is healthy, from a reading taken now and the live state of the
    gateway and the scheduler."""
    problems: list[str] = []
    checks: dict[str, dict[str, Any]] = {}

    shards = gateway_shards(bot)
    down = [s.shard_id for s in shards if not s.connected]
    checks["gateway"] = {
        "ok": bool(shards) and not down,
        "shards": {
            str(s.shard_id): {"connected": s.connected, "latency_seconds": s.latency}
            for s in shards
        },
    }
    problems += [f"gateway: shard {shard} is not connected" for shard in down]

    if reading.database_latency is not None:
        checks["database"] = {"ok": True, "latency_seconds": round(reading.database_latency, 4)}
    else:
        checks["database"] = {"ok": False, "error": reading.database_error}
        problems.append(f"database: did not answer a trivial query ({reading.database_error})")

    watch = bot.metrics.scheduler
    lag = watch.lag()
    scheduler_ok = watch.state == "running" and (lag is None or lag <= SCHEDULER_LAG_LIMIT_SECONDS)
    checks["scheduler"] = {
        "ok": scheduler_ok,
        "state": watch.state,
        "lag_seconds": None if lag is None else round(lag, 3),
        "lag_limit_seconds": SCHEDULER_LAG_LIMIT_SECONDS,
    }
    if watch.state != "running":
        problems.append(f"scheduler: {watch.state}")
    elif lag is not None and lag > SCHEDULER_LAG_LIMIT_SECONDS:
        problems.append(f"scheduler: woke {lag:.0f} s late")

    checks["outbox"] = _outbox_check(reading, problems)
    healthy = not problems
    return Verdict(healthy, checks, problems)


def _outbox_check(reading: Reading, problems: list[str]) -> dict[str, Any]:
    if reading.outbox is None:  # the database is down: said above
        return {"ok": None, "note": "not known: the database did not answer"}
    crisis = reading.oldest_pending_age(crisis=True)
    ordinary = reading.oldest_pending_age(crisis=False)
    pending = sum(g.rows for g in reading.outbox if g.status == "pending")
    failed = sum(g.rows for g in reading.outbox if g.status == "failed")
    ok = True
    if crisis is not None and crisis > CRISIS_STUCK_SECONDS:
        ok = False
        problems.append(
            f"outbox: a crisis send has waited {crisis} s (limit {CRISIS_STUCK_SECONDS} s)"
        )
    if ordinary is not None and ordinary > ORDINARY_STUCK_SECONDS:
        ok = False
        problems.append(
            f"outbox: a send has waited {ordinary} s (limit {ORDINARY_STUCK_SECONDS} s)"
        )
    return {
        "ok": ok,
        "pending": pending,
        "failed": failed,
        "oldest_pending_crisis_seconds": crisis,
        "oldest_pending_other_seconds": ordinary,
        "crisis_limit_seconds": CRISIS_STUCK_SECONDS,
        "other_limit_seconds": ORDINARY_STUCK_SECONDS,
    }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HealthServer:
    """The endpoint of one bot. `start()` does nothing when HEALTH_PORT is off."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Where it listens: (host, port) of each socket (the port chosen, when it was 0)."""
        if self._runner is None:
            return []
        return [(a[0], a[1]) for a in self._runner.addresses]

    async def start(self) -> None:
        settings = self._bot.settings
        if settings.health_port is None or self._runner is not None:
            return
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        # No access log: a HEALTHCHECK asks every 30 s, and the log is for what happened.
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.health_host, settings.health_port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            log.warning(
                "the health endpoint could not listen on %s:%s (%s): the bot runs without it. "
                "Set HEALTH_PORT to a free port, or HEALTH_PORT=off.",
                settings.health_host,
                settings.health_port,
                error.strerror or type(error).__name__,
            )
            return
        self._runner = runner
        self._bot.metrics.start()
        for host, port in self.addresses:
            log.info("health endpoint: http://%s:%d/healthz and /metrics", host, port)
        if not _is_loopback(settings.health_host):
            log.warning(
                "the health endpoint listens on %s, not only on this machine: whoever can reach "
                "it can read the bot's state (no member data). Keep it behind a firewall.",
                settings.health_host,
            )

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._bot.metrics.stop()
        await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        reading = await self._bot.metrics.read()
        verdict = judge(self._bot, reading)
        return web.json_response(verdict.body(), status=200 if verdict.healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await self._bot.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def probe_url(settings: Settings) -> str | None:
    """Where a process on this machine asks the bot's /healthz (None: the endpoint is off)."""
    if not settings.health_port:
        return None
    host = settings.health_host
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.health_port}/healthz"


async def probe(settings: Settings) -> int:
    """`python -m bot health`: 0 when the running bot answers healthy, 1 otherwise."""
    url = probe_url(settings)
    if url is None:
        print("The health endpoint is off (HEALTH_PORT=off, or 0: a port chosen at start).")
        return 1
    try:
        timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url) as response,
        ):
            body = await response.json(content_type=None)
            status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        print(f"No answer from {url} ({type(error).__name__}): is the bot running?")
        return 1
    if status == 200:
        print(f"Healthy ({url}).")
        return 0
    print(f"Unhealthy ({url}, HTTP {status}):")
    for problem in body.get("problems", []):
        print(f"  - {problem}")
    return 1
