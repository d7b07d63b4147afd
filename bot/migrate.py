"""Forward-only migrations: `migrations/NNNN_name.sql`, each applied in its own transaction.

The applied versions (with a checksum of each file) are recorded in the database itself, in
`schema_migrations`. A landed migration is never edited: a changed checksum is reported by
`python -m bot check` rather than silently ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.db import Database, database_errors

log = logging.getLogger(__name__)

# The copy an installed package carries (setup.py), else a source checkout's migrations/.
_INSTALLED = Path(__file__).resolve().parent / "migrations"
MIGRATIONS_DIR = _INSTALLED if _INSTALLED.is_dir() else _INSTALLED.parent.parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
)
"""


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[int]
    pending: list[Migration]
    edited: list[int]  # applied versions whose file changed since

    @property
    def version(self) -> int:
        return max(self.applied, default=0)


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(
                f"{path.name}: migration files are named NNNN_lowercase_name.sql, "
                "for example 0002_groups.sql"
            )
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version number in {directory}")
    return found


def split_statements(script: str) -> list[str]:
    """Split a script into complete statements (trigger bodies keep their inner semicolons)."""
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            text = buffer.strip()
            if text.strip(";").strip() and not _only_comments(text):
                statements.append(text)
            buffer = ""
    if buffer.strip(";").strip() and not _only_comments(buffer):
        raise MigrationError(f"incomplete SQL statement at the end: {buffer.strip()[:80]!r}")
    return statements


def _only_comments(text: str) -> bool:
    lines = [line.strip() for line in text.strip().strip(";").splitlines()]
    return all(not line or line.startswith("--") for line in lines)


async def status(db: Database, directory: Path = MIGRATIONS_DIR) -> MigrationStatus:
    async with db.transaction() as tx:
        await tx.execute(_BOOKKEEPING)
    rows = await db.fetchall("SELECT version, checksum FROM schema_migrations ORDER BY version")
    applied = {row["version"]: row["checksum"] for row in rows}
    migrations = discover(directory)
    pending = [m for m in migrations if m.version not in applied]
    edited = [m.version for m in migrations if applied.get(m.version, m.checksum) != m.checksum]
    return MigrationStatus(applied=sorted(applied), pending=pending, edited=edited)


async def apply_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every pending migration in order, each atomically. Returns what was applied."""
    current = await status(db, directory)
    if current.pending and current.applied and current.pending[0].version < current.version:
        raise MigrationError(
            f"migration {current.pending[0].path.name} is older than the database's version "
            f"{current.version}: migrations are forward-only, give it a higher number"
        )
    done: list[Migration] = []
    for migration in current.pending:
        statements = split_statements(migration.sql)
        try:
            async with db.transaction() as tx:
                # Another process starting at the same moment (several shards) may have applied
                # it since `status`: transactions take turns, so it is seen here, then skipped.
                if await tx.fetchone(
                    "SELECT 1 FROM schema_migrations WHERE version = :version",
                    {"version": migration.version},
                ):
                    log.info("migration %s was applied by another process", migration.path.name)
                    continue
                for statement in statements:
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                    "VALUES (:version, :name, :checksum, :now)",
                    {
                        "version": migration.version,
                        "name": migration.name,
                        "checksum": migration.checksum,
                        "now": int(time.time()),
                    },
                )
        except database_errors() as exc:
            raise MigrationError(
                f"{migration.path.name} failed and was rolled back: {exc}"
            ) from exc
        log.info("applied migration %s", migration.path.name)
        done.append(migration)
    return done
