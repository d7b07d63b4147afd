"""The rules of the confidentiality agreement: what the parts of `ConfidentialityService` share.
The outbox kinds, why a member is asked, and the database, outbox and groups they work with. No
discord import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupDirectory
from bot.event_log import EventLog
from bot.outbox import Outbox
from cogs.confidentiality.repository import ConfidentialityRepository

# Outbox kinds, rendered by the cog.
PROMPT = "confidentiality:prompt"  # the agreement with "I agree" (and "Not now" when joining)
NOTICE = "confidentiality:notice"  # a short text (msgid + params) to a member or a channel

# Why a member is asked (the prompt's wording depends on it).
Why = Literal["join", "added", "request", "new_version", "held", "leader", "demoted"]
# How the groups feature says a member is joining -> why they are asked ("join" otherwise).
JOIN_WHY: dict[str | None, Why] = {"added": "added", "request": "request"}

# A durable event's listener says, inside its own transaction, whether this is the first time it
# acts on the event (`bot.event_log.claim(tx, event)`): False, and it does nothing again.
Once = Callable[[Transaction], Awaitable[bool]]


class ServiceCore:
    """The database, the clock, the outbox and the groups every part of the service uses."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        groups: Callable[[], GroupDirectory],
        events: EventLog | None = None,
    ) -> None:
        self.db = db
        self.repo = ConfidentialityRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._groups = groups  # `bot.groups`, read when needed: the groups feature installs it
        self._events = events  # durable events this feature writes (`join_gate_passed`)

    def now(self) -> int:
        return epoch(self._clock())
