"""Meetings at scale: 10,000 recurring series across 1,000 groups, against the loopback Discord.

    .venv/bin/python -m benchmarks.meetings_load [--series 10000] [--groups 1000] [--lead 120]

Measured in one run, on one event loop (the fake's own cost is in every figure):
- start-up rebuild: the time the meetings feature's rebuilder takes (cog loaded -> every job
  armed, plus the background materialisation of missing sessions when there are any), and the
  bot's whole start (to ready, with that materialisation done); with an empty meetings table
  (the baseline), on a cold database (no session materialised yet: the first start after the
  series were written, or after a long outage), and warm (every series has its next session:
  an ordinary restart);
- resident memory (VmRSS) before and after each start;
- reminder drift under load: every series' 1-hour reminder falls due within the same ten
  seconds (`--lead` seconds after the series are written); how late each fires (its due action
  claimed) versus its due time, p50 / p99 / max, while the outbox posts the announcements,
  the reminders and the groups' Discord events (`--no-posts`: groups without channels, so
  the scheduler alone is measured).

Groups are an in-memory stand-in directory (the groups feature is not what is measured), each
with its own channel in the fake, in five time zones; the rules mix weekly, every 2 weeks,
monthly on the nth weekday and monthly on a date.
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
from tests.feedback.standin_groups import StandInGroups
from tests.harness import BotRunner, build_server

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC")
KINDS = ("weekly", "biweekly", "monthly_nth", "monthly_date")
WINDOW_SECONDS = 10


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
                start = time.perf_counter()
                await rebuild()
                self.seconds[name] = time.perf_counter() - start

            original(run)

        bot.add_rebuilder = timed_add  # type: ignore[method-assign]

    @property
    def meetings(self) -> float:
        return self.seconds.get("MeetingsCog._rebuild", float("nan"))


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
    """Start the bot; returns it, the whole start's seconds, and RSS before and after."""
    before = rss_mib()
    began = time.perf_counter()
    bot = await runner.start(sync=False, prepare=timed)
    await bot.wait_until_ready()
    cog: Any = bot.get_cog("Meetings")
    if cog.catch_up is not None:  # sessions materialised in the background (cold start)
        began_catch_up = time.perf_counter()
        await cog.catch_up
        timed.seconds["MeetingsCog._rebuild"] += time.perf_counter() - began_catch_up
    return bot, time.perf_counter() - began, before, rss_mib()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(series: int, group_count: int, lead: int, posts: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    groups = StandInGroups()
    for g in range(group_count):
        channel = fake.create_text_channel(server.guild, f"group-{g}") if posts else None
        ref = groups.add(server.guild.id, f"Group {g}", channel_id=channel.id if channel else None)
        groups.groups[ref.id] = replace(ref, timezone=ZONES[g % len(ZONES)])
    rows: list[tuple[str, float, float, float, float, int]] = []
    drift: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        empty = BotRunner(fake, Path(folder) / "empty.sqlite3")
        timed = Timed(groups)
        bot, whole, before, after = await start(empty, timed)
        rows.append(("empty (baseline)", timed.meetings, whole, before, after, 0))
        await empty.stop()

        path = Path(folder) / "bench.sqlite3"
        first_due = datetime.now(UTC) + timedelta(seconds=lead)
        began = time.perf_counter()
        await write_series(path, groups, series, first_due)
        print(f"wrote {series} series in {time.perf_counter() - began:.1f}s")

        runner = BotRunner(fake, path)
        timed = Timed(groups)
        bot, whole, before, after = await start(runner, timed)
        pending = await bot.db.fetchval(
            "SELECT COUNT(*) FROM meeting_actions WHERE done_at IS NULL"
        )
        rows.append(("cold: materialise all", timed.meetings, whole, before, after, pending))
        await runner.stop()

        timed = Timed(groups)
        bot, whole, before, after = await start(runner, timed)
        pending = await bot.db.fetchval(
            "SELECT COUNT(*) FROM meeting_actions WHERE done_at IS NULL"
        )
        rows.append(("warm restart", timed.meetings, whole, before, after, pending))

        cog: Any = bot.get_cog("Meetings")
        repo = cog.service.repo
        claim = repo.claim_action

        async def timed_claim(tx: Any, action: Action, now: int, outcome: str) -> bool:
            if action.action == "reminder:60":
                drift.append(time.time() - action.due_at)
            return await claim(tx, action, now, outcome)

        repo.claim_action = timed_claim
        wait = (first_due - datetime.now(UTC)).total_seconds() + WINDOW_SECONDS
        print(f"waiting {wait:.0f}s for {series} reminders due within {WINDOW_SECONDS}s ...")
        async with asyncio.timeout(wait + 600):
            while len(drift) < series:
                await asyncio.sleep(0.5)
        sent_before = await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
        await runner.stop()
    await fake.stop()

    print()
    print(
        f"{'start-up':<24}{'meetings rebuild':>18}{'whole start':>13}"
        f"{'RSS before':>12}{'RSS after':>11}{'pending actions':>17}"
    )
    base_rebuild, base_whole = rows[0][1], rows[0][2]
    for name, rebuild, whole, before, after, pending in rows:
        print(
            f"{name:<24}{rebuild * 1000:>13.1f} ms{whole:>11.2f} s"
            f"{before:>8.1f} MiB{after:>7.1f} MiB{pending:>17}"
        )
    warm = rows[2]
    print(
        f"\nwarm vs empty: rebuild x{warm[1] / base_rebuild:.1f}, whole start "
        f"x{warm[2] / base_whole:.2f}, RSS +{warm[4] - rows[0][4]:.1f} MiB over the baseline's"
    )
    print(
        f"\nreminder drift ({len(drift)} reminders due within {WINDOW_SECONDS}s): "
        f"p50 {percentile(drift, 0.5) * 1000:.0f} ms, p99 {percentile(drift, 0.99) * 1000:.0f} ms,"
        f" max {max(drift) * 1000:.0f} ms, mean {statistics.mean(drift) * 1000:.0f} ms"
    )
    print(f"outbox rows sent by the end: {sent_before}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--lead", type=int, default=120, help="seconds until reminders fall due")
    parser.add_argument(
        "--no-posts",
        action="store_true",
        help="groups without channels: no announcements or reminder posts (the scheduler alone)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.series, args.groups, args.lead, not args.no_posts))
