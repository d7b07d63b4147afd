"""Crash points of votes confirmed together (one group commit): three members confirm at the
same moment and the bot is killed at every step (tests/crashpoints.py), then started again on
the same database.

What must hold: a member told "your vote is counted" never loses their vote silently (the
bot held the choice in memory, PRIVACY.md: after the restart they are asked, once, to vote
again); a member whose vote was not written was never told it counted; the count of voters
is the number of tokens marked voted (nothing half-written); no choice is in the files while
the poll is open; and everyone can vote afterwards, counted once.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.crashpoints import World, report, sweep
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User
from tests.feedback.test_crash_points import (
    Starting,
    mentions,
    people,
    polls_in,
    post_poll,
    replies_to,
    rows_of,
)

pytestmark = pytest.mark.slow

CHOICES = (1, 1, 2)


class VotesTogether(Starting):
    """Three members have their "confirm your choice?" open; they confirm at once."""

    async def prepare(self, world: World) -> None:
        await self.community(world)
        fake = world.fake
        voters = people(world, len(CHOICES))
        message = await post_poll(world)
        poll_id = world.state["poll"]
        prompts = []
        for voter, position in zip(voters, CHOICES, strict=True):
            pressed = await fake.click(voter, message, f"feedback:vote:{poll_id}:{position}")
            assert "Confirm your choice" in pressed.text, pressed
            prompts.append(pressed)
        world.state["prompts"] = prompts
        await world.idle()

    async def act(self, world: World) -> None:
        prompts: list[InteractionResult] = world.state["prompts"]
        await asyncio.gather(
            *(
                world.fake.click(voter, p.message, p.message.custom_ids()[0])
                for voter, p in zip(world.state["people"], prompts, strict=True)
            )
        )

    async def check(self, world: World, point: int | None) -> None:
        fake, db = world.fake, world.bot.db
        poll_id = world.state["poll"]
        voters = world.state["people"]
        ids = {v.id for v in voters}
        for table in ("polls", "poll_options", "poll_voters"):  # on either database
            for row in await rows_of(world, table):
                assert not mentions(row, ids), (point, table, row)
        for row in await rows_of(world, "outbox"):  # a voter's id only to ask them again
            if row["destination_id"] in ids:
                assert row["kind"] == "feedback:vote_lost", (point, row)
        marked = await db.fetchval("SELECT COUNT(*) FROM poll_voters WHERE voted = 1")
        count = await db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": poll_id})
        assert marked == count, (point, marked, count)  # nothing half-written
        assert await db.fetchval("SELECT SUM(votes) FROM poll_options") == 0, point
        for voter in voters:
            counted = [t for t in replies_to(world, voter) if "your vote is counted" in t]
            asked_again = [m for m in fake.dm_messages(voter) if "vote again" in m.text]
            assert len(asked_again) <= 1, (point, asked_again)
            if counted:  # told it counted: the restart lost the choice, and said so
                assert asked_again, (point, voter.name)
        # Everyone may vote now (again, for those asked), and each counts once.
        (message,) = polls_in(world, world.server.general.id)
        for voter, position in zip(voters, CHOICES, strict=True):
            answer = await vote(world, voter, message, poll_id, position)
            assert "your vote is counted" in answer, (point, voter.name, answer)
        count = await db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": poll_id})
        assert count == len(voters), (point, count)


async def vote(world: World, voter: User, message: Message, poll_id: int, position: int) -> str:
    pressed = await world.fake.click(voter, message, f"feedback:vote:{poll_id}:{position}")
    confirm = [c for c in pressed.message.custom_ids() if c.startswith("feedback:confirm:")]
    assert confirm, pressed.text
    done = await world.fake.click(voter, pressed.message, confirm[0])
    return done.text


async def test_votes_confirmed_together_survive_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(VotesTogether(), tmp_path)
    report(result)
    assert "commit" in result.kinds  # the batch's transaction was among the steps
