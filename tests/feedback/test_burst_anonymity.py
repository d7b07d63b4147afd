"""Anonymity at the rate of a crowd: forty members confirm their votes at the same moment, so
the bot writes them together (group commit), while another program holds the database open and
no checkpoint can empty the log. Replaying every transaction the log kept, the attacker of
PRIVACY.md (the files and ANON_SECRET) finds who voted and nothing of what: only the tokens'
flags and the count of voters change, no page of the counters is written before the close, and
no transaction pairs tokens with options."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from cogs.feedback.anonymity import Tokens
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.feedback.conftest import (
    StartFeedback,
    add_people,
    fire_close,
    open_poll,
    poll_id_of,
    press,
    the_bot,
)
from tests.feedback.forensics import (
    Snapshot,
    changed_rows,
    changes_between,
    link_votes,
    page_owners,
    query,
    states,
)
from tests.feedback.test_erase_burst import Reader
from tests.harness import TEST_ANON_SECRET, Server

CROWD = 40
LABELS = ("Morning", "Afternoon", "Evening")


@pytest.mark.sqlite_only
async def test_votes_written_together_pair_no_one_with_a_choice(
    start_feedback: StartFeedback, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    crowd = add_people(fake, server, CROWD, prefix="crowd")
    runner = await start_feedback()
    bot = the_bot(runner)
    poll = await open_poll(fake, server.moderator, server, "\n".join(LABELS), closes_in="1d")
    choice = {user.id: 1 + i % len(LABELS) for i, user in enumerate(crowd)}
    prompts = await asyncio.gather(*(press(fake, u, poll, choice[u.id]) for u in crowd))
    reader = Reader(bot.db.path)  # from here the log keeps every transaction
    try:
        before = Snapshot.take(bot.db.path)
        done = await asyncio.gather(
            *(
                fake.click(user, p.message, p.message.custom_ids()[0], timeout=60)
                for user, p in zip(crowd, prompts, strict=True)
            )
        )
        assert all("your vote is counted" in d.text for d in done)
        after = Snapshot.take(bot.db.path)
    finally:
        reader.close()

    changes = changes_between(before, after)
    assert changes, "the votes wrote nothing the attacker could read"
    tokens = Tokens(TEST_ANON_SECRET)
    mine = {tokens.voter(poll_id_of(poll), user.id): user.id for user in crowd}
    flipped: Counter[int] = Counter()
    for change in changes:
        rows = changed_rows(change)
        assert set(rows) <= {"poll_voters", "polls"}, rows  # who voted, and how many
        owners = page_owners(change.after)
        assert "poll_options" not in {owners.get(page, "free") for page in change.pages}
        if "poll_voters" in rows:
            flipped.update(mine[row[0]] for row in rows["poll_voters"][1])
    assert flipped == Counter({user.id: 1 for user in crowd})  # each token flipped once
    assert link_votes(after) == []
    tally = query(states(after)[-1], "SELECT SUM(votes) FROM poll_options")
    assert tally == [(0,)]  # no choice in the files while the poll is open

    clock.advance(days=1, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    counts = await bot.db.fetchall("SELECT position, votes FROM poll_options ORDER BY position")
    assert {r["position"]: r["votes"] for r in counts} == Counter(choice.values())
