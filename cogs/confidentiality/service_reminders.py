"""The rules of the confidentiality agreement, day to day: gentle reminders (as a session
begins, at a member's first post, when someone joins a group), the moderators told when a member
could not be asked privately, and the records of members who left, forgotten after the
retention period. Part of `ConfidentialityService`; no discord import."""

from __future__ import annotations

import logging

from bot.db import Transaction
from bot.directory import GroupRef
from bot.guild_settings import DEFAULT_RETENTION_DAYS
from bot.i18n import N_
from bot.shards import EVERY_SHARD, ShardSet
from cogs.confidentiality.models import SERVER
from cogs.confidentiality.service_base import NOTICE, Once, ServiceCore, Why

log = logging.getLogger(__name__)

KEEP_SESSION_REMINDERS_DAYS = 30
KEEP_JOIN_PROMPTS_DAYS = 7  # a join's private prompt on record (a seat is held 48 hours)


class RemindersAndRetention(ServiceCore):
    """Reminders, undeliverable prompts, and forgetting members who left."""

    # ------------------------------------------------------------------ reminders

    async def session_started(self, guild_id: int, group_id: int, occurrence: str) -> bool:
        """A reminder in the group's channel as a session begins, once per session."""
        ref = await self._groups().get(guild_id, group_id)
        if ref is None or ref.channel_id is None or ref.archived:
            return False
        async with self.db.transaction() as tx:
            if not await self.repo.session_reminder(tx, group_id, occurrence, self.now()):
                return False
            await self._notice(
                tx,
                guild_id,
                N_(
                    "As this session begins, a gentle reminder: what is shared here stays "
                    "here. Thank you for keeping this a safe space for everyone."
                ),
                channel_id=ref.channel_id,
            )
        return True

    async def first_post(self, guild_id: int, group: GroupRef, user_id: int) -> bool:
        """A private reminder the first time a member posts in a group's channel."""
        if await self.repo.has_posted(user_id, group.id):
            return False
        async with self.db.transaction() as tx:
            if not await self.repo.first_post(tx, guild_id, user_id, group.id, self.now()):
                return False
            await self._notice(
                tx,
                guild_id,
                N_(
                    "Thank you for sharing in {group}. A gentle reminder: what members share "
                    "there stays there, and the same promise protects what you share. You can "
                    "read the agreement any time with /confidentiality show."
                ),
                user_id=user_id,
                group=group.name,
            )
        return True

    async def member_joined(
        self, guild_id: int, group_id: int, user_id: int, *, once: Once | None = None
    ) -> bool:
        """A welcome in the group's channel that reminds everyone of the promise (no ping).
        `once`: for a durable event, only the first time it is heard. Nobody is welcomed to a
        group they are no longer in (e.g. the role could not be given)."""
        groups = self._groups()
        ref = await groups.get(guild_id, group_id)
        if ref is None or ref.channel_id is None or ref.archived:
            return False
        if not await groups.is_member(guild_id, group_id, user_id):
            return False
        async with self.db.transaction() as tx:
            if once is not None and not await once(tx):
                return False
            await self._notice(
                tx,
                guild_id,
                N_(
                    "Please welcome <@{user}> to {group}. A gentle reminder for all of us: "
                    "what is shared here stays here."
                ),
                channel_id=ref.channel_id,
                user=user_id,
                group=ref.name,
            )
        return True

    async def _notice(
        self,
        tx: Transaction,
        guild_id: int,
        message: str,
        *,
        channel_id: int | None = None,
        user_id: int | None = None,
        **params: object,
    ) -> None:
        await self._outbox.enqueue(
            tx,
            kind=NOTICE,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            payload={"msg": message, "params": params},
        )

    # ------------------------------------------------------------------ retention

    async def member_left_server(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await self.repo.mark_departed(tx, guild_id, user_id, self.now())

    async def forget_member(self, guild_id: int, user_id: int) -> None:
        """Delete at once what the retention would delete after they left (data deletion)."""
        async with self.db.transaction() as tx:
            await self.repo.forget_member(tx, guild_id, user_id)
        log.info("confidentiality: forgot a member of guild %d", guild_id)

    async def member_came_back(self, guild_id: int, user_id: int) -> bool:
        async with self.db.transaction() as tx:
            return await self.repo.mark_returned(tx, guild_id, user_id)

    async def departed_ids(self, guild_id: int) -> list[int]:
        """Members recorded as gone from the server, whose records wait for the retention."""
        return await self.repo.departed_ids(guild_id)

    async def members_came_back(self, guild_id: int, user_ids: list[int]) -> int:
        """Members who came back while the bot was away (their join event was missed): their
        records are theirs again and are not deleted."""
        back = 0
        async with self.db.transaction() as tx:
            for user_id in user_ids:
                back += await self.repo.mark_returned(tx, guild_id, user_id)
        return back

    async def prompt_undelivered(
        self, guild_id: int, user_id: int, group_id: int, why: Why, channel_id: int | None
    ) -> bool:
        """A member could not be asked privately (their direct messages are closed) while
        their access waits for them: the moderators are told, so a person can let them know.
        Only for joins and held access; a new version's prompt is followed, after the grace
        period, by the "held" one (so is a former leader's). True if the moderators were told."""
        if why in ("new_version", "leader", "demoted") or channel_id is None:
            return False
        ref = await self._groups().get(guild_id, group_id) if group_id != SERVER else None
        async with self.db.transaction() as tx:
            await self._notice(
                tx,
                guild_id,
                N_(
                    "I couldn't reach <@{user}> privately (their direct messages are closed) to "
                    "ask them to accept the confidentiality agreement of {group}. Until they do, "
                    "they don't have the group's access. They can read and accept it any time "
                    "with /confidentiality accept: could someone let them know, kindly?"
                ),
                channel_id=channel_id,
                user=user_id,
                group=ref.name if ref else "",
            )
        return True

    async def purge(self, shards: ShardSet = EVERY_SHARD) -> int:
        """Daily: forget the acceptances and first posts of members who left the server more
        than its retention period ago (in the servers of `shards`, this process's: it alone
        saw who came back while the bot was away); and old session reminder records."""
        now = self.now()
        async with self.db.transaction() as tx:
            removed = await self.repo.purge_departed(tx, now, DEFAULT_RETENTION_DAYS, shards)
            await self.repo.prune_session_reminders(tx, now - KEEP_SESSION_REMINDERS_DAYS * 86400)
            await self.repo.prune_join_prompts(tx, now - KEEP_JOIN_PROMPTS_DAYS * 86400)
        if removed:
            log.info("confidentiality: forgot %d members who left (retention)", removed)
        return removed
