"""What the other features tell the programme (bot/facts.py), from the REAL features: the
confidentiality feature's members who have not accepted, the moderation feature's open report,
the escalation feature's moderator on duty and crisis case (counted, never its words), the
feedback feature's post-session ratings (shown only where at least k answered)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.feedback.conftest import fire_close, poll_id_of, polls_in, vote
from tests.harness import BotRunner, Server, wait_until
from tests.meetings.conftest import run_until, settle
from tests.programme.conftest import QUESTION, briefings, group_with_session_polls, sweep
from tests.programme.test_reports import uploads

CRISIS_WORDS = "I just want to kill myself"
REPORTED_WORDS = "Stop your chemo, turmeric cures it"


@pytest.fixture
def meeting_features() -> tuple[str, ...]:
    return (
        "groups",
        "meetings",
        "programme",
        "confidentiality",
        "moderation",
        "escalation",
        "feedback",
        "settings",
    )


async def test_briefing_and_report_from_the_real_features(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    res = await fake.slash(
        s.admin,
        "setup escalation-channel",
        guild=s.guild,
        channel=s.general,
        options={"channel": s.private.id},
    )
    assert res.ephemeral, res.text
    rated = await group_with_session_polls(runner, fake, s)
    lena, (anna, bea, cai, dan), group, room = (
        rated.leader,
        rated.members,
        rated.group,
        rated.room,
    )

    clock.now = datetime(2027, 3, 2, 21, 30, tzinfo=UTC)
    # The moderation feature: a message in the group's room reported, still open.
    bad = await fake.send_message(dan, room, REPORTED_WORDS)
    opened = await fake.message_command(anna, "Report to moderators", bad)
    assert opened.modal is not None
    assert (await fake.submit_modal(anna, opened, {})).ephemeral
    # The escalation feature: a crisis in the group's room; the moderator goes on duty.
    await fake.send_message(cai, room, CRISIS_WORDS)
    await wait_until(lambda: len(fake.dm_messages(cai)) >= 1)
    on = await fake.slash(
        s.moderator, "duty on", guild=s.guild, channel=s.general, options={"for": "8h"}
    )
    assert on.ephemeral, on.text
    await settle(runner)

    # The moderation feature's guidelines: the server's, at version 2.
    for body in ("Be kind.", "Be kind. Listen first."):
        opened = await fake.slash(s.moderator, "guidelines set", guild=s.guild, channel=s.general)
        assert opened.modal is not None, opened.text
        await fake.submit_modal(s.moderator, opened, {"body": body})
    await settle(runner)

    assert await sweep(runner) == 1
    [brief] = briefings(fake, lena)
    assert "Guidelines: version 2." in brief.content
    text = brief.content
    # The confidentiality feature: the leader who made the group never accepted it.
    assert f"Not yet accepted the current agreement: <@{lena.id}>." in text
    assert f"Moderators on duty during the session: <@{s.moderator.id}>." in text
    assert "1 open report in the group." in text
    assert CRISIS_WORDS not in text and REPORTED_WORDS not in text

    # The feedback feature: each session's poll; 3 answer the first (k is 3), 2 the second.
    await run_until(runner, clock, datetime(2027, 3, 3, 1, tzinfo=UTC))
    await wait_until(lambda: any(QUESTION in m.text for m in polls_in(fake, room)))
    poll = [m for m in polls_in(fake, room) if QUESTION in m.text][-1]
    for voter, score in zip((anna, bea, cai), (5, 4, 3), strict=True):
        await vote(fake, voter, poll, score)
    assert runner.bot is not None
    clock.now = datetime(2027, 3, 3, 13, tzinfo=UTC)  # the poll was open 12 hours
    await fire_close(runner.bot, poll_id_of(poll))
    await settle(runner)
    await run_until(runner, clock, datetime(2027, 3, 10, 1, tzinfo=UTC))
    polls = [m for m in polls_in(fake, room) if QUESTION in m.text]
    assert len(polls) == 2
    for voter, score in zip((anna, bea), (1, 1), strict=True):
        await vote(fake, voter, polls[1], score)
    clock.now = datetime(2027, 3, 10, 13, tzinfo=UTC)
    await fire_close(runner.bot, poll_id_of(polls[1]))
    await settle(runner)

    res = await fake.slash(
        lena,
        "report group",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "from": "2027-03-01", "to": "2027-03-31"},
    )
    await runner.idle()
    assert res.ephemeral
    [data] = uploads(fake, "report.csv")
    csv = data.decode()
    rows = [line.split(",") for line in csv.strip().splitlines()[1:]]
    table = {(r[0], r[1]): r[2] for r in rows}
    assert (table["cases", "reports"], table["cases", "crisis cases"]) == ("1", "1")
    assert table["ratings", "k (fewest answers shown)"] == "3"
    shown = [r[2] for r in rows if r[0] == "ratings" and r[1].startswith("2027")]
    assert shown == ["4.00"]  # the second poll (2 answers) is never shown
    assert CRISIS_WORDS not in csv and REPORTED_WORDS not in csv and str(cai.id) not in csv

    # The programme report (a moderator): the same counts and ratings, server-wide.
    res = await fake.slash(
        s.moderator,
        "report programme",
        guild=s.guild,
        channel=s.general,
        options={"from": "2027-03-01", "to": "2027-03-31"},
    )
    await runner.idle()
    assert res.ephemeral
    data = uploads(fake, "report.csv")[-1].decode()
    rows = [line.split(",") for line in data.strip().splitlines()[1:]]
    table = {(r[0], r[1]): r[2] for r in rows}
    assert (table["cases", "reports"], table["cases", "crisis cases"]) == ("1", "1")
    assert [(r[1], r[2]) for r in rows if r[0] == "ratings" and r[1][:2] == "20"] == [
        ("2027-03-03 13:00", "4.00")  # the second session's poll: 2 answered, fewer than k
    ]
    assert CRISIS_WORDS not in data and REPORTED_WORDS not in data and str(cai.id) not in data
