"""A confirmed vote on its way to the database, and what its voter hears when the transaction
that held it failed. No discord import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import database_errors
from bot.errors import UserError
from bot.i18n import N_
from cogs.feedback.repository_ballots import BallotRepository


@dataclass(frozen=True)
class Ballot:
    """A confirmed vote on its way to the database: the token, never the member."""

    poll_id: int
    position: int
    token: bytes
    home: tuple[int, int | None]  # the poll's server and group, as checked before


class VoteNotSaved(UserError):
    """The transaction that held the vote failed (another program kept the database locked,
    the disk is full): nothing of it was written, its choice was taken out of the tally again,
    and the member may confirm again."""

    def __init__(self) -> None:
        super().__init__(
            N_(
                "I couldn't save your vote just now, so it isn't counted and nothing of it was "
                "kept. Please press the button again in a moment."
            )
        )


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a transaction that could not be saved raises, on either database."""
    return (OSError, *database_errors())


async def landed(ballots: BallotRepository, held: Sequence[Ballot]) -> bool:
    """Whether a transaction whose COMMIT failed went through all the same (PostgreSQL's
    connection lost as the server answered): the tokens it flipped say so, read afresh. The
    batches take turns, so nothing else flipped them meanwhile. False when it cannot be told."""
    tokens = {ballot.token for ballot in held}
    try:
        return len(await ballots.voted_among(sorted(tokens))) == len(tokens)
    except storage_errors():
        return False
