import asyncio
from pathlib import Path

import pytest

from bot.db import Database
from bot.migrate import MigrationError, apply_migrations, discover, split_statements, status


def test_split_keeps_trigger_bodies_whole() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x INTEGER);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET x = 1;
        UPDATE a SET x = 2;
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


async def test_project_migrations_apply_once_and_record_versions(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        applied = await apply_migrations(db)
        assert [m.version for m in applied] == [m.version for m in discover()]
        assert await apply_migrations(db) == []
        current = await status(db)
        assert current.version == discover()[-1].version
        assert current.pending == [] and current.edited == []
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1


async def test_two_processes_starting_together_apply_each_migration_once(tmp_path: Path) -> None:
    """Two shard processes started at the same moment on one database (two connections, as two
    processes have): both start, and every migration is applied once, by one of them."""
    path = tmp_path / "db.sqlite3"
    async with await Database.open(path) as first, await Database.open(path) as second:
        ours, theirs = await asyncio.gather(apply_migrations(first), apply_migrations(second))
        versions = sorted(m.version for m in [*ours, *theirs])
        assert versions == [m.version for m in discover()]
        assert (await status(first)).pending == [] and (await status(second)).pending == []


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE first (x INTEGER);")
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE second (x INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql failed and was rolled back"):
            await apply_migrations(db, folder)
        tables = {
            row[0] for row in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert "first" in tables and "second" not in tables
        assert (await status(db, folder)).version == 1


async def test_an_edited_migration_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    path = folder / "0001_first.sql"
    path.write_text("CREATE TABLE first (x INTEGER);")
    async with await Database.open(tmp_path / "db.sqlite3") as db:
        await apply_migrations(db, folder)
        path.write_text("CREATE TABLE first (x INTEGER, y INTEGER);")
        assert (await status(db, folder)).edited == [1]


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "groups.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_lowercase_name\.sql"):
        discover(tmp_path)


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (1, 0)")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT COUNT(*) FROM guild_settings") == 0
