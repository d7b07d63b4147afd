"""The groups feature's data-deletion hook (`bot.data_deletion`): what PRIVACY.md says goes when a
member leaves the server goes at once, and the join requests with their reasons too, without
waiting for the retention period. Removals stay: they are part of the mod log."""

from __future__ import annotations

from bot.client import Bot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.groups.conftest import channel_of, cog, create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, Server

VIEW = 1 << 10


def bots_last_message(fake: FakeDiscord, channel_id: int) -> Message:
    return [m for m in fake.messages_in(channel_id) if m.author.id == fake.bot_user.id][-1]


async def test_deleting_a_member_s_data_frees_their_seats_and_forgets_their_requests(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    bot = runner.bot
    assert bot is not None
    leader, anna, bea, cleo = people(fake, s, "lena", "anna", "bea", "cleo")
    await create_group(fake, s, "Caregivers", s.moderator, capacity=1)
    await create_group(fake, s, "Young adults", leader, access="restricted")
    full = await group_named(runner, s, "Caregivers")
    restricted = await group_named(runner, s, "Young adults")
    service = cog(runner).service
    left: list[tuple[object, ...]] = []

    async def on_group_member_left(*args: object) -> None:
        left.append(args)

    bot.add_listener(on_group_member_left)
    for user in (anna, bea, cleo):
        await join(fake, s, user, full.id)
    # Bea asked to join the restricted group: declined with a reason, then asked again.
    await join(fake, s, bea, restricted.id)
    await runner.idle()
    leaders_channel = channel_of(fake, restricted.leaders_channel_id)
    first = bots_last_message(fake, leaders_channel.id)
    res = await fake.click(leader, first, next(c for c in first.custom_ids() if ":decline:" in c))
    assert res.modal is not None
    await fake.submit_modal(leader, res, {res.modal.input_ids()[0]: "Only for ages 18 to 39."})
    await join(fake, s, bea, restricted.id)
    await runner.idle()
    request = bots_last_message(fake, leaders_channel.id)
    assert await service.repo.request_count(restricted.id) == 2

    # Bea (on the waitlist, with a decided and a pending request) is forgotten.
    report = await bot.data_deletion.delete_user(s.guild.id, bea.id)
    # Moderation (loaded for the mod log) has its own hook since issue 18 (/privacy delete).
    assert report.done == ("Groups", "Moderation") and report.failed == ()
    assert await service.repo.request_count(restricted.id) == 0
    assert [e.user_id for e in await service.waitlist(full)] == [cleo.id]
    # The leaders' Approve button on her pending request answers kindly.
    res = await fake.click(
        leader, request, next(c for c in request.custom_ids() if ":approve:" in c)
    )
    assert res.ephemeral and "couldn't find that join request" in res.text

    # Anna, still on the server, is forgotten too: out of the group, her role taken back, her
    # seat offered to the next in line, and the other features told she left; the durable
    # group events naming her go too (her join is on record there until now).
    assert await events_naming(bot, anna.id) == 1
    await bot.data_deletion.delete_user(s.guild.id, anna.id)
    await runner.idle()
    assert await events_naming(bot, anna.id) == 0
    assert await events_naming(bot, cleo.id) == 0  # never joined: waiting only
    assert not await bot.groups.is_member(s.guild.id, full.id, anna.id)
    assert not has_role(fake, s, anna, full.role_id)
    assert "A seat is free in Caregivers" in last_dm(fake, cleo).text
    assert left == [(s.guild.id, full.id, anna.id, "left_server")]

    # Again: nothing more to delete, nobody told twice.
    dms = len(fake.dm_messages(cleo))
    report = await bot.data_deletion.delete_user(s.guild.id, anna.id)
    assert report.done == ("Groups", "Moderation")
    await runner.idle()
    assert len(fake.dm_messages(cleo)) == dms and len(left) == 1

    # A leader still on the server loses the role and the leaders' rights on the channels.
    assert fake.member_permissions(s.guild, leader, leaders_channel) & VIEW
    await bot.data_deletion.delete_user(s.guild.id, leader.id)
    await runner.idle()
    assert not await bot.groups.leader_ids(s.guild.id, restricted.id)
    assert not has_role(fake, s, leader, restricted.role_id)
    for channel_id in (restricted.channel_id, restricted.leaders_channel_id):
        assert not fake.member_permissions(s.guild, leader, channel_of(fake, channel_id)) & VIEW

    # A restart does not read the roles taken back as anything: they stay out.
    await runner.stop()
    bot = await runner.start(sync=False)
    await runner.idle()
    assert not has_role(fake, s, anna, full.role_id)
    assert not await bot.groups.is_member(s.guild.id, full.id, anna.id)
    assert not has_role(fake, s, leader, restricted.role_id)


async def events_naming(bot: Bot, user_id: int) -> int:
    """Durable events whose payload holds this id (bot/event_log.py keeps them 30 days)."""
    row = await bot.db.fetchone(
        "SELECT COUNT(*) AS n FROM events WHERE payload LIKE :id", {"id": f"%{user_id}%"}
    )
    assert row is not None
    return int(row["n"])
