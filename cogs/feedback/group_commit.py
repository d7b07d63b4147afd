"""Group commit: work that arrives while a transaction runs waits for the next one, and then
shares it. Hundreds of members confirming their votes at the same moment make a handful of
transactions (and disk flushes) instead of hundreds. No discord import, no SQL: the caller's
`run` does the batch in one transaction of whichever database backend the bot uses.

The first item of a quiet moment starts at once (no timer, no added wait); while its transaction
runs, newcomers queue, and the next transaction takes all of them (up to `most`). `run` answers
each item on its own, a value or the exception that refused it (a refusal writes nothing and
spoils nobody else's batch); if `run` itself fails (the commit failed, the database is locked),
every item of that batch gets the error, and the next batch is tried afresh.

The same turns serve reads (poll_reads.py): a press's read shares the next one to start, so
its answer is never older than its question.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        most: int = 500,
        name: str = "group commit",
    ) -> None:
        self._run = run
        self._most = most
        self._name = name
        self._queue: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions ran (the tests read it)

    async def submit(self, item: T) -> R:
        """Wait for the transaction that takes `item`; its answer, or its refusal raised."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name=self._name)
        return await future

    async def _work(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self._most, len(self._queue)))]
            self.batches += 1
            try:
                outcomes = await self._run([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, future in (*batch, *self._queue):
                    future.cancel()
                self._queue.clear()
                raise
            except BaseException as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # its caller gave up waiting; the vote stands all the same
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
