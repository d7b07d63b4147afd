"""The programme report at scale: 1,000 groups and a year of weekly sessions (52,000 sessions,
with attendance, joins and leaves), built for `/report programme`.

    .venv/bin/python -m benchmarks.programme_report [--groups 1000] [--weeks 52] [--runs 5]

Measured:
- first report after a start: a fresh process (nothing imported yet, as after `python -m bot`)
  starts the bot, waits until it is ready and `--wait` seconds more (a moderator's first command
  shortly after a start), then times one `/report programme last:year` through the real bot
  against the loopback Discord, from the command until the chart and the CSV have been
  uploaded, then a second one (warm). Twice in one run: without the chart's warm-up (before,
  `chart.warm_up` replaced by nothing: matplotlib is imported by the first report) and with it
  (after: matplotlib imported in a worker thread once the bot is ready); the ratio is printed;
- build: the report's numbers from the database (ReportService.build), the CSV and the chart
  (matplotlib, Agg), in process (best and median of `--runs`, the first apart);
- end to end (warm): `/report programme last:year` in this process, best, median and worst.

The programme's tables are filled directly (sqlite3) after the migrations: what is measured is
the report, not how the data got there. The target (issue 21): at most 2 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db import Database
from bot.facts import Facts
from bot.i18n import Translate
from bot.migrate import apply_migrations
from cogs.programme import chart
from cogs.programme.service_reports import ReportService, period_of
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, build_server

NOW = datetime(2027, 12, 31, 12, 0, tzinfo=UTC)


def seed(path: Path, guild_id: int, groups: int, weeks: int) -> int:
    rng = random.Random(21)
    first = NOW - timedelta(weeks=weeks)
    sessions, attendance, membership = [], [], []
    for group in range(1, groups + 1):
        start = first + timedelta(hours=rng.randrange(0, 24 * 7))
        for week in range(weeks):
            at = int((start + timedelta(weeks=week)).timestamp())
            roll = rng.random()
            status = "cancelled" if roll < 0.05 else "skipped" if roll < 0.08 else "held"
            attended = rng.randint(2, 12) if status == "held" and rng.random() < 0.9 else None
            occurrence = f"{group}:{at}"
            sessions.append(
                (
                    guild_id,
                    group,
                    occurrence,
                    at,
                    at + 5400,
                    status,
                    at - 7200,
                    attended,
                    None if attended is None else "recorded",
                )
            )
            for n in range(attended or 0):
                attendance.append((guild_id, occurrence, 10_000 * group + n))
        for n in range(20):
            at = int((first + timedelta(days=rng.randrange(0, weeks * 7))).timestamp())
            membership.append((guild_id, group, 10_000 * group + n, "joined", at))
        for n in range(3):
            at = int((first + timedelta(days=rng.randrange(0, weeks * 7))).timestamp())
            membership.append((guild_id, group, 10_000 * group + n, "left", at))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO programme_sessions (guild_id, group_id, occurrence, starts_at, ends_at, "
            "status, briefed_at, attended, attendance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sessions,
        )
        conn.executemany(
            "INSERT INTO programme_attendance (guild_id, occurrence, user_id, source) "
            "VALUES (?, ?, ?, 'recorded')",
            attendance,
        )
        conn.executemany(
            "INSERT INTO programme_membership (guild_id, group_id, user_id, change, at) "
            "VALUES (?, ?, ?, ?, ?)",
            membership,
        )
    conn.close()
    return len(sessions)


async def build_once(db: Database, guild_id: int) -> float:
    t = Translate("en")
    start = time.perf_counter()
    period = period_of(int(NOW.timestamp()), "UTC", 12, None, None)
    report = await ReportService(db, Facts()).build(guild_id, None, "Hope Circle", period)
    report.csv(t)
    await asyncio.to_thread(chart.draw, report, t)
    return time.perf_counter() - start


async def report_once(fake: FakeDiscord, server: Server) -> float:
    """One `/report programme last:year`, from the command until the CSV is uploaded."""
    before = sum(1 for r in fake.requests if "report.csv" in r.file_data)
    start = time.perf_counter()
    res = await fake.slash(
        server.moderator,
        "report programme",
        guild=server.guild,
        channel=server.general,
        options={"last": 12},
    )
    while sum(1 for r in fake.requests if "report.csv" in r.file_data) == before:
        await asyncio.sleep(0.005)
    assert res.ephemeral
    return time.perf_counter() - start


async def first_after_start(source: Path, warm_up: bool, wait: float) -> dict[str, object]:
    """In a fresh process: start the bot on a copy of the seeded database, wait until it is
    ready and `wait` seconds more, then time the first report and a second one."""
    if not warm_up:
        chart.warm_up = lambda: None  # the cog calls chart.warm_up: before the change
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "first.sqlite3"
        shutil.copy(source, path)
        conn = sqlite3.connect(path)
        with conn:
            for table in ("programme_sessions", "programme_attendance", "programme_membership"):
                conn.execute(f"UPDATE {table} SET guild_id = ?", (server.guild.id,))
        conn.close()
        imported_before = "matplotlib" in sys.modules
        runner = BotRunner(fake, path, FakeClock(NOW), features=("programme",))
        bot = await runner.start()
        await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 30)
            await asyncio.sleep(wait)
            first = await report_once(fake, server)
            second = await report_once(fake, server)
        finally:
            await runner.stop()
            await fake.stop()
    return {"first": first, "second": second, "matplotlib_before_start": imported_before}


def run_child(path: Path, warm_up: bool, wait: float) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.programme_report",
            "--child",
            str(path),
            "--wait",
            str(wait),
            *([] if warm_up else ["--no-warm-up"]),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert not found["matplotlib_before_start"], "matplotlib was imported before the start"
    return found


async def main(groups: int, weeks: int, runs: int, wait: float) -> None:
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await Database.open(path)
        await apply_migrations(db)
        await db.close()
        count = seed(path, server.guild.id, groups, weeks)
        print(f"{groups} groups, {count} sessions over {weeks} weeks")

        before = run_child(path, warm_up=False, wait=wait)
        after = run_child(path, warm_up=True, wait=wait)
        print(
            f"first report after a start ({wait:g} s after ready), end to end: "
            f"before {before['first']:.3f} s (then {before['second']:.3f} s warm), "
            f"after {after['first']:.3f} s (then {after['second']:.3f} s warm); "
            f"after/before {after['first'] / before['first']:.2f}"
        )

        db = await Database.open(path)
        build = [await build_once(db, server.guild.id) for _ in range(runs)]
        await db.close()
        print(
            f"build (numbers, CSV, chart): first {build[0]:.3f} s (matplotlib imported), "
            f"then best {min(build[1:]):.3f} s, median {statistics.median(build[1:]):.3f} s"
        )

        runner = BotRunner(fake, path, FakeClock(NOW), features=("programme",))
        bot = await runner.start()
        await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
        try:
            ends = [await report_once(fake, server) for _ in range(runs)]
            print(
                f"end to end, warm (/report programme): best {min(ends):.3f} s, "
                f"median {statistics.median(ends):.3f} s, worst {max(ends):.3f} s"
            )
        finally:
            await runner.stop()
            await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument(
        "--wait", type=float, default=3.0, help="seconds after ready before the first report"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-warm-up", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        found = asyncio.run(first_after_start(args.child, not args.no_warm_up, args.wait))
        print(json.dumps(found))
    else:
        asyncio.run(main(args.groups, args.weeks, args.runs, args.wait))
