"""People the bot never writes to privately again in a server: a member who died, or who asked
to be remembered and left (cogs/storms records them).

One central check: the outbox dispatcher asks `barred(guild_id, user_id)` before it renders any
ordinary row addressed to a member (a DM: a reminder, an agreement to accept again, a waitlist
offer, a poll or feedback prompt, a check-in, a notice) and drops the row unsent (`Barred`,
failed with "do not contact", logged at INFO without the member); no `on_failure` handler runs,
so nobody is told and nothing is sent another way (a held seat simply expires). A row with no
server is dropped when the member is listed in any server. Features need not know about the
list: whatever they enqueue for the member never leaves.

An urgent row (crisis resources) is never held back: it answers someone who has just written in
distress from that account, who is alive and needs them (the moderators' alert goes to their
channel as always).

The answers are kept in memory (`Remembered`): a DM costs no database read. Writers call
`add_in` / `remove_in` inside their transaction, which forget the answers at commit, in every
process sharing the database.

This module holds the rules and the SQL; it never imports discord.
"""

from __future__ import annotations

import logging

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import Remembered

log = logging.getLogger(__name__)


class DoNotContactRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def listed(self, guild_id: int | None, user_id: int) -> bool:
        if guild_id is None:
            found = await self.db.fetchval(
                "SELECT 1 FROM do_not_contact WHERE user_id = :user LIMIT 1", {"user": user_id}
            )
        else:
            found = await self.db.fetchval(
                "SELECT 1 FROM do_not_contact WHERE guild_id = :guild AND user_id = :user",
                {"guild": guild_id, "user": user_id},
            )
        return found is not None

    async def insert(self, tx: Transaction, guild_id: int, user_id: int, now: int) -> bool:
        changed = await tx.execute(
            "INSERT INTO do_not_contact (guild_id, user_id, since_at) "
            "VALUES (:guild, :user, :now) ON CONFLICT (guild_id, user_id) DO NOTHING",
            {"guild": guild_id, "user": user_id, "now": now},
        )
        return changed > 0

    async def delete(self, tx: Transaction, guild_id: int, user_id: int) -> bool:
        changed = await tx.execute(
            "DELETE FROM do_not_contact WHERE guild_id = :guild AND user_id = :user",
            {"guild": guild_id, "user": user_id},
        )
        return changed > 0

    async def of_guild(self, guild_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM do_not_contact WHERE guild_id = :guild ORDER BY user_id",
            {"guild": guild_id},
        )
        return [row["user_id"] for row in rows]


class DoNotContact:
    """`bot.do_not_contact`: the list, and the check the dispatcher makes before any DM."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.repository = DoNotContactRepository(db)
        self._clock = clock
        self._answers: Remembered[bool] = Remembered(db.changes, "do_not_contact")

    async def barred(self, guild_id: int | None, user_id: int) -> bool:
        """True when nothing may be sent privately to `user_id` for this server."""
        return await self._answers.get(
            (guild_id, user_id), lambda: self.repository.listed(guild_id, user_id)
        )

    async def add_in(self, tx: Transaction, guild_id: int, user_id: int) -> bool:
        """List the member, in the caller's transaction. True if they were not listed yet."""
        self._answers.changed_in(tx, guild_id)
        added = await self.repository.insert(tx, guild_id, user_id, epoch(self._clock()))
        if added:
            log.info("do not contact: a member of guild %d is listed", guild_id)
        return added

    async def remove_in(self, tx: Transaction, guild_id: int, user_id: int) -> bool:
        """Take the member off the list (recorded by mistake). True if they were listed."""
        self._answers.changed_in(tx, guild_id)
        return await self.repository.delete(tx, guild_id, user_id)

    async def listed(self, guild_id: int) -> list[int]:
        return await self.repository.of_guild(guild_id)
