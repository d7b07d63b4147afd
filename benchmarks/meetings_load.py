"""Meetings at scale: 10,000 recurring series across 1,000 groups, against the loopback Discord
with Discord's rate limits enforced (tests/fakediscord/ratelimits.py).

    .venv/bin/python -m benchmarks.meetings_load [--series 10000] [--groups 1000] [--lead 120]
        [--watch 60] [--features all|meetings] [--no-posts] [--no-limits]

Every start is a bot start in this process, after a first start on an empty database has
imported the bot's modules (imports cost the same with or without series). Figures, measured in
one run, on one event loop (the fake's own cost is in every figure):

- first start: the database holds the series and nothing derived from them (no session
  materialised yet: the first start after they were written, or after an outage long enough
  for every session to be over). "Meetings start" is from the meetings feature's rebuilder
  being called until every series has its next session, with that session's due actions and
  its announcement queued, and the due job is armed at the earliest of them (the rebuilder,
  plus the catch-up it leaves to the background so the bot connects meanwhile);
- warm start: a restart on the database the first start left (every series has its next
  session: an ordinary restart). Same measure;
- whole start: `bot.start()` until the bot is ready with the above done; the empty database's
  start is the cost of the other features (their own start-up work is not the meetings');
- resident memory (VmRSS) before and after each start;
- reminder drift under load: every series' 1-hour reminder falls due within the same ten
  seconds (`--lead` seconds after the series are written); how late each fires (its due action
  claimed) versus its due time, p50 / p99 / max, while the outbox posts the announcements and
  the reminders and the groups' Discord events are synced (`--no-posts`: groups without
  channels, so the scheduler alone is measured);
- the posts, paced: the reminders posted within `--watch` seconds after the window, the
  requests answered 429 by the loopback Discord (none is the aim), and its busiest second
  (`--no-limits`: the limits are not enforced).

Groups are an in-memory stand-in directory (the groups feature is not what is measured), each
with its own channel in the fake, in five time zones; the rules mix weekly, every 2 weeks,
monthly on the nth weekday and monthly on a date. `--features meetings` loads the meetings
feature alone (the default loads every feature, as `python -m bot` does).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import Bot
from bot.clock import epoch
from cogs.meetings.models import Action, local_text
from cogs.meetings.recurrence import Repeat, rrule_for
from cogs.meetings.repository import MeetingRepository
from cogs.meetings.zones import local_now
from tests.fakediscord import FakeDiscord
from tests.fakediscord.ratelimits import RateLimits
from tests.feedback.standin_groups import StandInGroups
from tests.harness import BotRunner, build_server

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC")
KINDS = ("weekly", "biweekly", "monthly_nth", "monthly_date")
WINDOW_SECONDS = 10
MEETINGS_REBUILD = "MeetingsCog._rebuild"


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Timed:
    """A `prepare` hook: installs the stand-in groups and times each feature's rebuilder."""

    def __init__(self, groups: StandInGroups) -> None:
        self.groups = groups
        self.seconds: dict[str, float] = {}
        self.began: dict[str, float] = {}
        self.caught_up: list[float] = []

    def __call__(self, bot: Bot) -> None:
        async def install() -> None:
            bot.groups = self.groups
            bot.access.set_leader_lookup(self.groups.is_leader)

        self.groups.bot = bot
        bot.add_rebuilder(install)
        original = bot.add_rebuilder

        def timed_add(rebuild: Callable[[], Awaitable[None]]) -> None:
            name = getattr(rebuild, "__qualname__", repr(rebuild))

            async def run() -> None:
                start = self.began[name] = time.perf_counter()
                await rebuild()
                self.seconds[name] = time.perf_counter() - start
                cog: Any = bot.get_cog("Meetings")
                task = getattr(cog, "catch_up", None) if name == MEETINGS_REBUILD else None
                if task is not None:  # the background part: until it is done
                    task.add_done_callback(lambda _: self.caught_up.append(time.perf_counter()))

            original(run)

        bot.add_rebuilder = timed_add  # type: ignore[method-assign]

    @property
    def meetings(self) -> float:
        return self.seconds.get(MEETINGS_REBUILD, float("nan"))


async def write_series(path: Path, groups: StandInGroups, count: int, first_due: datetime) -> None:
    """`count` series whose first session starts an hour (plus 0..9 s) after `first_due`, so
    their 1-hour reminders all fall due in the same ten seconds."""
    from bot.db import Database
    from bot.migrate import apply_migrations

    db = await Database.open(path)
    await apply_migrations(db)
    repo = MeetingRepository(db)
    refs = list(groups.groups.values())
    now = epoch(datetime.now(UTC))
    async with db.transaction() as tx:
        for i in range(count):
            group = refs[i % len(refs)]
            start = first_due + timedelta(hours=1, seconds=i % WINDOW_SECONDS)
            local = local_now(start, group.timezone).replace(microsecond=0)
            kind = KINDS[i % len(KINDS)]
            rule = rrule_for(Repeat(kind=kind), local)  # type: ignore[arg-type]
            await repo.insert_series(
                tx,
                {
                    "guild_id": group.guild_id,
                    "group_id": group.id,
                    "title": f"Session {i}",
                    "zone": group.timezone,
                    "start_local": local_text(local),
                    "rrule": rule,
                    "duration_minutes": 60,
                    "created_by": 1,
                    "now": now,
                },
            )
    await db.close()


async def start(runner: BotRunner, timed: Timed) -> tuple[Bot, float, float, float]:
    """Start the bot; returns it, the whole start's seconds, and RSS before and after. The
    meetings figure becomes its rebuilder's start until its background catch-up is done."""
    before = rss_mib()
    began = time.perf_counter()
    bot = await runner.start(sync=False, prepare=timed)
    await bot.wait_until_ready()
    ready = time.perf_counter()
    cog: Any = bot.get_cog("Meetings")
    if cog.catch_up is not None:  # sessions materialised in the background
        await cog.catch_up
    if timed.caught_up:
        timed.seconds[MEETINGS_REBUILD] = timed.caught_up[0] - timed.began[MEETINGS_REBUILD]
    done = max([ready, *timed.caught_up])
    return bot, done - began, before, rss_mib()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(
    series: int,
    group_count: int,
    lead: int,
    watch: int,
    features: tuple[str, ...] | None,
    posts: bool,
    limits: bool,
) -> None:
    logging.basicConfig(level=logging.WARNING)
    fake = FakeDiscord()
    await fake.start()
    rate_limits = RateLimits() if limits else None
    fake.rate_limits = rate_limits
    server = build_server(fake)
    groups = StandInGroups()
    for g in range(group_count):
        channel = fake.create_text_channel(server.guild, f"group-{g}") if posts else None
        ref = groups.add(server.guild.id, f"Group {g}", channel_id=channel.id if channel else None)
        groups.groups[ref.id] = replace(ref, timezone=ZONES[g % len(ZONES)])
    rows: list[tuple[str, float, float, float, float, int]] = []
    drift: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        empty = BotRunner(fake, Path(folder) / "empty.sqlite3", features=features)
        timed = Timed(groups)
        await start(empty, timed)  # imports the bot's modules: not counted
        await empty.stop()
        timed = Timed(groups)
        bot, whole, before, after = await start(empty, timed)
        rows.append(("empty (baseline)", timed.meetings, whole, before, after, 0))
        await empty.stop()

        path = Path(folder) / "bench.sqlite3"
        first_due = datetime.now(UTC) + timedelta(seconds=lead)
        began = time.perf_counter()
        await write_series(path, groups, series, first_due)
        print(f"wrote {series} series in {time.perf_counter() - began:.1f}s")

        runner = BotRunner(fake, path, features=features)
        timed = Timed(groups)
        bot, whole, before, after = await start(runner, timed)
        pending = await bot.db.fetchval(
            "SELECT COUNT(*) FROM meeting_actions WHERE done_at IS NULL"
        )
        rows.append(("first start (cold)", timed.meetings, whole, before, after, pending))
        await runner.stop()

        timed = Timed(groups)
        bot, whole, before, after = await start(runner, timed)
        pending = await bot.db.fetchval(
            "SELECT COUNT(*) FROM meeting_actions WHERE done_at IS NULL"
        )
        rows.append(("warm start (restart)", timed.meetings, whole, before, after, pending))

        cog: Any = bot.get_cog("Meetings")
        repo = cog.service.repo
        claim = repo.claim_action

        async def timed_claim(tx: Any, action: Action, now: int, outcome: str) -> bool:
            if action.action == "reminder:60":
                drift.append(time.time() - action.due_at)
            return await claim(tx, action, now, outcome)

        repo.claim_action = timed_claim
        claim_many = getattr(repo, "claim_actions", None)
        if claim_many is not None:  # reminders claimed together

            async def timed_claim_many(tx: Any, actions: list[Action], now: int, outcome: str):
                at = time.time()
                drift.extend(at - a.due_at for a in actions if a.action == "reminder:60")
                return await claim_many(tx, actions, now, outcome)

            repo.claim_actions = timed_claim_many
        refused_before = len(rate_limits.refused) if rate_limits else 0
        wait = (first_due - datetime.now(UTC)).total_seconds() + WINDOW_SECONDS
        print(f"waiting {wait:.0f}s for {series} reminders due within {WINDOW_SECONDS}s ...")
        async with asyncio.timeout(wait + 600):
            while len(drift) < series:
                await asyncio.sleep(0.5)
        window_end = time.perf_counter()
        await asyncio.sleep(watch)
        reminded = await bot.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'meetings.reminder' AND status = 'sent'"
        )
        watched = time.perf_counter() - window_end
        sent = await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
        await runner.stop()
    await fake.stop()

    print()
    print(
        f"{'start':<24}{'meetings start':>16}{'whole start':>13}"
        f"{'RSS before':>12}{'RSS after':>11}{'pending actions':>17}"
    )
    for name, meetings_s, whole, before, after, pending in rows:
        print(
            f"{name:<24}{meetings_s * 1000:>11.1f} ms{whole:>11.2f} s"
            f"{before:>8.1f} MiB{after:>7.1f} MiB{pending:>17}"
        )
    print(
        f"\nreminder drift ({len(drift)} reminders due within {WINDOW_SECONDS}s): "
        f"p50 {percentile(drift, 0.5) * 1000:.0f} ms, p99 {percentile(drift, 0.99) * 1000:.0f} ms,"
        f" max {max(drift) * 1000:.0f} ms, mean {statistics.mean(drift) * 1000:.0f} ms"
    )
    print(
        f"reminders posted by {watched:.0f}s after the window: {reminded} "
        f"({reminded / max(watched, 1e-9):.1f}/s over that time); outbox rows sent: {sent}"
    )
    if rate_limits is not None:
        refused = rate_limits.refused
        print(
            f"rate limits enforced: {len(refused)} requests answered 429 "
            f"({len(refused) - refused_before} from the reminders' window on; "
            f"{sum(1 for r in refused if r[2] == 'global')} global), "
            f"busiest second {rate_limits.peak_per_second} requests (global limit "
            f"{rate_limits.global_per_second}), {rate_limits.counted} requests counted"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n", 1)[0],
        epilog=(__doc__ or "").split("\n\n", 2)[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--lead", type=int, default=120, help="seconds until reminders fall due")
    parser.add_argument(
        "--watch", type=int, default=60, help="seconds to watch the posts after the window"
    )
    parser.add_argument(
        "--features",
        choices=("all", "meetings"),
        default="all",
        help="every feature (as python -m bot), or the meetings feature alone",
    )
    parser.add_argument(
        "--no-posts",
        action="store_true",
        help="groups without channels: no announcements or reminder posts (the scheduler alone)",
    )
    parser.add_argument(
        "--no-limits", action="store_true", help="the loopback Discord enforces no rate limit"
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.series,
            args.groups,
            args.lead,
            args.watch,
            None if args.features == "all" else ("meetings",),
            not args.no_posts,
            not args.no_limits,
        )
    )
