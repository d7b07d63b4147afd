"""What the meetings feature's query classes share: the database handle and IN lists."""

from __future__ import annotations

from typing import Any

from bot.db import Database

IN_CHUNK = 500  # ids per IN (...) list
# Rows per multi-row statement: SQLite finds each named parameter by a linear search of those
# already seen, so a statement of n rows costs n squared (1,500 rows of three: 50 us a row);
# at 100 rows it is 2 us a row.
ROWS_PER_STATEMENT = 100


def chunks(items: list[Any], size: int = ROWS_PER_STATEMENT) -> list[list[Any]]:
    return [items[first : first + size] for first in range(0, len(items), size)]


def in_list(ids: list[int]) -> tuple[str, dict[str, Any]]:
    """Named placeholders for an IN list: (':i0, :i1', {'i0': .., 'i1': ..})."""
    params = {f"i{n}": value for n, value in enumerate(ids)}
    return ", ".join(f":{key}" for key in params), params


class Queries:
    def __init__(self, db: Database) -> None:
        self.db = db
