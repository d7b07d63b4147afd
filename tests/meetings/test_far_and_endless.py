"""Dates and lengths of time beyond any calendar get a clear, kind, private refusal, and nothing
is written (issue 19): `/meeting schedule when: 9999-12-31 23:59` (no UTC instant exists for
it), `/meeting settings reminders times: inf` or a number of hundreds of digits."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import make_group, meetings, person, schedule


async def rows(runner: BotRunner, table: str) -> int:
    assert runner.db is not None
    return await runner.db.fetchval(f"SELECT COUNT(*) FROM {table}")


async def test_a_date_at_the_end_of_the_calendar_is_refused_kindly(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    leader = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", leader)
    for when in ("9999-12-31 23:59", "31 Dec 9999 11:59pm", "2029-06-01 18:00"):
        res = await schedule(fake, server, leader, group.id, title="Circle", when=when)
        assert res.ephemeral, res.text
        assert "more than 2 years ahead" in res.text, res.text
        assert "Something went wrong" not in res.text
    assert await rows(runner, "meeting_series") == 0
    assert await rows(runner, "meeting_occurrences") == 0


async def test_endless_reminder_times_are_refused_kindly(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    leader = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", leader)
    before = await meetings(runner).service.repo.group_settings(group.id)
    for times, says in (
        ("inf", "couldn't read"),
        ("nan", "couldn't read"),
        ("9" * 400 + "h", "between 5 minutes and 7 days"),
        ("9" * 400, "between 5 minutes and 7 days"),
        ("1e400m", "couldn't read"),
    ):
        res = await fake.slash(
            leader,
            "meeting settings reminders",
            guild=server.guild,
            channel=server.general,
            options={"group": str(group.id), "times": times},
        )
        assert res.ephemeral, res.text
        assert says in res.text, (times, res.text)
    after = await meetings(runner).service.repo.group_settings(group.id)
    assert after == before
