"""Mentoring's numbers in `/report programme` (issue 22), through `bot.facts.mentoring`: the
requests, offers, matches, time to match and check-in ratings of the period, and the active
matches today; numbers only, never words nor names."""

from __future__ import annotations

import pytest

from tests.mentoring.conftest import World
from tests.mentoring.test_mentoring import answer, propose

WORDS = "My mentor is lovely, thank you"


@pytest.fixture
def mentoring_features() -> tuple[str, ...]:
    return ("settings", "mentoring", "programme")


async def report(w: World, **options: object) -> dict[tuple[str, str], str]:
    res = await w.slash(w.server.moderator, "report programme", **options)
    assert res.ephemeral
    [data] = [r.file_data["report.csv"] for r in w.fake.requests if "report.csv" in r.file_data][
        -1:
    ]
    text = data.decode()
    assert WORDS not in text and str(w.mentee.id) not in text and str(w.ana.id) not in text
    return {(r[0], r[1]): r[2] for r in (line.split(",") for line in text.splitlines()[1:])}


async def test_the_programme_report_counts_mentoring(world: World) -> None:
    w = world
    await propose(w)  # a request and two offers, both approved; the coordinator confirms Ana
    w.clock.advance(days=2)
    await answer(w, w.mentee, True)
    await answer(w, w.ana, True)  # the match starts two days after the request
    bot = w.runner.bot
    assert bot is not None
    [match_id] = [r["id"] for r in await bot.db.fetchall("SELECT id FROM mentoring_matches")]
    w.clock.advance(days=14)
    await bot.scheduler.get_job(f"mentoring:checkin:{match_id}").func(match_id)  # type: ignore[union-attr]
    await w.runner.idle()
    for user, rating in ((w.mentee, 4), (w.ana, 5)):
        ask = w.dms(user)[-1]
        rate = next(
            c for c in ask.custom_ids() if c.startswith("mentoring:rate:") and f":{rating}:" in c
        )
        assert f"{rating} out of 5" in (await w.fake.click(user, ask, rate)).text
    opened = await w.slash(w.mentee, "mentor note")
    assert opened.modal is not None
    sent = await w.fake.submit_modal(w.mentee, opened, {"words": WORDS})
    assert "went to the coordinator" in sent.text
    await w.runner.idle()
    w.clock.advance(minutes=1)

    table = await report(w, last=1)
    assert {k[1]: v for k, v in table.items() if k[0] == "mentoring"} == {
        "requests for a mentor": "1",
        "offers to mentor": "2",
        "requests for a leader buddy": "0",
        "matches started": "1",
        "matches declined": "0",
        "matches ended": "0",
        "days to match (mean)": "2.00",
        "active matches today": "1",
    }
    ratings = [table["mentoring check-in ratings", str(n)] for n in range(1, 6)]
    assert ratings == ["0", "0", "0", "1", "1"]

    # A period before any of it: nothing counted, but the match is active today.
    table = await report(w, **{"from": "2020-01-01", "to": "2020-01-31"})
    assert table["mentoring", "matches started"] == "0"
    assert table["mentoring", "active matches today"] == "1"
    assert [table["mentoring check-in ratings", str(n)] for n in range(1, 6)] == ["0"] * 5
