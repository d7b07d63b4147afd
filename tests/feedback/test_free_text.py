"""/feedback: anonymous free text, delivered in batches, limited per day."""

from __future__ import annotations

import pytest

from bot.events import FEEDBACK_SUBMITTED
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    WITH_MOD_LOG,
    StartFeedback,
    digests,
    feedback_cog,
    send_feedback,
    the_bot,
    use_mod_log,
)
from tests.feedback.standin_groups import StandInGroups
from tests.harness import BotRunner, Server, wait_until


async def test_feedback_reaches_the_moderators_in_a_batch(
    mod_log_runner: BotRunner, fake_discord: FakeDiscord, server: Server, people: list[User]
) -> None:
    fake = fake_discord
    texts = [
        "The Thursday group runs over time and I have to leave early.",
        "Thank you for the new caregivers' group, it helps a lot.",
        "Could we have a session in Spanish?",
    ]
    for user, text in zip((server.member, people[0]), texts[:2], strict=True):
        thanks = await send_feedback(fake, user, server, text)
        assert thanks.ephemeral and "without your name" in thanks.text
    await the_bot(mod_log_runner).dispatcher.drain()
    assert digests(fake, server.private) == []  # two are waiting: not yet

    await send_feedback(fake, people[1], server, texts[2])
    await wait_until(lambda: len(digests(fake, server.private)) == 1)
    digest = digests(fake, server.private)[0]
    assert "3 anonymous messages" in digest.text and "to the moderators" in digest.text
    assert sorted(e["description"] for e in digest.embeds[1:]) == sorted(texts)
    for user in (server.member, people[0], people[1]):
        assert str(user.id) not in str(digest.payload()) and user.username not in digest.text
    assert mod_log_runner.db is not None
    assert await mod_log_runner.db.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


@pytest.mark.sqlite_only
async def test_a_few_a_day_and_the_daily_digest(
    mod_log_runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    for n in range(3):
        assert (
            "without your name" in (await send_feedback(fake, server.member, server, f"n{n}")).text
        )
    await wait_until(lambda: len(digests(fake, server.private)) == 1)
    refused = await send_feedback(fake, server.member, server, "one more")
    assert refused.ephemeral and refused.modal is None
    assert "You've sent 3 pieces of feedback today" in refused.text

    clock.advance(days=1)
    assert (
        "without your name" in (await send_feedback(fake, server.member, server, "next day")).text
    )
    await the_bot(mod_log_runner).dispatcher.drain()
    assert len(digests(fake, server.private)) == 1  # one waiting, alone: not yet
    await feedback_cog(the_bot(mod_log_runner))._daily()  # the daily digest
    await wait_until(lambda: len(digests(fake, server.private)) == 2)
    latest = digests(fake, server.private)[1]
    assert "1 anonymous message" in latest.text and latest.embeds[1]["description"] == "next day"
    assert mod_log_runner.db is not None
    # The daily counts are never written down (PRIVACY.md): no table names who sent today.
    tables = await mod_log_runner.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert "feedback_quota" not in {row["name"] for row in tables}
    assert await mod_log_runner.db.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


async def test_feedback_to_a_groups_leaders_goes_to_each_privately(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    leaders = people[:2]
    circle = groups.add(
        server.guild.id,
        "Young adults",
        channel_id=server.general.id,
        members=people[2:4],
        leaders=leaders,
    )
    offered = await fake.autocomplete(
        people[2],
        "feedback",
        focused="group",
        value="young",
        guild=server.guild,
        channel=server.general,
    )
    assert offered == [{"name": "Young adults", "value": str(circle.id)}]
    thanks = await send_feedback(fake, people[2], server, "Please start on time.", group=circle.id)
    assert "reach the group's leaders" in thanks.text
    await feedback_cog(the_bot(bot_runner))._daily()
    for leader in leaders:
        await wait_until(lambda leader=leader: len(fake.dm_messages(leader)) == 1)
        dm = fake.dm_messages(leader)[0]
        assert "to the leaders of Young adults" in dm.text
        assert dm.embeds[1]["description"] == "Please start on time."
    assert fake.messages_in(server.general.id) == [] or all(
        "Please start on time." not in m.text for m in fake.messages_in(server.general.id)
    )


async def test_feedback_refusals_are_kind_and_store_nothing(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    res = await send_feedback(fake, server.member, server, "hello")
    assert res.ephemeral and "no private mod-log channel" in res.text

    lonely = groups.add(server.guild.id, "Night owls", members=[server.member.id])
    res = await send_feedback(fake, server.member, server, "hello", group=lonely.id)
    assert res.ephemeral and "Night owls has no leaders right now" in res.text

    other = groups.add(server.guild.id, "Caregivers", members=people[:2], leaders=[people[2].id])
    res = await send_feedback(fake, server.member, server, "hello", group=other.id)
    assert res.ephemeral and "isn't one of yours" in res.text

    res = await fake.slash(
        server.member,
        "feedback",
        guild=server.guild,
        channel=server.general,
        options={"group": "Nope"},
    )
    assert res.ephemeral and "couldn't find a group called “Nope”" in res.text
    assert bot_runner.db is not None
    assert await bot_runner.db.fetchval("SELECT COUNT(*) FROM feedback_items") == 0
    assert await bot_runner.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_stored_feedback_is_announced_with_its_text_and_never_its_author(
    start_feedback: StartFeedback,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
) -> None:
    """`feedback_submitted(guild_id, group_id, text)` lets another feature (escalation) read the
    text without importing this one: the text as stored, where it goes, and nothing of who."""
    bot_runner = await start_feedback(WITH_MOD_LOG)
    fake, bot = fake_discord, the_bot(bot_runner)
    heard: list[tuple[tuple[object, ...], dict[str, object]]] = []

    async def listener(*args: object, **kwargs: object) -> None:
        heard.append((args, kwargs))

    bot.add_listener(listener, f"on_{FEEDBACK_SUBMITTED}")
    refused = await send_feedback(fake, server.member, server, "hello")  # no mod-log yet
    assert "no private mod-log channel" in refused.text

    await use_mod_log(bot_runner, server)
    await send_feedback(fake, server.member, server, "  I can't cope with the waiting.  ")
    circle = groups.add(
        server.guild.id, "Young adults", members=[server.member.id], leaders=[people[0].id]
    )
    await send_feedback(fake, server.member, server, "Please start on time.", group=circle.id)
    await wait_until(lambda: len(heard) == 2)
    assert heard == [
        ((server.guild.id, None, "I can't cope with the waiting."), {}),
        ((server.guild.id, circle.id, "Please start on time."), {}),
    ]
    for user in (server.member, *people):
        assert user.id not in heard[0][0] + heard[1][0]
        assert str(user.id) not in repr(heard) and user.username not in repr(heard)


async def test_feedback_nobody_can_read_is_not_kept_forever(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
    clock: FakeClock,
) -> None:
    """Feedback waiting for an archived group is deleted at the next digest; for a group left
    without leaders, after a fortnight of nobody to read it; both unread, out of the log too."""
    fake, db = fake_discord, bot_runner.db
    assert db is not None
    closing = groups.add(
        server.guild.id,
        "Closing",
        channel_id=server.general.id,
        members=people[2:3],
        leaders=people[:1],
    )
    orphan = groups.add(
        server.guild.id,
        "Orphan",
        channel_id=server.general.id,
        members=people[3:4],
        leaders=people[1:2],
    )
    await send_feedback(fake, people[2], server, "For the closing group.", group=closing.id)
    await send_feedback(fake, people[3], server, "For the orphan group.", group=orphan.id)
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_items") == 2

    groups.archive(closing)
    groups.leaders[orphan.id] = set()  # its only leader stepped down
    daily = feedback_cog(the_bot(bot_runner))._daily
    await daily()
    bodies = [row["body"] for row in await db.fetchall("SELECT body FROM feedback_items")]
    assert bodies == ["For the orphan group."]  # the archived group's is gone, unread

    clock.advance(days=13)
    await daily()
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_items") == 1  # still waiting
    clock.advance(days=1)
    await daily()
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_items") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_unreachable") == 0
    await the_bot(bot_runner).dispatcher.drain()
    for user in (*people[:2], server.moderator):
        assert all("group." not in m.text for m in fake.dm_messages(user))  # never delivered


async def test_feedback_waiting_for_a_new_leader_goes_out_once_there_is_one(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
    clock: FakeClock,
) -> None:
    fake, db = fake_discord, bot_runner.db
    assert db is not None
    circle = groups.add(
        server.guild.id,
        "Circle",
        channel_id=server.general.id,
        members=people[2:3],
        leaders=people[:1],
    )
    await send_feedback(fake, people[2], server, "Thanks for last week.", group=circle.id)
    groups.leaders[circle.id] = set()
    daily = feedback_cog(the_bot(bot_runner))._daily
    await daily()
    clock.advance(days=10)
    groups.leaders[circle.id] = {people[1].id}  # a new leader within the fortnight
    await daily()
    await wait_until(lambda: len(fake.dm_messages(people[1])) == 1)
    assert fake.dm_messages(people[1])[0].embeds[1]["description"] == "Thanks for last week."
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_unreachable") == 0
