"""The programme report at scale: 1,000 groups and a year of weekly sessions (52,000 sessions,
with attendance, joins and leaves), built for `/report programme`.

    .venv/bin/python -m benchmarks.programme_report [--groups 1000] [--weeks 52] [--runs 5]

Measured (best and median of `--runs`):
- build: the report's numbers from the database (ReportService.build), the CSV and the chart
  (matplotlib, Agg), in process;
- end to end: a moderator's `/report programme last:year` through the real bot against the
  loopback Discord, from the command until the chart and the CSV have been uploaded.

The programme's tables are filled directly (sqlite3) after the migrations: what is measured is
the report, not how the data got there. The target (issue 21): at most 2 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db import Database
from bot.facts import Facts
from bot.i18n import Translate
from bot.migrate import apply_migrations
from cogs.programme.chart import draw
from cogs.programme.service_reports import ReportService, period_of
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, build_server

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
    await asyncio.to_thread(draw, report, t)
    return time.perf_counter() - start


async def main(groups: int, weeks: int, runs: int) -> None:
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
            ends = []
            for _ in range(runs):
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
                ends.append(time.perf_counter() - start)
                assert res.ephemeral
            print(
                f"end to end (/report programme): best {min(ends):.3f} s, "
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
    args = parser.parse_args()
    asyncio.run(main(args.groups, args.weeks, args.runs))
