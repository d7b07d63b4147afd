"""Who may do what, kind answers to bad input, the calendar file, the list, and the Discord event
of a group with a voice channel or without the Manage Events permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Event

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    SentFiles,
    epoch,
    join,
    make_group,
    meetings,
    person,
    run_until,
    schedule,
    settle,
)

MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44


async def test_only_leaders_of_that_group_and_moderators_schedule(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    lena, omar = person(fake, server, "lena"), person(fake, server, "omar")
    mine = await make_group(runner, fake, server, "Caregivers", lena)
    await make_group(runner, fake, server, "Survivors", omar)
    anna = person(fake, server, "anna")
    await join(fake, server, anna, mine.id)
    # Autocomplete offers a leader only the groups they lead.
    choices = await fake.autocomplete(
        omar, "meeting schedule", focused="group", guild=server.guild, channel=server.general
    )
    assert [c["name"] for c in choices] == ["Survivors"]
    for who in (anna, omar):
        refused = await schedule(
            fake, server, who, mine.id, title="Circle", when="2027-03-02 18:00"
        )
        assert refused.ephemeral and "Only this group's leaders" in refused.text
    # A moderator may.
    done = await schedule(
        fake, server, server.moderator, mine.id, title="Circle", when="2027-03-02 18:00"
    )
    assert "is scheduled" in done.text
    [series] = await meetings(runner).service.repo.series_of_group(server.guild.id, mine.id)
    for verb, options in (
        ("meeting cancel", {"series": str(series.id)}),
        ("meeting skip", {"series": str(series.id)}),
        ("meeting settings reminders", {"group": str(mine.id), "times": "1h"}),
    ):
        refused = await fake.slash(
            omar, verb, guild=server.guild, channel=server.general, options=options
        )
        assert refused.ephemeral and "Only this group's leaders" in refused.text, verb
    # The sessions of a series are offered to its leaders and moderators, not to whoever types
    # its id: another group's leader and a member get nothing.
    for who, offered in ((lena, True), (server.moderator, True), (omar, False), (anna, False)):
        choices = await fake.autocomplete(
            who,
            "meeting edit",
            focused="session",
            guild=server.guild,
            channel=server.general,
            options={"series": str(series.id)},
        )
        assert bool(choices) is offered, who.username
    # Cancel on a preview saves nothing.
    preview = await schedule(
        fake, server, lena, mine.id, confirm=False, title="Circle", when="2027-03-09 18:00"
    )
    cancelled = await fake.click(lena, preview.message, preview.message.custom_ids()[1])
    assert "Nothing was scheduled" in cancelled.text
    assert len(await meetings(runner).service.repo.series_of_group(server.guild.id, mine.id)) == 1


async def test_bad_input_gets_kind_private_answers(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    lena = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", lena)
    cases = [
        ({"title": "Circle", "when": "sometime soon"}, "couldn't"),
        ({"title": "Circle", "when": "2026-01-01 18:00"}, "already passed"),
        (
            {"title": "Circle", "when": "2027-03-03 18:00", "repeat": "monthly_nth", "week": 2},
            "is not the second Wednesday",
        ),
        ({"title": "   ", "when": "2027-03-03 18:00"}, "title"),
        ({"title": "Circle", "when": "2027-03-03 18:00", "until": "2027-12-01"}, "repeating"),
        (
            {
                "title": "Circle",
                "when": "2027-03-03 18:00",
                "repeat": "weekly",
                "until": "2027-03-01",
            },
            "end",
        ),
    ]
    for options, needle in cases:
        result = await schedule(fake, server, lena, group.id, confirm=False, **options)
        assert result.ephemeral, options
        assert needle in result.text, (options, result.text)
        assert not result.message.custom_ids()
    refused = await fake.slash(
        lena,
        "meeting settings reminders",
        guild=server.guild,
        channel=server.general,
        options={"group": str(group.id), "times": "every now and then"},
    )
    assert refused.ephemeral and "24h, 1h" in refused.text
    assert await meetings(runner).service.repo.series_of_group(server.guild.id, group.id) == []


async def test_calendar_and_list_for_members(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_discord
    sent = SentFiles(monkeypatch)
    lena = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", lena)
    anna, olga = person(fake, server, "anna"), person(fake, server, "olga")
    await join(fake, server, anna, group.id)
    await schedule(
        fake,
        server,
        lena,
        group.id,
        title="Monthly check-in",
        when="2027-03-02 12:00",
        repeat="monthly_nth",
    )
    listed = await fake.slash(anna, "meeting list", guild=server.guild, channel=server.general)
    assert listed.ephemeral and "Monthly check-in" in listed.text
    assert f"<t:{epoch(2027, 3, 2, 17)}:F>" in listed.text
    cal = await fake.slash(
        anna,
        "meeting calendar",
        guild=server.guild,
        channel=server.general,
        options={"group": str(group.id)},
    )
    assert cal.ephemeral
    [attachment] = cal.message.attachments
    assert attachment["filename"] == "caregivers.ics" and attachment["size"] > 500
    # The file the member got, parsed back and expanded by an independent reader: the sessions
    # are at noon in the group's zone, across both daylight-saving changes of 2027.
    calendar = Calendar.from_ical(bytes(sent.files["caregivers.ics"]).decode())
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "America/New_York"
    [main] = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    assert main["SUMMARY"] == "Monthly check-in"
    assert main["DTSTART"].params["TZID"] == "America/New_York"
    sessions = []
    for event in recurring_ical_events.of(calendar).between(
        datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    ):
        assert isinstance(event, Event)
        begin, end = event.start, event.end
        assert isinstance(begin, datetime) and isinstance(end, datetime)
        assert end - begin == timedelta(hours=1)
        sessions.append(begin)
    new_york = ZoneInfo("America/New_York")
    starts = sorted(sessions)
    assert [s.astimezone(new_york).strftime("%a %H:%M") for s in starts] == ["Tue 12:00"] * 10
    assert [s.astimezone(new_york).day for s in starts] == [2, 6, 4, 1, 6, 3, 7, 5, 2, 7]
    assert starts[0] == datetime(2027, 3, 2, 17, tzinfo=UTC)  # EST
    assert starts[1] == datetime(2027, 4, 6, 16, tzinfo=UTC)  # EDT
    assert starts[-1] == datetime(2027, 12, 7, 17, tzinfo=UTC)  # EST again
    refused = await fake.slash(
        olga,
        "meeting calendar",
        guild=server.guild,
        channel=server.general,
        options={"group": str(group.id)},
    )
    assert refused.ephemeral and "Only members of Caregivers" in refused.text


async def test_voice_channel_event_and_missing_permission(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    lena = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Voices", lena, voice=True)
    bot_role = fake.role(server.guild.bot_role_id)
    saved = bot_role.permissions
    fake.set_role_permissions(bot_role, saved & ~MANAGE_EVENTS & ~CREATE_EVENTS)
    done = await schedule(
        fake,
        server,
        lena,
        group.id,
        title="Voice circle",
        when="2027-03-02 18:00",
        repeat="weekly",
    )
    assert "is scheduled" in done.text  # the session does not depend on the server event
    await settle(runner)
    assert fake.scheduled_events(server.guild) == []
    told = [m for m in fake.dm_messages(lena) if "Manage Events" in m.text]
    assert len(told) == 1
    # A second failure does not tell the leader again.
    clock.advance(hours=1)
    await settle(runner)
    assert len([m for m in fake.dm_messages(lena) if "Manage Events" in m.text]) == 1
    # Permission given back: the next try creates the event in the group's voice channel.
    fake.set_role_permissions(bot_role, saved)
    clock.advance(hours=2)
    await settle(runner)
    [event] = fake.scheduled_events(server.guild)
    assert event.entity_type == 2 and event.channel_id == group.voice_channel_id
    # The session starts: the event becomes active, then completed, and the next one is made.
    await run_until(runner, clock, datetime(2027, 3, 3, 1, tzinfo=UTC))
    statuses = sorted(e.status for e in fake.scheduled_events(server.guild))
    assert statuses == [1, 3]
