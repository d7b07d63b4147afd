"""A transaction cancelled while its BEGIN runs in aiosqlite's thread (the bot stopping, a wait
given up) leaves no transaction open behind it: the BEGIN goes through after the task has let
go of the connection, and the next transaction rolls it back before its own, instead of
failing with "cannot start a transaction within a transaction" (seen at a stop: what the
escalation feature had read was not written) and every write after it failing too."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db import Database


@pytest.mark.sqlite_only
async def test_a_transaction_cancelled_in_its_begin_leaves_the_connection_usable(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "cancel.sqlite3")
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")

        async def write(value: str) -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t (v) VALUES (:v)", {"v": value})

        for i in range(20):  # cancelled at once: its BEGIN is in aiosqlite's queue, or running
            task = asyncio.create_task(write(f"cancelled {i}"))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await write(f"kept {i}")
        rows = await db.fetchall("SELECT v FROM t ORDER BY id")
        assert [r["v"] for r in rows] == [f"kept {i}" for i in range(20)]
        other = await Database.open(tmp_path / "cancel.sqlite3")  # no write lock left held
        try:
            async with other.transaction() as tx:
                await tx.execute("INSERT INTO t (v) VALUES ('from another connection')")
        finally:
            await other.close()
    finally:
        await db.close()
