"""What the meetings feature's query classes share: the database handle and IN lists."""

from __future__ import annotations

from typing import Any

from bot.db import Database

IN_CHUNK = 500  # ids per IN (...) list


def in_list(ids: list[int]) -> tuple[str, dict[str, Any]]:
    """Named placeholders for an IN list: (':i0, :i1', {'i0': .., 'i1': ..})."""
    params = {f"i{n}": value for n, value in enumerate(ids)}
    return ", ".join(f":{key}" for key in params), params


class Queries:
    def __init__(self, db: Database) -> None:
        self.db = db
