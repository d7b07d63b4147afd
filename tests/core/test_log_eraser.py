"""The core's `LogEraser` under a burst of purges: they share one TRUNCATE checkpoint instead of
one each, each purge's `erase()` returns only once its words are out of the write-ahead log, and
a reader that blocks the checkpoint is waited for in the background, once for the whole burst.

(Through the bot and the loopback Discord: tests/feedback/test_erase_burst.py, polls closing
together; tests/core/test_purge_bytes.py, a retention purge with a reader.)"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database
from tests.harness import wait_until

PURGES = 30


def words(i: int) -> str:
    return f"note {i:02d}: my neighbour Philippa Strand drives me to chemo on tuesdays"


def files(path: Path) -> dict[str, bytes]:
    out = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        out[suffix or "db"] = file.read_bytes() if file.exists() else b""
    return out


def readable(path: Path) -> dict[str, list[int]]:
    """Which notes can still be read in which file, as raw bytes."""
    found: dict[str, list[int]] = {}
    for name, data in files(path).items():
        hits = [i for i in range(PURGES) if words(i).encode() in data]
        if hits:
            found[name] = hits
    return found


async def write_notes(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    for i in range(PURGES):  # one transaction each: many page images of the words in the log
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO notes (id, body) VALUES (:i, :b)", {"i": i, "b": words(i)}
            )


async def purge(db: Database, i: int) -> bool:
    """A retention purge as the features do it: delete, commit, then make the files forget."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM notes WHERE id = :i", {"i": i})
    return await db.forget()


class Reader:
    """Another program (a backup tool) holding a read transaction open."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM notes").fetchone()

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


@pytest.mark.sqlite_only
async def test_a_burst_of_purges_empties_the_log_once(db: Database) -> None:
    await write_notes(db)
    assert readable(db.path)  # the words are in the files before the purges
    before = db.eraser.checkpoints

    emptied = await asyncio.gather(*(purge(db, i) for i in range(PURGES)))

    assert emptied == [True] * PURGES  # each purge returned with its words gone ...
    assert db.eraser.checkpoints - before == 1  # ... by one checkpoint for all of them
    assert readable(db.path) == {}
    assert files(db.path)["-wal"] == b""
    assert await db.fetchval("SELECT COUNT(*) FROM notes") == 0


@pytest.mark.sqlite_only
async def test_bursts_one_after_another_cost_one_checkpoint_each(db: Database) -> None:
    await write_notes(db)
    db.eraser.spacing = 0.05  # the next round waits for the spacing, not for a fixed clock
    before = db.eraser.checkpoints
    for burst in range(3):
        ids = range(burst * 10, burst * 10 + 10)
        assert await asyncio.gather(*(purge(db, i) for i in ids)) == [True] * 10
        assert not any(i in ids for hits in readable(db.path).values() for i in hits)
    assert db.eraser.checkpoints - before == 3
    assert readable(db.path) == {} and files(db.path)["-wal"] == b""


@pytest.mark.sqlite_only
async def test_a_reader_blocking_a_burst_is_waited_for_once_in_the_background(
    db: Database,
) -> None:
    await write_notes(db)
    db.eraser.first_retry, db.eraser.longest_wait = 0.05, 0.1
    reader = Reader(db.path)  # from here no checkpoint can complete
    try:
        before = db.eraser.checkpoints
        emptied = await asyncio.gather(*(purge(db, i) for i in range(PURGES)))
        assert emptied == [False] * PURGES  # nobody waited for the reader
        assert db.eraser.pending  # one retry carries on, for all of them
        assert db.eraser.checkpoints - before == 1  # one attempt made in the burst, not thirty
        assert await db.fetchval("SELECT COUNT(*) FROM notes") == 0  # gone for SQL at once
        assert "-wal" in readable(db.path)  # ... but the reader keeps the old page images
        await wait_until(lambda: db.eraser.checkpoints - before >= 3)  # retried, still blocked
        assert db.eraser.pending and "-wal" in readable(db.path)
        assert await purge(db, 0) is False  # a purge meanwhile joins the retry
    finally:
        reader.close()  # the backup is done
    await wait_until(lambda: not db.eraser.pending)
    assert readable(db.path) == {}
    assert files(db.path)["-wal"] == b""
    assert await purge(db, 1) is True  # and the next purge empties it at once again
