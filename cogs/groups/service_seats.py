"""The groups service's foundation and its seats. No discord import.

`SeatService` holds what every part of the groups service needs (the database, the clock, the
outbox, the notices sent through it) and the seat machinery every change ends with: a free seat
is offered to the next person on the waitlist, an offer not taken in time goes to the next, and
a join ticket whose gates were never passed frees its seat. `JoiningService`
(service_joining.py) and `GroupService` (service.py) build on it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.event_log import EventLog
from bot.events import GROUP_EVENT_FIELDS, GROUP_MEMBER_JOINED
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.modlog import ModLog
from bot.outbox import Outbox
from bot.shards import EVERY_SHARD, ShardSet
from cogs.groups.records import Group, WaitlistEntry
from cogs.groups.repository import GroupRepository

# Outbox kinds, rendered by the cog.
NOTICE = "groups:notice"  # a short text (msgid + params) to a member or a channel
OFFER = "groups:offer"  # a waitlist seat offer with Accept / Decline buttons
REQUEST = "groups:request"  # a join request in the leaders' channel with Approve / Decline
MISSING = "groups:missing"  # a group's role or channel was deleted: offer to recreate it

# The mod-log action the feature records (declared by the cog): a leader removed a member.
GROUP_REMOVAL = "group_removal"

OfferListener = Callable[[int, int], None]  # (waitlist entry id, offer expires at)
Dispatch = Callable[..., None]  # bot.dispatch: the in-memory echo of a durable event

# Not delivered later than this after it was written (seconds): a welcome in the group's
# channel a day late helps nobody.
EVENT_EXPIRY = {GROUP_MEMBER_JOINED: 24 * 3600}


class SeatService:
    """The base of `GroupService`: dependencies, notices, and free seats going to the waitlist."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        settings: GuildSettingsService,
        modlog: ModLog,
        events: EventLog | None = None,
        dispatch: Dispatch | None = None,
    ) -> None:
        self.db = db
        self.repo = GroupRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._settings = settings
        self._modlog = modlog
        self._events = events
        self._dispatch = dispatch
        self._offer_listeners: list[OfferListener] = []

    def now(self) -> int:
        return epoch(self._clock())

    def on_offer(self, listener: OfferListener) -> None:
        """Called after a transaction that offered a seat commits (to schedule its expiry)."""
        self._offer_listeners.append(listener)

    # ------------------------------------------------------------------ group events

    async def _announce(self, tx: Transaction, name: str, *args: int | str) -> None:
        """A group event (bot/events.py), durable: written in the transaction that causes it,
        delivered to other features' listeners after the commit (at start-up if a crash came
        between), and dispatched in memory then too, for observers."""
        payload = dict(zip(GROUP_EVENT_FIELDS[name], args, strict=True))
        if self._events is not None:
            expiry = EVENT_EXPIRY.get(name)
            expires_at = self.now() + expiry if expiry is not None else None
            await self._events.append(tx, name, payload, expires_at=expires_at)
        if self._dispatch is not None:
            tx.after_commit(functools.partial(self._dispatch, name, *args))

    # ------------------------------------------------------------------ notices

    async def notify(self, guild_id: int, user_id: int, message: str, **params: object) -> None:
        async with self.db.transaction() as tx:
            await self._notice(tx, guild_id, user_id, message, **params)

    async def notify_channel(
        self, guild_id: int, channel_id: int, message: str, **params: object
    ) -> None:
        async with self.db.transaction() as tx:
            await self._outbox.enqueue(
                tx,
                kind=NOTICE,
                guild_id=guild_id,
                channel_id=channel_id,
                payload={"msg": message, "params": params},
            )

    async def _notice(
        self, tx: Transaction, guild_id: int, user_id: int, message: str, **params: object
    ) -> None:
        await self._outbox.enqueue(
            tx,
            kind=NOTICE,
            guild_id=guild_id,
            user_id=user_id,
            payload={"msg": message, "params": params},
        )

    # ------------------------------------------------------------------ waitlist offers

    async def _offer_free_seats(self, tx: Transaction, group_id: int, now: int) -> None:
        """Offer each free seat to the next person waiting, in order."""
        while True:
            group = await self.repo.get_in(tx, group_id, now)
            if group is None or group.archived:
                return
            if group.capacity is not None and group.seats_taken >= group.capacity:
                return
            entry = await self.repo.next_waiting(tx, group_id)
            if entry is None:
                return
            expires_at = now + group.offer_hours * 3600
            await self.repo.mark_offered(tx, entry.id, now, expires_at)
            row_id = await self._outbox.enqueue(
                tx,
                kind=OFFER,
                guild_id=group.guild_id,
                user_id=entry.user_id,
                payload={"entry": entry.id, "group": group.name, "expires_at": expires_at},
            )
            await self.repo.set_offer_row(tx, entry.id, row_id)
            for listener in self._offer_listeners:
                tx.after_commit(functools.partial(listener, entry.id, expires_at))

    async def decline_offer(self, entry_id: int, user_id: int) -> Group | None:
        now = self.now()
        async with self.db.transaction() as tx:
            entry = await self.repo.waitlist_entry(tx, entry_id)
            if entry is None or entry.user_id != user_id:
                return None
            await self.repo.remove_from_waitlist(tx, entry.id)
            await self._offer_free_seats(tx, entry.group_id, now)
            return await self.repo.get_in(tx, entry.group_id, now)

    async def expire_offer(self, entry_id: int) -> bool:
        """The offer ran out: the member leaves the waitlist, the seat goes to the next."""
        now = self.now()
        async with self.db.transaction() as tx:
            entry = await self.repo.waitlist_entry(tx, entry_id)
            if entry is None or entry.offer_expires_at is None or entry.offer_expires_at > now:
                return False
            group = await self.repo.get_in(tx, entry.group_id, now)
            await self.repo.remove_from_waitlist(tx, entry.id)
            if group is not None:
                await self._notice(
                    tx,
                    group.guild_id,
                    entry.user_id,
                    N_(
                        "The seat offered to you in {group} has gone to the next person, as the "
                        "offer was not accepted in time. You're welcome to join the waitlist "
                        "again with /group join."
                    ),
                    group=group.name,
                )
            await self._offer_free_seats(tx, entry.group_id, now)
        return True

    async def open_offers(self) -> list[WaitlistEntry]:
        return await self.repo.open_offers()

    async def expire_tickets(self, shards: ShardSet = EVERY_SHARD) -> None:
        """Tickets whose gates were never passed free their seats (in the servers of `shards`,
        this process's: it arms the expiry of the offers it makes)."""
        now = self.now()
        async with self.db.transaction() as tx:
            for group_id in await self.repo.drop_expired_tickets(tx, now, shards):
                await self._offer_free_seats(tx, group_id, now)
