"""The rules and the storage, on a real SQLite file: what stays in it, and what does not."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database
from bot.directory import NoGroups
from bot.errors import UserError
from bot.guild_settings import GuildSettingsService
from bot.migrate import apply_migrations
from bot.outbox import Outbox
from cogs.feedback.anonymity import HistoryEraser, Tokens
from cogs.feedback.free_text import DIGEST, FeedbackService
from cogs.feedback.poll_input import parse_options, poll_duration
from cogs.feedback.polls import SESSION_POLL_OPTIONS, Poll, PollService, percentages
from tests.conftest import FakeClock
from tests.feedback.forensics import Snapshot, id_encodings, layout, link_votes, query, states
from tests.harness import TEST_ANON_SECRET

GUILD, CHANNEL, CREATOR = 1, 2, 99
MEMBERS = [1_234_567_890_123_456_000 + i for i in range(12)]  # Discord-sized ids
A, B, C, D = MEMBERS[:4]
LATECOMER = 1_234_567_890_123_999_999
TOKENS = Tokens(TEST_ANON_SECRET)


def poll_service(db: Database, clock: FakeClock) -> PollService:
    return PollService(db, clock, Outbox(db, clock), TOKENS, NoGroups, eraser=HistoryEraser(db))


def latest(path: Path) -> bytes:
    """The database as any reader of the files sees it now: the file with its log applied."""
    return states(Snapshot.take(path))[-1]


class Reader:
    """Another program holding a read transaction open (a backup tool): no checkpoint can
    complete while it reads."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM polls").fetchone()

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


async def open_poll(service: PollService, members: list[int] = MEMBERS) -> Poll:
    draft = service.draft(
        guild_id=GUILD,
        channel_id=CHANNEL,
        group_id=None,
        question="Which evening suits you?",
        closes_in="1d",
        created_by=CREATOR,
    )
    poll = await service.create(draft, ["Monday", "Wednesday", "Friday"], members)
    await service.mark_posted(poll.id, 5555)
    return poll


async def fresh_copy(tmp_path: Path, table: str, rows: list[tuple[object, ...]]) -> bytes:
    """The same rows written into an empty database in key order: what a file that kept no
    history of their arrival looks like."""
    path = tmp_path / f"fresh-{table}.sqlite3"
    db = await Database.open(path)
    await apply_migrations(db)
    await db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    marks = ", ".join("?" for _ in rows[0])
    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", sorted(rows))
    conn.commit()
    conn.close()
    return path.read_bytes()


# ---------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3d", 3 * 86400), ("12h", 43200), ("1d 12h", 129600), ("90m", 5400), ("2 weeks", 1209600)],
)
def test_durations(text: str, seconds: int) -> None:
    assert poll_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5m", "31d", "3x", "", "3d and a bit"])
def test_durations_refused(text: str) -> None:
    with pytest.raises(UserError):
        poll_duration(text)


def test_options_one_per_line() -> None:
    assert parse_options("  Yes \n\n- No\n•  Not   sure\n") == ["Yes", "No", "Not sure"]
    assert parse_options("\n".join(SESSION_POLL_OPTIONS)) == list(SESSION_POLL_OPTIONS)
    for bad in ("Yes", "\n".join("abcdefghijk"), "Yes\n" + "x" * 81, "Yes\nNO\nno"):
        with pytest.raises(UserError):
            parse_options(bad)


def test_percentages_add_up() -> None:
    assert percentages([1, 1, 1]) == [34, 33, 33]
    assert percentages([2, 1, 0]) == [67, 33, 0]
    assert percentages([0, 0]) == [0, 0]
    for _ in range(200):
        votes = [random.randint(0, 50) for _ in range(random.randint(2, 10))]
        if sum(votes):
            assert sum(percentages(votes)) == 100


def test_tokens_depend_on_poll_member_and_secret() -> None:
    assert TOKENS.voter(1, 1000) == Tokens(TEST_ANON_SECRET).voter(1, 1000)
    assert len({TOKENS.voter(1, 1000), TOKENS.voter(2, 1000), TOKENS.voter(1, 1001)}) == 3
    assert Tokens("another secret of enough length!!").voter(1, 1000) != TOKENS.voter(1, 1000)
    assert TOKENS.quota(1, 1000, 20000) != TOKENS.quota(1, 1000, 20001)
    assert TEST_ANON_SECRET not in repr(TOKENS)


# ---------------------------------------------------------------------------- votes on disk


@pytest.mark.sqlite_only
async def test_a_log_that_is_never_emptied_pairs_no_token_with_a_choice(
    db: Database, clock: FakeClock
) -> None:
    # The attacker's tool works: a vote that wrote its counter with its token gives it away.
    careless = poll_service(db, clock)
    poll = await open_poll(careless)
    reader = Reader(db.path)  # nothing can empty the log from here on
    try:
        for member, position in {A: 1, B: 2}.items():
            async with db.transaction() as tx:  # the old way, in one transaction
                await tx.execute(
                    "UPDATE poll_voters SET voted = 1 WHERE token = :t",
                    {"t": TOKENS.voter(poll.id, member)},
                )
                await tx.execute(
                    "UPDATE poll_options SET votes = votes + 1 "
                    "WHERE poll_id = :p AND position = :o",
                    {"p": poll.id, "o": position},
                )
        found = {(t, o) for t, _, o in link_votes(Snapshot.take(db.path))}
        assert found == {(TOKENS.voter(poll.id, A), 1), (TOKENS.voter(poll.id, B), 2)}

        # The bot's votes, the log kept whole: the counters never move while the poll is open.
        service = poll_service(db, clock)
        poll = await open_poll(service)
        truth = {C: 1, D: 3, MEMBERS[4]: 1, MEMBERS[5]: 2}
        for member, position in truth.items():
            await service.vote(poll.id, GUILD, member, position)
        snapshot = Snapshot.take(db.path)
        assert snapshot.wal != b""  # the reader kept every transaction in it
        assert not [link for link in link_votes(snapshot) if link[1] == poll.id]
        seen = 0
        for state in states(snapshot):
            try:
                rows = query(state, f"SELECT votes FROM poll_options WHERE poll_id = {poll.id}")
            except sqlite3.OperationalError:  # before the tables existed
                continue
            assert rows in ([], [(0,), (0,), (0,)])
            seen += bool(rows)
        assert seen > len(truth)  # every vote's transaction was read
        voted = dict(query(states(snapshot)[-1], "SELECT token, voted FROM poll_voters"))
        assert {m for m in MEMBERS if voted.get(TOKENS.voter(poll.id, m))} == set(truth)
    finally:
        reader.close()

    # Closing writes the whole tally at once, as the results show it.
    clock.advance(days=1, seconds=1)
    assert await service.close_due(poll.id) is not None
    results = await service.results(poll.id)
    assert results is not None and results.shown
    assert [(r.label, r.votes) for r in results.rows] == [
        ("Monday", 2),
        ("Wednesday", 1),
        ("Friday", 1),
    ]


@pytest.mark.sqlite_only
async def test_a_vote_moves_no_row(db: Database, clock: FakeClock) -> None:
    service = poll_service(db, clock)
    poll = await open_poll(service)
    before = latest(db.path)
    for member, position in zip(MEMBERS[::2], (1, 2, 3, 1, 2, 3), strict=True):
        await service.vote(poll.id, GUILD, member, position)
    after = latest(db.path)
    assert layout(after, "poll_voters") == layout(before, "poll_voters")
    assert layout(after, "poll_voters_by_poll") == layout(before, "poll_voters_by_poll")
    voted = {t for t, v in query(after, "SELECT token, voted FROM poll_voters") if v}
    assert voted == {TOKENS.voter(poll.id, m) for m in MEMBERS[::2]}


@pytest.mark.sqlite_only
async def test_a_member_missing_from_the_roll_leaves_no_trace_either(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    service = poll_service(db, clock)
    poll = await open_poll(service)
    await service.vote(poll.id, GUILD, A, 1)
    await service.vote(poll.id, GUILD, LATECOMER, 2)  # joined while the bot was away
    await service.vote(poll.id, GUILD, B, 3)
    with pytest.raises(UserError, match="already voted"):
        await service.vote(poll.id, GUILD, LATECOMER, 1)
    now = latest(db.path)
    rows = query(now, "SELECT token, poll_id, voted, pending FROM poll_voters")
    assert len(rows) == len(MEMBERS) + 1 and sum(r[2] for r in rows) == 3
    fresh = await fresh_copy(tmp_path, "poll_voters", rows)
    assert layout(now, "poll_voters") == layout(fresh, "poll_voters")
    current = await service.get(poll.id)
    assert current is not None and current.voters == 3
    assert [o.votes for o in current.options] == [0, 0, 0]  # choices wait for the close
    clock.advance(days=1, seconds=1)
    await service.close_due(poll.id)
    closed = await service.get(poll.id)
    assert closed is not None and [o.votes for o in closed.options] == [1, 1, 1]


# ---------------------------------------------------------------------------- free text on disk


async def feedback_service(
    db: Database, clock: FakeClock, rng: random.Random | None = None
) -> FeedbackService:
    outbox = Outbox(db, clock)
    settings = GuildSettingsService(db, clock, outbox)
    await settings.set_private_channel(GUILD, "mod_log", CHANNEL, CREATOR)
    eraser = HistoryEraser(db)
    await eraser.prepare()
    return FeedbackService(db, clock, outbox, TOKENS, NoGroups, settings, eraser=eraser, rng=rng)


@pytest.mark.sqlite_only
async def test_free_text_keeps_no_order_and_no_author(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    service = await feedback_service(db, clock)
    # Two waiting items (a third would be delivered at once), from two members.
    await service.submit(GUILD, A, None, "The room was too cold.")
    await service.submit(GUILD, B, None, "Thank you all.")
    snapshot = Snapshot.take(db.path)
    now = states(snapshot)[-1]
    items = query(now, "SELECT id, guild_id, group_id, body FROM feedback_items")
    assert sorted(i[3] for i in items) == ["Thank you all.", "The room was too cold."]
    fresh = await fresh_copy(tmp_path, "feedback_items", items)
    assert layout(now, "feedback_items") == layout(fresh, "feedback_items")
    # Even with the secret: not who sent feedback today. The daily limit lives in memory.
    today = service.today()
    for member in MEMBERS:
        for day in (today - 1, today, today + 1):
            assert TOKENS.quota(GUILD, member, day) not in snapshot.everything
        for encoding in id_encodings(member):
            assert encoding not in snapshot.everything
    # The limit still holds.
    for text in ("two", "three"):
        await service.submit(GUILD, A, None, text)
    with pytest.raises(UserError, match="today"):
        await service.submit(GUILD, A, None, "four")


async def test_digests_are_shuffled(db: Database, clock: FakeClock) -> None:
    service = await feedback_service(db, clock, rng=random.Random(4))
    texts = ["one", "two", "three"]
    for member, text in zip(MEMBERS[:3], texts, strict=True):
        await service.submit(GUILD, member, None, text)
    rows = await db.fetchall("SELECT payload FROM outbox WHERE kind = :kind", {"kind": DIGEST})
    (payload,) = [json.loads(r["payload"]) for r in rows]
    assert sorted(payload["items"]) == sorted(texts) and payload["items"] != texts
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


@pytest.mark.sqlite_only
async def test_below_min_voters_no_choice_is_kept(db: Database, clock: FakeClock) -> None:
    service = poll_service(db, clock)
    poll = await open_poll(service)
    await service.vote(poll.id, GUILD, A, 1)
    await service.vote(poll.id, GUILD, B, 1)  # two: fewer than k = 3
    clock.advance(days=1, seconds=1)
    closed = await service.close_due(poll.id)
    assert closed is not None and closed.voters == 2
    results = await service.results(poll.id)
    assert results is not None and not results.shown and results.rows == ()
    rows = query(latest(db.path), "SELECT votes FROM poll_options ORDER BY position")
    assert rows == [(0,), (0,), (0,)]  # the two choices were never written


async def test_votes_lost_in_a_restart_are_told_once(db: Database, clock: FakeClock) -> None:
    first = poll_service(db, clock)
    poll = await open_poll(first)
    for member in (A, B, C):
        await first.vote(poll.id, GUILD, member, 2)
    # The bot stops: its memory (the tally) goes. The next one starts on the same file.
    second = poll_service(db, clock)
    assert await second.mark_lost_votes() == 3
    assert await second.mark_lost_votes() == 0  # marked once
    current = await second.get(poll.id)
    assert current is not None and current.voters == 0
    assert not await second.has_voted(poll.id, A)
    await second.vote(poll.id, GUILD, C, 3)  # C votes again before being told: not told
    told = await second.tell_lost_votes(GUILD, MEMBERS)
    assert [p.id for p in told] == [poll.id]
    assert await second.tell_lost_votes(GUILD, MEMBERS) == []  # told once
    rows = await db.fetchall("SELECT destination_id, payload FROM outbox ORDER BY id")
    assert [(r["destination_id"], json.loads(r["payload"])) for r in rows] == [
        (member, {"poll_id": poll.id}) for member in sorted((A, B))
    ]
    await second.vote(poll.id, GUILD, A, 1)
    clock.advance(days=1, seconds=1)
    await second.close_due(poll.id)
    results = await second.results(poll.id)
    assert results is not None and not results.shown  # two votes now: below k


@pytest.mark.sqlite_only
async def test_a_poll_that_closes_before_its_lost_voters_are_known_still_tells_them(
    db: Database, clock: FakeClock
) -> None:
    first = poll_service(db, clock)
    poll = await open_poll(first)
    for member in (A, B, C):
        await first.vote(poll.id, GUILD, member, 1)
    clock.advance(days=2)  # the bot was down at the closing time
    second = poll_service(db, clock)
    assert await second.mark_lost_votes() == 3
    assert await second.close_due(poll.id) is not None  # at start, before Discord says who is here
    left = query(latest(db.path), "SELECT voted, pending FROM poll_voters")
    assert left == [(0, 1)] * 3  # only the marks of those still to be told
    told = await second.tell_lost_votes(GUILD, MEMBERS)
    assert [p.status for p in told] == ["closed"]
    assert await db.fetchval("SELECT COUNT(*) FROM outbox WHERE kind = 'feedback:vote_lost'") == 3
    assert query(latest(db.path), "SELECT COUNT(*) FROM poll_voters") == [(0,)]  # roll gone now
    assert all(TOKENS.voter(poll.id, m) not in Snapshot.take(db.path).everything for m in MEMBERS)
