"""The attacker of PRIVACY.md's threat model, at work: they hold the database file, its
write-ahead log and its shared-memory index, copied before and after each vote and each piece
of feedback; every log record the bot wrote at DEBUG; ANON_SECRET; and this code. With the
secret they compute every member's tokens. Another program (a backup tool) holds a read
transaction open all along, so no checkpoint can complete and the log keeps every transaction.

What they learn: who voted and when, and that someone sent feedback when. What they must not
learn: who chose what, who wrote which text. A vote's window changes only who-voted data; a
text's window changes nothing that points to a member; the choices reach the files once, as the
full tally, when the poll closes, and then say what the published results say.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.clock import epoch
from bot.db import Database
from bot.directory import NoGroups
from bot.migrate import apply_migrations
from bot.outbox import Outbox
from cogs.feedback.anonymity import HistoryEraser, Tokens
from cogs.feedback.polls import PollService
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.feedback.conftest import (
    digests,
    fire_close,
    open_poll,
    poll_id_of,
    results_in,
    send_feedback,
    the_bot,
    vote,
)
from tests.feedback.forensics import (
    Change,
    Snapshot,
    changed_rows,
    changes_between,
    id_encodings,
    link_votes,
    page_owners,
    page_size,
    states,
    wal_commits,
)
from tests.harness import TEST_ANON_SECRET, BotRunner, Server, wait_until

LABELS = ("Saffron", "Cobalt", "Viridian")
VOTE_SECONDS = 3.0
POLL_OPEN_ACTORS = (
    10,
    13,
)  # polls.created_by, polls.closed_by  # a vote used to stall 5 s on a blocked checkpoint


class Reader:
    """A backup tool's connection: a read transaction held open, so no checkpoint completes."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM polls").fetchone()

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


@dataclass
class Window:
    """What the attacker holds about one action: two snapshots and the log in between."""

    before: Snapshot
    after: Snapshot
    logs: bytes

    @property
    def changes(self) -> list[Change]:
        return changes_between(self.before, self.after)


class Attacker:
    """Everything they can compute from the secret and the code: each member's every token."""

    def __init__(self, members: list[User], guild_id: int, today: int) -> None:
        tokens = Tokens(TEST_ANON_SECRET)
        self.whose: dict[bytes, User] = {}
        for user in members:
            for poll_id in range(1, 4):
                self.whose[tokens.voter(poll_id, user.id)] = user
            for day in (today - 1, today, today + 1):
                self.whose[tokens.quota(guild_id, user.id, day)] = user
            for encoding in id_encodings(user.id):
                self.whose[encoding] = user
        self.ids = {user.id: user for user in members}

    def members_in_row(self, row: tuple[Any, ...]) -> set[str]:
        found: set[str] = set()
        for value in row:
            if isinstance(value, bytes) and value in self.whose:
                found.add(self.whose[value].username)
            if isinstance(value, int) and value in self.ids:
                found.add(self.ids[value].username)
        return found

    def members_touched(self, change: Change) -> set[str]:
        """Members a row that changed points to (with the secret, every token points)."""
        found: set[str] = set()
        for table, (gone, came) in changed_rows(change).items():
            for row in gone | came:
                if table == "polls":  # who created or closed the poll acted openly
                    row = tuple(v for i, v in enumerate(row) if i not in POLL_OPEN_ACTORS)
                found |= self.members_in_row(row)
        return found

    def members_appearing(self, change: Change) -> set[str]:
        """Members named in the bytes of a page the transaction wrote that its previous image
        did not name (other rows of a page are rewritten along with it: they tell nothing
        new)."""
        size = page_size(change.after)
        found: set[str] = set()
        for page in change.pages:
            old = change.before[(page - 1) * size : page * size]
            new = change.after[(page - 1) * size : page * size]
            found |= self.members_in_bytes(new) - self.members_in_bytes(old)
        return found

    def members_in_bytes(self, data: bytes) -> set[str]:
        """Members any raw bytes name: an id, or a token (raw or hex)."""
        return {
            user.username
            for value, user in self.whose.items()
            if value in data or (len(value) == 32 and value.hex().encode() in data)
        }


def logged(records: list[logging.LogRecord]) -> bytes:
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in records
    ).encode()


@pytest.mark.sqlite_only
async def test_the_attacker_pairs_no_member_with_a_choice_or_a_text(
    mod_log_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    fake, bot, runner = fake_discord, the_bot(mod_log_runner), mod_log_runner
    assert runner.db is not None
    path = runner.db.path
    everyone = [server.member, server.admin, server.moderator, *people]
    attacker = Attacker(everyone, server.guild.id, epoch(clock()) // 86400)
    poll = await open_poll(fake, server.moderator, server, "\n".join(LABELS), closes_in="1d")
    poll_id = poll_id_of(poll)
    await runner.idle()

    async def watch(action: Any) -> Window:
        start, first = len(bot_logs.records), Snapshot.take(path)
        await action()
        await runner.idle()
        return Window(first, Snapshot.take(path), logged(bot_logs.records[start:]))

    reader = Reader(path)
    try:
        # ---------------------------------------------------------------- votes
        truth = {people[0]: 1, people[1]: 2, people[2]: 1, people[3]: 3, people[4]: 2}
        slowest = 0.0
        for user, position in truth.items():

            async def one_vote(user: User = user, position: int = position) -> None:
                nonlocal slowest
                started = time.monotonic()
                answer = await vote(fake, user, poll, position)
                slowest = max(slowest, time.monotonic() - started)
                assert "your vote is counted" in answer.text

            window = await watch(one_vote)
            changes = window.changes
            assert changes, "the vote wrote nothing the attacker could read"
            touched: set[str] = set()
            for change in changes:
                rows = changed_rows(change)
                # Only who-voted data changes: the token's flags and the count of voters.
                assert set(rows) <= {"poll_voters", "polls"}, rows
                if "polls" in rows:
                    gone, came = rows["polls"]
                    strip = {tuple(r[:7]) + tuple(r[8:]) for r in gone}
                    assert strip == {tuple(r[:7]) + tuple(r[8:]) for r in came}  # voters only
                # No page of the counters is written, in the file or in the log.
                owners = page_owners(change.after)
                owned = {owners.get(page, "free") for page in change.pages}
                assert "poll_options" not in owned, owned
                assert owned <= {"poll_voters", "poll_voters_by_poll", "polls"}, owned
                touched |= attacker.members_touched(change)
            # The attacker sees who voted (the allowed leak)...
            assert touched == {user.username}
            # ... and nothing of the choice: no label, no position, anywhere it could look.
            assert not any(label.encode() in window.logs for label in LABELS)
            assert attacker.members_in_bytes(window.logs) == set()
            assert attacker.members_in_bytes(window.after.shm) == set()
        assert slowest < VOTE_SECONDS, f"a vote took {slowest:.2f}s with a reader holding on"

        # ---------------------------------------------------------------- feedback
        texts = {
            people[0]: "The Thursday facilitator cuts people off mid-sentence.",
            people[1]: "Could we have a session for partners and carers?",
            people[2]: "Thank you, this group kept me going through chemo.",
        }
        for user, text in texts.items():

            async def one_text(user: User = user, text: str = text) -> None:
                answer = await send_feedback(fake, user, server, text)
                assert "without your name" in answer.text

            window = await watch(one_text)
            changes = window.changes
            # The text is in this window's bytes (the attacker knows when it was written)...
            assert any(text.encode() in change.images for change in changes)
            # ... and nothing in the same window points to a member: no row, no byte, no log.
            for change in changes:
                assert attacker.members_touched(change) == set(), changed_rows(change)
                assert attacker.members_appearing(change) == set()
                assert "poll_voters" not in changed_rows(change)
            assert attacker.members_in_bytes(window.logs) == set()
            assert text.encode() not in window.logs
        await wait_until(lambda: len(digests(fake, server.private)) == 1)

        # ---------------------------------------------------------------- the close
        clock.advance(days=1, seconds=1)

        async def close() -> None:
            await fire_close(bot, poll_id)

        window = await watch(close)
        await wait_until(lambda: len(results_in(fake, server.general)) == 1)
        written: dict[int, int] = {}
        for change in window.changes:
            rows = changed_rows(change)
            if "poll_options" in rows:
                # the whole tally in the transaction that drops the whole roll
                assert "poll_voters" in rows and rows["poll_voters"][1] == set()
                gone = {r[0] for r in rows["poll_voters"][0]}
                assert gone >= {attacker_token(attacker, u, poll_id) for u in truth}
                written |= {r[1]: r[3] for r in rows["poll_options"][1]}
        # What the files learnt is what everyone reads in the results.
        assert written == {1: 2, 2: 2, 3: 1}
        shown = results_in(fake, server.general)[0].text
        for position, votes in written.items():
            plural = "vote" if votes == 1 else "votes"
            assert f"{LABELS[position - 1]}: **{votes * 20}%** ({votes} {plural})" in shown

        # The whole log the reader kept, replayed transaction by transaction: no transaction
        # marks a token and moves a counter (the tool that read every vote of the old design).
        everything = Snapshot.take(path)
        assert len(wal_commits(everything.wal)) > 10  # the reader really kept the log whole
        assert link_votes(everything) == []
    finally:
        reader.close()


def attacker_token(attacker: Attacker, user: User, poll_id: int) -> bytes:
    tokens = [t for t, u in attacker.whose.items() if u is user and len(t) == 32]
    wanted = Tokens(TEST_ANON_SECRET).voter(poll_id, user.id)
    assert wanted in tokens
    return wanted


async def test_two_polls_voted_differently_leave_the_same_bytes_until_the_close(
    tmp_path: Path,
) -> None:
    """The counterfactual: two bots, the same members voting at the same moments, for
    different options. Every page the two files hold, after every transaction, is the same
    byte for byte until the close: no byte anywhere depends on a choice."""
    members = [1_234_567_890_123_456_000 + i for i in range(6)]
    choices = ({m: 1 for m in members}, {m: 1 + i % 3 for i, m in enumerate(members)})
    pages: list[list[bytes]] = []
    frames: list[list[tuple[int, ...]]] = []
    base = await Database.open(tmp_path / "base.sqlite3")
    await apply_migrations(base)
    await base.close()  # the last connection to close empties the log into the file
    for n, choice in enumerate(choices):
        (tmp_path / f"bot{n}.sqlite3").write_bytes((tmp_path / "base.sqlite3").read_bytes())
        db = await Database.open(tmp_path / f"bot{n}.sqlite3")
        clock = FakeClock()
        polls = PollService(
            db,
            clock,
            Outbox(db, clock),
            Tokens(TEST_ANON_SECRET),
            NoGroups,
            eraser=HistoryEraser(db),
        )
        draft = polls.draft(
            guild_id=1,
            channel_id=2,
            group_id=None,
            question="Which evening?",
            closes_in="1d",
            created_by=99,
        )
        poll = await polls.create(draft, list(LABELS), members)
        await polls.mark_posted(poll.id, 5555)
        for member in members:
            clock.advance(minutes=7)
            await polls.vote(poll.id, 1, member, choice[member])
        snapshot = Snapshot.take(db.path)
        pages.append(states(snapshot))
        frames.append([tuple(p for p, _, _ in c) for c in wal_commits(snapshot.wal)])
        clock.advance(days=1)
        assert await polls.close_due(poll.id) is not None
        results = await polls.results(poll.id)
        assert results is not None and results.shown
        assert [r.votes for r in results.rows] == [
            list(choice.values()).count(p) for p in (1, 2, 3)
        ]
        await db.close()
    assert len(frames[0]) >= len(members)  # every vote is a transaction of its own
    assert frames[0] == frames[1]  # the same pages written, transaction by transaction
    assert pages[0] == pages[1]  # and the same bytes in them
