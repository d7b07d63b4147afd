"""/poll, driven as people would through the loopback Discord."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    create_poll,
    fire_close,
    open_poll,
    poll_id_of,
    polls_in,
    press,
    results_in,
    the_bot,
    vote,
)
from tests.feedback.standin_groups import StandInGroups
from tests.harness import BotRunner, Server, wait_until


async def test_a_poll_from_question_to_results(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
) -> None:
    fake, bot = fake_discord, the_bot(bot_runner)
    poll = await open_poll(fake, server.moderator, server, "Yes\nNo\nNot sure", closes_in="2d")
    assert poll.custom_ids() == [f"feedback:vote:{poll_id_of(poll)}:{i}" for i in (1, 2, 3)]
    assert "0 people have voted" in poll.text

    pressed = await press(fake, people[0], poll, 2)
    assert pressed.ephemeral
    assert "anonymous and final" in pressed.text and "**No**" in pressed.text
    counted = await fake.click(people[0], pressed.message, pressed.message.custom_ids()[0])
    assert counted.ephemeral and "your vote is counted" in counted.text
    assert counted.message.custom_ids() == []  # the confirm button is gone

    for user, position in zip(people[1:4], (1, 1, 2), strict=True):
        assert "your vote is counted" in (await vote(fake, user, poll, position)).text
    await wait_until(lambda: "4 people have voted" in fake.message(poll.id).text)
    live = fake.message(poll.id).text
    assert "%" not in live and "Yes:" not in live  # never per option while open

    again = await press(fake, people[0], poll, 1)
    assert again.ephemeral and "already voted" in again.text

    clock.advance(days=2, minutes=1)
    await fire_close(bot, poll_id_of(poll))
    await wait_until(lambda: len(results_in(fake, server.general)) == 1)
    results = results_in(fake, server.general)[0]
    assert "Yes: **50%** (2 votes)" in results.text
    assert "No: **50%** (2 votes)" in results.text
    assert "Not sure: **0%** (0 votes)" in results.text
    assert results.attachments and results.attachments[0]["filename"].endswith(".png")
    assert results.attachments[0]["size"] > 1000
    assert results.embeds[0]["image"]["url"].startswith("attachment://")

    await wait_until(lambda: "closed" in fake.message(poll.id).text)
    closed = fake.message(poll.id)
    assert all(c.get("disabled") for c in closed.components[0]["components"])
    assert polls_in(fake, server.general) == [closed]


async def test_too_few_voters_keep_the_results_to_themselves(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
) -> None:
    fake, bot = fake_discord, the_bot(bot_runner)
    poll = await open_poll(fake, server.moderator, server, "Mornings\nEvenings", closes_in="1d")
    await vote(fake, people[0], poll, 1)
    await vote(fake, people[1], poll, 2)
    clock.advance(days=1, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    await wait_until(lambda: len(results_in(fake, server.general)) == 1)
    results = results_in(fake, server.general)[0]
    assert "Too few answers to keep them anonymous" in results.text
    assert "at least 3 people" in results.text and "2 people voted" in results.text
    assert "%" not in results.text and "Mornings" not in results.text
    assert results.attachments == []


async def test_moderators_choose_how_many_voters_results_need(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    refused = await fake.slash(
        server.member, "poll settings min-voters", guild=g, channel=ch, options={"count": 5}
    )
    assert refused.ephemeral and "Only moderators" in refused.text
    done = await fake.slash(
        server.moderator, "poll settings min-voters", guild=g, channel=ch, options={"count": 5}
    )
    assert done.ephemeral and "at least 5 people" in done.text

    poll = await open_poll(fake, server.moderator, server, "A\nB", closes_in="1h")
    assert "at least 5 people" in poll.text
    for user in people[:4]:
        await vote(fake, user, poll, 1)
    closed = await fake.slash(
        server.moderator, "poll close", guild=g, channel=ch, options={"poll": str(poll_id_of(poll))}
    )
    assert closed.ephemeral and "The poll is closed" in closed.text
    await wait_until(lambda: len(results_in(fake, ch)) == 1)
    assert "Too few answers" in results_in(fake, ch)[0].text


async def test_closing_early_and_who_may(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
) -> None:
    fake, bot, g, ch = fake_discord, the_bot(bot_runner), server.guild, server.general
    leader = people[5]
    circle = groups.add(
        g.id, "Caregivers", channel_id=ch.id, members=people[:3], leaders=[leader.id]
    )
    poll = await open_poll(fake, leader, server, "Yes\nNo", group=circle.id)
    poll_id = str(poll_id_of(poll))

    # A member who did not create it is refused, kindly, and nothing changes.
    refused = await fake.slash(
        server.member, "poll close", guild=g, channel=ch, options={"poll": poll_id}
    )
    assert refused.ephemeral
    assert "Only the person who created this poll, or a moderator" in refused.text
    assert results_in(fake, ch) == []
    assert bot.scheduler.get_job(f"feedback:poll-close:{poll_id}") is not None

    # Someone is asked to confirm just before it closes...
    pressed = await press(fake, people[0], poll, 1)

    # Its creator may (and only sees their own polls offered).
    offered = await fake.autocomplete(
        leader, "poll close", focused="poll", value="", guild=g, channel=ch
    )
    assert [c["value"] for c in offered] == [poll_id]
    done = await fake.slash(leader, "poll close", guild=g, channel=ch, options={"poll": poll_id})
    assert done.ephemeral and "The poll is closed" in done.text
    await wait_until(lambda: len(results_in(fake, ch)) == 1)
    assert bot.scheduler.get_job(f"feedback:poll-close:{poll_id}") is None
    again = await fake.slash(leader, "poll close", guild=g, channel=ch, options={"poll": poll_id})
    assert "already closed" in again.text
    assert all(c.get("disabled") for c in fake.message(poll.id).components[0]["components"])
    # ... and confirms after: too late, said kindly, and not counted.
    late = await fake.click(people[0], pressed.message, pressed.message.custom_ids()[0])
    assert late.ephemeral and "This poll has closed" in late.text
    assert "(0 votes)" not in results_in(fake, ch)[0].text  # 0 voters < 3: nothing shown
    assert "0 people voted" in results_in(fake, ch)[0].text

    # A moderator may close anyone's poll.
    other = await open_poll(fake, leader, server, "Red\nBlue", group=circle.id)
    done = await fake.slash(
        server.moderator,
        "poll close",
        guild=g,
        channel=ch,
        options={"poll": str(poll_id_of(other))},
    )
    assert "The poll is closed" in done.text
    await wait_until(lambda: len(results_in(fake, ch)) == 2)


async def test_options_that_cannot_work_are_refused_kindly(
    bot_runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    cases = {
        "Only one": "at least 2 options",
        "\n".join(f"Option {i}" for i in range(11)): "at most 10 options",
        "Yes\n" + "x" * 81: "a button shows at most 80",
        "Yes\nNo\nyes": "is in the list twice",
    }
    for options, words in cases.items():
        res = await create_poll(fake, server.moderator, g, ch, options)
        assert res.ephemeral and words in res.text, res.text
    res = await fake.slash(
        server.moderator,
        "poll create",
        guild=g,
        channel=ch,
        options={"question": "When?", "closes-in": "soonish"},
    )
    assert res.ephemeral and "couldn't read “soonish”" in res.text
    res = await fake.slash(
        server.moderator,
        "poll create",
        guild=g,
        channel=ch,
        options={"question": "When?", "closes-in": "90d"},
    )
    assert res.ephemeral and "from 10 minutes to 30 days" in res.text
    assert polls_in(fake, ch) == []
    assert await count_polls(bot_runner) == 0


async def count_polls(runner: BotRunner) -> int:
    assert runner.db is not None
    return int(await runner.db.fetchval("SELECT COUNT(*) FROM polls") or 0)


async def test_who_may_create_polls(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    leader = people[0]
    mine = groups.add(g.id, "Survivors", channel_id=ch.id, members=people[1:3], leaders=[leader.id])
    theirs = groups.add(g.id, "Caregivers", channel_id=ch.id, members=people[3:5])

    res = await fake.slash(
        server.member, "poll create", guild=g, channel=ch, options={"question": "Q?"}
    )
    assert res.ephemeral and "Only moderators can do this" in res.text
    res = await fake.slash(leader, "poll create", guild=g, channel=ch, options={"question": "Q?"})
    assert res.ephemeral and "choose it in the “group” option" in res.text
    res = await fake.slash(
        leader,
        "poll create",
        guild=g,
        channel=ch,
        options={"question": "Q?", "group": str(theirs.id)},
    )
    assert res.ephemeral and "Only this group's leaders and the moderators" in res.text
    res = await fake.slash(
        leader, "poll create", guild=g, channel=ch, options={"question": "Q?", "group": "Nobody"}
    )
    assert res.ephemeral and "couldn't find a group called “Nobody”" in res.text

    offered = await fake.autocomplete(
        leader, "poll create", focused="group", value="", guild=g, channel=ch
    )
    assert [c["name"] for c in offered] == ["Survivors"]
    offered = await fake.autocomplete(
        server.moderator, "poll create", focused="group", value="care", guild=g, channel=ch
    )
    assert [c["name"] for c in offered] == ["Caregivers"]
    offered = await fake.autocomplete(
        leader, "poll create", focused="closes-in", value="2d", guild=g, channel=ch
    )
    assert offered[0]["value"] == "2d" and "3d" in [c["value"] for c in offered]

    done = await create_poll(fake, leader, g, ch, "Yes\nNo", group=mine.id)
    assert "Your poll is posted" in done.text


async def test_group_polls_are_for_the_group(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    groups: StandInGroups,
    clock: FakeClock,
) -> None:
    fake, bot, g = fake_discord, the_bot(bot_runner), server.guild
    room = fake.create_text_channel(g, "survivors-circle")
    leader, members, outsider = people[0], people[1:4], people[5]
    circle = groups.add(
        g.id,
        "Survivors circle",
        channel_id=room.id,
        members=[u.id for u in members],
        leaders=[leader.id],
    )
    poll = await open_poll(fake, leader, server, "Online\nIn person", group=circle.id, channel=room)
    assert "The members of Survivors circle can vote" in poll.text

    refused = await press(fake, outsider, poll, 1)
    assert refused.ephemeral and "This poll is for the members of Survivors circle" in refused.text
    for user in members:
        await vote(fake, user, poll, 2)

    # Someone who joins the group while the poll is open may vote too.
    groups.join(circle, outsider.id)
    await vote(fake, outsider, poll, 1)

    listed = await fake.slash(members[0], "poll list", guild=g, channel=room)
    assert listed.ephemeral and "Online" not in listed.text
    assert "How did this month's sessions feel?" in listed.text and "you have voted" in listed.text
    nothing = await fake.slash(server.member, "poll list", guild=g, channel=server.general)
    assert "no open polls you can vote in" in nothing.text

    clock.advance(days=3, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    await wait_until(lambda: len(results_in(fake, room)) == 1)
    assert "In person: **75%** (3 votes)" in results_in(fake, room)[0].text


async def test_poll_list_shows_what_the_caller_can_vote_in(
    bot_runner: BotRunner, fake_discord: FakeDiscord, server: Server, people: list[User]
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    first = await open_poll(fake, server.moderator, server, "Yes\nNo", question="First question?")
    await open_poll(fake, server.moderator, server, "Yes\nNo", question="Second question?")
    await vote(fake, people[0], first, 1)
    listed = await fake.slash(people[0], "poll list", guild=g, channel=ch)
    assert listed.ephemeral
    lines = listed.text.splitlines()
    assert any("First question?" in line and "you have voted" in line for line in lines)
    assert any("Second question?" in line and "you haven't voted yet" in line for line in lines)
