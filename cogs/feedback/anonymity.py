"""What keeps anonymous feedback anonymous: the keyed tokens, the eraser, and
`AnonymousService`, the base both services (polls.py, free_text.py) build on. Never imports
discord. PRIVACY.md, "Anonymous polls and feedback", gives the threat model in full.

The attacker we design against holds everything the bot stores and uses: the database file, its
write-ahead log and shared-memory index, read at any moment and compared between any two
moments (before and after each vote), every log record at DEBUG, ANON_SECRET and this code. With
the secret they compute any member's token, so no encryption with a key the bot keeps can hide a
choice from them. What hides it is time: nothing that depends on a choice or a text is written at
the moment anything that points to a member is written.

- A vote writes only who voted: the voter's token (HMAC-SHA256(ANON_SECRET, poll id + member
  id)) flips two flags in place, and the poll's count of voters goes up. The choice is held in
  memory (`PollService`'s tally) and written once, as the poll's full tally, in the transaction
  that closes it, and only if at least min_voters voted: then the files say what the published
  results say. A restart loses the tallies of open polls; at start the votes held in memory are
  marked lost, and each member whose vote was lost is told privately to vote again
  (listeners.py), so a lost vote is never silent.
- Free text is stored without an author under a random key; the daily limit counts per-day
  tokens in memory only, so writing a text changes nothing a member's token points to. Texts go
  out in shuffled batches, once a day or as soon as three have gathered (free_text.py).
- Nothing therefore needs the write-ahead log to be emptied for a vote or a text to stay
  anonymous. The log is still emptied after deletions (delivered feedback, closed polls'
  rolls) so deleted words leave the files: `HistoryEraser`, on the core's `LogEraser`, which
  never waits for a reader and retries in the background.
- Nothing in this feature logs a member together with a choice or a text, at any level; custom
  ids carry the poll and the option, never the member.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

from bot.clock import Clock
from bot.db import Database
from bot.directory import GroupDirectory
from bot.outbox import Outbox
from cogs.feedback.repository import FeedbackRepository

log = logging.getLogger(__name__)

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
    """Makes deleted anonymous content leave the files (the core's `LogEraser`): `erase()`
    returns at once, and a reader that blocks the log is waited for in the background."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def of(cls, db: Database) -> HistoryEraser:
        """The eraser of the bot's database (polls and free text share one)."""
        return cls(db)

    async def prepare(self) -> None:
        if not await self.db.secure_delete_on():
            if hasattr(self.db, "url"):  # PostgreSQL: never overwrites; PRIVACY.md says so
                log.info("PostgreSQL keeps deleted feedback until VACUUM (see PRIVACY.md)")
            else:
                log.warning("SQLite refused secure_delete; deleted feedback may linger")
        await self.erase()

    async def erase(self) -> None:
        await self.db.forget()


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
