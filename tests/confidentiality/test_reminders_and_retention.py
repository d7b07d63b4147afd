"""Reminders when it matters (a session starts, a member's first post, a new member), kind and
never pinging; and acceptances kept while the member stays, forgotten after they left."""

from __future__ import annotations

import asyncio

from bot.events import MEETING_STARTED
from tests.confidentiality.conftest import agree, conf, the_bot
from tests.events import announce
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.groups.conftest import channel_of, create_group, group_named
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, Server, wait_until


def bot_posts(fake: FakeDiscord, channel_id: int | None) -> list[Message]:
    assert channel_id is not None
    return [m for m in fake.messages_in(channel_id) if m.author.id == fake.bot_user.id]


async def test_reminders_at_the_moments_that_matter(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader, anna = people(fake, s, "lena", "anna")
    await create_group(fake, s, "Survivors", leader)
    group = await group_named(runner, s, "Survivors")
    room = channel_of(fake, group.channel_id)
    bot = the_bot(runner)

    # A new member: a welcome and a reminder in the channel, without a ping.
    res = await join(fake, s, anna, group.id)
    await agree(fake, anna, res.message)
    await runner.idle()
    welcome = bot_posts(fake, room.id)[-1]
    assert f"Please welcome <@{anna.id}> to Survivors" in welcome.text
    assert "stays here" in welcome.text
    assert welcome.allowed_mentions == {"parse": []}

    # A session starts: one reminder per session, even if the event comes twice.
    before = len(bot_posts(fake, room.id))
    await announce(bot, MEETING_STARTED, s.guild.id, group.id, "7:1796227200")
    await announce(bot, MEETING_STARTED, s.guild.id, group.id, "7:1796227200")
    await wait_until(lambda: len(bot_posts(fake, room.id)) > before)
    await runner.idle()
    posts = bot_posts(fake, room.id)
    assert len(posts) == before + 1
    assert "As this session begins, a gentle reminder" in posts[-1].text
    assert posts[-1].allowed_mentions == {"parse": []}
    await announce(bot, MEETING_STARTED, s.guild.id, group.id, "7:1796832000")  # the next session
    await wait_until(lambda: len(bot_posts(fake, room.id)) == before + 2)

    # Anna's first post: a private reminder, once.
    dms = len(fake.dm_messages(anna))
    await fake.send_message(anna, room, "Hello everyone, I'm new here.")
    await wait_until(lambda: len(fake.dm_messages(anna)) == dms + 1)
    assert "Thank you for sharing in Survivors" in last_dm(fake, anna).text
    await fake.send_message(anna, room, "A second message.")
    # Also once across restarts (recorded, not only remembered).
    await runner.stop()
    await runner.start(sync=False)
    await fake.send_message(anna, room, "After a restart.")
    await runner.idle()
    assert len(fake.dm_messages(anna)) == dms + 1
    # Someone posting outside the group's channel gets nothing.
    await fake.send_message(s.member, s.general, "Hello")
    await runner.idle()
    assert fake.dm_messages(s.member) == []


async def test_acceptances_are_kept_while_the_member_stays_and_purged_after_they_left(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    room = channel_of(fake, group.channel_id)
    for user in (anna, bea):
        res = await join(fake, s, user, group.id)
        await agree(fake, user, res.message)
    await fake.send_message(anna, room, "Hi")
    service = conf(runner).service
    await wait_until(lambda: len(fake.dm_messages(anna)) >= 2)

    async def departed(user_id: int) -> None:
        await runner.idle()
        sql = "SELECT left_at FROM confidentiality_departures WHERE user_id = :u"
        assert await service.db.fetchval(sql, {"u": user_id}) is not None, "not recorded"

    async def records(user_id: int) -> tuple[int, bool]:
        accepted = await service.acceptances(s.guild.id, user_id)
        return len(accepted), await service.repo.has_posted(user_id, group.id)

    # A year on: nothing is deleted while they stay.
    clock.advance(days=365)
    await service.purge()
    assert await records(anna.id) == (1, True)

    # Bea leaves and comes back within the retention period: kept.
    await fake.member_leave(s.guild, bea)
    await departed(bea.id)
    clock.advance(days=30)
    await fake.member_join(s.guild, bea)
    await wait_until(lambda: bea.id in s.guild.members)
    await runner.idle()
    assert not await service.db.fetchval("SELECT 1 FROM confidentiality_departures")
    clock.advance(days=90)
    await service.purge()
    assert (await records(bea.id))[0] == 1

    # Anna leaves: kept during the retention period (90 days by default), then deleted.
    await fake.member_leave(s.guild, anna)
    await departed(anna.id)
    clock.advance(days=89)
    assert await service.purge() == 0
    assert await records(anna.id) == (1, True)
    clock.advance(days=1, seconds=1)
    assert await service.purge() == 1
    assert await records(anna.id) == (0, False)
    assert (await records(bea.id))[0] == 1


async def test_a_member_who_came_back_while_the_bot_was_away_keeps_their_records(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    """Her return was missed (the bot was down): start-up sees her in the server again, so what
    she agreed to is not deleted once the retention period after her leaving has passed."""
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    res = await join(fake, s, anna, group.id)
    await agree(fake, anna, res.message)
    service = conf(runner).service
    # The bot hears about the role it gave before she leaves (else, in this test world, the
    # late event races her leaving: see the groups feature's on_member_update).
    guild = the_bot(runner).get_guild(s.guild.id)
    assert guild is not None

    def cached_role() -> bool:
        member = guild.get_member(anna.id)
        return member is not None and member.get_role(group.role_id or 0) is not None

    await wait_until(cached_role)
    await runner.idle()
    await fake.member_leave(s.guild, anna)
    await wait_until_async(lambda: service.departed_ids(s.guild.id), [anna.id])
    groups = the_bot(runner).groups
    await wait_until_async(lambda: groups.is_member(s.guild.id, group.id, anna.id), False)

    await runner.stop()
    fake.add_member(s.guild, anna)  # nobody is connected to hear it
    await runner.start(sync=False)
    service = conf(runner).service
    await wait_until_async(lambda: service.departed_ids(s.guild.id), [])
    # She joins again (what she accepted is still on record: straight in), and stays.
    res = await join(fake, s, anna, group.id)
    assert "Welcome to Survivors" in res.text
    clock.advance(days=365)
    job = the_bot(runner).scheduler.get_job("confidentiality:purge")
    assert job is not None
    await job.func(*job.args)
    assert len(await service.acceptances(s.guild.id, anna.id)) == 1
    assert await service.missing(s.guild.id, group.id, anna.id) == []


async def wait_until_async(probe, expected, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while await probe() != expected:
            await asyncio.sleep(0.01)
