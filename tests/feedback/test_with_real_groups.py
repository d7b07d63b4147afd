"""Group polls and group feedback with the real groups feature (no stand-in): a group made with
/group create, members who come and go with /group join and /group leave."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    add_people,
    feedback_cog,
    open_poll,
    press,
    results_in,
    send_feedback,
    vote,
)
from tests.groups.conftest import create_group, group_named
from tests.harness import BotRunner, Server, wait_until


@pytest.fixture
async def real_runner(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    runner = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock=clock)
    bot = await runner.start()
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    try:
        yield runner
    finally:
        await runner.stop()


async def group_join(fake: FakeDiscord, s: Server, user: User, group_id: int, verb: str) -> str:
    res = await fake.slash(
        user, f"group {verb}", guild=s.guild, channel=s.general, options={"group": str(group_id)}
    )
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
    await wait_until(lambda: len(fake.dm_messages(leader)) == 1)
    digest = fake.dm_messages(leader)[0]
    assert "to the leaders of Caregivers" in digest.text
    assert "More time for newcomers, please." in digest.text
    assert str(anna.id) not in str(digest.embeds) and "f1" not in digest.text
