"""/feedback and /poll create when many people use them at once: each form is its own (an id
unique to each opening, nothing kept in the bot's memory; bot/kit/modals.py), so feedback goes
where its sender chose and each poll has its own creator's question and options."""

from __future__ import annotations

import asyncio

from tests.fakediscord import FakeDiscord, InteractionResult
from tests.fakediscord.models import Message, User
from tests.feedback.conftest import (
    StartFeedback,
    add_people,
    digests,
    feedback_cog,
    poll_id_of,
    polls_in,
    the_bot,
)
from tests.feedback.standin_groups import StandInGroups
from tests.harness import BotRunner, Server

SENDERS = 10
CREATORS = 10


def digest_texts(messages: list[Message]) -> list[str]:
    """The feedback items in digests (the first embed introduces them)."""
    return [str(e["description"]) for m in messages for e in m.embeds[1:]]


async def test_ten_feedbacks_at_once_each_reach_where_their_sender_chose(
    mod_log_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    lead_a, lead_b = add_people(fake, server, 2, prefix="lead")
    senders = add_people(fake, server, SENDERS, prefix="s")
    circle_a = groups.add(server.guild.id, "Circle A", members=senders[0:3], leaders=[lead_a])
    circle_b = groups.add(server.guild.id, "Circle B", members=senders[3:6], leaders=[lead_b])
    # (sender, group or None for the moderators, text); the moderators hear about a leader
    plan: list[tuple[User, int | None, str]] = [
        *((u, circle_a.id, f"for A's leaders from {u.username}") for u in senders[0:3]),
        *((u, circle_b.id, f"for B's leaders from {u.username}") for u in senders[3:6]),
        *((u, None, f"for the moderators about lead0, from {u.username}") for u in senders[6:]),
    ]

    async def open_form(user: User, group: int | None) -> InteractionResult:
        options = {"group": str(group)} if group is not None else {}
        return await fake.slash(
            user, "feedback", guild=server.guild, channel=server.general, options=options
        )

    forms = await asyncio.gather(*(open_form(user, group) for user, group, _ in plan))
    assert all(form.modal is not None for form in forms), forms
    assert len({form.modal.custom_id for form in forms if form.modal is not None}) == SENDERS
    for form, (_, group, _) in zip(forms, plan, strict=True):
        assert form.modal is not None
        # the form names where it goes, not who writes
        label = str(form.modal.inputs()[0]["label"])
        assert ("leaders" in label) == (group is not None), label

    thanks = await asyncio.gather(
        *(
            fake.submit_modal(user, form, {"feedback:text:body": text})
            for form, (user, _, text) in zip(forms, plan, strict=True)
        )
    )
    for answer, (_, group, _) in zip(thanks, plan, strict=True):
        assert answer.ephemeral and "without your name" in answer.text, answer
        assert ("group's leaders" in answer.text) == (group is not None), answer.text
    await feedback_cog(the_bot(mod_log_runner))._daily()  # what waits for a batch goes out
    await mod_log_runner.idle()

    wanted = {
        key: sorted(text for _, group, text in plan if group == key)
        for key in (circle_a.id, circle_b.id, None)
    }
    assert sorted(digest_texts(digests(fake, server.private))) == wanted[None]
    assert sorted(digest_texts(fake.dm_messages(lead_a))) == wanted[circle_a.id]
    assert sorted(digest_texts(fake.dm_messages(lead_b))) == wanted[circle_b.id]
    for user, _, _ in plan:  # no sender was told anything but their thanks
        assert fake.dm_messages(user) == []


async def test_ten_polls_created_at_once_each_keep_their_creators_question_and_options(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    creators = add_people(fake, server, CREATORS, prefix="leader")
    rooms = [fake.create_text_channel(server.guild, f"circle-{i}") for i in range(CREATORS)]
    circles = [
        groups.add(server.guild.id, f"Circle {i}", channel_id=room.id, leaders=[creator])
        for i, (creator, room) in enumerate(zip(creators, rooms, strict=True))
    ]
    await bot_runner.idle()  # the bot knows the new channels

    def question(i: int) -> str:
        return f"Question of {creators[i].username}?"

    def options(i: int) -> list[str]:
        return [f"{creators[i].username} yes", f"{creators[i].username} no"]

    forms = await asyncio.gather(
        *(
            fake.slash(
                creator,
                "poll create",
                guild=server.guild,
                channel=server.general,
                options={"question": question(i), "group": str(circles[i].id)},
            )
            for i, creator in enumerate(creators)
        )
    )
    assert all(form.modal is not None for form in forms), forms
    assert len({form.modal.custom_id for form in forms if form.modal is not None}) == CREATORS
    for i, form in enumerate(forms):
        assert form.modal is not None
        # the form shows its own creator's question, prefilled
        [shown] = [c for c in form.modal.inputs() if c["custom_id"].endswith(":question")]
        assert shown["value"] == question(i)

    done = await asyncio.gather(
        *(
            fake.submit_modal(creator, form, {"feedback:poll-options:text": "\n".join(options(i))})
            for i, (creator, form) in enumerate(zip(creators, forms, strict=True))
        )
    )
    for answer in done:
        # On a busy machine the outbox may not have sent within the wait: the creator is then
        # told, truthfully, that it will be posted in a moment (that it is, is checked below).
        assert answer.ephemeral, answer
        assert "Your poll is posted" in answer.text or "will be posted" in answer.text, answer
    await bot_runner.idle()

    db = bot_runner.db
    assert db is not None
    rows = await db.fetchall("SELECT id, created_by, question, group_id, channel_id FROM polls")
    assert len(rows) == CREATORS
    for i, (creator, room) in enumerate(zip(creators, rooms, strict=True)):
        [poll] = polls_in(fake, room)
        [row] = [r for r in rows if r[0] == poll_id_of(poll)]
        assert (row[1], row[2], row[3], row[4]) == (creator.id, question(i), circles[i].id, room.id)
        assert question(i) in poll.text
        labels = [str((poll.component(cid) or {}).get("label")) for cid in poll.custom_ids()]
        assert labels == options(i)


async def test_a_poll_form_sent_after_a_restart_posts_its_poll(
    start_feedback: StartFeedback,
    fake_discord: FakeDiscord,
    server: Server,
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    [leader] = add_people(fake, server, 1, prefix="leader")
    room = fake.create_text_channel(server.guild, "circle")
    circle = groups.add(server.guild.id, "Circle", channel_id=room.id, leaders=[leader])
    first = await start_feedback()
    form = await fake.slash(
        leader,
        "poll create",
        guild=server.guild,
        channel=server.general,
        options={
            "question": "Shall we meet in person?",
            "closes-in": "2d",
            "group": str(circle.id),
        },
    )
    assert form.modal is not None
    await first.stop()  # the bot restarts while the leader writes the options
    second = await start_feedback(sync=False)
    done = await fake.submit_modal(leader, form, {"feedback:poll-options:text": "Yes\nNo"})
    assert done.ephemeral and "Your poll is posted" in done.text, done
    [poll] = polls_in(fake, room)
    assert "Shall we meet in person?" in poll.text
    assert second.db is not None
    [(created_by, group_id, closes_at, created_at)] = await second.db.fetchall(
        "SELECT created_by, group_id, closes_at, created_at FROM polls"
    )
    assert (created_by, group_id) == (leader.id, circle.id)
    assert closes_at - created_at == 2 * 86400


async def test_a_feedback_form_sent_after_a_restart_goes_where_it_was_meant(
    start_feedback: StartFeedback,
    fake_discord: FakeDiscord,
    server: Server,
    groups: StandInGroups,
) -> None:
    fake = fake_discord
    leader, *writers = add_people(fake, server, 4, prefix="w")
    circle = groups.add(server.guild.id, "Circle", members=writers, leaders=[leader])
    first = await start_feedback()
    forms = [
        await fake.slash(
            user,
            "feedback",
            guild=server.guild,
            channel=server.general,
            options={"group": str(circle.id)},
        )
        for user in writers
    ]
    await first.stop()
    second = await start_feedback(sync=False)
    for user, form in zip(writers, forms, strict=True):
        done = await fake.submit_modal(user, form, {"feedback:text:body": f"from {user.username}"})
        assert done.ephemeral and "group's leaders" in done.text, done
    await second.idle()
    assert sorted(digest_texts(fake.dm_messages(leader))) == sorted(
        f"from {u.username}" for u in writers
    )
