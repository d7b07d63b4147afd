"""The scheduler's side: the `meetings:due` job re-arms itself at the next due row and earlier
when a nearer session is scheduled (driven through APScheduler's own job objects on the test's
clock); stopping the bot while a job runs is quiet and loses nothing; a group's new time zone
keeps its sessions' local time and tells the people concerned."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.client import Bot
from cogs.meetings.cog import DUE_JOB, ZONES_JOB
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, wait_until
from tests.meetings.conftest import (
    Recorder,
    channel_messages,
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


def running(runner: BotRunner) -> Bot:
    assert runner.bot is not None
    return runner.bot


def armed_at(runner: BotRunner) -> datetime | None:
    """When APScheduler will next run the due job (None: no job)."""
    job = running(runner).scheduler.get_job(DUE_JOB)
    return None if job is None else job.next_run_time


async def run_job_at_its_time(runner: BotRunner, clock: FakeClock) -> None:
    """What APScheduler does when the job's time comes: the clock moves there, the job runs."""
    job = running(runner).scheduler.get_job(DUE_JOB)
    assert job is not None and job.next_run_time is not None
    clock.now = job.next_run_time
    await job.func(*job.args, **job.kwargs)
    await settle(runner)


async def series_id(runner: BotRunner, server: Server, group_id: int, title: str) -> int:
    found = await meetings(runner).service.repo.series_of_group(server.guild.id, group_id)
    return next(s.id for s in found if s.title == title)


async def test_the_due_job_rearms_at_the_next_due_row_and_earlier_for_a_nearer_session(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    leader = person(fake, s, "lena")
    group = await make_group(runner, fake, s, "Caregivers", leader)
    done = await schedule(
        fake, s, leader, group.id, title="Weekly circle", when="2027-03-02 18:00", repeat="weekly"
    )
    assert "is scheduled" in done.text
    await settle(runner)
    # The session is at 23:00Z on 2 March: the job sleeps until its 24 h reminder.
    assert armed_at(runner) == datetime(2027, 3, 1, 23, tzinfo=UTC)

    await run_job_at_its_time(runner, clock)
    assert len(reminders(fake, group.channel_id)) == 1
    # Re-armed by the run itself at the next due row: the 1 h reminder.
    assert armed_at(runner) == datetime(2027, 3, 2, 22, tzinfo=UTC)

    # A nearer session (9:00 New York = 14:00Z; its 24 h reminder has passed) re-arms it
    # earlier: at that session's 1 h reminder.
    done = await schedule(
        fake, s, leader, group.id, title="Morning check-in", when="2027-03-02 09:00"
    )
    assert "is scheduled" in done.text
    await settle(runner)
    assert armed_at(runner) == datetime(2027, 3, 2, 13, tzinfo=UTC)

    # Cancelling it puts the job back on the weekly session's reminder.
    morning = await series_id(runner, s, group.id, "Morning check-in")
    cancelled = await fake.slash(
        leader,
        "meeting cancel",
        guild=s.guild,
        channel=s.general,
        options={"series": str(morning)},
    )
    assert "is cancelled" in cancelled.text
    await settle(runner)
    assert armed_at(runner) == datetime(2027, 3, 2, 22, tzinfo=UTC)

    # Then start, end (which plans the next session), and its first reminder, in turn.
    await run_job_at_its_time(runner, clock)
    assert armed_at(runner) == datetime(2027, 3, 2, 23, tzinfo=UTC)
    await run_job_at_its_time(runner, clock)
    assert armed_at(runner) == datetime(2027, 3, 3, 0, tzinfo=UTC)
    await run_job_at_its_time(runner, clock)
    assert armed_at(runner) == datetime(2027, 3, 8, 23, tzinfo=UTC)
    assert len(reminders(fake, group.channel_id)) == 2

    # Nothing left to do: no job.
    weekly = await series_id(runner, s, group.id, "Weekly circle")
    await fake.slash(
        leader, "meeting cancel", guild=s.guild, channel=s.general, options={"series": str(weekly)}
    )
    await settle(runner)
    assert armed_at(runner) is None


async def test_stopping_while_the_due_job_runs_is_quiet_and_loses_nothing(
    runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, s = fake_discord, server
    leader = person(fake, s, "lena")
    group = await make_group(runner, fake, s, "Caregivers", leader)
    await schedule(fake, s, leader, group.id, title="Circle", when="2027-03-02 18:00")
    await settle(runner)
    bot, db = running(runner), runner.db
    assert db is not None
    caplog.set_level(logging.INFO)

    def logged(needle: str) -> bool:
        return any(needle in r.getMessage() and "run_due" in r.getMessage() for r in caplog.records)

    clock.now = datetime(2027, 3, 1, 23, 0, tzinfo=UTC)  # the 24 h reminder is due
    async with db.transaction():
        # APScheduler starts the job now; it waits for the database, held here.
        bot.scheduler.modify_job(DUE_JOB, next_run_time=datetime.now(UTC))
        await wait_until(lambda: logged("Running job"))
        # The bot stops (Bot.close shuts the scheduler down): the running job is cancelled.
        bot.scheduler.shutdown(wait=False)
    await wait_until(lambda: logged("executed successfully"))
    await runner.stop()
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == [], [f"{r.name}: {r.getMessage()}" for r in noisy]

    # Nothing was lost: at the next start the reminder goes out, once.
    await runner.start(sync=False)
    await settle(runner)
    await fire_due(runner)
    assert len(reminders(fake, group.channel_id)) == 1


async def test_a_new_time_zone_keeps_local_times_and_tells_those_concerned(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    leader, anna, bea = person(fake, s, "lena"), person(fake, s, "anna"), person(fake, s, "bea")
    group = await make_group(runner, fake, s, "Caregivers", leader)
    for user in (anna, bea):
        await join(fake, s, user, group.id)
    await schedule(
        fake, s, leader, group.id, title="Weekly circle", when="2027-03-02 18:00", repeat="weekly"
    )
    await settle(runner)
    post = next(m for m in channel_messages(fake, group.channel_id) if m.custom_ids())
    going = next(c for c in post.custom_ids() if c.endswith(":going"))
    await fake.click(anna, post, going)

    # The leader corrects the group's zone: the group really meets in Chicago.
    edited = await fake.slash(
        leader,
        "group edit",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "timezone": "America/Chicago"},
    )
    assert "is updated" in edited.text
    # The groups feature announces the edit (group_updated): the series follows at once.
    repo = meetings(runner).service.repo

    async def zones() -> list[str]:
        return [x.zone for x in await repo.series_of_group(s.guild.id, group.id)]

    await runner.idle()  # the group_updated listener has run
    assert await zones() == ["America/Chicago"]
    await settle(runner)
    # The periodic check (for a change made while the bot was away) finds nothing more to do.
    job = running(runner).scheduler.get_job(ZONES_JOB)
    assert job is not None
    await job.func(*job.args, **job.kwargs)
    await settle(runner)

    # 18:00 stays 18:00, now in Chicago (CST, UTC-6): 00:00Z the next day.
    [series] = await repo.series_of_group(s.guild.id, group.id)
    assert series.zone == "America/Chicago"
    session = await repo.upcoming_of_series(series.id)
    assert session is not None and session.starts_at == epoch(2027, 3, 3, 0)
    new, old = f"<t:{epoch(2027, 3, 3, 0)}:F>", f"<t:{epoch(2027, 3, 2, 23)}:F>"
    [told] = [m for m in fake.dm_messages(anna) if "America/Chicago" in m.text]
    assert new in told.text and old in told.text
    assert [m for m in fake.dm_messages(bea) if "America/Chicago" in m.text] == []
    [leader_told] = [m for m in fake.dm_messages(leader) if "America/Chicago" in m.text]
    assert new in leader_told.text and "/meeting edit" in leader_told.text
    assert any(new in m.text for m in channel_messages(fake, group.channel_id))
    # Reminders, the Discord event and the sessions follow, across Chicago's own DST change.
    assert armed_at(runner) == datetime(2027, 3, 2, 0, tzinfo=UTC)
    [event] = [e for e in fake.scheduled_events(s.guild) if e.status == 1]
    assert datetime.fromisoformat(event.scheduled_start_time) == datetime(2027, 3, 3, tzinfo=UTC)
    recorder = Recorder(clock)
    recorder.attach(running(runner))
    await run_until(runner, clock, datetime(2027, 3, 17, 1, tzinfo=UTC))
    assert [int(at.timestamp()) for at, _, _ in recorder.started] == [
        epoch(2027, 3, 3, 0),  # 18:00 CST
        epoch(2027, 3, 10, 0),  # 18:00 CST
        epoch(2027, 3, 16, 23),  # 18:00 CDT, after 14 March
    ]
    # Checking again changes nothing and tells nobody twice.
    await job.func(*job.args, **job.kwargs)
    await settle(runner)
    assert len([m for m in fake.dm_messages(leader) if "America/Chicago" in m.text]) == 1
