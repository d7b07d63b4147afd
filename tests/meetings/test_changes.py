"""Changes after scheduling: RSVPs, moving one session, skipping, cancelling a series, reminder
settings with and without the role mention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    Recorder,
    announcements,
    epoch,
    join,
    make_group,
    meetings,
    person,
    reminders,
    run_until,
    schedule,
    settle,
)


async def setup_series(
    runner: BotRunner, fake: FakeDiscord, server: Server, *, members: int = 2, **options: Any
) -> tuple[User, list[User], Any, Message]:
    leader = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", leader, **options)
    people = [person(fake, server, f"m{i}") for i in range(members)]
    for user in people:
        await join(fake, server, user, group.id)
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
    [post] = announcements(fake, group.channel_id)
    return leader, people, group, post


def dms(fake: FakeDiscord, user: User, needle: str) -> list[Message]:
    return [m for m in fake.dm_messages(user) if needle in m.text]


def rsvp_id(post: Message, answer: str) -> str:
    return next(c for c in post.custom_ids() if c.endswith(f":{answer}"))


async def test_rsvp_counts_and_names_for_leaders_only(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    leader, (anna, bea), group, post = await setup_series(runner, fake, server)
    answer = await fake.click(anna, post, rsvp_id(post, "going"))
    await answer.wait_for(lambda r: bool(r.followups))
    assert "you're down as going" in answer.followups[-1].text
    await fake.click(bea, post, rsvp_id(post, "maybe"))
    live = fake.message(post.id)
    assert "Going: 1 · Maybe: 1 · Can't go: 0" in live.text
    # Changing one's mind replaces the answer.
    await fake.click(bea, live, rsvp_id(live, "going"))
    assert "Going: 2 · Maybe: 0" in fake.message(post.id).text
    # Names: leaders only.
    who = next(c for c in post.custom_ids() if c.startswith("meetings:who:"))
    refused = await fake.click(anna, fake.message(post.id), who)
    assert refused.ephemeral and "Only this group's leaders" in refused.text
    names = await fake.click(leader, fake.message(post.id), who)
    assert names.ephemeral and f"<@{anna.id}>" in names.text and f"<@{bea.id}>" in names.text
    # Only members answer: a moderator sees the channel but is not in the group.
    result = await fake.click(server.moderator, fake.message(post.id), rsvp_id(post, "going"))
    assert result.ephemeral and "Only members of this group" in result.text
    # Leaving the group removes one's answer.
    await fake.slash(
        bea,
        "group leave",
        guild=server.guild,
        channel=server.general,
        options={"group": str(group.id)},
    )
    occ = int(rsvp_id(post, "going").split(":")[2])
    repo = meetings(runner).service.repo
    await runner.idle()  # the groups feature's group_member_left reaches meetings
    assert await repo.rsvps(occ) == {anna.id: "going"}


async def test_moving_one_session_tells_those_going(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader, (anna, bea), group, post = await setup_series(runner, fake, server)
    await fake.click(anna, post, rsvp_id(post, "going"))
    await fake.click(bea, post, rsvp_id(post, "no"))
    cog = meetings(runner)
    [series] = await cog.service.repo.series_of_group(server.guild.id, group.id)
    choices = await fake.autocomplete(
        leader,
        "meeting edit",
        focused="session",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id)},
    )
    assert choices[0]["value"] == "2027-03-02T18:00:00"
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
    assert "moved to" in moved.text and f"<t:{epoch(2027, 3, 3, 22)}:F>" in moved.text
    await settle(runner)
    [dm] = dms(fake, anna, "has moved")
    assert f"<t:{epoch(2027, 3, 3, 22)}:F>" in dm.text
    assert dms(fake, bea, "has moved") == []  # only those going are told
    [event] = [e for e in fake.scheduled_events(server.guild) if e.status == 1]
    assert datetime.fromisoformat(event.scheduled_start_time) == datetime(
        2027, 3, 3, 22, tzinfo=UTC
    )

    recorder = Recorder(clock)
    assert runner.bot is not None
    recorder.attach(runner.bot)
    fired = await run_until(runner, clock, datetime(2027, 3, 10, tzinfo=UTC))
    # The moved session's reminders and start follow the new time; the series goes on as before.
    assert epoch(2027, 3, 3, 21) in fired and epoch(2027, 3, 3, 22) in fired
    assert epoch(2027, 3, 2, 23) not in fired  # the old start
    assert [int(at.timestamp()) for at, _, _ in recorder.started] == [
        epoch(2027, 3, 3, 22),
        epoch(2027, 3, 9, 23),
    ]
    # Its name in bot events keeps the originally scheduled start.
    assert recorder.started[0][2] == f"{series.id}:{epoch(2027, 3, 2, 23)}"


async def test_skip_and_cancel_a_series_with_rsvps(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader, (anna, bea), group, post = await setup_series(runner, fake, server)
    cog = meetings(runner)
    [series] = await cog.service.repo.series_of_group(server.guild.id, group.id)
    skipped = await fake.slash(
        leader,
        "meeting skip",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id)},
    )
    assert "is skipped" in skipped.text and f"<t:{epoch(2027, 3, 9, 23)}:F>" in skipped.text
    await settle(runner)
    post = announcements(fake, group.channel_id)[-1]
    for user in (anna, bea):
        await fake.click(user, post, rsvp_id(post, "going"))
    cancelled = await fake.slash(
        leader,
        "meeting cancel",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id)},
    )
    assert "is cancelled" in cancelled.text and "2 people" in cancelled.text
    await settle(runner)
    for user in (anna, bea):
        assert len(dms(fake, user, "is cancelled")) == 1
    assert not [e for e in fake.scheduled_events(server.guild) if e.status in (1, 2)]
    recorder = Recorder(clock)
    assert runner.bot is not None
    recorder.attach(runner.bot)
    await run_until(runner, clock, datetime(2027, 4, 1, tzinfo=UTC))
    assert recorder.started == [] and reminders(fake, group.channel_id) == []
    # Clicking the old announcement now says so kindly.
    late = await fake.click(anna, post, rsvp_id(post, "maybe"))
    assert late.ephemeral and "cancelled" in late.text


async def test_reminders_ping_the_role_only_when_chosen(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader, (anna,), group, post = await setup_series(runner, fake, server, members=1)
    await fake.click(anna, post, rsvp_id(post, "going"))
    await run_until(runner, clock, datetime(2027, 3, 1, 23, 30, tzinfo=UTC))
    [plain] = reminders(fake, group.channel_id)
    assert plain.allowed_mentions == {"parse": []} and "<@&" not in plain.content

    result = await fake.slash(
        leader,
        "meeting settings reminders",
        guild=server.guild,
        channel=server.general,
        options={
            "group": str(group.id),
            "times": "2h, 30m",
            "ping_role": True,
            "remind_going": True,
        },
    )
    assert "2 hours, 30 minutes" in result.text and "Role mention: on" in result.text
    await run_until(runner, clock, datetime(2027, 3, 2, 23, 0, tzinfo=UTC))
    posted = reminders(fake, group.channel_id)
    assert len(posted) == 3  # 24 h (before the change), then 2 h and 30 min
    role_id = group.role_id
    for message in posted[1:]:
        assert message.content.startswith(f"<@&{role_id}>")
        # Exactly that role may be mentioned, nobody and nothing else.
        assert message.allowed_mentions == {"parse": [], "roles": [role_id]}
    assert len(dms(fake, anna, "A reminder")) == 2


async def test_editing_the_whole_series(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    leader, (anna, bea), group, post = await setup_series(runner, fake, server)
    await fake.click(anna, post, rsvp_id(post, "going"))
    [series] = await meetings(runner).service.repo.series_of_group(server.guild.id, group.id)
    renamed = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id), "title": "Tuesday circle", "minutes": 90},
    )
    assert "Tuesday circle is updated" in renamed.text
    await settle(runner)
    [event] = [e for e in fake.scheduled_events(server.guild) if e.status == 1]
    assert event.name == "Tuesday circle"
    assert datetime.fromisoformat(event.scheduled_end_time) == datetime(
        2027, 3, 3, 0, 30, tzinfo=UTC
    )
    assert dms(fake, anna, "new time") == []  # a new title or length is no news to send
    # A new time: the rule starts afresh from it, and those going are told.
    moved = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id), "when": "2027-03-04 10:00"},
    )
    assert f"<t:{epoch(2027, 3, 4, 15)}:F>" in moved.text
    await settle(runner)
    assert len(dms(fake, anna, "new time")) == 1 and dms(fake, bea, "new time") == []
    # The same time again (the same session key as the upcoming one) still leaves one session.
    again = await fake.slash(
        leader,
        "meeting edit",
        guild=server.guild,
        channel=server.general,
        options={"series": str(series.id), "when": "2027-03-04 10:00"},
    )
    assert f"Next session: <t:{epoch(2027, 3, 4, 15)}:F>" in again.text
    recorder = Recorder(clock)
    assert runner.bot is not None
    recorder.attach(runner.bot)
    await run_until(runner, clock, datetime(2027, 3, 12, tzinfo=UTC))
    # Weekly on Thursdays now, 90 minutes each; the old Tuesday session never starts.
    assert [int(at.timestamp()) for at, _, _ in recorder.started] == [
        epoch(2027, 3, 4, 15),
        epoch(2027, 3, 11, 15),
    ]
    assert [int(at.timestamp()) for at, _, _ in recorder.ended][:1] == [epoch(2027, 3, 4, 16, 30)]
