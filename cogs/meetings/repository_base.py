"""What the meetings feature's query classes share: the database handle and IN lists."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.db import Database
from bot.shards import EVERY_SHARD, ShardSet

IN_CHUNK = 500  # ids per IN (...) list
# Rows per multi-row statement. Their parameters are positional (`?`): SQLite finds each named
# parameter by a linear search of those already seen, and binds a mapping name by name, so
# 10,000 sessions of seven named values cost 320 ms to insert, positional ones 46 ms. Each
# statement is a few round trips to SQLite's thread, and while the event loop is busy (the
# bot connecting, the outbox posting) each waits for its turn at the interpreter: few large
# statements (at most 3,500 parameters; PostgreSQL takes 32,767) beat many small ones.
ROWS_PER_STATEMENT = 500


def chunks(items: list[Any], size: int = ROWS_PER_STATEMENT) -> list[list[Any]]:
    return [items[first : first + size] for first in range(0, len(items), size)]


@lru_cache(maxsize=64)
def placeholder_rows(count: int, width: int) -> str:
    """`count` rows of `width` positional parameters: '(?, ?), (?, ?)' for (2, 2)."""
    row = "(" + ", ".join("?" * width) + ")"
    return ", ".join([row] * count)


def in_list(ids: list[int]) -> tuple[str, dict[str, Any]]:
    """Named placeholders for an IN list: (':i0, :i1', {'i0': .., 'i1': ..})."""
    params = {f"i{n}": value for n, value in enumerate(ids)}
    return ", ".join(f":{key}" for key in params), params


class Queries:
    """`shards`: the servers this process handles (bot/shards.py). The due actions and the
    Discord events it works on are its own servers' (every server's with one process)."""

    def __init__(self, db: Database, shards: ShardSet = EVERY_SHARD) -> None:
        self.db = db
        self.shards = shards
