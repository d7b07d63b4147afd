"""The one central check (bot/do_not_contact.py): whatever a feature enqueues privately for a
remembered member, whatever its kind, is dropped unsent at send time; the same row for another
member goes out. Taking a member off the list lets messages through again."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, settle
from tests.storms.conftest import remember

NOTICE = "meetings.notice"  # the meetings feature's private text (a private reminder, a change)


async def test_any_private_message_to_a_remembered_member_is_dropped_at_send_time(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    bot = runner.bot
    assert bot is not None
    lena, anna, bea = (person(fake, s, n) for n in ("lena", "anna", "bea"))
    group = await make_group(runner, fake, s, "Caregivers", lena)
    for user in (anna, bea):
        await join(fake, s, user, group.id)
    res = await remember(fake, s, lena, anna, group.id)
    assert res.ephemeral
    await settle(runner)
    before = {u.id: len(fake.dm_messages(u)) for u in (anna, bea)}

    # A private reminder written later for both, as the meetings feature writes it.
    async with bot.db.transaction() as tx:
        rows = [
            await bot.outbox.enqueue(
                tx,
                kind=NOTICE,
                guild_id=s.guild.id,
                user_id=user.id,
                payload={"msg": "A reminder: {title} starts soon.", "params": {"title": "Circle"}},
            )
            for user in (anna, bea)
        ]
    await settle(runner)
    assert len(fake.dm_messages(anna)) == before[anna.id]
    assert len(fake.dm_messages(bea)) == before[bea.id] + 1
    assert [await bot.dispatcher.outcome(r, within=1) for r in rows] == ["failed", "sent"]

    # Recorded by mistake: a moderator takes her off the list (by hand here), and she can be
    # written to again.
    async with bot.db.transaction() as tx:
        assert await bot.do_not_contact.remove_in(tx, s.guild.id, anna.id)
    async with bot.db.transaction() as tx:
        await bot.outbox.enqueue(
            tx,
            kind=NOTICE,
            guild_id=s.guild.id,
            user_id=anna.id,
            payload={"msg": "A reminder: {title} starts soon.", "params": {"title": "Circle"}},
        )
    await settle(runner)
    assert len(fake.dm_messages(anna)) == before[anna.id] + 1
