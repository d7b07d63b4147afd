"""The suggestions' pools of candidates (cogs/mentoring/pools.py) follow every change of a
profile one profile at a time: after any sequence of offers, approvals, new words, matches and
withdrawals, a service that kept its pools suggests exactly what a fresh one (reading every
profile from the database) suggests."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.db import Database
from bot.outbox import Outbox
from cogs.mentoring.model import AGE_BANDS, CANCER_TYPES, STAGES
from cogs.mentoring.pairing import PairingService
from cogs.mentoring.service import MentoringService

GUILD = 1
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo")


def clock() -> datetime:
    return datetime(2026, 12, 7, 12, tzinfo=UTC)


def form(rnd: random.Random, role: str) -> dict[str, object]:
    return {
        "role": role,
        "cancer_type": rnd.choice(CANCER_TYPES[:3]),
        "stage": rnd.choice(list(STAGES)),
        "treatments": set(rnd.sample(["chemo", "surgery"], 1)),
        "age_band": rnd.choice(AGE_BANDS[:2]),
        "gender": None,
        "languages": set(rnd.sample(["en", "es"], rnd.randint(1, 2))),
        "time_zone": rnd.choice(ZONES),
        "musts": set(),
        "wishes": {"cancer"},
        "frequency": "weekly",
        "capacity": rnd.randint(1, 2),
    }


async def ranked(service: MentoringService, user: int) -> list[tuple[int, float]]:
    _, found = await service.suggest(GUILD, user, top=50)
    return [(s.profile.user_id, s.score) for s in found]


async def test_kept_pools_suggest_what_a_fresh_read_suggests(db: Database) -> None:
    rnd = random.Random(22)
    service = MentoringService(db, clock, Outbox(db, clock))
    pairing = PairingService(service)
    mentees = [1, 2]
    for user in mentees:
        await service.save_profile(GUILD, user, "mentee", **form(rnd, "patient"))
    mentors = list(range(100, 140))
    for user in mentors:
        await service.save_profile(GUILD, user, "mentor", **form(rnd, "survivor"))
        if rnd.random() < 0.7:
            await service.approve(GUILD, user, None, by=9)
    changes = 0
    for step in range(60):
        user = rnd.choice(mentors)
        what = rnd.choice(("form", "approve", "words", "withdraw", "match", "new"))
        if what == "form":
            await service.save_profile(GUILD, user, "mentor", **form(rnd, "survivor"))
        elif what == "approve" and await service.profile(GUILD, user, "mentor"):
            await service.approve(GUILD, user, rnd.randint(1, 2), by=9)
        elif what == "words" and await service.profile(GUILD, user, "mentor"):
            await service.set_words(GUILD, user, "mentor", f"words {step}")
        elif what == "withdraw":
            await pairing.withdraw(GUILD, user)
        elif what == "new":
            mentors.append(1000 + step)
            await service.save_profile(GUILD, 1000 + step, "mentor", **form(rnd, "survivor"))
            await service.approve(GUILD, 1000 + step, None, by=9)
        elif what == "match":
            kept = await ranked(service, mentees[0])
            if kept:  # the mentee is matched (no longer open), then withdraws and asks again
                await pairing.confirm(GUILD, mentees[0], kept[0][0], by=9)
                await pairing.withdraw(GUILD, mentees[0])
                await service.save_profile(GUILD, mentees[0], "mentee", **form(rnd, "patient"))
        changes += 1
        for mentee in mentees:
            kept = await ranked(service, mentee)
            fresh = await ranked(MentoringService(db, clock, Outbox(db, clock)), mentee)
            assert kept == fresh, f"step {step} ({what})"
    assert changes == 60
