"""The pace of ordinary sends, so that a crisis send never waits behind them and no send is
refused by Discord's global rate limit.

Discord allows a bot 50 requests a second in all (its global rate limit, "All bots can make up
to 50 requests per second to our API"; interaction answers are not counted). discord.py keeps
each route's own limits by itself (it reads the X-RateLimit-* headers of every answer and waits
before a bucket runs out: 5 messages per channel in 5 seconds), but not the global one: once it
hits it, it holds *every* request until the limit resets. And aiohttp opens at most 100
connections at once (the rest wait in line). A bulk send (1,500 prompts to 1,500 members, a
thousand groups' reminders due in the same minute) left to itself would fill both, and a
crisis alert would queue behind it.

So ordinary sends take a turn from this budget: a few at a time, and at most `per_second` a
second after a `burst`: a token bucket, so in any one second at most `burst + per_second` turns
begin (25). A turn is one request (a post in a channel: at most 25 requests in any second, half
of Discord's 50, the rest left to urgent sends, which never wait for a turn), or two for a DM to
a member whose DM channel the bot does not know yet (the channel, then the message): 50 in the
worst second, when every turn is such a DM. A feature's own requests to Discord outside the
outbox, made in bulk in the background (the meetings feature's scheduled events), take a token
each from the same budget with `pace()`, so they count in the same 25.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

DISCORD_GLOBAL_PER_SECOND = 50  # Discord's global rate limit (requests a second, per bot)
ORDINARY_AT_ONCE = 4  # ordinary sends in flight together
ORDINARY_PER_SECOND = 20.0  # turns a second, sustained
ORDINARY_BURST = 5  # a short burst (a reminder to a small group) goes out at once
# The worst second: every turn a DM that needs its channel first (two requests).
assert 2 * (ORDINARY_BURST + ORDINARY_PER_SECOND) <= DISCORD_GLOBAL_PER_SECOND


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

    async def pace(self) -> None:
        """Wait for a token, before one request a feature makes outside the outbox (no slot is
        held: such requests come one at a time)."""
        await self._token()
