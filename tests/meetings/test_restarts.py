"""Restarts and outages: nothing fires twice, nothing is lost, late reminders say so, reminders of
sessions that already started are skipped, and RSVP buttons keep working after a restart."""

from __future__ import annotations

from datetime import UTC, datetime

from cogs.groups.repository import Group
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    Recorder,
    announcements,
    epoch,
    fire_due,
    join,
    make_group,
    meetings,
    person,
    reminders,
    run_until,
    schedule,
    settle,
)


async def scheduled_group(runner: BotRunner, fake: FakeDiscord, server: Server) -> Group:
    leader = person(fake, server, "lena")
    group: Group = await make_group(runner, fake, server, "Caregivers", leader)
    done = await schedule(
        fake,
        server,
        leader,
        group.id,
        title="Weekly circle",
        when="2027-03-02 18:00",
        repeat="weekly",
    )
    assert "is scheduled" in done.text
    await settle(runner)
    return group


async def restart(runner: BotRunner, clock: FakeClock) -> Recorder:
    await runner.stop()
    recorder = Recorder(clock)
    await runner.start(prepare=recorder.attach)
    await settle(runner)
    return recorder


async def test_restart_between_reminder_and_session(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    group = await scheduled_group(runner, fake, server)
    room = group.channel_id
    # Both reminders go out (23:00Z session: 24 h and 1 h before).
    await run_until(runner, clock, datetime(2027, 3, 2, 22, 30, tzinfo=UTC))
    assert len(reminders(fake, room)) == 2

    recorder = await restart(runner, clock)
    # The rebuilt job waits for the session's start; no reminder is sent again.
    assert len(reminders(fake, room)) == 2
    due = await meetings(runner).service.next_due_at()
    assert due == epoch(2027, 3, 2, 23)
    await run_until(runner, clock, datetime(2027, 3, 3, 0, 30, tzinfo=UTC))
    assert [(int(at.timestamp()), o.split(":")[1]) for at, _, o in recorder.started] == [
        (epoch(2027, 3, 2, 23), str(epoch(2027, 3, 2, 23)))
    ]
    assert len(recorder.ended) == 1
    # Another restart after the end: neither event comes again.
    recorder = await restart(runner, clock)
    await fire_due(runner)
    assert recorder.started == [] and recorder.ended == []
    assert len(reminders(fake, room)) == 2
    assert len(announcements(fake, room)) == 2  # the first session's and the next one's


async def test_an_outage_across_reminder_times(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    group = await scheduled_group(runner, fake, server)
    room = group.channel_id
    await runner.stop()
    # Down from before the 24 h reminder (Mar 1 23:00Z) until Mar 2 12:00Z: it comes late.
    clock.now = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
    recorder = Recorder(clock)
    await runner.start(prepare=recorder.attach)
    await settle(runner)
    await fire_due(runner)
    [late] = reminders(fake, room)
    assert "comes late" in late.content and "still on" in late.content
    # Down again across the 1 h reminder and the start: the bot returns during the session.
    await runner.stop()
    clock.now = datetime(2027, 3, 2, 23, 20, tzinfo=UTC)
    recorder = Recorder(clock)
    await runner.start(prepare=recorder.attach)
    await settle(runner)
    await fire_due(runner)
    assert len(reminders(fake, room)) == 1  # the 1 h reminder is skipped: the session started
    # meeting_started still comes, late, because the session is not over.
    assert [o.split(":")[1] for _, _, o in recorder.started] == [str(epoch(2027, 3, 2, 23))]
    session = await meetings(runner).service.repo.session(1)
    assert session is not None
    outcomes = await meetings(runner).service.repo.action_outcomes(session.id)
    assert outcomes == {
        "reminder:1440": "late",
        "reminder:60": "skipped",
        "start": "late",
        "end": None,
    }


async def test_rsvp_buttons_work_after_a_restart(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    group = await scheduled_group(runner, fake, server)
    anna = person(fake, server, "anna")
    await join(fake, server, anna, group.id)
    [post] = announcements(fake, group.channel_id)
    await restart(runner, clock)
    going = next(c for c in post.custom_ids() if c.endswith(":going"))
    result = await fake.click(anna, post, going)
    await result.wait_for(lambda r: bool(r.followups))
    assert "Going: 1" in fake.message(post.id).text
