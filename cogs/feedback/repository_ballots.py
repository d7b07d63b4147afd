"""The SQL of votes pressed or confirmed at the same moment: one statement for many polls or
many tokens. No discord import.

Each list of values is padded to one of a few fixed lengths (SHAPES, the last value repeated:
`token IN (a, b, b, b)` means `token IN (a, b)`), so however many members press at once the
database sees a handful of statements, not one per crowd size. Both databases keep statements
by their text; PostgreSQL also asks the server, once per text, what its parameters' types are
(bot/db_postgres.py), on a reading connection: a new text inside the counting transaction would
hold the write lock while it waited for one.

The tokens of a statement are in their sorted order, not in the order the votes came.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from bot.db import Database, Row, Transaction
from cogs.feedback.repository import POLL_COLUMNS, ROWS_PER_INSERT, Poll, PollOption

T = TypeVar("T")

SHAPES = (1, 8, 64, ROWS_PER_INSERT)


def padded_chunks(items: Sequence[T]) -> list[list[T]]:
    """`items` in chunks of at most ROWS_PER_INSERT, each padded to the next of SHAPES."""
    chunks: list[list[T]] = []
    for start in range(0, len(items), ROWS_PER_INSERT):
        chunk = list(items[start : start + ROWS_PER_INSERT])
        size = next(shape for shape in SHAPES if shape >= len(chunk))
        chunks.append(chunk + [chunk[-1]] * (size - len(chunk)))
    return chunks


_JOINED_COLUMNS = ", ".join(f"p.{name.strip()}" for name in POLL_COLUMNS.split(","))


def _named(prefix: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    params = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in params), params


class BallotRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def polls(self, poll_ids: Sequence[int]) -> dict[int, Poll]:
        """The polls (with their options) of these ids that exist, in two reads."""
        found: dict[int, Poll] = {}
        for chunk in padded_chunks(sorted(set(poll_ids))):
            names, params = _named("p", chunk)
            rows = await self.db.fetchall(
                f"SELECT {POLL_COLUMNS} FROM polls WHERE id IN ({names})", params
            )
            if not rows:
                continue
            options = await self.db.fetchall(
                "SELECT poll_id, position, label, votes FROM poll_options "
                f"WHERE poll_id IN ({names}) ORDER BY poll_id, position",
                params,
            )
            by_poll: dict[int, list[PollOption]] = {}
            for o in options:
                by_poll.setdefault(o["poll_id"], []).append(
                    PollOption(position=o["position"], label=o["label"], votes=o["votes"])
                )
            for row in rows:
                values = {key: row[key] for key in row.keys()}
                found[row["id"]] = Poll(**values, options=tuple(by_poll.get(row["id"], ())))
        return found

    async def polls_in(self, tx: Transaction, poll_ids: Sequence[int]) -> dict[int, Poll]:
        """`polls`, inside the counting transaction, in one statement (each statement there is
        a round trip every vote of the batch waits for)."""
        found: dict[int, Poll] = {}
        for chunk in padded_chunks(sorted(set(poll_ids))):
            names, params = _named("p", chunk)
            rows = await tx.fetchall(
                f"SELECT {_JOINED_COLUMNS}, o.position AS o_position, o.label AS o_label, "
                "o.votes AS o_votes FROM polls p LEFT JOIN poll_options o ON o.poll_id = p.id "
                f"WHERE p.id IN ({names}) ORDER BY p.id, o.position",
                params,
            )
            by_poll: dict[int, list[Row]] = {}
            for row in rows:
                by_poll.setdefault(row["id"], []).append(row)
            for poll_id, some in by_poll.items():
                first = some[0]
                options = tuple(
                    PollOption(position=r["o_position"], label=r["o_label"], votes=r["o_votes"])
                    for r in some
                    if r["o_position"] is not None
                )
                values = {key: first[key] for key in first.keys() if not key.startswith("o_")}
                found[poll_id] = Poll(**values, options=options)
        return found

    async def voted_among(self, tokens: Sequence[bytes]) -> set[bytes]:
        """Which of these tokens voted, their vote standing (a vote lost in a restart does
        not), in one read per ROWS_PER_INSERT tokens."""
        voted: set[bytes] = set()
        for chunk in padded_chunks(sorted(set(tokens))):
            names, params = _named("t", chunk)
            rows = await self.db.fetchall(
                f"SELECT token FROM poll_voters WHERE voted = 1 AND token IN ({names})", params
            )
            voted.update(bytes(row["token"]) for row in rows)
        return voted

    async def mark_many_voted(
        self, tx: Transaction, poll_id: int, tokens: Sequence[bytes]
    ) -> set[bytes]:
        """Flip the tokens of one poll's votes confirmed together to "voted, choice held in
        memory", in place (`FeedbackRepository.mark_voted`, for many); returns the tokens
        flipped (the others: not on the roll, or their vote stands)."""
        flipped: set[bytes] = set()
        for chunk in padded_chunks(sorted(set(tokens))):
            names, params = _named("t", chunk)
            rows = await tx.fetchall(
                "UPDATE poll_voters SET voted = 1, pending = 1 "
                f"WHERE poll_id = :poll_id AND voted = 0 AND token IN ({names}) RETURNING token",
                {"poll_id": poll_id, **params},
            )
            flipped.update(bytes(row["token"]) for row in rows)
        return flipped
