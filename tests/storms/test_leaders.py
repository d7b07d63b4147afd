"""A group that loses its last leader: the moderators are told at once in the mod log, the group
keeps running (its reminders go on), and /care leaders offers candidates (the other leaders,
else the most regular members) for a moderator to appoint."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    announcements,
    join,
    make_group,
    person,
    reminders,
    run_until,
    schedule,
    settle,
)
from tests.storms.conftest import button, mod_log, remember, storms

LEADERLESS = "Group without a leader"


async def care_leaders(fake: FakeDiscord, s: Server, user, group_id: int):
    return await fake.slash(
        user, "care leaders", guild=s.guild, channel=s.general, options={"group": str(group_id)}
    )


async def test_the_last_leader_leaving_the_server(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna, bea, cleo = (person(fake, s, n) for n in ("lena", "anna", "bea", "cleo"))
    group = await make_group(runner, fake, s, "Caregivers", lena)
    for user in (anna, bea, cleo):
        await join(fake, s, user, group.id)
    done = await schedule(
        fake, s, lena, group.id, title="Circle", when="2027-03-02 18:00", repeat="weekly"
    )
    assert "is scheduled" in done.text
    await fake.slash(
        lena,
        "meeting settings reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "times": "2h", "remind_going": True},
    )
    await settle(runner)
    [post] = announcements(fake, group.channel_id)
    going = button(post, "meetings:rsvp:").rsplit(":", 1)[0] + ":going"
    for user in (anna, bea):
        await fake.click(user, fake.message(post.id), going)
    await settle(runner)

    await fake.member_leave(s.guild, lena)
    await settle(runner)
    told = [m for m in mod_log(fake, s) if LEADERLESS in m.text]
    assert len(told) == 1 and "Caregivers" in told[0].text and "/care leaders" in told[0].text
    # The job's sweep (at start, then every few minutes) does not tell them twice.
    await storms(runner).run_due()
    await settle(runner)
    assert len([m for m in mod_log(fake, s) if LEADERLESS in m.text]) == 1

    # Candidates: nobody leads it, so the members who said they were going; not Lena, not Cleo.
    res = await care_leaders(fake, s, s.moderator, group.id)
    assert res.ephemeral and "has had no leader since" in res.text
    assert f"<@{anna.id}>: 1 session" in res.text and f"<@{bea.id}>: 1 session" in res.text
    assert f"<@{lena.id}>" not in res.text and f"<@{cleo.id}>" not in res.text
    assert res.message.mentions == []  # names to read, nobody pinged

    # The group keeps running: its reminders still go out, in the channel and privately.
    await run_until(runner, clock, datetime(2027, 3, 2, 23, 30, tzinfo=UTC))
    assert reminders(fake, group.channel_id)
    assert [m for m in fake.dm_messages(anna) if "A reminder" in m.text]

    # A moderator appoints Anna: the group has a leader again.
    added = await fake.slash(
        s.moderator,
        "group leaders add",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": anna.id},
    )
    assert "now leads Caregivers" in added.text
    await settle(runner)
    assert await storms(runner).service.leaderless_since(s.guild.id, group.id) is None
    res = await care_leaders(fake, s, s.moderator, group.id)
    assert "is led by" in res.text and f"<@{anna.id}>" in res.text


async def test_a_co_leader_stays_and_nobody_is_alarmed(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    lena, omar = person(fake, s, "lena"), person(fake, s, "omar")
    group = await make_group(runner, fake, s, "Caregivers", lena)
    await join(fake, s, omar, group.id)
    for action, who in (("add", omar), ("remove", lena)):
        res = await fake.slash(
            s.moderator,
            f"group leaders {action}",
            guild=s.guild,
            channel=s.general,
            options={"group": str(group.id), "member": who.id},
        )
        assert res.ephemeral, res
        await settle(runner)
    assert not [m for m in mod_log(fake, s) if LEADERLESS in m.text]
    res = await care_leaders(fake, s, s.moderator, group.id)
    assert "is led by" in res.text and f"<@{omar.id}>" in res.text
    assert f"<@{lena.id}>" not in res.text
    # Then Omar is removed too: now the moderators are told.
    await fake.slash(
        s.moderator,
        "group leaders remove",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": omar.id},
    )
    await settle(runner)
    assert len([m for m in mod_log(fake, s) if LEADERLESS in m.text]) == 1


async def test_remembering_the_last_leader_tells_the_moderators(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    lena, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Caregivers", lena)
    await join(fake, s, anna, group.id)
    res = await remember(fake, s, s.moderator, lena, group.id, why="died")
    assert res.ephemeral and "Nothing is posted until you press Post" in res.text
    await settle(runner)
    told = [m for m in mod_log(fake, s) if LEADERLESS in m.text]
    assert len(told) == 1
    res = await care_leaders(fake, s, s.moderator, group.id)
    assert f"<@{lena.id}>" not in res.text and "has no leader" in res.text
