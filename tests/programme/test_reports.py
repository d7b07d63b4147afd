"""/report group and /report programme (issue 21): a chart and a CSV file, privately; every
number on the chart is in the CSV, and each is what the test did. Who may run them is checked."""

from __future__ import annotations

import csv
import io
import json
import statistics
import struct
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, run_until, schedule, settle
from tests.programme.conftest import prompts, sweep

NEW_YORK = ZoneInfo("America/New_York")
# 18:00 in New York every two weeks, across the change to summer time (14 March).
LOCAL = [datetime(2027, 2, 23, 18, 0, tzinfo=NEW_YORK) + timedelta(weeks=2 * i) for i in range(7)]
SESSIONS = [moment.astimezone(UTC) for moment in LOCAL]


def png_numbers(png: bytes) -> list[list[str]]:
    """The "Numbers" text chunk the chart wrote: the rows it drew."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        body = png[at + 8 : at + 8 + length]
        if kind == b"tEXt" and body.startswith(b"Numbers\x00"):
            return json.loads(body.split(b"\x00", 1)[1].decode("latin-1"))
        at += 12 + length
    raise AssertionError("the chart has no Numbers chunk")


def uploads(fake: FakeDiscord, name: str) -> list[bytes]:
    return [r.file_data[name] for r in fake.requests if name in r.file_data]


async def record(fake: FakeDiscord, leader: User, prompt: Message, came: list[User]) -> None:
    button = next(c for c in prompt.custom_ids() if c.startswith("programme:came:"))
    form = await fake.click(leader, prompt, button)
    await fake.select(leader, form.message, "programme:form:0", [str(u.id) for u in came])
    saved = await fake.click(leader, form.message, "programme:form:save")
    assert f"Saved: {len(came)} " in saved.text


async def test_a_group_report_over_three_months_matches_what_happened(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena = person(fake, s, "lena")
    anna, bea, cai = (person(fake, s, n) for n in ("anna", "bea", "cai"))
    group = await make_group(runner, fake, s, "Survivors", lena)
    for member in (anna, bea):
        await join(fake, s, member, group.id)
    done = await schedule(
        fake, s, lena, group.id, title="Circle", when="2027-02-23 18:00", repeat="biweekly"
    )
    assert "is scheduled" in done.text
    await settle(runner)
    series = await runner.bot.db.fetchval("SELECT id FROM meeting_series")  # type: ignore[union-attr]

    came = {0: [anna, bea], 1: [anna, bea, lena], 3: [anna], 5: [anna, cai, lena], 6: [cai]}
    # Session 2 is skipped by the leader (cancelled); session 4's attendance is skipped.
    for index, start in enumerate(SESSIONS):
        clock.now = max(clock.now, start - timedelta(hours=3))
        await sweep(runner)
        if index == 1:
            await join(fake, s, cai, group.id)
        if index == 2:
            res = await fake.slash(
                lena,
                "meeting skip",
                guild=s.guild,
                channel=s.general,
                options={"series": str(series)},
            )
            assert "is skipped" in res.text
            await settle(runner)
            await sweep(runner)
            continue
        if index == 4:
            res = await fake.slash(
                bea,
                "group leave",
                guild=s.guild,
                channel=s.general,
                options={"group": str(group.id)},
            )
            await runner.idle()
        await run_until(runner, clock, start + timedelta(hours=1, minutes=31))
        prompt = prompts(fake, lena)[-1]
        if index in came:
            await record(fake, lena, prompt, came[index])
        else:
            skip = next(c for c in prompt.custom_ids() if c.startswith("programme:skip:"))
            await fake.click(lena, prompt, skip)
        await sweep(runner)

    clock.now = datetime(2027, 5, 20, 12, 0, tzinfo=UTC)
    res = await fake.slash(
        lena,
        "report group",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "from": "2027-02-20", "to": "2027-05-20"},
    )
    await runner.idle()
    assert res.ephemeral and "6 sessions held, 0 skipped, 1 cancelled" in res.text, res.text
    [data] = uploads(fake, "report.csv")
    [png] = uploads(fake, "report.png")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["section", "item", "value"]
    table = {(r[0], r[1]): r[2] for r in rows[1:]}

    # Sessions, and how many came to each (in New York time), with the trend.
    assert table["sessions", "held"] == "6"
    assert table["sessions", "skipped"] == "0"
    assert table["sessions", "cancelled"] == "1"
    counted = [r for r in rows[1:] if r[0] == "attendance" and r[1] != "trend per session"]
    expected = [(LOCAL[i].strftime("%Y-%m-%d %H:%M"), str(len(came[i]))) for i in sorted(came)]
    assert [(r[1], r[2]) for r in counted] == expected
    slope = statistics.linear_regression(range(len(came)), [len(came[i]) for i in sorted(came)])
    assert table["attendance", "trend per session"] == f"{slope.slope:.2f}"
    # Members: Anna and Bea joined before the period began? No: on its first day; Cai later;
    # Bea left. Lena leads (a leader is not counted as joining).
    assert table["members", "joined"] == "3"
    assert table["members", "left"] == "1"
    # The groups feature says how many waited for a seat (nobody); the features not loaded
    # here offer nothing: "not known", never a made-up zero.
    assert table["members", "waitlisted"] == "0"
    for key in (("agreement", "accepted"), ("cases", "reports"), ("cases", "crisis cases")):
        assert table[key] == ""

    # The chart: every number it drew is in the CSV, row for row.
    drawn = png_numbers(png)
    assert drawn and all(table[(r[0], r[1])] == r[2] for r in drawn)
    assert [
        (r[1], r[2]) for r in drawn if r[0] == "attendance" and r[1] != "trend per session"
    ] == expected
    assert {(r[0], r[1]) for r in drawn} >= {("sessions", "held"), ("members", "left")}
    assert "Anna" not in data.decode() and str(anna.id) not in data.decode()

    # The programme report (a moderator, the server's zone: UTC): the mean of a session by month.
    res = await fake.slash(
        s.moderator,
        "report programme",
        guild=s.guild,
        channel=s.general,
        options={"from": "2027-02-20", "to": "2027-05-20"},
    )
    await runner.idle()
    assert res.ephemeral and "6 sessions held, 0 skipped, 1 cancelled" in res.text, res.text
    data = uploads(fake, "report.csv")[-1].decode()
    rows = list(csv.reader(io.StringIO(data)))
    by_month: dict[str, list[int]] = {}
    for i in sorted(came):
        by_month.setdefault(SESSIONS[i].strftime("%Y-%m"), []).append(len(came[i]))
    means = [(m, f"{sum(v) / len(v):.2f}") for m, v in sorted(by_month.items())]
    assert [(r[1], r[2]) for r in rows if r[0] == "attendance" and r[1][:2] == "20"] == means
    drawn = png_numbers(uploads(fake, "report.png")[-1])
    assert [(r[1], r[2]) for r in drawn if r[0] == "attendance" and r[1][:2] == "20"] == means


async def test_who_may_ask_for_which_report(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna, mia = person(fake, s, "lena"), person(fake, s, "anna"), person(fake, s, "mia2")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await make_group(runner, fake, s, "Caregivers", mia)
    await join(fake, s, anna, group.id)

    async def ask(user: User, command: str, **options: object) -> str:
        res = await fake.slash(user, command, guild=s.guild, channel=s.general, options=options)
        await runner.idle()
        assert res.ephemeral
        return res.text

    survivors = str(group.id)
    assert "Only this group's leaders" in await ask(anna, "report group", group=survivors)
    assert "Only this group's leaders" in await ask(mia, "report group", group=survivors)
    assert "Only moderators" in await ask(lena, "report programme")
    assert "Only moderators" in await ask(anna, "report programme", last=3)
    assert uploads(fake, "report.csv") == []
    text = await ask(lena, "report group", group=survivors, **{"from": "2027-13-01", "to": "x"})
    assert "as a date" in text
    text = await ask(lena, "report group", group=survivors, **{"from": "2027-03-01"})
    assert "both a first and a last day" in text
    text = await ask(
        lena, "report group", group=survivors, **{"from": "2027-03-01", "to": "2027-02-01"}
    )
    assert "comes before" in text
    assert uploads(fake, "report.csv") == []

    await ask(lena, "report group", group=survivors, last=1)
    await ask(s.moderator, "report group", group=survivors)
    await ask(s.moderator, "report programme", last=12)
    await ask(s.admin, "report programme")
    assert len(uploads(fake, "report.csv")) == 4
    assert len(uploads(fake, "report.png")) == 4
