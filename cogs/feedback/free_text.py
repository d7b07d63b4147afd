"""Anonymous free-text feedback (/feedback): the rules. Never imports discord.

A piece of feedback is stored without its author under a random key, and the table is rewritten
in key order whenever it changes. The daily limit counts per-day tokens (anonymity.py) in memory
only: the moment a text is written, nothing that a member's id (with ANON_SECRET) points to
changes in any file. A restart forgets the day's counts, so a member may then send up to the
limit again that day; that is the price of never writing who sent feedback. The texts go out in
shuffled batches (once a day, or as soon as three have gathered), to a group's leaders or to the
moderators. Nothing here logs a member together with a text.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupRef
from bot.errors import NotAllowed, NotConfigured, NotFound, UserError
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.outbox import Outbox
from cogs.feedback.anonymity import AnonymousService, GroupsGetter, HistoryEraser, Tokens
from cogs.feedback.repository import FeedbackItem, FeedbackRepository

log = logging.getLogger(__name__)

DIGEST = "feedback:digest"  # outbox kind; the feedback cog renders it

FEEDBACK_PER_DAY = 3
FEEDBACK_BATCH = 3  # a destination's items go out as soon as this many have gathered
FEEDBACK_MAX_LENGTH = 1000
DIGEST_ITEMS_PER_MESSAGE = 5  # 5 x 1000 characters stays under Discord's 6000 per message
DAY = 86400
UNREACHABLE_DAYS = 14  # feedback with nobody to read it waits this long, then is deleted unread


@dataclass(frozen=True)
class Destination:
    """Where a server's or a group's feedback goes."""

    guild_id: int
    group_id: int | None
    group_name: str | None
    channel_id: int | None  # the moderators' mod-log channel
    leader_ids: tuple[int, ...]  # the group's leaders, each by direct message


class FeedbackService(AnonymousService):
    without_secret = "feedback cannot be counted"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        tokens: Tokens | None,
        groups: GroupsGetter,
        guild_settings: GuildSettingsService,
        *,
        repository: FeedbackRepository | None = None,
        eraser: HistoryEraser | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(db, clock, outbox, tokens, groups, repository=repository, eraser=eraser)
        self._guild_settings = guild_settings
        self._rng = rng or random.SystemRandom()
        # The daily limit: per-day token -> how many sent. In memory only (see above).
        self._quota: dict[bytes, int] = {}
        self._quota_day = -1

    def today(self) -> int:
        return epoch(self._clock()) // DAY

    async def destination(self, guild_id: int, group_id: int | None) -> Destination:
        """Where feedback would go now; refuses kindly when it can't reach anyone."""
        if group_id is None:
            settings = await self._guild_settings.get(guild_id)
            if settings.mod_log_channel_id is None:
                raise NotConfigured(
                    N_(
                        "The moderators can't receive feedback here yet: no private mod-log "
                        "channel has been set up. Please let a server admin know "
                        "(/setup mod-log-channel)."
                    )
                )
            return Destination(guild_id, None, None, settings.mod_log_channel_id, ())
        group = await self._group(guild_id, group_id)
        leaders = tuple(sorted(set(await self._groups().leader_ids(guild_id, group_id))))
        if not leaders:
            raise UserError(
                N_(
                    "{group} has no leaders right now, so there is no one to read it. You can "
                    "send your feedback to the moderators instead (leave the group empty)."
                ),
                group=group.name,
            )
        return Destination(guild_id, group_id, group.name, None, leaders)

    async def _group(self, guild_id: int, group_id: int) -> GroupRef:
        group = await self._groups().get(guild_id, group_id)
        if group is None or group.archived:
            raise NotFound(N_("I can't find that group. Please pick one from the list."))
        return group

    async def check_can_send(
        self, guild_id: int, user_id: int, group_id: int | None
    ) -> Destination:
        """Before the modal opens (and again at sending): the member won't write for nothing."""
        if group_id is not None:
            group = await self._group(guild_id, group_id)
            if not await self._groups().is_member(guild_id, group_id, user_id):
                raise NotAllowed(
                    N_(
                        "You can send feedback to the leaders of groups you belong to, and "
                        "{group} isn't one of yours. You can write to the moderators instead."
                    ),
                    group=group.name,
                )
        destination = await self.destination(guild_id, group_id)
        if self._used(self.tokens.quota(guild_id, user_id, self.today())) >= FEEDBACK_PER_DAY:
            raise UserError(_QUOTA_REACHED, limit=FEEDBACK_PER_DAY)
        return destination

    def _used(self, token: bytes) -> int:
        """How many this token sent today (a new day starts from nothing)."""
        if self._quota_day != self.today():
            self._quota, self._quota_day = {}, self.today()
        return self._quota.get(token, 0)

    async def submit(self, guild_id: int, user_id: int, group_id: int | None, text: str) -> str:
        """Store one piece of feedback without its author; deliver its batch when full.
        Returns the text as stored."""
        body = text.strip()
        if not body:
            raise UserError(N_("Your message was empty, so nothing was sent."))
        if len(body) > FEEDBACK_MAX_LENGTH:
            raise UserError(
                N_("Please keep it to {limit} characters; nothing was sent."),
                limit=FEEDBACK_MAX_LENGTH,
            )
        destination = await self.check_can_send(guild_id, user_id, group_id)
        token = self.tokens.quota(guild_id, user_id, self.today())
        delivered = False
        async with self.db.transaction() as tx:
            if self._used(token) >= FEEDBACK_PER_DAY:  # two at once: the lock decides
                raise UserError(_QUOTA_REACHED, limit=FEEDBACK_PER_DAY)
            items = await self.repository.all_items(tx)
            items.append(FeedbackItem(secrets.token_bytes(16), guild_id, group_id, body))
            waiting = [i for i in items if (i.guild_id, i.group_id) == (guild_id, group_id)]
            if len(waiting) >= FEEDBACK_BATCH:
                await self._deliver(tx, destination, waiting)
                items = [i for i in items if i not in waiting]
                delivered = True
            await self.repository.rewrite_items(tx, items)
            self._quota[token] = self._used(token) + 1  # still under the lock: counted once
        if delivered:  # the delivered texts were deleted: out of the log as well
            await self.eraser.erase()
        return body

    async def deliver_waiting(self) -> int:
        """The daily digest: every destination with something waiting gets it now. Feedback
        nobody will ever read is not kept: for an archived (or deleted) group it is deleted at
        once; for a group without leaders, or a server without a mod-log channel, after
        UNREACHABLE_DAYS of waiting for someone to read it."""
        delivered = dropped = 0
        now = epoch(self._clock())
        for guild_id, group_id in await self.repository.pending_destinations():
            try:
                destination = await self.destination(guild_id, group_id)
            except NotFound:  # the group is archived or gone: nobody will read it
                dropped += await self._drop(guild_id, group_id)
                continue
            except UserError:
                async with self.db.transaction() as tx:
                    since = await self.repository.unreachable_since(tx, guild_id, group_id, now)
                if now - since >= UNREACHABLE_DAYS * DAY:
                    dropped += await self._drop(guild_id, group_id)
                else:
                    log.warning(
                        "feedback for guild %d (group %s) is waiting: nobody can receive it yet",
                        guild_id,
                        group_id,
                    )
                continue
            async with self.db.transaction() as tx:
                await self.repository.reachable(tx, guild_id, group_id)
                items = await self.repository.all_items(tx)
                waiting = [i for i in items if (i.guild_id, i.group_id) == (guild_id, group_id)]
                if not waiting:
                    continue
                await self._deliver(tx, destination, waiting)
                await self.repository.rewrite_items(tx, [i for i in items if i not in waiting])
            delivered += len(waiting)
        if delivered or dropped:
            await self.eraser.erase()
        return delivered

    async def _drop(self, guild_id: int, group_id: int | None) -> int:
        """Delete the feedback waiting for a destination nobody reads (the caller erases the
        log's copy). Says how many, never what."""
        async with self.db.transaction() as tx:
            items = await self.repository.all_items(tx)
            kept = [i for i in items if (i.guild_id, i.group_id) != (guild_id, group_id)]
            await self.repository.rewrite_items(tx, kept)
            await self.repository.reachable(tx, guild_id, group_id)
        dropped = len(items) - len(kept)
        log.warning(
            "feedback for guild %d (group %s): %d deleted unread, nobody can receive it",
            guild_id,
            group_id,
            dropped,
        )
        return dropped

    async def purge_quota(self) -> None:
        """Yesterday's counts are no longer needed by anyone (they live in memory only)."""
        self._used(b"")

    async def _deliver(
        self, tx: Transaction, destination: Destination, items: list[FeedbackItem]
    ) -> None:
        texts = [item.body for item in items]
        self._rng.shuffle(texts)
        for start in range(0, len(texts), DIGEST_ITEMS_PER_MESSAGE):
            payload = {
                "group_id": destination.group_id,
                "group_name": destination.group_name,
                "items": texts[start : start + DIGEST_ITEMS_PER_MESSAGE],
            }
            if destination.channel_id is not None:
                await self._outbox.enqueue(
                    tx,
                    kind=DIGEST,
                    guild_id=destination.guild_id,
                    channel_id=destination.channel_id,
                    payload=payload,
                )
            for leader_id in destination.leader_ids:
                await self._outbox.enqueue(
                    tx,
                    kind=DIGEST,
                    guild_id=destination.guild_id,
                    user_id=leader_id,
                    payload=payload,
                )
        log.info(
            "delivering %d anonymous feedback messages in guild %d (group %s)",
            len(items),
            destination.guild_id,
            destination.group_id,
        )


_QUOTA_REACHED = N_(
    "You've sent {limit} pieces of feedback today, the most for one day. Thank you for them! "
    "Please try again tomorrow."
)
