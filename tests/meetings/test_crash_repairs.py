"""What the meetings crash-point sweeps (test_crash_points.py, slow) found, checked in the
everyday suite (issue 19):

- a session's Discord event made just before a crash, its id never recorded, is adopted at the
  restart instead of being made a second time;
- a moved session's announcement shows its new time (and a renamed series its new title): the
  message is edited, its RSVP buttons kept;
- a date past the calendar typed to /meeting edit is refused kindly, as /meeting schedule's is.
"""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import ScheduledEvent
from tests.harness import BotRunner, Server
from tests.meetings.conftest import announcements, epoch, meetings, settle
from tests.meetings.test_changes import rsvp_id, setup_series

SCHEDULED, ACTIVE = 1, 2


def live_events(fake: FakeDiscord, server: Server) -> list[ScheduledEvent]:
    return [e for e in fake.scheduled_events(server.guild) if e.status in (SCHEDULED, ACTIVE)]


async def test_an_event_made_before_a_crash_is_adopted_not_made_again(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    _, _, group, _ = await setup_series(runner, fake, server, members=0)
    (event,) = live_events(fake, server)
    # What a crash between Discord's answer and its record leaves: the intent to create, no id.
    assert runner.db is not None
    async with runner.db.transaction() as tx:
        await tx.execute(
            "UPDATE meeting_events SET event_id = NULL, fingerprint = NULL, creating = 1, "
            "dirty = 1, next_try_at = 0 WHERE group_id = :id",
            {"id": group.id},
        )
    await runner.stop()
    await runner.start(sync=False)
    await settle(runner)
    assert live_events(fake, server) == [event]
    state = await meetings(runner).service.repo.event_state(group.id)
    assert state is not None and state.event_id == event.id and not state.creating


async def test_an_intent_without_an_event_makes_one(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    """The crash came before Discord made it: the event is made once at the restart."""
    fake = fake_discord
    _, _, group, _ = await setup_series(runner, fake, server, members=0)
    (event,) = live_events(fake, server)
    assert runner.db is not None
    async with runner.db.transaction() as tx:
        await tx.execute(
            "UPDATE meeting_events SET event_id = NULL, fingerprint = NULL, creating = 1, "
            "dirty = 1, next_try_at = 0 WHERE group_id = :id",
            {"id": group.id},
        )
    del server.guild.scheduled_events[event.id]
    await runner.stop()
    await runner.start(sync=False)
    await settle(runner)
    (made,) = live_events(fake, server)
    state = await meetings(runner).service.repo.event_state(group.id)
    assert state is not None and state.event_id == made.id


async def test_a_moved_session_s_announcement_shows_its_new_time(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    leader, (anna, _), group, post = await setup_series(runner, fake, server)
    old, new = epoch(2027, 3, 2, 23), epoch(2027, 3, 3, 22)
    assert f"<t:{old}:" in post.text
    [series] = await meetings(runner).service.repo.series_of_group(server.guild.id, group.id)
    moved = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={
            "series": str(series.id),
            "session": "2027-03-02T18:00:00",
            "when": "2027-03-03 17:00",
        },
    )
    assert "moved to" in moved.text, moved.text
    await settle(runner)
    (same,) = announcements(fake, group.channel_id)
    assert same.id == post.id
    assert f"<t:{new}:" in same.text and f"<t:{old}:" not in same.text, same.text
    # Its buttons are the session's still, and work.
    assert same.custom_ids() == post.custom_ids()
    answer = await fake.click(anna, same, rsvp_id(same, "going"))
    await answer.wait_for(lambda r: bool(r.followups))
    assert "you're down as going" in answer.followups[-1].text

    # A new title for the whole series: the announcement follows too.
    renamed = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id), "title": "Tuesday circle"},
    )
    assert "is updated" in renamed.text, renamed.text
    await settle(runner)
    (same,) = announcements(fake, group.channel_id)
    assert "Tuesday circle" in same.text and "Going: 1" in same.text, same.text


async def test_a_session_moved_before_its_announcement_s_id_was_known_is_shown_moved(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    """The announcement was posted but the bot stopped before the outbox told the feature its
    id (`on_sent`), and the session was moved meanwhile: at the restart the outbox tells it,
    and the stale announcement is edited then."""
    fake = fake_discord
    leader, _, group, post = await setup_series(runner, fake, server, members=0)
    [series] = await meetings(runner).service.repo.series_of_group(server.guild.id, group.id)
    occurrence = int(rsvp_id(post, "going").split(":")[2])
    assert runner.db is not None
    async with runner.db.transaction() as tx:
        await tx.execute(
            "UPDATE meeting_occurrences SET announcement_id = NULL WHERE id = :id",
            {"id": occurrence},
        )
    moved = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={
            "series": str(series.id),
            "session": "2027-03-02T18:00:00",
            "when": "2027-03-03 17:00",
        },
    )
    assert "moved to" in moved.text, moved.text
    await settle(runner)
    new = f"<t:{epoch(2027, 3, 3, 22)}:"
    assert new not in fake.message(post.id).text  # its id unknown: nothing to edit yet
    # The outbox had not yet told the feature (it tells untold posts at the next start).
    async with runner.db.transaction() as tx:
        await tx.execute("UPDATE outbox SET told_at = NULL WHERE kind = 'meetings.announce'")
    await runner.stop()
    await runner.start(sync=False)
    await settle(runner)
    assert new in fake.message(post.id).text
    assert len(announcements(fake, group.channel_id)) == 1


async def test_a_move_to_the_end_of_the_calendar_is_refused_kindly(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    leader, _, group, post = await setup_series(runner, fake, server, members=0)
    [series] = await meetings(runner).service.repo.series_of_group(server.guild.id, group.id)
    for options in (
        {"session": "2027-03-02T18:00:00", "when": "9999-12-31 23:59"},
        {"when": "9999-12-31 23:59"},
    ):
        res = await fake.slash(
            leader,
            "meeting edit",
            guild=server.guild,
            channel=server.general,
            options={"series": str(series.id), **options},
        )
        assert res.ephemeral and res.text, res
        assert "Something went wrong" not in res.text, res.text
    await settle(runner)
    (same,) = announcements(fake, group.channel_id)
    assert same.text == post.text
    occurrence = int(rsvp_id(post, "going").split(":")[2])
    session = await meetings(runner).service.repo.session(occurrence)
    assert session is not None and session.starts_at == epoch(2027, 3, 2, 23)
