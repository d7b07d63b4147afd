"""A retention purge leaves nothing readable: after it, the member's words are in no byte of the
database file, its write-ahead log or its shared-memory index, even when another program (a
backup or monitoring tool) held a read transaction open while the purge ran, and the bot never
waited for that program.

Words written into a page stay in every page image the log holds of it, and in the database
file's own copy, until the log is checkpointed and truncated: `secure_delete` zeroes the row in
the new image only. So the purge asks the core's `LogEraser` to empty the log, and while a
reader blocks it, the eraser retries in the background."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.escalation.conftest import Community, start_community
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until

WORDS = "I want to die, my name is Rosalind Quill and nobody knows"
NOTE = "Spoke with Rosalind, she is staying at Marigold Lane tonight."
TRACES = (b"Rosalind", b"Quill", b"Marigold Lane", b"nobody knows")


def raw_bytes(path: Path) -> dict[str, bytes]:
    """The files as a thief would copy them, each by name."""
    out = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        out[suffix or "db"] = file.read_bytes() if file.exists() else b""
    return out


def found_in(path: Path) -> dict[str, list[bytes]]:
    return {
        name: [t for t in TRACES if t in data]
        for name, data in raw_bytes(path).items()
        if any(t in data for t in TRACES)
    }


class Reader:
    """Another program reading the database: a read transaction held open."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM escalation_case_messages").fetchone()

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


@pytest.fixture
async def community(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Community]:
    async with start_community(fake_discord, server, tmp_path, clock) as value:
        yield value


@pytest.mark.sqlite_only
async def test_purged_words_leave_the_database_file_and_the_log(community: Community) -> None:
    c, mod = community, community.server.moderator
    g, ch = c.server.guild, c.server.general
    await c.fake.slash(c.server.admin, "setup retention", guild=g, channel=ch, options={"days": 30})
    await c.fake.send_message(c.server.member, c.group_channel, WORDS)
    (alert,) = await c.wait_for_alerts(1)
    modal = await c.fake.click(mod, alert, "escalation:resolve:1")
    await c.fake.submit_modal(mod, modal, {"note": NOTE})
    await c.settle()
    db = c.bot.db
    path = db.path
    assert found_in(path)  # the words are in the files: the case keeps them for 30 days

    reader = Reader(path)  # from here, no checkpoint can complete
    try:
        c.clock.advance(days=31)
        started = time.monotonic()
        await c.run_job("escalation:purge")
        took = time.monotonic() - started
        texts = await db.fetchall("SELECT text, cue FROM escalation_case_messages")
        assert [tuple(r) for r in texts] == [(None, None)]  # gone for SQL at once
        assert await db.fetchval("SELECT note FROM escalation_cases WHERE id = 1") is None
        # ... but not yet from the files, and the bot did not wait for the reader
        assert db.eraser.pending
        assert found_in(path), "the reader should have kept the old page images"
        assert took < 3.0, f"the purge waited {took:.1f}s for the reader"
        # the bot keeps working meanwhile: a write that needs the lock goes through at once
        started = time.monotonic()
        await c.fake.send_message(c.peer, c.group_channel, "see you all on thursday")
        await c.settle()
        assert time.monotonic() - started < 3.0
    finally:
        reader.close()  # the backup is done

    await wait_until(lambda: not db.eraser.pending, timeout=40)
    assert found_in(path) == {}
    files = raw_bytes(path)
    assert files["-wal"] == b""  # truncated: no page image of any earlier moment is left
    assert len(files["db"]) > 0
    # and what stays is what the retention keeps: the case, its level, no words
    assert await db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 1


@pytest.mark.sqlite_only
async def test_a_reader_that_never_lets_go_is_reported_without_member_data(
    community: Community, caplog: pytest.LogCaptureFixture
) -> None:
    c = community
    db = c.bot.db
    g, ch = c.server.guild, c.server.general
    await c.fake.slash(c.server.admin, "setup retention", guild=g, channel=ch, options={"days": 30})
    await c.fake.send_message(c.server.member, c.group_channel, WORDS)
    await c.wait_for_alerts(1)
    modal = await c.fake.click(c.server.moderator, c.alerts()[0], "escalation:resolve:1")
    await c.fake.submit_modal(c.server.moderator, modal, {"note": NOTE})
    await c.settle()

    db.eraser.first_retry, db.eraser.longest_wait, db.eraser.warn_after = 0.05, 0.1, 0.3
    reader = Reader(db.path)
    try:
        c.clock.advance(days=31)
        await c.run_job("escalation:purge")
        await wait_until(
            lambda: any("could not be emptied" in r.getMessage() for r in caplog.records),
            timeout=10,
        )
        assert db.eraser.pending and found_in(db.path)
    finally:
        reader.close()
    await wait_until(lambda: not db.eraser.pending, timeout=10)
    assert found_in(db.path) == {}
    said = [r for r in caplog.records if r.name == "bot.db" and r.levelno >= 30]
    assert [("could not be emptied" in r.getMessage()) for r in said] == [True, False]
    assert "empty again" in said[1].getMessage()
    for record in said:
        text = record.getMessage()
        assert str(c.server.member.id) not in text and "Rosalind" not in text
