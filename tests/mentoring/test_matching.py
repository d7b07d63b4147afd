"""The scoring: musts filter, wishes weigh double, reasons say what matched, capacity counts;
the fast `suggest` ranks exactly as `score` does, one candidate at a time."""

from __future__ import annotations

import random
from dataclasses import replace

from cogs.mentoring.matching import score, suggest
from cogs.mentoring.model import AGE_BANDS, CANCER_TYPES, CRITERIA, STAGES, Profile

ZONES = ("Europe/London", "Europe/Madrid", "America/New_York", "Asia/Tokyo")


def profile(n: int, **changes: object) -> Profile:
    base = Profile(
        id=n, guild_id=1, user_id=n, kind="mentor", status="approved", role="survivor",
        cancer_type="Breast", stage="early", treatments=frozenset({"chemo"}), age_band="30-44",
        gender="woman", languages=frozenset({"en"}), time_zone="Europe/London",
        musts=frozenset(), wishes=frozenset(), frequency="weekly", words="", capacity=1,
        created_at=n,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_musts_filter_and_wishes_weigh() -> None:
    request = profile(1, kind="mentee", role="patient", musts=frozenset({"cancer"}))
    same = profile(2)
    other = profile(3, cancer_type="Lung")
    assert score(request, other) is None
    found = score(request, same)
    assert found is not None and "cancer" in found.reasons and "language" in found.reasons
    plain = score(replace(request, musts=frozenset()), same)
    wished = score(replace(request, musts=frozenset(), wishes=frozenset({"stage"})), same)
    assert plain is not None and wished is not None and wished.score > plain.score
    assert score(request, profile(4, languages=frozenset({"es"}))) is None  # no shared language
    assert score(replace(request, role="caregiver"), same) is None  # caregivers with caregivers


def test_capacity_counts() -> None:
    request = profile(1, kind="mentee", role="patient")
    mentors = [profile(2, capacity=1), profile(3, capacity=2)]
    found = suggest(request, mentors, busy={2: 1, 3: 1})
    assert [s.profile.user_id for s in found] == [3]


def test_the_fast_ranking_is_the_plain_one() -> None:
    rnd = random.Random(7)
    for _ in range(30):
        request = profile(
            0, kind="mentee", role=rnd.choice(("patient", "caregiver")),
            cancer_type=rnd.choice(CANCER_TYPES), stage=rnd.choice(list(STAGES)),
            age_band=rnd.choice(AGE_BANDS), time_zone=rnd.choice(ZONES),
            musts=frozenset(rnd.sample(list(CRITERIA), rnd.randint(0, 2))),
            wishes=frozenset(rnd.sample(list(CRITERIA), rnd.randint(0, 3))),
        )  # fmt: skip
        mentors = [
            profile(
                n,
                role=rnd.choice(("survivor", "patient", "caregiver")),
                cancer_type=rnd.choice(CANCER_TYPES),
                stage=rnd.choice(list(STAGES)),
                age_band=rnd.choice(AGE_BANDS),
                time_zone=rnd.choice(ZONES),
                languages=frozenset(rnd.sample(["en", "es", "fr"], rnd.randint(1, 2))),
                treatments=frozenset(rnd.sample(["chemo", "surgery", "hormone"], 1)),
                capacity=rnd.randint(1, 2),
            )
            for n in range(1, 200)
        ]
        busy = {m.user_id: rnd.randint(0, 2) for m in mentors}
        fast = suggest(request, mentors, busy=busy)
        plain = [
            s for m in mentors
            if busy[m.user_id] < m.capacity and (s := score(request, m)) is not None
        ]  # fmt: skip
        plain.sort(key=lambda s: (s.score, -s.profile.created_at), reverse=True)
        assert [(s.profile.id, s.score, s.reasons) for s in fast] == [
            (s.profile.id, s.score, s.reasons) for s in plain[:5]
        ]


def test_profiles_are_read_by_position_in_their_own_order() -> None:
    from dataclasses import fields

    from cogs.mentoring.repository import _FIELDS

    assert [f.name for f in fields(Profile)] == [c.strip() for c in _FIELDS.split(",")]
