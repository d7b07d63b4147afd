"""A leader who stops leading stays in the group as a member, and from then on passes what
members pass (issue 18): the agreement within a grace period, as for a new version, or their
access is held until they accept; they take a seat, and a group pushed over its limit tells its
leaders instead of evicting anyone."""

from __future__ import annotations

from tests.confidentiality.conftest import agree, conf, followup_text, the_bot
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.groups.conftest import channel_of, create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import VIEW_CHANNEL, BotRunner, Server


async def stop_leading(fake: FakeDiscord, s: Server, group_id: int, user_id: int):
    return await fake.slash(
        s.moderator,
        "group leaders remove",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group_id), "member": user_id},
    )


async def test_a_former_leader_accepts_within_the_grace_or_is_held(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, community
    lena, olga, anna, bea = people(fake, s, "lena", "olga", "anna", "bea")
    await create_group(fake, s, "Survivors", lena, capacity=1)
    group = await group_named(runner, s, "Survivors")
    await fake.slash(
        s.moderator,
        "group leaders add",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "member": olga.id},
    )
    res = await join(fake, s, anna, group.id)
    await agree(fake, anna, res.message)  # the one seat is hers
    await runner.idle()
    room = channel_of(fake, group.channel_id)
    leaders_room = channel_of(fake, group.leaders_channel_id)
    posts = len(fake.messages_in(leaders_room))

    # Lena never accepted the agreement (leaders are let in first, and asked).
    res = await stop_leading(fake, s, group.id, lena.id)
    assert "no longer leads Survivors" in res.text
    assert "over its seat limit" in res.text
    await runner.idle()
    assert has_role(fake, s, lena, group.role_id)  # a member now: the room, not the leaders'
    assert fake.member_permissions(s.guild, lena, room) & VIEW_CHANNEL
    assert not fake.member_permissions(s.guild, lena, leaders_room) & VIEW_CHANNEL
    told = [m.text for m in fake.messages_in(leaders_room)[posts:]]
    assert any(
        f"<@{lena.id}> no longer leads Survivors" in t and "2 members for 1" in t for t in told
    )
    # She counts: the group is over its limit, so Bea waits.
    assert "number 1" in (await join(fake, s, bea, group.id)).text
    asked = last_dm(fake, lena)
    assert "You no longer lead Survivors" in asked.text
    assert "You keep access to your groups until <t:" in asked.text
    assert [c.split(":")[1] for c in asked.custom_ids()] == ["agree"]

    # The grace period ends without her answer: told, then held (seat kept).
    bot = the_bot(runner)
    job = bot.scheduler.get_job(f"confidentiality:member-grace:{group.id}:{lena.id}")
    assert job is not None
    await job.func(*job.args)  # too early: nothing happens
    assert has_role(fake, s, lena, group.role_id)
    clock.advance(days=7, seconds=1)
    # A restart in between loses nothing: the job is rebuilt from the database.
    await runner.stop()
    bot = await runner.start(sync=False)
    await runner.idle()
    job = bot.scheduler.get_job(f"confidentiality:member-grace:{group.id}:{lena.id}")
    assert job is not None
    await job.func(*job.args)
    await runner.idle()
    assert not has_role(fake, s, lena, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, lena.id)
    paused = last_dm(fake, lena)
    assert "Your access to Survivors is paused" in paused.text
    await job.func(*job.args)  # once only
    assert len([m for m in fake.dm_messages(lena) if "is paused" in m.text]) == 1

    res = await agree(fake, lena, paused)
    assert "Your access to Survivors is back" in followup_text(res)
    assert has_role(fake, s, lena, group.role_id)

    # Olga accepted when she was appointed: stepping down asks her nothing.
    await agree(fake, olga, last_dm(fake, olga))
    before = len(fake.dm_messages(olga))
    await stop_leading(fake, s, group.id, olga.id)
    await runner.idle()
    assert len(fake.dm_messages(olga)) == before
    assert await conf(runner).service.member_graces_to_enforce() == []
