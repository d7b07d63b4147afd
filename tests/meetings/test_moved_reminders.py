"""A session moved after its 24-hour reminder went out gets its reminders for the new time
(issue 19); the group is told of the move once, and nothing is reminded twice for one time."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import epoch, meetings, reminders, run_until, settle
from tests.meetings.test_changes import setup_series


async def test_a_session_moved_after_its_reminder_is_reminded_for_its_new_time(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader, _, group, _ = await setup_series(runner, fake, server)
    old, new = epoch(2027, 3, 2, 23), epoch(2027, 3, 4, 23)  # 18:00 in New York
    # The day before: its 24-hour reminder goes out.
    await run_until(runner, clock, datetime(2027, 3, 1, 23, 5, tzinfo=UTC))
    assert [f"<t:{old}:F>" in m.text for m in reminders(fake, group.channel_id)] == [True]

    [series] = await meetings(runner).service.repo.series_of_group(server.guild.id, group.id)
    moved = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={
            "series": str(series.id),
            "session": "2027-03-02T18:00:00",
            "when": "2027-03-04 18:00",
        },
    )
    assert moved.ephemeral and "moved to" in moved.text, moved.text
    await settle(runner)

    await run_until(runner, clock, datetime(2027, 3, 4, 23, 1, tzinfo=UTC))
    sent = reminders(fake, group.channel_id)
    # The old 24-hour reminder, then the new time's 24-hour and 1-hour ones: no old 1-hour one.
    assert [next(at for at in (old, new) if f"<t:{at}:F>" in m.text) for m in sent] == [
        old,
        new,
        new,
    ]
    assert all("comes late" not in m.text for m in sent)
    told = [m for m in fake.messages_in(group.channel_id) if "has moved from" in m.text]
    assert len(told) == 1
