"""The anonymous post-session ratings stay in the reports after the feedback feature deleted
their closed polls (30 days): the programme keeps each poll's aggregate once it has closed (how
many answered and how many gave each rating, only where at least k answered, never who)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.feedback.conftest import fire_close, poll_id_of, polls_in, vote
from tests.harness import BotRunner, Server, wait_until
from tests.meetings.conftest import run_until, settle
from tests.programme.conftest import QUESTION, group_with_session_polls, sweep
from tests.programme.test_reports import uploads


@pytest.fixture
def meeting_features() -> tuple[str, ...]:
    return ("groups", "meetings", "programme", "feedback")


async def test_ratings_outlive_their_polls(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    rated = await group_with_session_polls(runner, fake, s)
    lena, (anna, bea, cai, dan), group, room = (
        rated.leader,
        rated.members,
        rated.group,
        rated.room,
    )
    bot = runner.bot
    assert bot is not None

    # The first session's poll: 4 answer (k is 3); the second's: 2 answer, never shown.
    await run_until(runner, clock, datetime(2027, 3, 3, 1, tzinfo=UTC))
    await wait_until(lambda: any(QUESTION in m.text for m in polls_in(fake, room)))
    poll = [m for m in polls_in(fake, room) if QUESTION in m.text][-1]
    for voter, score in zip((anna, bea, cai, dan), (5, 4, 4, 2), strict=True):
        await vote(fake, voter, poll, score)
    clock.now = datetime(2027, 3, 3, 13, tzinfo=UTC)
    await fire_close(bot, poll_id_of(poll))
    await settle(runner)
    await sweep(runner)  # the programme's sweep keeps what closed
    await run_until(runner, clock, datetime(2027, 3, 10, 1, tzinfo=UTC))
    second = [m for m in polls_in(fake, room) if QUESTION in m.text][-1]
    for voter in (anna, bea):
        await vote(fake, voter, second, 1)
    clock.now = datetime(2027, 3, 10, 13, tzinfo=UTC)
    await fire_close(bot, poll_id_of(second))
    await settle(runner)
    await sweep(runner)

    rows = await bot.db.fetchall(
        "SELECT group_id, answered, mean, rated_1, rated_2, rated_3, rated_4, rated_5 "
        "FROM programme_ratings"
    )
    assert [tuple(r) for r in rows] == [(group.id, 4, 3.75, 0, 1, 0, 2, 1)]

    # Forty days on, the feedback feature has deleted both polls; the report still shows the
    # first one's rating, and never the second's.
    clock.now += timedelta(days=40)
    await bot.get_cog("Feedback").polls.prune()  # type: ignore[union-attr]
    assert await bot.db.fetchval("SELECT COUNT(*) FROM polls") == 0
    for command, who, options, closed in (
        ("report group", lena, {"group": str(group.id)}, "2027-03-03 08:00"),  # New York
        ("report programme", s.moderator, {}, "2027-03-03 13:00"),  # the server's zone, UTC
    ):
        res = await fake.slash(
            who,
            command,
            guild=s.guild,
            channel=s.general,
            options={**options, "from": "2027-03-01", "to": "2027-03-31"},
        )
        await runner.idle()
        assert res.ephemeral
        data = uploads(fake, "report.csv")[-1].decode()
        table = [line.split(",") for line in data.strip().splitlines()[1:]]
        shown = [(r[1], r[2]) for r in table if r[0] == "ratings" and r[1][:2] == "20"]
        assert shown == [(closed, "3.75")], command
        assert [r[2] for r in table if r[0] == "ratings answered"] == ["4"], command
