"""What keeps anonymous feedback anonymous: the keyed tokens and the erasing of history, and
`AnonymousService`, the base both services (polls.py, free_text.py) build on. Never imports
discord.

What keeps it anonymous (PRIVACY.md says it for members):
- A vote is an option counter going up by one and a voter token's flag flipping in place, in one
  transaction. The token is HMAC-SHA256(ANON_SECRET, poll id + member id); the secret is never
  stored. Tokens are written for everyone who may vote before anyone votes (the roll), in key
  order, so a vote adds no row and moves none: the pages keep no order of voting. With the
  secret one can tell whether a member voted, never for what (polls.py).
- After each anonymous write the write-ahead log is emptied into the database file and deleted
  content is zeroed (`StorageHygiene`), so no earlier page image pairs a token with a counter.
- Free text is stored without an author under a random key; the daily limit counts per-day
  tokens. Both small tables are rewritten in key order whenever they change, and the text is
  delivered in shuffled batches, once a day or as soon as three have gathered (free_text.py).
- Nothing in this feature logs a member together with a choice or a text, at any level; custom
  ids carry the poll and the option, never the member.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable

from bot.clock import Clock
from bot.db import Database
from bot.directory import GroupDirectory
from bot.outbox import Outbox
from cogs.feedback.repository import FeedbackRepository, StorageHygiene

GroupsGetter = Callable[[], GroupDirectory]


class Tokens:
    """HMAC-SHA256 keyed with ANON_SECRET. Only these tokens reach the database."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("ANON_SECRET is empty")
        self._key = secret.encode("utf-8")

    def __repr__(self) -> str:  # never print the secret
        return "Tokens(<ANON_SECRET>)"

    def _mac(self, message: str) -> bytes:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).digest()

    def voter(self, poll_id: int, user_id: int) -> bytes:
        return self._mac(f"poll:{poll_id}:member:{user_id}")

    def quota(self, guild_id: int, user_id: int, day: int) -> bytes:
        return self._mac(f"feedback:{guild_id}:member:{user_id}:day:{day}")


class HistoryEraser:
    """Empties the write-ahead log after anonymous writes. Callers that arrive while a
    checkpoint runs share the next one, so many votes at once cost few checkpoints."""

    def __init__(self, hygiene: StorageHygiene) -> None:
        self._hygiene = hygiene
        self._lock = asyncio.Lock()
        self._requested = 0
        self._done = 0

    @classmethod
    def of(cls, db: Database) -> HistoryEraser:
        """The eraser of the bot's database (polls and free text share one)."""
        return cls(StorageHygiene(db))

    async def prepare(self) -> None:
        await self._hygiene.harden()
        await self.erase()

    async def erase(self) -> None:
        self._requested += 1
        ticket = self._requested
        async with self._lock:
            if self._done >= ticket:  # a checkpoint that started after our write covered it
                return
            target = self._requested
            await self._hygiene.erase_history()
            self._done = target


class AnonymousService:
    """What the poll and the feedback services share: the database with its repository, the
    eraser that runs after each anonymous write, the clock, the outbox, the groups directory,
    and the tokens, which exist only when ANON_SECRET is set (commands that need no token,
    such as `python -m bot sync`, run without it)."""

    without_secret = "anonymous feedback cannot work"  # what a missing secret stops

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        tokens: Tokens | None,
        groups: GroupsGetter,
        *,
        repository: FeedbackRepository | None = None,
        eraser: HistoryEraser | None = None,
    ) -> None:
        self.db = db
        self.repository = repository or FeedbackRepository(db)
        self.eraser = eraser or HistoryEraser.of(db)
        self._clock = clock
        self._outbox = outbox
        self._token_maker = tokens
        self._groups = groups

    @property
    def tokens(self) -> Tokens:
        if self._token_maker is None:
            raise RuntimeError(f"ANON_SECRET is not set: {self.without_secret}")
        return self._token_maker
