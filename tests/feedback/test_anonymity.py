"""The attacker: someone who gets the database file (with its write-ahead log), every log
record the bot wrote at DEBUG, and everything the bot sent to Discord. They cannot tell how
anyone voted or who wrote what; with ANON_SECRET too, only whether a member voted (or how many
messages they sent today).

Discord itself is outside this: it carries each button press and each modal, so it knows who
pressed what, as it knows who typed what. What matters here is what the bot keeps and says.
"""

from __future__ import annotations

import json
import logging

import pytest

from cogs.feedback.anonymity import Tokens
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
from tests.feedback.forensics import Snapshot, id_encodings, link_votes, query, states
from tests.harness import TEST_ANON_SECRET, BotRunner, Server, wait_until


def sent_to_discord(fake: FakeDiscord) -> bytes:
    """Every request the bot made: method, path, query, body and file names."""
    return json.dumps(
        [[r.method, r.path, r.query, r.json, r.files] for r in fake.requests], default=str
    ).encode()


def logged(caplog: pytest.LogCaptureFixture) -> bytes:
    lines = []
    for record in caplog.records:
        lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''} {record.args!r}")
    return "\n".join(lines).encode()


def tables(db: bytes) -> dict[str, list[str]]:
    names = [r[0] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: [c[1] for c in query(db, f"PRAGMA table_info({n})")] for n in names}


@pytest.mark.sqlite_only
async def test_no_one_can_tell_how_anyone_voted(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    clock: FakeClock,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    fake, bot = fake_discord, the_bot(bot_runner)
    assert bot_runner.db is not None
    path = bot_runner.db.path
    poll = await open_poll(fake, server.moderator, server, "Red\nGreen\nBlue", closes_in="1d")
    truth = {people[0]: 1, people[1]: 2, people[2]: 1, people[3]: 3, people[4]: 2}
    for user, position in truth.items():
        await vote(fake, user, poll, position)
    await wait_until(lambda: "5 people have voted" in fake.message(poll.id).text)
    await bot.dispatcher.drain()

    snapshot = Snapshot.take(path)
    said = sent_to_discord(fake)
    logs = logged(bot_logs)
    voters = list(truth)
    # The material is real: the prompts named each choice, the log ran at DEBUG.
    assert said.count(b"Confirm your choice") == len(truth)
    assert any(r.levelno == logging.DEBUG for r in bot_logs.records)

    # No voter is named anywhere: not in the files, the logs, or what the bot sent.
    for user in voters:
        for encoding in id_encodings(user.id):
            assert encoding not in snapshot.everything, user.username
            assert encoding not in said, user.username
            assert encoding not in logs, user.username
    # The log holds no transaction that pairs a token with a counter.
    assert link_votes(snapshot) == []
    # What the tables hold: counters per option, and tokens that refer to no option. While the
    # poll is open no choice is written at all: the counters wait for the close.
    now = states(snapshot)[-1]
    schema = tables(now)
    assert schema["poll_voters"] == ["token", "poll_id", "voted", "pending"]
    assert schema["poll_options"] == ["poll_id", "position", "label", "votes"]
    counts = query(now, "SELECT position, votes FROM poll_options ORDER BY position")
    assert counts == [(1, 0), (2, 0), (3, 0)]

    # With the secret: whether each member voted, nothing more.
    tokens = Tokens(TEST_ANON_SECRET)
    voted = dict(query(now, "SELECT token, voted FROM poll_voters"))
    everyone = [server.member, server.admin, server.moderator, *people]
    knows = {u.username for u in everyone if voted.get(tokens.voter(poll_id_of(poll), u.id))}
    assert knows == {u.username for u in voters}
    for user in everyone:
        token = tokens.voter(poll_id_of(poll), user.id)
        assert token not in logs and token.hex().encode() not in logs and token not in said
        inside = [n for n, cols in schema.items() if query(now, _where(n, cols, token))]
        assert inside in ([], ["poll_voters"])  # no other table names a token

    # Closing: the results are totals, and the roll (who voted) is gone.
    clock.advance(days=1, seconds=1)
    await fire_close(bot, poll_id_of(poll))
    await wait_until(lambda: len(results_in(fake, server.general)) == 1)
    await bot.dispatcher.drain()
    after = Snapshot.take(path)
    closed = states(after)[-1]
    assert query(closed, "SELECT COUNT(*) FROM poll_voters") == [(0,)]
    counts = query(closed, "SELECT position, votes FROM poll_options ORDER BY position")
    assert counts == [(1, 2), (2, 2), (3, 1)]  # the tally, as the results show it
    assert link_votes(after) == []
    for user in voters:
        token = tokens.voter(poll_id_of(poll), user.id)
        assert token not in after.everything
        for encoding in id_encodings(user.id):
            assert encoding not in sent_to_discord(fake) and encoding not in logged(bot_logs)


def _where(table: str, columns: list[str], token: bytes) -> str:
    tests = " OR ".join(f"CAST({c} AS BLOB) = x'{token.hex()}'" for c in columns)
    return f"SELECT 1 FROM {table} WHERE {tests}"


@pytest.mark.sqlite_only
async def test_no_one_can_tell_who_wrote_what(
    mod_log_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    fake, bot = fake_discord, the_bot(mod_log_runner)
    assert mod_log_runner.db is not None
    writers = {
        people[0]: "The facilitator interrupts people a lot.",
        people[1]: "I would like a group for partners.",
    }
    for user, text in writers.items():
        await send_feedback(fake, user, server, text)
    waiting = Snapshot.take(mod_log_runner.db.path)  # two are waiting for their batch
    await send_feedback(fake, people[2], server, "Thank you for this space.")
    await wait_until(lambda: len(digests(fake, server.private)) == 1)
    await bot.dispatcher.drain()
    delivered = Snapshot.take(mod_log_runner.db.path)
    said, logs = sent_to_discord(fake), logged(bot_logs)

    for user in (people[0], people[1], people[2]):
        for encoding in id_encodings(user.id):
            for where in (waiting.everything, delivered.everything, said, logs):
                assert encoding not in where, user.username
    for text in writers.values():
        assert text.encode() not in logs  # the text itself is never logged
    assert tables(states(waiting)[-1])["feedback_items"] == ["id", "guild_id", "group_id", "body"]
    assert "feedback_quota" not in tables(states(waiting)[-1])

    # With the secret: not even who sent feedback today (the daily limit lives in memory).
    tokens = Tokens(TEST_ANON_SECRET)
    today = int(bot.clock().timestamp() // 86400)
    for user in (server.member, *people):
        token = tokens.quota(server.guild.id, user.id, today)
        assert token not in waiting.everything and token not in delivered.everything
    assert query(states(delivered)[-1], "SELECT COUNT(*) FROM feedback_items") == [(0,)]
