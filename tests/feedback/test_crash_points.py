"""Crash points of the feedback feature's flows (issue 19): /poll create (its form sent), a poll
closing with its results and chart, and /feedback completing a batch. Each flow is run once to
count its steps (every request to Discord, every commit), then killed at a deterministic sample
of its steps (`every_kind`: before the first and the last step of each kind, and after the last;
the suite's time allows no more: see the report in the test's output), restarted on the same
database and checked (tests/crashpoints.py).

What must hold after any crash, once the restarted bot is idle:
- a poll is posted once with vote buttons that work, or nothing of it exists; its creator is
  told at most once, and never of a poll that is not there;
- a closed poll's results are posted once, with the chart, and its message shows it closed; a
  poll the crash caught open still closes at its time, its voters asked once to vote again;
- feedback reaches the moderators once per text, in one batch, or waits for the next;
- anonymity holds after the crash too: no row holds a member's id beside what they wrote, no
  poll row holds a voter's id, and no choice is written while the poll is open.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import Bot
from bot.db_postgres import PostgresDatabase
from tests.crashpoints import Flow, World, every_kind, report, sweep
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User
from tests.feedback.standin_groups import StandInGroups, install_groups

pytestmark = pytest.mark.slow


FEATURES = ("settings", "moderation", "feedback")
QUESTION = "How did this month's sessions feel?"
RESULTS = "Poll results"


def replies_to(world: World, user: User) -> list[str]:
    """Every message the bot showed `user` in answer to their interactions (ephemeral ones
    included), once each, as it reads last (an edited message counts once)."""
    shown: dict[int, str] = {}
    for pending in world.fake.pending.values():
        if pending.result.user.id == user.id:
            for m in pending.result.messages:
                shown[m.id] = m.text
    return [text for text in shown.values() if text]


def bot_messages(world: World, channel_id: int) -> list[Message]:
    fake = world.fake
    return [
        m
        for m in fake.messages_in(channel_id, include_system=False)
        if m.author.id == fake.bot_user.id
    ]


def polls_in(world: World, channel_id: int) -> list[Message]:
    return [
        m
        for m in bot_messages(world, channel_id)
        if any(c.startswith("feedback:vote:") for c in m.custom_ids())
    ]


def results_in(world: World, channel_id: int) -> list[Message]:
    return [
        m
        for m in bot_messages(world, channel_id)
        if m.embeds and m.embeds[0].get("title") == RESULTS
    ]


def people(world: World, n: int) -> list[User]:
    users = []
    for i in range(n):
        user = world.fake.create_user(f"p{i}")
        world.fake.add_member(world.server.guild, user)
        users.append(user)
    world.state["people"] = users
    return users


async def rows_of(world: World, table: str) -> list[dict[str, Any]]:
    rows = await world.bot.db.fetchall(f"SELECT * FROM {table}")
    return [{key: row[key] for key in row.keys()} for row in rows]


async def every_row(world: World) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, on SQLite or on PostgreSQL (TEST_DATABASE)."""
    if isinstance(world.bot.db, PostgresDatabase):
        listing = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    else:
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    tables = await world.bot.db.fetchall(listing)
    return {t["name"]: await rows_of(world, t["name"]) for t in tables}


def mentions(row: dict[str, Any], ids: set[int]) -> bool:
    """Whether a row holds one of `ids`, in a column or inside a JSON column."""
    return any(
        value in ids or (isinstance(value, str) and any(str(i) in value for i in ids))
        for value in row.values()
    )


async def post_poll(world: World) -> Message:
    """A moderator posts a poll (Yes / No / Not sure, closing in a day) in the general channel:
    its message; `world.state["poll"]` is its id."""
    fake, s = world.fake, world.server
    asked = await fake.slash(
        s.moderator,
        "poll create",
        guild=s.guild,
        channel=s.general,
        options={"question": QUESTION, "closes-in": "1d"},
    )
    done = await fake.submit_modal(
        s.moderator, asked, {"feedback:poll-options:text": "Yes\nNo\nNot sure"}
    )
    assert "Your poll is posted" in done.text, done
    (message,) = polls_in(world, s.general.id)
    world.state["poll"] = int(message.custom_ids()[0].split(":")[2])
    return message


class Starting(Flow):
    """The feedback flows' bots: the stand-in groups directory (the feature's own tests' way
    of having groups without the groups feature) and the moderator role."""

    features = FEATURES

    def before_start(self, bot: Bot) -> None:
        install_groups(StandInGroups())(bot)

    async def community(self, world: World) -> None:
        s = world.server
        board = world.bot.get_cog("Poll board")
        assert board is not None
        board.refresh_seconds = 0.02  # type: ignore[attr-defined]  # as the feature's tests do
        await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
        await world.bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)


# ---------------------------------------------------------------------- /poll create


class PollCreate(Starting):
    """A moderator sends the /poll create form. Killed anywhere: one poll, posted once, whose
    buttons take a vote; or no poll and no message."""

    async def prepare(self, world: World) -> None:
        await self.community(world)
        people(world, 3)
        s = world.server
        asked = await world.fake.slash(
            s.moderator,
            "poll create",
            guild=s.guild,
            channel=s.general,
            options={"question": QUESTION, "closes-in": "2d"},
        )
        assert asked.modal is not None, asked
        world.state["form"] = asked

    async def act(self, world: World) -> None:
        form: InteractionResult = world.state["form"]
        await world.fake.submit_modal(
            world.server.moderator, form, {"feedback:poll-options:text": "Yes\nNo\nNot sure"}
        )

    async def check(self, world: World, point: int | None) -> None:
        fake, s = world.fake, world.server
        polls = await rows_of(world, "polls")
        posted = polls_in(world, s.general.id)
        told = [t for t in replies_to(world, s.moderator) if "poll" in t.lower()]
        assert len(told) <= 1, (point, told)
        if not polls:
            assert posted == [] and told == [], (point, posted, told)
            return
        (poll,) = polls
        (message,) = posted
        assert poll["status"] == "open" and poll["message_id"] == message.id, (point, poll)
        assert world.bot.scheduler.get_job(f"feedback:poll-close:{poll['id']}") is not None
        for text in told:
            assert "posted" in text, (point, text)
        if not told:
            # Not answered (the bot died first), the moderator tries again: told where the
            # poll is, and nothing doubles.
            again = await fake.slash(
                s.moderator,
                "poll create",
                guild=s.guild,
                channel=s.general,
                options={"question": QUESTION, "closes-in": "2d"},
            )
            done = await fake.submit_modal(
                s.moderator, again, {"feedback:poll-options:text": "Yes\nNo\nNot sure"}
            )
            await world.idle()
            assert "Nothing new was posted" in done.text, (point, done)
            assert len(polls_in(world, s.general.id)) == 1
            assert len(await rows_of(world, "polls")) == 1
        # Its buttons work: a member votes.
        voter = world.state["people"][0]
        pressed = await fake.click(voter, message, message.custom_ids()[0])
        confirm = [c for c in pressed.message.custom_ids() if c.startswith("feedback:confirm:")]
        done = await fake.click(voter, pressed.message, confirm[0])
        assert "your vote is counted" in done.text, (point, done)


async def test_poll_create_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(PollCreate(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 3  # the poll and its row, its post, the poll opened


# ---------------------------------------------------------------------- a poll closes


class PollClose(Starting):
    """A poll three members voted in (Yes, Yes, No) closes at its time. Killed anywhere:
    closed, with its results and chart posted once and its message showing it closed; or
    still open, its voters asked once each to vote again (their choices were in memory), and
    closing at its time with its results posted once."""

    async def prepare(self, world: World) -> None:
        await self.community(world)
        fake = world.fake
        voters = people(world, 3)
        message = await post_poll(world)
        for voter, position in zip(voters, (1, 1, 2), strict=True):
            pressed = await fake.click(
                voter, message, f"feedback:vote:{world.state['poll']}:{position}"
            )
            confirm = [c for c in pressed.message.custom_ids() if c.startswith("feedback:confirm:")]
            counted = await fake.click(voter, pressed.message, confirm[0])
            assert "your vote is counted" in counted.text, counted
        await world.idle()
        world.clock.advance(days=1, minutes=1)

    async def act(self, world: World) -> None:
        await fire_close(world.bot, world.state["poll"])

    async def check(self, world: World, point: int | None) -> None:
        fake, s = world.fake, world.server
        voters: list[User] = world.state["people"]
        (poll,) = await rows_of(world, "polls")
        options = await rows_of(world, "poll_options")
        asked_again = {
            v.id: [
                m for m in fake.dm_messages(v) if "vote again" in m.text or "closed since" in m.text
            ]
            for v in voters
        }
        await anonymous_polls(world, {v.id for v in voters})
        if poll["status"] == "open":
            # Caught open: the choices held in memory are gone; nothing of them was written.
            assert all(o["votes"] == 0 for o in options), (point, options)
            assert all(len(told) == 1 for told in asked_again.values()), (point, asked_again)
            assert results_in(world, s.general.id) == []
            await fire_close(world.bot, poll["id"])  # it closes at its time all the same
            await world.idle()
            (results,) = results_in(world, s.general.id)
            assert "Too few answers" in results.text, (point, results.text)
        else:
            assert all(told == [] for told in asked_again.values()), (point, asked_again)
            (results,) = results_in(world, s.general.id)
            assert "Yes: **67%** (2 votes)" in results.text, (point, results.text)
            assert results.attachments and results.attachments[0]["filename"].endswith(".png")
            assert results.attachments[0]["size"] > 1000
        # The poll's message says it is closed, its buttons off.
        (message,) = polls_in(world, s.general.id)
        assert "closed" in message.text, (point, message.text)
        assert all(c.get("disabled") for c in message.components[0]["components"]), point


async def fire_close(bot: Bot, poll_id: int) -> None:
    """The scheduler's closing job, run now as the scheduler would (the clock says it is
    time): once, then gone."""
    job = bot.scheduler.get_job(f"feedback:poll-close:{poll_id}")
    assert job is not None, "no closing job for the poll"
    job.remove()
    await job.func(*job.args)


async def anonymous_polls(world: World, voters: set[int]) -> None:
    """No poll row holds a voter's id; the outbox holds one only to ask them to vote again."""
    for table, rows in (await every_row(world)).items():
        if not table.startswith("poll"):
            continue
        for row in rows:
            assert not mentions(row, voters), (table, row)
    for row in await rows_of(world, "outbox"):
        if row["destination_id"] in voters:
            assert row["kind"] == "feedback:vote_lost", row


async def test_a_poll_closing_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(PollClose(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 3  # closed with its tally, its results and chart, its message


# ---------------------------------------------------------------------- /feedback

TEXTS = (
    "The Thursday group runs over time and I have to leave early.",
    "Thank you for the new caregivers' group, it helps a lot.",
    "Could we have a session in Spanish?",
)


class Feedback(Starting):
    """Two pieces of feedback wait; a third member sends theirs, which completes the batch.
    Killed anywhere: the three reach the moderators once, in one digest; or the third was
    not kept and two still wait; the sender is thanked at most once, and nothing anywhere
    ties a text to its writer."""

    async def prepare(self, world: World) -> None:
        await self.community(world)
        fake, s = world.fake, world.server
        writers = people(world, 3)
        for writer, text in zip(writers[:2], TEXTS[:2], strict=True):
            asked = await fake.slash(writer, "feedback", guild=s.guild, channel=s.general)
            done = await fake.submit_modal(writer, asked, {"feedback:text:body": text})
            assert "without your name" in done.text, done
        await world.idle()
        asked = await fake.slash(writers[2], "feedback", guild=s.guild, channel=s.general)
        assert asked.modal is not None, asked
        world.state["form"] = asked

    async def act(self, world: World) -> None:
        form: InteractionResult = world.state["form"]
        writer = world.state["people"][2]
        await world.fake.submit_modal(writer, form, {"feedback:text:body": TEXTS[2]})

    async def check(self, world: World, point: int | None) -> None:
        s = world.server
        writers: list[User] = world.state["people"]
        waiting = await world.bot.db.fetchval("SELECT COUNT(*) FROM feedback_items")
        digests = [
            m
            for m in bot_messages(world, s.private.id)
            if m.embeds and "anonymous message" in str(m.embeds[0].get("title"))
        ]
        thanked = [t for t in replies_to(world, writers[2]) if "without your name" in t]
        assert len(thanked) <= 1, (point, thanked)
        # Anonymity, after the crash too: no row with a text holds anyone's id.
        ids = {w.id for w in writers}
        for table, rows in (await every_row(world)).items():
            for row in rows:
                if any(isinstance(v, str | bytes) and _holds_text(v) for v in row.values()):
                    assert not mentions(row, ids), (point, table, row)
        if waiting == 2:
            assert digests == [], (point, [d.text for d in digests])
            return
        assert waiting == 0, (point, waiting)
        (digest,) = digests
        shown = sorted(e["description"] for e in digest.embeds[1:])
        assert shown == sorted(TEXTS), (point, shown)
        for writer in writers:
            assert str(writer.id) not in str(digest.payload())


def _holds_text(value: str | bytes) -> bool:
    text = value.decode("utf-8", "ignore") if isinstance(value, bytes) else value
    return any(t[:20] in text for t in TEXTS)


async def test_feedback_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Feedback(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 2  # the batch, its digest
