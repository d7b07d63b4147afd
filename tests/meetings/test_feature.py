"""The meetings feature on core's contract and kit: buttons already posted keep their custom ids,
what loading registers and unloading removes, the data-deletion hook (RSVPs of a member who
leaves the server), and the group options (names typed by hand, archived groups in the
feature's words, a time zone changed while the bot was away applied by the command itself)."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from cogs.meetings.rules import parse_offsets
from cogs.meetings.service import ANNOUNCE, NOTICE, REMINDER
from cogs.meetings.views import RsvpButton, WhoButton
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    announcements,
    join,
    make_group,
    meetings,
    person,
    schedule,
    settle,
)


# Custom ids as the bot posted them before the kit (`meetings:rsvp:{occ}:{answer}`,
# `meetings:who:{occ}`): announcements stay in channels for weeks, so they must still parse.
@pytest.mark.parametrize(
    ("custom_id", "values"),
    [
        ("meetings:rsvp:42:going", {"occurrence": 42, "answer": "going"}),
        ("meetings:rsvp:7:maybe", {"occurrence": 7, "answer": "maybe"}),
        ("meetings:rsvp:123456789:no", {"occurrence": 123456789, "answer": "no"}),
    ],
)
def test_old_rsvp_custom_ids_still_parse(custom_id: str, values: dict[str, object]) -> None:
    assert RsvpButton.parse(custom_id) == values
    assert RsvpButton.custom_id_for(**values) == custom_id


def test_old_who_custom_id_still_parses() -> None:
    assert WhoButton.parse("meetings:who:42") == {"occurrence": 42}
    assert WhoButton.custom_id_for(occurrence=42) == "meetings:who:42"


@pytest.mark.parametrize(
    "custom_id",
    ["meetings:rsvp:42:yes", "meetings:rsvp:x:going", "meetings:rsvp:42", "meetings:who:"],
)
def test_other_custom_ids_are_not_meeting_buttons(custom_id: str) -> None:
    assert RsvpButton.parse(custom_id) is None and WhoButton.parse(custom_id) is None


# The reminder times a leader may type (`rules.parse_offsets`, on the kit's reader), pinned so
# that a change of the reader cannot drop one unnoticed.
@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("24h, 1h", (1440, 60)),
        ("1h; 24h", (1440, 60)),
        ("90", (90,)),
        ("30m", (30,)),
        ("2d", (2880,)),
        ("24 h", (1440,)),
        ("1.5h", (90,)),
        (".5h", (30,)),
        ("0.5d", (720,)),
        ("1H, 1h, 60m", (60,)),
        ("7d", (10080,)),
        ("5m", (5,)),
        ("", ()),
    ],
)
def test_reminder_times_people_type(text: str, minutes: tuple[int, ...]) -> None:
    assert parse_offsets(text) == minutes


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("every now and then", "24h, 1h"),
        ("4m", "between 5 minutes and 7 days"),
        ("8d", "between 5 minutes and 7 days"),
        ("24h, 12h, 1h, 30m", "at most 3"),
    ],
)
def test_reminder_times_refused(text: str, words: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_offsets(text)
    assert words in caught.value.message.format(**caught.value.params)


async def test_loading_registers_and_unloading_removes_it_all(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    lena = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Caregivers", lena)
    await schedule(fake, server, lena, group.id, title="Circle", when="2027-03-02 18:00")
    await settle(runner)
    bot = runner.bot
    assert bot is not None
    assert {ANNOUNCE, REMINDER, NOTICE} <= set(bot.dispatcher.kinds())
    assert "Meetings" in bot.data_deletion.features()
    assert any(job.id.startswith("meetings:") for job in bot.scheduler.get_jobs())

    await bot.unload_extension("cogs.meetings")
    assert not {ANNOUNCE, REMINDER, NOTICE} & set(bot.dispatcher.kinds())
    assert "Meetings" not in bot.data_deletion.features()
    assert [j.id for j in bot.scheduler.get_jobs() if j.id.startswith("meetings:")] == []


async def test_a_member_who_leaves_the_server_loses_their_rsvps(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    lena, anna, bea = (person(fake, server, n) for n in ("lena", "anna", "bea"))
    first = await make_group(runner, fake, server, "Caregivers", lena)
    second = await make_group(runner, fake, server, "Survivors", lena)
    occurrences = []
    for group in (first, second):
        for user in (anna, bea):
            await join(fake, server, user, group.id)
        await schedule(fake, server, lena, group.id, title="Circle", when="2027-03-02 18:00")
        await settle(runner)
        [post] = announcements(fake, group.channel_id)
        for user in (anna, bea):
            going = next(c for c in post.custom_ids() if c.endswith(":going"))
            await fake.click(user, fake.message(post.id), going)
        occurrences.append(int(going.split(":")[2]))
    await runner.idle()
    bot = runner.bot
    assert bot is not None
    repo = meetings(runner).service.repo

    report = await bot.data_deletion.delete_user(server.guild.id, anna.id)
    assert "Meetings" in report.done and report.failed == ()
    for occurrence in occurrences:
        assert await repo.rsvps(occurrence) == {bea.id: "going"}
    again = await bot.data_deletion.delete_user(server.guild.id, anna.id)  # idempotent
    assert "Meetings" in again.done


async def test_group_options_names_archived_groups_and_a_zone_changed_meanwhile(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    lena = person(fake, s, "lena")
    group = await make_group(runner, fake, s, "Caregivers", lena)
    # A name typed by hand instead of picked from the list (the kit's option reads both).
    done = await schedule(
        fake, s, lena, group.id, title="Circle", when="2027-03-02 18:00", repeat="weekly"
    )
    assert "is scheduled" in done.text
    await settle(runner)
    by_name = await fake.slash(
        lena,
        "meeting list",
        guild=s.guild,
        channel=s.general,
        options={"group": "caregivers"},
    )
    assert by_name.ephemeral and "Circle" in by_name.text
    unknown = await fake.slash(
        lena,
        "meeting list",
        guild=s.guild,
        channel=s.general,
        options={"group": "Nobody here"},
    )
    assert unknown.ephemeral and "I couldn't find a group called “Nobody here”" in unknown.text

    # The group's zone changed where meetings did not hear it (no group_updated event): the
    # next /meeting command naming the group moves its series first.
    assert runner.db is not None
    async with runner.db.transaction() as tx:
        await tx.execute(
            "UPDATE groups SET timezone = 'America/Chicago' WHERE id = :id", {"id": group.id}
        )
    listed = await fake.slash(
        lena, "meeting list", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    assert listed.ephemeral
    repo = meetings(runner).service.repo
    [series] = await repo.series_of_group(s.guild.id, group.id)
    assert series.zone == "America/Chicago"
    await settle(runner)

    # An archived group has no meetings: said in the feature's words, for every command.
    archived = await fake.slash(
        s.moderator,
        "group archive",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id)},
    )
    assert "is archived" in archived.text
    await settle(runner)
    for command, options in (
        ("meeting schedule", {"title": "Circle", "when": "2027-03-09 18:00"}),
        ("meeting list", {}),
        ("meeting calendar", {}),
        ("meeting settings reminders", {"times": "1h"}),
    ):
        refused = await fake.slash(
            lena,
            command,
            guild=s.guild,
            channel=s.general,
            options={"group": str(group.id), **options},
        )
        assert refused.ephemeral, command
        assert "Caregivers is archived, so it has no meetings." in refused.text, command
