"""The agreement asked for a seat is asked once (issue 19): the groups feature notes that it
asked a member's join gates in a transaction of its own, after the agreement's message was
written; a bot stopped between the two asks again at start-up, and the second asking sends
nothing (cogs/confidentiality/service_base.py `ask_privately`, migration 0023). A later seat,
after "Not now", is asked for again. tests/groups/test_crash_points.py kills the whole flow at
every step."""

from __future__ import annotations

from tests.confidentiality.conftest import agree, followup_text, not_now_id, the_bot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.groups.conftest import channel_of, create_group, group_named, has_role
from tests.groups.test_membership import join, people
from tests.harness import BotRunner, Server

AGREEMENT = "Our confidentiality agreement (version"  # its embed, kept when it is answered


def prompts(fake: FakeDiscord, user: User) -> list[Message]:
    return [m for m in fake.dm_messages(user) if AGREEMENT in m.text]


async def approve_latest(fake: FakeDiscord, leader: User, channel_id: int | None) -> None:
    channel = channel_of(fake, channel_id)
    request = [m for m in fake.messages_in(channel.id) if m.custom_ids()][-1]
    await fake.click(leader, request, next(c for c in request.custom_ids() if ":approve:" in c))


async def test_an_approved_member_is_asked_once_when_the_bot_stopped_before_noting_it(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader, rosa = people(fake, s, "lena", "rosa")
    await create_group(fake, s, "Young adults", leader, access="restricted")
    group = await group_named(runner, s, "Young adults")
    await join(fake, s, rosa, group.id)
    await runner.idle()
    await approve_latest(fake, leader, group.leaders_channel_id)
    await runner.idle()
    assert len(prompts(fake, rosa)) == 1

    # As if the bot had stopped after writing the agreement's message and before the groups
    # feature noted that it asked: start-up asks her join gates again.
    bot = the_bot(runner)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE group_join_tickets SET gates_asked_at = NULL")
    await runner.stop()
    await runner.start(sync=False)
    await runner.idle()
    assert len(prompts(fake, rosa)) == 1  # nothing sent twice
    res = await agree(fake, rosa, fake.message(prompts(fake, rosa)[0].id))
    assert "Welcome to Young adults" in followup_text(res)
    assert has_role(fake, s, rosa, group.role_id)


async def test_a_later_seat_after_not_now_is_asked_for_again(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader, rosa = people(fake, s, "lena", "rosa")
    await create_group(fake, s, "Young adults", leader, access="restricted")
    group = await group_named(runner, s, "Young adults")
    await join(fake, s, rosa, group.id)
    await runner.idle()
    await approve_latest(fake, leader, group.leaders_channel_id)
    await runner.idle()
    (first,) = prompts(fake, rosa)
    res = await fake.click(rosa, first, not_now_id(first))
    await res.wait_for(lambda r: bool(r.followups))
    assert "next person" in followup_text(res)

    # She asks again the same day and is approved again: the new seat is asked for.
    await join(fake, s, rosa, group.id)
    await runner.idle()
    await approve_latest(fake, leader, group.leaders_channel_id)
    await runner.idle()
    assert len(prompts(fake, rosa)) == 2
    res = await agree(fake, rosa, prompts(fake, rosa)[-1])
    assert "Welcome to Young adults" in followup_text(res)
    assert has_role(fake, s, rosa, group.role_id)
