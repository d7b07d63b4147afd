"""Group polls and group feedback with the real groups feature (no stand-in): a group made with
/group create, members who come and go with /group join and /group leave."""

from __future__ import annotations

import pytest

from tests.conftest import StartBot
from tests.events import announce
from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    add_people,
    feedback_cog,
    open_poll,
    polls_in,
    press,
    results_in,
    send_feedback,
    vote,
)
from tests.groups.conftest import create_group, group_named
from tests.harness import BotRunner, Server, wait_until


@pytest.fixture
async def real_runner(start_bot: StartBot, server: Server) -> BotRunner:
    runner = await start_bot(("groups", "feedback"))
    assert runner.bot is not None
    await runner.bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    return runner


async def group_join(fake: FakeDiscord, s: Server, user: User, group_id: int, verb: str) -> str:
    """Join or leave as a member does: on joining, the confidentiality agreement comes first and
    the member presses "I agree"; returns what the bot said at the end."""
    res = await fake.slash(
        user, f"group {verb}", guild=s.guild, channel=s.general, options={"group": str(group_id)}
    )
    if verb == "join" and res.message is not None:
        agree = [c for c in res.message.custom_ids() if c.startswith("confidentiality:agree:")]
        if agree:
            res = await fake.click(user, res.message, agree[0])
            await res.wait_for(lambda r: bool(r.followups))
            return res.followups[-1].text
    return res.text


async def test_a_group_poll_follows_real_membership(
    real_runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    leader, anna, bea, cleo = add_people(fake, s, 4, prefix="g")
    await create_group(fake, s, "Survivors", leader)
    group = await group_named(real_runner, s, "Survivors")
    room = fake.channel(group.channel_id)  # type: ignore[arg-type]
    for user in (anna, bea):
        assert "Welcome" in await group_join(fake, s, user, group.id, "join")

    poll = await open_poll(fake, leader, s, "Online\nIn person", group=group.id, channel=room)
    assert "The members of Survivors can vote" in poll.text
    await vote(fake, anna, poll, 1)
    # Cleo joins while the poll is open: she may vote.
    assert "Welcome" in await group_join(fake, s, cleo, group.id, "join")
    await vote(fake, cleo, poll, 2)
    # Bea leaves the group before voting: she can no longer see the poll at all.
    assert "You've left" in await group_join(fake, s, bea, group.id, "leave")
    with pytest.raises(InteractionRefused):
        await press(fake, bea, poll, 1)

    done = await fake.slash(
        leader,
        "poll close",
        guild=s.guild,
        channel=room,
        options={"poll": poll.custom_ids()[0].split(":")[2]},
    )
    assert "The poll is closed" in done.text
    await wait_until(lambda: len(results_in(fake, room)) == 1)
    assert "2 people voted" in results_in(fake, room)[0].text  # fewer than 3: no split shown


async def test_group_feedback_reaches_the_real_leaders_privately(
    real_runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    leader, anna = add_people(fake, s, 2, prefix="f")
    await create_group(fake, s, "Caregivers", leader)
    group = await group_named(real_runner, s, "Caregivers")
    await group_join(fake, s, anna, group.id, "join")

    thanks = await send_feedback(fake, anna, s, "More time for newcomers, please.", group=group.id)
    assert "reach the group's leaders" in thanks.text
    assert real_runner.bot is not None
    await feedback_cog(real_runner.bot)._daily()  # the daily digest job

    def digests() -> list:  # (the leader was also asked to accept the agreement when appointed)
        return [m for m in fake.dm_messages(leader) if "to the leaders of" in m.text]

    await wait_until(lambda: len(digests()) == 1)
    digest = digests()[0]
    assert "to the leaders of Caregivers" in digest.text
    assert "More time for newcomers, please." in digest.text
    assert str(anna.id) not in str(digest.embeds) and "f1" not in digest.text


async def test_a_post_session_poll_once_per_session_if_the_leader_turned_it_on(
    real_runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    leader, anna = add_people(fake, s, 2, prefix="s")
    await create_group(fake, s, "Survivors", leader)
    await create_group(fake, s, "Caregivers", leader)
    survivors = await group_named(real_runner, s, "Survivors")
    caregivers = await group_named(real_runner, s, "Caregivers")
    await group_join(fake, s, anna, survivors.id, "join")
    room = fake.channel(survivors.channel_id)  # type: ignore[arg-type]

    async def turn(user: User, group_id: int, enabled: bool) -> str:
        res = await fake.slash(
            user,
            "poll settings session-poll",
            guild=s.guild,
            channel=s.general,
            options={"group": str(group_id), "enabled": enabled, "hours": 12},
        )
        assert res.ephemeral
        return res.text

    assert "Only this group's leaders and the moderators" in await turn(anna, survivors.id, True)
    assert "How helpful was today's session?" in await turn(leader, survivors.id, True)

    bot = real_runner.bot
    assert bot is not None

    def session_polls() -> list:
        return [m for m in polls_in(fake, room) if "How helpful was today's session?" in m.text]

    # What the meetings feature will announce when a session ends.
    await announce(bot, "meeting_ended", s.guild.id, survivors.id, "meeting-7:2027-03-02")
    await wait_until(lambda: len(session_polls()) == 1)
    poll = session_polls()[0]
    assert [c.rsplit(":", 1)[1] for c in poll.custom_ids()] == ["1", "2", "3", "4", "5"]
    assert "The members of Survivors can vote" in poll.text
    await vote(fake, anna, poll, 5)

    # The same session announced again (a restart, a retry): no second poll.
    await announce(bot, "meeting_ended", s.guild.id, survivors.id, "meeting-7:2027-03-02")
    await real_runner.stop()
    bot = await real_runner.start(sync=False)
    await announce(bot, "meeting_ended", s.guild.id, survivors.id, "meeting-7:2027-03-02")
    # A group whose leaders did not turn it on gets nothing.
    await announce(bot, "meeting_ended", s.guild.id, caregivers.id, "meeting-8:2027-03-02")
    await real_runner.idle()
    assert len(session_polls()) == 1
    assert polls_in(fake, fake.channel(caregivers.channel_id)) == []  # type: ignore[arg-type]

    # Turned off: the next session is not asked about.
    assert "no longer get a poll" in await turn(leader, survivors.id, False)
    await announce(bot, "meeting_ended", s.guild.id, survivors.id, "meeting-7:2027-03-09")
    await real_runner.idle()
    assert len(session_polls()) == 1
