"""Discord's rate limits, enforced on demand (off unless a test or benchmark turns them on).

```python
fake.rate_limits = RateLimits()  # enforce them from now on
...
assert fake.rate_limits.refused == []  # no request was answered 429
```

What Discord documents (developers' docs, "Rate Limits"), and what the fake then does:

- A global limit of 50 requests a second per bot, over every route except the interaction
  endpoints (the callback, and the follow-ups on `/webhooks/{id}/{token}`, whose token is in the
  URL), which "are not bound to the bot's global rate limit". Past it: 429 with
  `{"global": true, "retry_after": s}`, `X-RateLimit-Global: true` and
  `X-RateLimit-Scope: global`.
- Per-route limits, counted in a bucket per route and per value of its top-level resource (its
  major parameters: the channel, the server, the webhook and its token; the fake also keeps
  each interaction apart). Every answer announces its bucket: `X-RateLimit-Limit`,
  `-Remaining`, `-Reset` (epoch seconds), `-Reset-After` (seconds), `-Bucket` (the route's
  hash). Past it: 429 with `retry_after` and `X-RateLimit-Scope: user`. Discord does not
  publish the numbers per route (the headers announce them); the fake uses the commonly
  observed 5 messages per channel in 5 seconds, and elsewhere the 5 a second of the docs'
  example headers. A test may change `routes` or `default`.

Every 429 also carries `Retry-After` (whole seconds) and `Via: 1.1 google`, as Discord's own do
(discord.py treats a 429 without `Via` as a Cloudflare ban and raises; with it, it waits
`retry_after` and tries again, so a bot that trips a limit still gets through: count `refused`).
Windows are fixed: a bucket's opens with its first request and lasts its `per` seconds; the
global one lasts a second. A refused request is not counted in any window.
"""

from __future__ import annotations

import math
import re
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

GLOBAL_PER_SECOND = 50
# (method, route template) -> (requests, seconds); any other route: DEFAULT_BUCKET.
ROUTE_BUCKETS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/channels/{channel_id}/messages"): (5, 5.0),
}
DEFAULT_BUCKET = (5, 1.0)
# The parameters that split a route's bucket, in Discord's order (then the fake's own).
MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
# Not bound to the global limit: the interaction endpoints (the token is in the URL).
_EXEMPT = re.compile(r"^/(interactions/|webhooks/\{webhook_id\}/\{webhook_token\})")


@dataclass
class Window:
    limit: int
    per: float
    count: int = 0
    resets_at: float = 0.0  # monotonic

    def open(self, now: float) -> None:
        if now >= self.resets_at:
            self.count = 0
            self.resets_at = now + self.per

    @property
    def full(self) -> bool:
        return self.count >= self.limit


@dataclass
class Verdict:
    """What a request met: its bucket's headers, and why it was refused (None: let through)."""

    headers: dict[str, str]
    refused: str | None = None  # "global" or "user"
    retry_after: float = 0.0


@dataclass
class RateLimits:
    global_per_second: int = GLOBAL_PER_SECOND
    routes: dict[tuple[str, str], tuple[int, float]] = field(
        default_factory=lambda: dict(ROUTE_BUCKETS)
    )
    default: tuple[int, float] = DEFAULT_BUCKET
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, scope
    peak_per_second: int = 0  # the most requests counted in one global window
    counted: int = 0  # requests counted against the global limit
    _buckets: dict[tuple[str, str, str], Window] = field(default_factory=dict)
    _global: Window = field(default_factory=lambda: Window(GLOBAL_PER_SECOND, 1.0))

    def __post_init__(self) -> None:
        self._global = Window(self.global_per_second, 1.0)

    def take(self, method: str, path: str, template: str, params: Mapping[str, str]) -> Verdict:
        """Count one request (`template` as the spec names the route, `params` its values)."""
        now = time.monotonic()
        limit, per = self.routes.get((method, template), self.default)
        major = "/".join(params[p] for p in MAJOR_PARAMETERS if p in params)
        key = (method, template, major)
        bucket = self._buckets.get(key)
        if bucket is None or (bucket.limit, bucket.per) != (limit, per):
            bucket = self._buckets[key] = Window(limit, per)
        bucket.open(now)
        name = f"{zlib.crc32(f'{method} {template}'.encode()):08x}"
        bound = _EXEMPT.match(template) is None
        if bound:
            self._global.open(now)
            if self._global.full:
                wait = self._global.resets_at - now
                self.refused.append((method, path, "global"))
                return Verdict(self._headers(bucket, name, now), "global", wait)
        if bucket.full:
            self.refused.append((method, path, "user"))
            return Verdict(self._headers(bucket, name, now), "user", bucket.resets_at - now)
        bucket.count += 1
        if bound:
            self._global.count += 1
            self.counted += 1
            self.peak_per_second = max(self.peak_per_second, self._global.count)
        return Verdict(self._headers(bucket, name, now))

    @staticmethod
    def _headers(bucket: Window, name: str, now: float) -> dict[str, str]:
        # Rounded up: a client that waits what it is told never comes back early.
        reset_after = math.ceil(max(bucket.resets_at - now, 0.0) * 1000) / 1000
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(bucket.limit - bucket.count, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": name,
        }
