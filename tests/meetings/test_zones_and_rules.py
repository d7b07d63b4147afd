"""Rules and zones: a fifth-Thursday series skips months without one; groups in Sydney and London
meet at their own local time across their own daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    Recorder,
    epoch,
    make_group,
    meetings,
    person,
    run_until,
    schedule,
)


async def test_fifth_thursday_skips_months_without_one(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Survivors", leader)
    preview = await schedule(
        fake,
        server,
        leader,
        group.id,
        confirm=False,
        title="Fifth Thursday social",
        when="2027-04-29 18:00",
        repeat="monthly_nth",
        week=5,
    )
    assert "months without a fifth Thursday are skipped" in preview.text
    # 2027's fifth Thursdays: Apr 29, Jul 29, Sep 30, Dec 30 (18:00 EDT = 22:00Z, EST = 23:00Z).
    for at in (
        epoch(2027, 4, 29, 22),
        epoch(2027, 7, 29, 22),
        epoch(2027, 9, 30, 22),
        epoch(2027, 12, 30, 23),
    ):
        assert f"<t:{at}:F>" in preview.text
    assert f"<t:{epoch(2027, 5, 27, 22)}:F>" not in preview.text  # May has four
    await fake.click(leader, preview.message, preview.message.custom_ids()[0])

    recorder = Recorder(clock)
    assert runner.bot is not None
    recorder.attach(runner.bot)
    await run_until(runner, clock, datetime(2027, 12, 31, tzinfo=UTC))
    assert [int(at.timestamp()) for at, _, _ in recorder.started] == [
        epoch(2027, 4, 29, 22),
        epoch(2027, 7, 29, 22),
        epoch(2027, 9, 30, 22),
        epoch(2027, 12, 30, 23),
    ]


async def test_groups_in_sydney_and_london_keep_their_local_time(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader = person(fake, server, "lena")
    sydney = await make_group(runner, fake, server, "Sydney", leader, timezone="Australia/Sydney")
    london = await make_group(runner, fake, server, "London", leader, timezone="Europe/London")
    # Sydney leaves daylight time on 2027-04-04; London enters it on 2027-03-28.
    done = await schedule(
        fake,
        server,
        leader,
        sydney.id,
        title="Evening circle",
        when="2027-03-23 19:00",
        repeat="weekly",
    )
    assert "is scheduled" in done.text
    done = await schedule(
        fake,
        server,
        leader,
        london.id,
        title="After work",
        when="2027-03-17 18:30",
        repeat="weekly",
        minutes=90,
    )
    assert "is scheduled" in done.text
    recorder = Recorder(clock)
    assert runner.bot is not None
    recorder.attach(runner.bot)
    await run_until(runner, clock, datetime(2027, 4, 15, tzinfo=UTC))

    started = {
        g: [int(at.timestamp()) for at, gid, _ in recorder.started if gid == g]
        for g in (sydney.id, london.id)
    }
    # 19:00 AEDT (UTC+11) = 08:00Z, then 19:00 AEST (UTC+10) = 09:00Z.
    assert started[sydney.id] == [
        epoch(2027, 3, 23, 8),
        epoch(2027, 3, 30, 8),
        epoch(2027, 4, 6, 9),
        epoch(2027, 4, 13, 9),
    ]
    # 18:30 GMT = 18:30Z, then 18:30 BST = 17:30Z.
    assert started[london.id] == [
        epoch(2027, 3, 17, 18, 30),
        epoch(2027, 3, 24, 18, 30),
        epoch(2027, 3, 31, 17, 30),
        epoch(2027, 4, 7, 17, 30),
        epoch(2027, 4, 14, 17, 30),
    ]
    ended_london = [int(at.timestamp()) for at, gid, _ in recorder.ended if gid == london.id]
    assert ended_london[:2] == [epoch(2027, 3, 17, 20), epoch(2027, 3, 24, 20)]


async def test_a_spring_forward_time_is_explained_in_the_preview(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    leader = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Night owls", leader)
    preview = await schedule(
        fake,
        server,
        leader,
        group.id,
        confirm=False,
        title="Late call",
        when="2027-03-07 02:30",
        repeat="weekly",
    )
    # 02:30 on 14 March does not exist in New York: that session is at 03:30 EDT (07:30Z).
    assert "does not exist" in preview.text
    assert f"<t:{epoch(2027, 3, 14, 7, 30)}:F>" in preview.text
    assert await meetings(runner).service.repo.series_of_group(server.guild.id, group.id) == []
