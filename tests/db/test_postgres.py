"""The PostgreSQL backend (bot/db_postgres.py) on a real server this module starts
(tests/postgres.py): never a mock. Skipped, saying how to install it, where PostgreSQL's
server binaries are missing (and failing under CI, which installs them)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.db import Database, is_busy
from bot.db_postgres import PostgresDatabase
from bot.migrate import apply_migrations, discover, status
from tests.postgres import PostgresServer, own_server

SNOWFLAKE = 1_579_562_243_727_556_784  # a Discord id: past 32 bits, as every id here


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    yield from own_server()


@pytest.fixture
async def url(pg_server: PostgresServer) -> AsyncIterator[str]:
    address = await pg_server.create_database()
    try:
        yield address
    finally:
        await pg_server.drop_database(address)


@pytest.fixture
async def pg(url: str) -> AsyncIterator[Database]:
    db = await Database.open(url)
    try:
        await apply_migrations(db)
        yield db
    finally:
        await db.close()


async def test_a_postgresql_url_opens_postgresql_and_migrations_apply_once(url: str) -> None:
    db = await Database.open(url)
    try:
        assert isinstance(db, PostgresDatabase)
        applied = await apply_migrations(db)
        assert [m.version for m in applied] == [m.version for m in discover()]
        assert await apply_migrations(db) == []  # a second start applies nothing
        current = await status(db)
        assert not current.pending and not current.edited
        assert current.version == discover()[-1].version
    finally:
        await db.close()
    async with await Database.open(url) as again:  # a restart: the same, nothing pending
        assert await apply_migrations(again) == []


async def test_insert_returns_ids_in_order_and_snowflakes_keep_every_bit(pg: Database) -> None:
    ids = []
    async with pg.transaction() as tx:
        for n in range(3):
            ids.append(
                await tx.insert(
                    "INSERT INTO group_panels (guild_id, channel_id, created_at, created_by) "
                    "VALUES (:guild, :channel, :now, :by)",
                    {"guild": SNOWFLAKE, "channel": SNOWFLAKE + n, "now": 1, "by": 2**63 - 1},
                )
            )
    assert ids == [1, 2, 3]
    rows = await pg.fetchall("SELECT id, guild_id, channel_id, created_by FROM group_panels")
    assert [(r["id"], r[1], r["channel_id"], r[3]) for r in rows] == [
        (n + 1, SNOWFLAKE, SNOWFLAKE + n, 2**63 - 1) for n in range(3)
    ]


async def test_a_transaction_that_raises_leaves_nothing_behind(pg: Database) -> None:
    with pytest.raises(RuntimeError, match="half-way"):
        async with pg.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, updated_at) VALUES (:g, 1)", {"g": 7}
            )
            raise RuntimeError("half-way")
    with pytest.raises(sqlite3.IntegrityError) as refused:  # a failed statement: all rolled back
        async with pg.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, updated_at) VALUES (:g, 1)", {"g": 8}
            )
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, updated_at) VALUES (:g, 1)", {"g": 8}
            )
    assert isinstance(refused.value.__cause__, asyncpg.UniqueViolationError)
    assert await pg.fetchall("SELECT guild_id FROM guild_settings") == []
    async with pg.transaction() as tx:  # and the connection is usable again
        await tx.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (9, 1)")
    assert [r[0] for r in await pg.fetchall("SELECT guild_id FROM guild_settings")] == [9]


async def test_sqlite_idioms_behave_as_on_sqlite(pg: Database) -> None:
    async with pg.transaction() as tx:
        sql = "INSERT OR IGNORE INTO do_not_contact (guild_id, user_id, since_at) VALUES (?, ?, ?)"
        assert await tx.execute(sql, (SNOWFLAKE, 5, 10)) == 1
        assert await tx.execute(sql, (SNOWFLAKE, 5, 11)) == 0  # ignored, as SQLite does
        await tx.execute(
            "INSERT INTO member_languages (guild_id, user_id, locale) VALUES (:g, :u, :l)",
            {"g": SNOWFLAKE, "u": 5, "l": None},
        )
    # IS with a value, a parameter tested for NULL first, SUM as an int, a comparison as 0/1
    row = await pg.fetchone(
        "SELECT COUNT(*) AS n, SUM(user_id) AS total, MAX(MAX(user_id), 7) AS most, "
        "MAX(since_at) > 5 AS later FROM do_not_contact "
        "WHERE (:guild IS NULL OR guild_id = :guild) AND since_at IS NOT :other",
        {"guild": SNOWFLAKE, "other": 99},
    )
    assert row is not None
    assert (row["n"], row["total"], row["most"], row["later"]) == (1, 5, 7, 1)
    assert type(row["total"]) is int and type(row["later"]) is int
    languages = await pg.fetchall(
        "SELECT user_id FROM member_languages WHERE locale IS :l", {"l": None}
    )
    assert [r[0] for r in languages] == [5]
    # a value of another type, as SQLite would have taken it: an int for a text column
    async with pg.transaction() as tx:
        await tx.execute(
            "UPDATE member_languages SET locale = :l, chosen = :c WHERE user_id = :u",
            {"l": 12, "c": "es", "u": "5"},
        )
    assert await pg.fetchval("SELECT locale FROM member_languages") == "12"


async def test_a_nul_character_is_stored_and_looked_up_without_an_error(pg: Database) -> None:
    """PostgreSQL's text cannot hold NUL (SQLite's can): it is kept as U+FFFD, in a write, a
    read's parameter, and inside a transaction (found by the fuzz on PostgreSQL: a NUL in a
    typed option ended in the generic apology)."""
    async with pg.transaction() as tx:
        await tx.execute(
            "INSERT INTO member_languages (guild_id, user_id, locale) VALUES (?, ?, ?)",
            (1, 2, "es\x00x"),
        )
        assert (
            await tx.fetchone("SELECT 1 FROM member_languages WHERE locale = ?", ("es\x00",))
            is None
        )
    assert await pg.fetchval("SELECT locale FROM member_languages") == "es\ufffdx"
    found = await pg.fetchval("SELECT user_id FROM member_languages WHERE locale = ?", ("es\x00x",))
    assert found == 2


async def test_the_mod_log_stays_append_only(pg: Database) -> None:
    async with pg.transaction() as tx:
        await tx.insert(
            "INSERT INTO mod_log (guild_id, case_number, action, actor_id, target_id, reason, "
            "created_at) VALUES (1, 1, 'warn', 2, 3, 'spam', 10)"
        )
    # the same error as SQLite's RAISE(ABORT, ...): one class for code and tests on both backends
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with pg.transaction() as tx:
            await tx.execute("UPDATE mod_log SET action = 'ban'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with pg.transaction() as tx:
            await tx.execute("DELETE FROM mod_log")
    async with pg.transaction() as tx:  # losing the member is allowed (0019)
        assert await tx.execute("UPDATE mod_log SET target_id = NULL, reason = NULL") == 1
    assert await pg.fetchone("SELECT target_id, reason, action FROM mod_log") == (
        None,
        None,
        "warn",
    )


async def test_concurrent_transactions_take_turns_within_and_across_processes(
    pg: Database, url: str
) -> None:
    """Read-then-write in many tasks of two `Database`s (two processes' worth): no lost update,
    because each transaction holds the write lock as SQLite's BEGIN IMMEDIATE does."""
    async with pg.transaction() as tx:
        await tx.execute("INSERT INTO mentoring_tallies (guild_id, name, value) VALUES (1, 'n', 0)")
    other = await Database.open(url)
    try:

        async def bump(db: Database) -> None:
            async with db.transaction() as tx:
                row = await tx.fetchone("SELECT value FROM mentoring_tallies WHERE name = 'n'")
                assert row is not None
                await asyncio.sleep(0)  # let the other tasks try to get in between
                await tx.execute(
                    "UPDATE mentoring_tallies SET value = :v WHERE name = 'n'", {"v": row[0] + 1}
                )

        await asyncio.gather(*(bump(pg if n % 2 else other) for n in range(60)))
    finally:
        await other.close()
    assert await pg.fetchval("SELECT value FROM mentoring_tallies WHERE name = 'n'") == 60


async def test_a_writer_held_up_by_another_process_is_busy_after_the_lock_timeout(
    pg: Database, url: str
) -> None:
    holder = await asyncpg.connect(url)
    try:
        await holder.execute("BEGIN; SELECT pg_advisory_xact_lock(1885693298)")
        with pytest.raises(asyncpg.LockNotAvailableError) as caught:
            async with pg.transaction():
                pass
        assert is_busy(caught.value)
        await holder.execute("ROLLBACK")
    finally:
        await holder.close()
    async with pg.transaction() as tx:  # free again
        await tx.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (1, 1)")


async def test_a_read_after_a_commit_sees_it_while_other_reads_run(pg: Database) -> None:
    stop = False

    async def reader() -> None:
        while not stop:
            await pg.fetchall("SELECT * FROM do_not_contact")

    readers = [asyncio.create_task(reader()) for _ in range(6)]
    try:
        for n in range(50):
            async with pg.transaction() as tx:
                await tx.execute(
                    "INSERT INTO do_not_contact (guild_id, user_id, since_at) VALUES (1, :u, 1)",
                    {"u": n},
                )
            assert await pg.fetchone("SELECT 1 FROM do_not_contact WHERE user_id = :u", {"u": n})
    finally:
        stop = True
        await asyncio.gather(*readers)


async def test_forget_vacuums_the_purged_rows_away(pg: Database) -> None:
    """On PostgreSQL a purge leaves dead row versions until VACUUM: forget() runs one."""
    assert isinstance(pg, PostgresDatabase)
    async with pg.transaction() as tx:
        await tx.execute(
            "INSERT INTO feedback_items (id, guild_id, body) VALUES (:id, 1, 'words')",
            {"id": b"\x01" * 16},
        )
    async with pg.transaction() as tx:
        await tx.execute("DELETE FROM feedback_items")
    dead = "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'feedback_items'"
    await pg.forget()
    await pg.vacuumed()
    assert not await pg.secure_delete_on()  # VACUUM frees the space; it does not zero it
    for _ in range(50):  # the statistics collector reports a moment later
        if await pg.fetchval(dead) == 0:
            break
        await asyncio.sleep(0.1)
    assert await pg.fetchval(dead) == 0


async def test_random_gives_large_integers_as_in_sqlite(pg: Database) -> None:
    values = {await pg.fetchval("SELECT -abs(random() % 9007199254740991) - 1") for _ in range(20)}
    assert len(values) == 20 and all(isinstance(v, int) and v < 0 for v in values)
    assert any(v < -(2**40) for v in values)  # not a float in [0, 1) rounded away


async def test_python_m_bot_migrates_and_checks_postgresql_never_showing_the_password(
    url: str, tmp_path: Path
) -> None:
    from tests.subprocesses import bot_env, run_cli

    secret_url = url.replace("postgresql://postgres@", "postgresql://postgres:Pa55-w0rd-x@")
    env = bot_env(tmp_path, DATABASE_URL=secret_url)  # trust auth: the password is not needed
    del env["ANON_SECRET"]
    result = await run_cli(tmp_path, env, "migrate")
    assert result.code == 0, result.stderr
    assert f"Applied {len(discover())} migrations: 0001_core.sql" in result.stdout
    assert "(postgresql://postgres:***@/" in result.stdout
    env["DISCORD_TOKEN"] = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.token"
    env["ANON_SECRET"] = "yH3bQ-2nVr8LmWc5TzK0pXs7JdUa4EiGf9oBhNq6Rl1"
    result = await run_cli(tmp_path, env, "check")
    assert result.code == 0, result.stdout
    assert "[ok] DATABASE_URL = postgresql://postgres:***@/" in result.stdout
    assert f"schema version {discover()[-1].version}, 0 migrations pending" in result.stdout
    assert "Pa55-w0rd-x" not in result.stdout + result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()  # nothing went to the SQLite file


async def test_statements_first_seen_inside_a_transaction_are_learnt_there(pg: Database) -> None:
    """A statement's parameter types are asked of PostgreSQL the first time it is used, inside
    the caller's transaction: a PREPARE that fails there (a parameter used only in an IS NULL
    test, uses that disagree) rolls back to its savepoint, not the transaction; the
    transaction's own uncommitted table is seen; and no reading connection is waited for
    (all of them held here while the writer learns)."""
    held = [await pg._readers.acquire() for _ in range(pg._readers.get_max_size())]  # type: ignore[attr-defined]
    try:
        async with asyncio.timeout(10), pg.transaction() as tx:
            await tx.execute("CREATE TABLE learnt_here (id INTEGER PRIMARY KEY, note TEXT)")
            await tx.execute(
                "INSERT INTO learnt_here (id, note) VALUES (:id, :note) /* first seen here */",
                {"id": 1, "note": "one"},
            )
            # :only appears only in IS NULL tests: its probe fails inside the transaction
            await tx.execute(
                "UPDATE learnt_here SET note = 'two' WHERE (:only IS NULL OR :only IS NOT NULL) "
                "AND id = :id /* first seen here too */",
                {"only": None, "id": 1},
            )
            # (a, b) IN (VALUES (:x, :y)): the first PREPARE fails, then the casts are tried
            changed = await tx.execute(
                "UPDATE learnt_here SET note = 'three' WHERE (id, note) IN (VALUES (:i, :n)) "
                "/* learnt after a failure */",
                {"i": 1, "n": "two"},
            )
            assert changed == 1
    finally:
        for reader in held:
            await pg._readers.release(reader)  # type: ignore[attr-defined]
    assert await pg.fetchall("SELECT id, note FROM learnt_here") == [(1, "three")]
