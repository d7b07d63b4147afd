"""The pace of ordinary sends, so that a crisis send never waits behind them.

Discord allows a bot about 50 requests a second in all (its global rate limit; discord.py, once
it hits it, holds *every* request until the limit resets) and aiohttp opens at most 100
connections at once (the rest wait in line). A bulk send (1,500 prompts to 1,500 members) left
to itself would fill both, and a crisis alert would queue behind it. So ordinary sends take a
turn from this budget: a few at a time and at most `rate` a second (a DM to a member the bot has
not written to yet costs two requests: the DM channel, then the message), which leaves the rest
of Discord's allowance to urgent sends, which never wait for a turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

ORDINARY_AT_ONCE = 4  # ordinary sends in flight together
ORDINARY_PER_SECOND = 20.0  # at most 40 requests a second with a new DM channel each
ORDINARY_BURST = 20  # a short burst (a reminder to a small group) goes out at once


class SendBudget:
    def __init__(
        self,
        at_once: int = ORDINARY_AT_ONCE,
        per_second: float = ORDINARY_PER_SECOND,
        burst: int = ORDINARY_BURST,
    ) -> None:
        self.at_once = at_once
        self.per_second = per_second
        self.burst = burst
        self._slots = asyncio.Semaphore(at_once)
        self._tokens = float(burst)
        self._last: float | None = None
        self._pace = asyncio.Lock()

    @property
    def held(self) -> int:
        """How many ordinary rows the dispatcher may hold in memory (queued or in flight)."""
        return self.at_once * 2

    async def _token(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._pace:  # first come, first served
            while True:
                now = loop.time()
                if self._last is not None:
                    self._tokens = min(
                        float(self.burst), self._tokens + (now - self._last) * self.per_second
                    )
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.per_second)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the ordinary slots, paced (real time: it is Discord's limit)."""
        async with self._slots:
            await self._token()
            yield
