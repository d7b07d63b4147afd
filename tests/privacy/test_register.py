"""PRIVACY.md's table of tables, walked against the database and the bot: every table has a
row; what a row says is exported is in the export; what it says is erased is gone after
`/privacy delete` (at once, or once its time has come)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db import Database
from tests.privacy.conftest import RETENTION_JOBS, World, close_everything, run_jobs

PRIVACY_MD = Path(__file__).resolve().parents[2] / "PRIVACY.md"
ROW = re.compile(r"^\| `(?P<table>[a-z_0-9]+)` \|(?P<rest>.*)\|\s*$")


@dataclass(frozen=True)
class Register:
    table: str
    identifies: str
    kept_for: str
    export: str
    delete: str

    @property
    def columns(self) -> list[str]:
        """The columns that hold the member's Discord id (in backticks in the second cell)."""
        return re.findall(r"`([a-z_]+)`", self.identifies)

    @property
    def sections(self) -> list[str]:
        return re.findall(r'"([^"]+)"', self.export) if self.export.startswith("yes") else []


def register() -> dict[str, Register]:
    text = PRIVACY_MD.read_text(encoding="utf-8")
    part = text[text.index("## Every table") :]
    rows: dict[str, Register] = {}
    for line in part.splitlines():
        match = ROW.match(line)
        if match is None:
            continue
        cells = [c.strip() for c in match["rest"].split("|")]
        assert len(cells) == 4, f"PRIVACY.md: the row of {match['table']} needs 5 cells"
        rows[match["table"]] = Register(match["table"], *cells)
    return rows


async def tables(db: Database) -> set[str]:
    rows = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {r["name"] for r in rows}


async def columns(db: Database, table: str) -> set[str]:
    return {r["name"] for r in await db.fetchall(f"PRAGMA table_info({table})")}


@pytest.mark.sqlite_only
async def test_privacy_md_has_a_row_for_every_table(db: Database) -> None:
    """A table added by a migration without its PRIVACY.md row fails here, by name."""
    rows = register()
    present = await tables(db)
    missing = sorted(present - set(rows))
    assert not missing, (
        "PRIVACY.md, '## Every table', has no row for these tables (say what identifies a "
        f"member, how long, export, delete): {', '.join(missing)}"
    )
    stale = sorted(set(rows) - present)
    assert not stale, f"PRIVACY.md has rows for tables that no migration creates: {stale}"
    for row in rows.values():
        named = set(row.columns) - await columns(db, row.table)
        assert not named, f"PRIVACY.md names columns {named} that {row.table} does not have"
        assert row.kept_for and row.export and row.delete, f"{row.table}: a cell is empty"


async def _traces(w: World, row: Register, user_id: int) -> int:
    total = 0
    for column in row.columns:
        total += await w.count(f"SELECT COUNT(*) FROM {row.table} WHERE {column} = :u", u=user_id)
    return total


async def test_export_and_delete_do_what_privacy_md_says(world: World) -> None:
    w = world
    rows = register()
    # What is exported: every section PRIVACY.md names, for each table holding the member.
    for user in (w.anna, w.lena):
        await w.slash(user, "privacy export")
        data = w.exported(user)["data"]
        sections = {name for feature in data.values() for name in feature}
        for row in rows.values():
            if row.sections and await _traces(w, row, user.id):
                assert set(row.sections) & sections, (
                    f"{row.table} holds {user.username} but the export has none of {row.sections}"
                )

    # What goes at once.
    held = {t: await _traces(w, r, w.anna.id) for t, r in rows.items()}
    res = await w.slash(w.anna, "privacy delete")
    await w.fake.click(w.anna, res.message, res.message.custom_ids()[0])
    await w.runner.idle()
    for row in rows.values():
        if row.delete.startswith("erased") and not row.delete.startswith("erased later"):
            assert not await _traces(w, row, w.anna.id), f"{row.table} still holds her"
    populated = [t for t, n in held.items() if n]
    for table in ("group_members", "meeting_rsvps", "warnings", "reports", "escalation_cases"):
        assert table in populated  # the walk saw real rows, not empty tables

    # What goes later: the moderators close her case and the reports, time passes.
    await close_everything(w)
    w.clock.advance(days=181)  # the retention (90 days) and the warning period (180 days)
    await run_jobs(w, *RETENTION_JOBS)
    for row in rows.values():
        if row.delete.startswith(("erased later", "pseudonymised later")):
            assert not await _traces(w, row, w.anna.id), f"{row.table} still holds her"
    # Others are untouched: Bea's report about Anna's message is still hers.
    assert await w.count("SELECT COUNT(*) FROM group_members WHERE user_id = :u", u=w.bea.id)
