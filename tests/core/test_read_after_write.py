"""A read right after a commit sees what was committed, however many other reads are running:
the bot reads through a second connection, and SQLite keeps a connection's snapshot while any of
its statements is unfinished, so reads sharing it must take turns (bot/db.py). Seen under load
as a group just created and read back "not found"."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.db import Database


async def test_a_read_after_a_commit_sees_it_while_other_reads_run(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "rw.sqlite3")
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            for i in range(2000):
                await tx.execute("INSERT INTO t (v) VALUES (:v)", {"v": f"row {i}"})
        stop = False

        async def reader() -> None:
            while not stop:
                await db.fetchall("SELECT * FROM t")

        readers = [asyncio.create_task(reader()) for _ in range(8)]
        missed = 0
        for i in range(200):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t (v) VALUES (:v)", {"v": f"new {i}"})
            if await db.fetchone("SELECT id FROM t WHERE v = :v", {"v": f"new {i}"}) is None:
                missed += 1
        stop = True
        await asyncio.gather(*readers)
        assert missed == 0, f"{missed} of 200 reads after a commit did not see it"
    finally:
        await db.close()
