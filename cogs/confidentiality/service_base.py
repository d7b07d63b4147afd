"""The rules of the confidentiality agreement: what the parts of `ConfidentialityService` share.
The outbox kinds, why a member is asked, the database, outbox and groups they work with, and the
agreement sent privately (once per seat for a join). No discord import."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupDirectory
from bot.event_log import EventLog
from bot.outbox import Outbox
from cogs.confidentiality.models import Text
from cogs.confidentiality.repository import ConfidentialityRepository

log = logging.getLogger(__name__)

# Outbox kinds, rendered by the cog.
PROMPT = "confidentiality:prompt"  # the agreement with "I agree" (and "Not now" when joining)
NOTICE = "confidentiality:notice"  # a short text (msgid + params) to a member or a channel

# Why a member is asked (the prompt's wording depends on it).
Why = Literal["join", "added", "request", "new_version", "held", "leader", "demoted"]
# How the groups feature says a member is joining -> why they are asked ("join" otherwise).
JOIN_WHY: dict[str | None, Why] = {"added": "added", "request": "request"}
# Why a member is asked when it is to join: asked once per seat (`ask_privately`).
JOIN_PROMPTS: tuple[Why, ...] = ("join", "request", "added")
# `join_gate_passed` is not delivered later than this (a seat is held 48 hours); a join's private
# prompt is not sent twice within it.
JOIN_EVENT_HOURS = 48

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

    # ------------------------------------------------------------------ asking

    async def _prompt(
        self,
        tx: Transaction,
        guild_id: int,
        user_id: int,
        group_id: int,
        text_ids: list[int],
        why: Why,
        *,
        grace_ends_at: int | None = None,
    ) -> None:
        await self._outbox.enqueue(
            tx,
            kind=PROMPT,
            guild_id=guild_id,
            user_id=user_id,
            payload={
                "user": user_id,
                "group": group_id,
                "texts": text_ids,
                "why": why,
                "grace_ends_at": grace_ends_at,
            },
        )

    async def ask_privately(
        self,
        guild_id: int,
        group_id: int,
        user_id: int,
        texts: list[Text],
        why: Why,
        *,
        once: Once | None = None,
    ) -> None:
        """The join gate without an interaction to answer on: the agreement by direct message.
        `once`: asked for a durable event, only the first time it is heard. A join is asked for
        once per seat: the same texts asked again within the time a seat is held send nothing
        (the groups feature asks again at start-up if a crash came before it noted the first)."""
        text_ids = [t.id for t in texts]
        now = self.now()
        async with self.db.transaction() as tx:
            if once is not None and not await once(tx):
                return
            if why in JOIN_PROMPTS and not await self.repo.note_join_prompt(
                tx,
                guild_id=guild_id,
                group_id=group_id,
                user_id=user_id,
                texts=",".join(str(i) for i in sorted(text_ids)),
                now=now,
                since=now - JOIN_EVENT_HOURS * 3600,
            ):
                log.info("confidentiality: group %d's agreement was sent for this seat", group_id)
                return
            await self._prompt(tx, guild_id, user_id, group_id, text_ids, why)

    async def join_answered(self, group_id: int, user_id: int) -> None:
        """ "Not now": a later seat is asked for again."""
        async with self.db.transaction() as tx:
            await self.repo.drop_join_prompt(tx, group_id, user_id)
