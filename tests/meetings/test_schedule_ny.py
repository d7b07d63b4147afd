"""A leader schedules "the first Tuesday of the month at 12:00" in New York; its reminders,
start and end fire at the right UTC instants across both daylight-saving changes of 2027, and
the group's Discord event follows the next session."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    Recorder,
    announcements,
    epoch,
    make_group,
    meetings,
    person,
    reminders,
    run_until,
    schedule,
    settle,
)

NY = ZoneInfo("America/New_York")


def first_tuesdays_noon(year: int) -> list[int]:
    found = []
    for month in range(1, 13):
        day = next(d for d in range(1, 8) if datetime(year, month, d).weekday() == 1)
        found.append(int(datetime(year, month, day, 12, tzinfo=NY).timestamp()))
    return found


async def test_first_tuesday_in_new_york_across_both_dst_changes(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", leader)
    recorder = Recorder(clock)
    assert runner.bot is not None
    recorder.attach(runner.bot)

    preview = await schedule(
        fake,
        server,
        leader,
        group.id,
        confirm=False,
        title="Monthly check-in",
        when="2027-03-02 12:00",
        repeat="monthly_nth",
    )
    assert preview.ephemeral
    assert "Monthly on the first Tuesday" in preview.text
    # The preview shows the next sessions as Discord timestamps: 17:00Z in winter, 16:00Z after
    # the clocks change on 14 March.
    assert f"<t:{epoch(2027, 3, 2, 17)}:F>" in preview.text
    assert f"<t:{epoch(2027, 4, 6, 16)}:F>" in preview.text
    # Nothing is saved before Confirm.
    assert await meetings(runner).service.repo.series_of_group(server.guild.id, group.id) == []

    done = await fake.click(leader, preview.message, preview.message.custom_ids()[0])
    assert "is scheduled" in done.text
    await settle(runner)
    room = group.channel_id
    assert len(announcements(fake, room)) == 1
    [event] = fake.scheduled_events(server.guild)
    assert event.name == "Monthly check-in"
    assert datetime.fromisoformat(event.scheduled_start_time) == datetime(
        2027, 3, 2, 17, tzinfo=UTC
    )
    assert event.entity_type == 3 and event.entity_metadata["location"].startswith("#")

    fired = await run_until(runner, clock, datetime(2027, 12, 31, tzinfo=UTC))

    expected = [s for s in first_tuesdays_noon(2027) if s >= epoch(2027, 3, 1, 0)]
    assert [int(at.timestamp()) for at, _, _ in recorder.started] == expected
    assert [int(at.timestamp()) for at, _, _ in recorder.ended] == [s + 3600 for s in expected]
    # Each action fired at its own due time: 24 h and 1 h before, at the start, at the end.
    wanted = sorted(t for s in expected for t in (s - 86400, s - 3600, s, s + 3600))
    assert fired == wanted
    # Across both changes: 12:00 New York is 17:00Z in winter and 16:00Z in summer.
    assert epoch(2027, 3, 2, 17) in expected and epoch(2027, 4, 6, 16) in expected
    assert epoch(2027, 11, 2, 16) in expected and epoch(2027, 12, 7, 17) in expected
    # The occurrence names follow bot/events.py: "<series id>:<scheduled start>".
    series_id = recorder.started[0][2].split(":")[0]
    assert [o for _, _, o in recorder.started] == [f"{series_id}:{s}" for s in expected]
    # Two reminders per session, each once, none late.
    posted = reminders(fake, room)
    assert len(posted) == 2 * len(expected)
    assert not any("late" in m.content for m in posted)
    assert all(m.allowed_mentions == {"parse": []} for m in posted)
    # One announcement per session.
    assert len(announcements(fake, room)) == len(expected) + 1  # + January 2028's
    # The server event was advanced to the next session each time.
    live = [e for e in fake.scheduled_events(server.guild) if e.status == 1]
    assert len(live) == 1
    assert datetime.fromisoformat(live[0].scheduled_start_time) == datetime(
        2028, 1, 4, 17, tzinfo=UTC
    )
    completed = [e for e in fake.scheduled_events(server.guild) if e.status == 3]
    assert len(completed) == len(expected)
