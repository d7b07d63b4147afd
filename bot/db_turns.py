"""The turns taken on the database's connections (bot/db.py): the writing connection's lock,
urgent work first (`urgent_work()`), and the reads outside a transaction, which run side by
side but let the emptying of the write-ahead log wait for them. No SQL here."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

_URGENT: ContextVar[bool] = ContextVar("database_urgent", default=False)


@contextmanager
def urgent_work(urgent: bool = True) -> Iterator[None]:
    """Database work of this task (and of tasks it starts) goes ahead of ordinary work waiting
    for the connection: a crisis alert is not held up behind a bulk send's bookkeeping."""
    token = _URGENT.set(urgent)
    try:
        yield
    finally:
        _URGENT.reset(token)


class ConnectionLock:
    """An asyncio lock with two lines: urgent work (`urgent_work()`) first, each in order."""

    def __init__(self) -> None:
        self._locked = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        return self._locked

    async def acquire(self) -> None:
        if not self._locked:
            self._locked = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line = self._urgent if _URGENT.get() else self._ordinary
        line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed the lock as it was cancelled: pass it on
            elif waiter in line:
                line.remove(waiter)
            raise

    def release(self) -> None:
        for line in (self._urgent, self._ordinary):
            while line:
                waiter = line.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # handed over: stays locked
                    return
        self._locked = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()


class ReadTurns:
    """The reads outside a transaction run side by side on the reading connection: each one is
    a single call on its thread that runs the statement to its end (`execute_fetchall`), so no
    read keeps a snapshot open between calls, and each one starts after the reads queued
    before it ended, on a snapshot that has every write committed before it began. Only
    emptying the write-ahead log needs no read under way: `exclusive()` holds new reads back
    and waits for those running."""

    def __init__(self) -> None:
        self.running = 0
        self._open = asyncio.Event()
        self._open.set()
        self._drained = asyncio.Event()
        self._exclusive = asyncio.Lock()

    async def enter(self) -> None:
        while not self._open.is_set():
            await self._open.wait()
        self.running += 1

    def leave(self) -> None:
        self.running -= 1
        if not self.running:
            self._drained.set()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self._exclusive:
            self._open.clear()
            try:
                while self.running:
                    self._drained.clear()
                    await self._drained.wait()
                yield
            finally:
                self._open.set()
