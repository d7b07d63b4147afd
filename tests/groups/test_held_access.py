"""`bot.groups.hold_access` / `release_access`: another feature (the confidentiality agreement
after its grace period) takes a member's access away for a while. They keep their seat and stay
a member; the role taken back is not read as leaving; start-up does not give it back."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.groups.conftest import create_group, group_named, has_role
from tests.groups.test_membership import join, people
from tests.harness import BotRunner, Server


async def test_held_access_keeps_the_seat_and_survives_a_restart(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator, capacity=1)
    group = await group_named(runner, s, "Survivors")
    assert group.role_id is not None
    bot = runner.bot
    assert bot is not None
    left: list[tuple[object, ...]] = []

    async def on_group_member_left(*args: object) -> None:
        left.append(args)

    bot.add_listener(on_group_member_left)
    await join(fake, s, anna, group.id)
    assert has_role(fake, s, anna, group.role_id)

    assert await bot.groups.hold_access(s.guild.id, group.id, anna.id)
    assert not await bot.groups.hold_access(s.guild.id, group.id, anna.id)  # already held
    assert not has_role(fake, s, anna, group.role_id)
    await runner.idle()  # the role change reaches the bot
    assert await bot.groups.is_member(s.guild.id, group.id, anna.id)
    assert await bot.groups.held_ids(s.guild.id, group.id) == {anna.id}
    assert left == []
    # Her seat is still hers: the group is full.
    assert "number 1" in (await join(fake, s, bea, group.id)).text

    # A moderator gives the role back by hand while access is held: it is taken back again.
    fake.set_member_roles(s.guild, anna, [group.role_id])
    await runner.idle()
    assert not has_role(fake, s, anna, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, anna.id)

    # A restart does not give it back either.
    await runner.stop()
    bot = await runner.start(sync=False)
    await runner.idle()
    assert not has_role(fake, s, anna, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, anna.id)

    assert await bot.groups.release_access(s.guild.id, group.id, anna.id)
    assert not await bot.groups.release_access(s.guild.id, group.id, anna.id)
    assert has_role(fake, s, anna, group.role_id)
    assert await bot.groups.held_ids(s.guild.id, group.id) == set()
    # Non-members cannot be held.
    assert not await bot.groups.hold_access(s.guild.id, group.id, bea.id)


async def test_a_held_role_taken_back_while_the_bot_was_away(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    """The bot stopped after recording the hold but before taking the role: start-up does it."""
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    assert group.role_id is not None
    bot = runner.bot
    assert bot is not None
    await join(fake, s, anna, group.id)
    await bot.groups.hold_access(s.guild.id, group.id, anna.id)
    await runner.stop()
    fake.set_member_roles(s.guild, anna, [group.role_id])
    bot = await runner.start(sync=False)
    await runner.idle()
    assert not has_role(fake, s, anna, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, anna.id)
