"""What a vote press reads, shared by the presses of the same moment. No discord import.

Each press asks for its poll and whether the member has voted. Hundreds of members pressing at
once would make hundreds of reads of the same poll and of one token each, queueing for the
database's few reading connections (and, on PostgreSQL, ahead of the counting transaction's own
needs). Here they take turns as group_commit.py's transactions do: the first read of a quiet
moment starts at once; the presses that arrive while it runs share the next one, which reads
each poll once and all their tokens in one statement. Every answer comes from a read that
started after its caller asked, so it is as fresh as a read of its own would have been.

Nothing is kept between reads: no poll, no token, no order of arrival.
"""

from __future__ import annotations

from collections.abc import Sequence

from cogs.feedback.group_commit import GroupCommit
from cogs.feedback.repository import Poll
from cogs.feedback.repository_ballots import BallotRepository


class SharedReads:
    def __init__(self, repository: BallotRepository) -> None:
        self._repository = repository
        self._polls = GroupCommit(self._read_polls, name="feedback: read polls")
        self._voted = GroupCommit(self._read_voted, name="feedback: read who voted")

    @property
    def batches(self) -> int:
        """How many reads have served the presses."""
        return self._polls.batches + self._voted.batches

    async def poll(self, poll_id: int) -> Poll | None:
        return await self._polls.submit(poll_id)

    async def has_voted(self, token: bytes) -> bool:
        """Voted, and the vote still stands (a vote lost in a restart does not)."""
        return await self._voted.submit(token)

    async def _read_polls(self, poll_ids: Sequence[int]) -> list[Poll | None]:
        found = await self._repository.polls(poll_ids)
        return [found.get(poll_id) for poll_id in poll_ids]

    async def _read_voted(self, tokens: Sequence[bytes]) -> list[bool]:
        voted = await self._repository.voted_among(tokens)
        return [token in voted for token in tokens]
