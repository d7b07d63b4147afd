"""Suggestions for one mentoring request among 10,000 approved mentors (issue 22: <= 50 ms).

    PYTHONPATH=. .venv/bin/python -m benchmarks.mentor_match [--mentors 10000] [--runs 30]

A fresh database with the real migrations, 10,000 random approved mentors (some at capacity),
one request; times `MentoringService.suggest` end to end (the approved mentors, remembered
after the first read until a profile changes; their current load, read each time; the scoring
and the top five), the same on a fresh service (every mentor read from the database), and the
scoring alone. Prints the median and
the worst of the runs, in milliseconds."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.db import Database
from bot.migrate import apply_migrations
from bot.outbox import Outbox
from cogs.mentoring import matching
from cogs.mentoring.model import AGE_BANDS, CANCER_TYPES, GENDERS, LANGUAGES, STAGES
from cogs.mentoring.service import MentoringService

GUILD = 1
ZONES = ("Europe/London", "Europe/Madrid", "America/New_York", "America/Los_Angeles", "Asia/Tokyo")
TREATMENTS = ("surgery", "chemo", "radiotherapy", "hormone", "immunotherapy")


def clock() -> datetime:
    return datetime(2026, 12, 7, 12, tzinfo=UTC)


async def fill(db: Database, mentors: int, rnd: random.Random) -> None:
    async with db.transaction() as tx:
        for n in range(mentors):
            await tx.execute(
                "INSERT INTO mentoring_profiles (guild_id, user_id, kind, status, role, "
                "cancer_type, stage, treatments, age_band, gender, languages, time_zone, musts, "
                "wishes, frequency, words, capacity, created_at) VALUES (:g, :u, 'mentor', "
                "'approved', :role, :cancer, :stage, :treat, :age, :gender, :langs, :zone, '', "
                "'', 'weekly', '', :cap, :at)",
                {
                    "g": GUILD,
                    "u": 1000 + n,
                    "role": rnd.choice(("survivor", "survivor", "patient", "caregiver")),
                    "cancer": rnd.choice(CANCER_TYPES),
                    "stage": rnd.choice(list(STAGES)),
                    "treat": ",".join(rnd.sample(TREATMENTS, rnd.randint(1, 3))),
                    "age": rnd.choice(AGE_BANDS),
                    "gender": rnd.choice(list(GENDERS)),
                    "langs": ",".join(rnd.sample(list(LANGUAGES), rnd.randint(1, 2))),
                    "zone": rnd.choice(ZONES),
                    "cap": rnd.randint(1, 3),
                    "at": n,
                },
            )
        for n in range(0, mentors, 7):  # every seventh mentor has a mentee already
            await tx.execute(
                "INSERT INTO mentoring_matches (guild_id, kind, mentee_id, mentor_id, status, "
                "confirmed_by, requested_at, confirmed_at) VALUES (:g, 'mentor', :m, :u, "
                "'active', 1, 0, 0)",
                {"g": GUILD, "m": 10_000_000 + n, "u": 1000 + n},
            )


async def main(mentors: int, runs: int) -> None:
    rnd = random.Random(22)
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        await apply_migrations(db)
        await fill(db, mentors, rnd)
        service = MentoringService(db, clock, Outbox(db, clock))
        await service.save_profile(
            GUILD,
            1,
            "mentee",
            role="patient",
            cancer_type="Breast",
            stage="early",
            treatments={"chemo"},
            age_band="30-44",
            gender="woman",
            languages={"en"},
            time_zone="Europe/London",
            musts={"language"},
            wishes={"cancer", "stage"},
            frequency="weekly",
        )
        end_to_end, cold, scoring, cpu = [], [], [], []
        for _ in range(runs):
            fresh = MentoringService(db, clock, Outbox(db, clock))  # nothing remembered yet
            started = time.perf_counter()
            await fresh.suggest(GUILD, 1)
            cold.append((time.perf_counter() - started) * 1000)
            started, used = time.perf_counter(), time.process_time()
            request, found = await service.suggest(GUILD, 1)
            end_to_end.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
            pool = await service.repo.candidates(GUILD, "mentor", "approved")
            busy = await service.repo.busy(GUILD)
            started = time.perf_counter()
            matching.suggest(request, pool, busy=busy)
            scoring.append((time.perf_counter() - started) * 1000)
        assert len(found) == 5
        await db.close()
    print(f"mentors: {mentors}, runs: {runs}")
    print(
        f"suggest, cold (every mentor read from the database): median "
        f"{statistics.median(cold):.1f} ms, worst {max(cold):.1f} ms"
    )
    print(
        f"suggest, end to end: median {statistics.median(end_to_end):.1f} ms, "
        f"worst {max(end_to_end):.1f} ms"
    )
    print(
        f"suggest, end to end, CPU time of this process (less hurt by a busy machine): "
        f"median {statistics.median(cpu):.1f} ms, worst {max(cpu):.1f} ms"
    )
    print(
        f"scoring alone:       median {statistics.median(scoring):.1f} ms, "
        f"worst {max(scoring):.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.mentors, args.runs))
