"""The meetings feature's SQL about each session's announcement message: where it was posted
(the outbox tells its message id), and whether it still shows the session as it is."""

from __future__ import annotations

from bot.db import Transaction
from cogs.meetings.models import StaleAnnouncement
from cogs.meetings.repository_base import Queries

STALE_BATCH = 100


class AnnouncementQueries(Queries):
    async def announced(self, occurrence_id: int, channel_id: int, message_id: int) -> bool:
        """The announcement's message, as posted. True if it is already out of date (the
        session changed before the post reached Discord, or the message was not yet known)."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE meeting_occurrences SET announcement_channel_id = :channel, "
                "announcement_id = :message WHERE id = :id RETURNING announcement_stale",
                {"id": occurrence_id, "channel": channel_id, "message": message_id},
            )
        return row is not None and row["announcement_stale"] > 0

    async def mark_announcement_stale(self, tx: Transaction, occurrence_id: int) -> None:
        """The session changed (moved, renamed, a new length): its announcement is edited."""
        await tx.execute(
            "UPDATE meeting_occurrences SET announcement_stale = announcement_stale + 1 "
            "WHERE id = :id",
            {"id": occurrence_id},
        )

    async def stale_announcements(self) -> list[StaleAnnouncement]:
        """Announcements to edit, of this process's servers (bot/shards.py)."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, announcement_channel_id, announcement_id, announcement_stale "
            "FROM meeting_occurrences WHERE announcement_stale > 0 "
            "AND announcement_id IS NOT NULL AND status IN ('scheduled', 'started')"
            f"{self.shards.sql('guild_id')} ORDER BY id LIMIT :limit",
            {"limit": STALE_BATCH, **self.shards.params()},
        )
        return [
            StaleAnnouncement(
                occurrence_id=r["id"],
                guild_id=r["guild_id"],
                channel_id=r["announcement_channel_id"],
                message_id=r["announcement_id"],
                stale=r["announcement_stale"],
            )
            for r in rows
        ]

    async def announcement_shown(self, occurrence_id: int, stale: int) -> None:
        """The message shows the session as it was when `stale` was read; a change made since
        keeps it stale, for the next pass."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_occurrences SET announcement_stale = 0 "
                "WHERE id = :id AND announcement_stale = :stale",
                {"id": occurrence_id, "stale": stale},
            )
