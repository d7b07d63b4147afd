"""Intake that never drops (issue 17): a crisis message or /support while the database cannot
take it. The member gets their crisis resources at once, straight from the bot; the case, its
alert and the mod-log line are written as soon as the database is back (however long that
takes), once, and no second resources message goes out.

The database is made unavailable for real: another connection holds SQLite's write lock for a
minute (as a backup tool or a second process would), or every write fails as on a full disk
(the error SQLite raises then, injected under `Database`, at the connection: the code under
test is not touched)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from typing import Any

import pytest

from tests.escalation.conftest import Community
from tests.harness import wait_until

TEXT = "I can't do this anymore, I'm going to end my life tonight"
LOCKED_SECONDS = 60.0
RESOURCES_TITLE = "People you can talk to"


def rows(c: Community, sql: str) -> list[sqlite3.Row]:
    """Read the bot's database from outside (WAL: readers never wait for the writer)."""
    assert c.bot.db is not None
    with closing(sqlite3.connect(f"file:{c.bot.db.path}?mode=ro", uri=True, timeout=5)) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql).fetchall())


def assert_written_once(c: Community, members: list[Any]) -> None:
    cases = rows(c, "SELECT user_id, resources_via, resources_outbox_id FROM escalation_cases")
    assert sorted(r["user_id"] for r in cases) == sorted(m.id for m in members)
    for case in cases:  # sent directly: the case says so, and no resources row was queued
        assert case["resources_via"] == "dm" and case["resources_outbox_id"] is None
    assert len(c.alerts()) == len(members)
    for member in members:
        [dm] = c.dms(member)
        assert dm.embeds[0]["title"] == RESOURCES_TITLE
    opened = [line for line in c.mod_log_lines() if "opened for" in line]
    assert len(opened) == len(members)
    assert rows(c, "SELECT COUNT(*) AS n FROM outbox WHERE status != 'sent'")[0]["n"] == 0


@pytest.mark.sqlite_only
async def test_a_minute_of_locked_database_drops_nothing(community: Community) -> None:
    c, fake, member, peer = community, community.fake, community.server.member, community.peer
    assert c.bot.db is not None
    other = sqlite3.connect(
        c.bot.db.path, timeout=10, isolation_level=None, check_same_thread=False
    )
    try:
        # another process takes the write lock (waiting, off the event loop, for the bot's own
        # write of the moment to finish), then holds it
        await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
        locked_at = time.monotonic()

        await fake.send_message(member, c.group_channel, TEXT)
        await wait_until(lambda: len(c.dms(member)) == 1, timeout=6)
        assert time.monotonic() - locked_at < 6  # at once, not after the lock
        [dm] = c.dms(member)
        assert dm.embeds[0]["title"] == RESOURCES_TITLE
        assert "Something you wrote made us want to check in" in dm.content
        assert dm.custom_ids() == []  # no case yet for a "contact me" button to name

        # /support meanwhile: an answer within Discord's deadline that does not claim the
        # moderators were told, and the resources.
        res = await fake.slash(peer, "support", guild=c.server.guild, channel=c.group_channel)
        done = await fake.submit_modal(peer, res, {"words": "I need someone to talk to"})
        assert done.ephemeral and "I'm passing your request to the moderators" in done.text
        assert "I've told the moderators" not in done.text
        await wait_until(lambda: len(c.dms(peer)) == 1, timeout=6)

        # Long past the old three attempts: still nothing written, nothing dropped.
        await asyncio.sleep(max(0.0, LOCKED_SECONDS - (time.monotonic() - locked_at)))
        assert c.alerts() == []
        assert rows(c, "SELECT COUNT(*) AS n FROM escalation_cases")[0]["n"] == 0
        assert len(c.cog.intake.waiting) == 2
    finally:
        other.rollback()
        other.close()

    await c.settle()  # the waiting writes go through (a few seconds at most), then the outbox
    assert c.cog.intake.waiting == set()
    assert_written_once(c, [member, peer])
    [alert] = [a for a in c.alerts() if "may need help" in a.embeds[0]["title"]]
    assert "end my life" in str(alert.embeds)  # the member's words reached the moderators
    await c.settle()
    assert len(c.dms(member)) == 1 and len(c.dms(peer)) == 1


class FullDisk:
    """The bot's SQLite connection as on a full disk: statements that write fail with the error
    SQLite raises then (SQLITE_FULL), at the statement or at COMMIT; reads work."""

    def __init__(self, conn: Any, at: tuple[str, ...]) -> None:
        self._conn = conn
        self._at = at
        self.full = True
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def execute(self, sql: str, parameters: Any = None) -> Any:
        if self.full and sql.lstrip().upper().startswith(self._at):
            self.refused += 1
            return _Refused()
        return self._conn.execute(sql, parameters)

    def execute_fetchall(self, sql: str, parameters: Any = None) -> Any:
        """A statement read in one call (`Transaction.fetchall`, an UPDATE ... RETURNING)."""
        if self.full and sql.lstrip().upper().startswith(self._at):
            self.refused += 1
            return _Refused()
        return self._conn.execute_fetchall(sql, parameters)


class _Refused:
    def _error(self) -> sqlite3.OperationalError:
        return sqlite3.OperationalError("database or disk is full")

    def __await__(self) -> Any:
        raise self._error()
        yield  # pragma: no cover

    async def __aenter__(self) -> Any:
        raise self._error()

    async def __aexit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("at", [("INSERT", "UPDATE", "DELETE"), ("COMMIT",)])
@pytest.mark.sqlite_only
async def test_a_full_disk_drops_nothing(community: Community, at: tuple[str, ...]) -> None:
    c, fake, member = community, community.fake, community.server.member
    db: Any = c.bot.db
    disk = FullDisk(db._conn, at)  # the connection layer, under the code tested
    db._conn = disk
    try:
        await fake.send_message(member, c.group_channel, TEXT)
        await wait_until(lambda: len(c.dms(member)) == 1, timeout=5)
        await asyncio.sleep(3)  # a few patient retries, all refused
        assert disk.refused >= 3
        assert c.alerts() == []
        assert len(c.cog.intake.waiting) == 1
    finally:
        disk.full = False  # space was freed
    await c.settle()
    db._conn = disk._conn
    assert c.cog.intake.waiting == set()
    assert_written_once(c, [member])
