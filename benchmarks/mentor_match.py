"""Suggestions for one mentoring request among 10,000 approved mentors (issue 22: <= 50 ms).

    PYTHONPATH=. .venv/bin/python -m benchmarks.mentor_match [--mentors 10000] [--runs 30]

A fresh database with the real migrations, 10,000 random approved mentors (some at capacity),
one request; times `MentoringService.suggest` end to end (the approved mentors, kept in memory
and changed one profile at a time (cogs/mentoring/pools.py); their current load, read each
time; the scoring and the top five), in these cases:
- warm: nothing changed since the last suggestion;
- after a change, incremental: one mentor's profile was just changed (new words, or a new form),
  and the suggestion re-reads that profile only (what the bot does);
- after a change, rebuilt: the same, with every pool read afresh (what the bot did before:
  every write to a profile forgot the pools), for the ratio of the two in the same run;
- cold: a fresh service (every mentor read from the database);
and the scoring alone. Prints the median and the worst of the runs, in milliseconds."""

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
        incremental, rebuilt = [], []
        cpu_after: dict[bool, list[float]] = {False: [], True: []}
        await service.suggest(GUILD, 1)
        for run in range(runs):
            for after, forget in ((incremental, False), (rebuilt, True)):
                mentor = 1000 + rnd.randrange(mentors)
                if run % 2:
                    await service.set_words(GUILD, mentor, "mentor", f"changed {run}")
                else:
                    profile = await service.profile(GUILD, mentor, "mentor")
                    assert profile is not None
                    await service.save_profile(
                        GUILD,
                        mentor,
                        "mentor",
                        role=profile.role,
                        cancer_type=profile.cancer_type,
                        stage=rnd.choice(list(STAGES)),
                        treatments=profile.treatments,
                        age_band=profile.age_band,
                        gender=profile.gender,
                        languages=profile.languages,
                        time_zone=profile.time_zone,
                        musts=set(),
                        wishes=set(),
                        frequency="weekly",
                        capacity=profile.capacity,
                    )
                if forget:
                    service.repo.pools.forget()  # as every write did before
                started, used = time.perf_counter(), time.process_time()
                await service.suggest(GUILD, 1)
                after.append((time.perf_counter() - started) * 1000)
                cpu_after[forget].append((time.process_time() - used) * 1000)
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
    ratio = statistics.median(incremental) / statistics.median(rebuilt)
    print(
        f"suggest after a profile change, rebuilt (before): median "
        f"{statistics.median(rebuilt):.1f} ms, worst {max(rebuilt):.1f} ms"
    )
    print(
        f"suggest after a profile change, incremental (after): median "
        f"{statistics.median(incremental):.1f} ms, worst {max(incremental):.1f} ms; "
        f"after/before {ratio:.3f}"
    )
    print(
        f"  the same in CPU time: rebuilt median {statistics.median(cpu_after[True]):.1f} ms, "
        f"incremental median {statistics.median(cpu_after[False]):.1f} ms"
    )
    print(
        f"suggest, end to end (warm): median {statistics.median(end_to_end):.1f} ms, "
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
