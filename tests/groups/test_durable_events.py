"""The group events other features must act on are durable (issue 19; bot/events.py): written
in the transaction that changes the group, heard by each listener at least once, after a crash
too, and acted on once.

The crash here comes between the commit and the delivery: the event log is stopped first (as a
process killed right after its commits would leave it), then the bot starts again on the same
database. tests/groups/test_crash_points.py kills whole flows at every step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.client import Bot
from cogs.groups.records import Group
from tests.confidentiality.conftest import agree
from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.groups.conftest import create_group, group_named, has_role
from tests.groups.test_membership import people
from tests.harness import BotRunner, Server
from tests.meetings.conftest import announcements, meetings, schedule

FEATURES = ("settings", "groups", "moderation", "confidentiality", "meetings")
LEADER_PROMPT = "You now lead Caregivers"
DEMOTED_PROMPT = "You no longer lead Caregivers"
CHANNEL_WELCOME = "Please welcome"


def texts(messages: Iterable[Message], words: str) -> int:
    return sum(words in m.text for m in messages)


async def join_and_agree(fake: FakeDiscord, s: Server, user: User, group: Group) -> None:
    res = await fake.slash(
        user, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    done = await agree(fake, user, res.message)
    assert "Welcome to Caregivers" in done.followups[-1].text, done


async def start(start_bot: StartBot) -> tuple[BotRunner, Bot]:
    runner = await start_bot(features=FEATURES, database="events.sqlite3")
    assert runner.bot is not None
    return runner, runner.bot


@pytest.mark.sqlite_only
async def test_group_events_a_crash_kept_from_their_listeners_reach_them_at_the_next_start(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, tmp_path: Path
) -> None:
    fake, s = fake_discord, server
    runner, bot = await start(start_bot)
    await bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    lena, anna, bea, cleo, dan = people(fake, s, "lena", "anna", "bea", "cleo", "dan")
    res = await create_group(fake, s, "Caregivers", lena, timezone="America/New_York")
    assert "is ready" in res.text, res
    group = await group_named(runner, s, "Caregivers")
    assert group.channel_id is not None
    for user in (anna, bea):
        await join_and_agree(fake, s, user, group)
    done = await schedule(
        fake, s, lena, group.id, title="Weekly circle", when="2027-03-08 18:00", repeat="weekly"
    )
    assert "is scheduled" in done.text, done
    await runner.idle()
    [post] = announcements(fake, group.channel_id)
    going = next(c for c in post.custom_ids() if c.endswith(":going"))
    for user in (anna, bea):
        await fake.click(user, fake.message(post.id), going)
    occurrence = int(going.split(":")[2])
    await runner.idle()
    rsvps = meetings(runner).service.repo.rsvps
    assert await rsvps(occurrence) == {anna.id: "going", bea.id: "going"}
    assert texts(fake.dm_messages(lena), LEADER_PROMPT) == 1  # asked once, at /group create
    assert texts(fake.messages_in(group.channel_id), CHANNEL_WELCOME) == 2

    # The bot dies right after each of these commits: nothing reaches the other features.
    bot.event_log.stop()
    await fake.slash(
        bea, "group leave", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    for command, user in (("group leaders add", cleo), ("group leaders remove", lena)):
        res = await fake.slash(
            s.moderator,
            command,
            guild=s.guild,
            channel=s.general,
            options={"group": str(group.id), "member": user.id},
        )
        assert "lead" in res.text, res
    res = await fake.slash(
        s.moderator,
        "group edit",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "timezone": "Europe/Madrid"},
    )
    assert "is updated" in res.text, res
    await join_and_agree(fake, s, dan, group)  # the agreement's own answer lets him in
    await runner.idle()
    assert has_role(fake, s, dan, group.role_id)
    assert await rsvps(occurrence) == {anna.id: "going", bea.id: "going"}
    assert texts(fake.dm_messages(cleo), LEADER_PROMPT) == 0
    assert texts(fake.dm_messages(lena), DEMOTED_PROMPT) == 0
    assert texts(fake.messages_in(group.channel_id), CHANNEL_WELCOME) == 2
    [series] = await meetings(runner).service.repo.series_of_group(s.guild.id, group.id)
    assert series.zone == "America/New_York"
    await runner.stop()

    # The next start: every listener hears what it missed, and acts on it.
    runner, bot = await start(start_bot)
    await runner.idle()
    heard = (lena, anna, cleo)
    await check_heard(runner, fake, s, group, occurrence, *heard)

    # And once: a further restart (every delivery done) changes nothing, nor does hearing an
    # event again (the listeners record what they did).
    await runner.stop()
    with sqlite3.connect(tmp_path / "events.sqlite3") as db:
        db.execute("DELETE FROM event_deliveries WHERE listener = 'Meetings'")
    db.close()
    runner, bot = await start(start_bot)
    await runner.idle()
    await check_heard(runner, fake, s, group, occurrence, *heard)


async def check_heard(
    runner: BotRunner,
    fake: FakeDiscord,
    s: Server,
    group: Group,
    occurrence: int,
    lena: User,
    anna: User,
    cleo: User,
) -> None:
    assert group.channel_id is not None
    # Bea left: her answer is gone, so she is not told of the group's sessions any more.
    assert await meetings(runner).service.repo.rsvps(occurrence) == {anna.id: "going"}
    # Cleo leads now: asked privately for the agreement, once.
    assert texts(fake.dm_messages(cleo), LEADER_PROMPT) == 1
    # Lena no longer leads: asked as a member, once, with one grace period.
    assert texts(fake.dm_messages(lena), DEMOTED_PROMPT) == 1
    bot = runner.bot
    assert bot is not None
    graces = await bot.db.fetchall(
        "SELECT user_id FROM confidentiality_member_graces WHERE group_id = :g", {"g": group.id}
    )
    assert [r["user_id"] for r in graces] == [lena.id]
    # Dan joined: welcomed in the group's channel, once, like Anna and Bea before him.
    assert texts(fake.messages_in(group.channel_id), CHANNEL_WELCOME) == 3
    # The group's new time zone: the series follows it.
    [series] = await meetings(runner).service.repo.series_of_group(s.guild.id, group.id)
    assert series.zone == "Europe/Madrid"
