"""The meetings feature's SQL about each group's Discord scheduled event (meeting_events)."""

from __future__ import annotations

from bot.db import Row, Transaction
from cogs.meetings.models import EventState
from cogs.meetings.repository_base import Queries, chunks, placeholder_rows

_EVENT = (
    "group_id, guild_id, occurrence_id, event_id, fingerprint, attempts, reported, version, "
    "creating"
)


def _event(row: Row) -> EventState:
    return EventState(
        group_id=row["group_id"],
        guild_id=row["guild_id"],
        occurrence_id=row["occurrence_id"],
        event_id=row["event_id"],
        fingerprint=row["fingerprint"],
        attempts=row["attempts"],
        reported=bool(row["reported"]),
        version=row["version"],
        creating=bool(row["creating"]),
    )


class EventQueries(Queries):
    async def mark_event_dirty(self, tx: Transaction, guild_id: int, group_id: int) -> None:
        await tx.execute(
            "INSERT INTO meeting_events (group_id, guild_id, dirty, next_try_at) "
            "VALUES (:group_id, :guild_id, 1, 0) ON CONFLICT (group_id) DO UPDATE SET "
            "dirty = 1, next_try_at = 0, attempts = 0, version = version + 1",
            {"group_id": group_id, "guild_id": guild_id},
        )

    async def mark_events_dirty(self, tx: Transaction, groups: set[tuple[int, int]]) -> None:
        """`mark_event_dirty` for many groups (guild id, group id), a hundred a statement."""
        for chunk in chunks(sorted(groups)):
            await tx.execute(
                "INSERT INTO meeting_events (group_id, guild_id) "
                f"VALUES {placeholder_rows(len(chunk), 2)} ON CONFLICT (group_id) DO UPDATE SET "
                "dirty = 1, next_try_at = 0, attempts = 0, version = version + 1",
                tuple(value for guild_id, group_id in chunk for value in (group_id, guild_id)),
            )

    async def dirty_events(self, now: int) -> list[EventState]:
        """The groups whose Discord event is out of date and due for a try, of this process's
        servers (bot/shards.py: the sync acts through the server's gateway cache)."""
        rows = await self.db.fetchall(
            f"SELECT {_EVENT} FROM meeting_events WHERE dirty = 1 AND next_try_at <= :now"
            f"{self.shards.sql('guild_id')} ORDER BY group_id",
            {"now": now, **self.shards.params()},
        )
        return [_event(r) for r in rows]

    async def next_event_try_at(self) -> int | None:
        return await self.db.fetchval(
            f"SELECT MIN(next_try_at) FROM meeting_events WHERE dirty = 1"
            f"{self.shards.sql('guild_id')}",
            dict(self.shards.params()),
        )

    async def event_state(self, group_id: int) -> EventState | None:
        row = await self.db.fetchone(
            f"SELECT {_EVENT} FROM meeting_events WHERE group_id = :id", {"id": group_id}
        )
        return None if row is None else _event(row)

    async def event_synced(
        self,
        state: EventState,
        occurrence_id: int | None,
        event_id: int | None,
        fingerprint: str | None,
    ) -> None:
        """Recorded after Discord accepted the change. `dirty` stays set when the group changed
        again while Discord was being asked (its version moved on): the next pass syncs that."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET occurrence_id = :occ, event_id = :event, "
                "fingerprint = :fp, attempts = 0, reported = 0, creating = 0, "
                "dirty = CASE WHEN version = :version THEN 0 ELSE 1 END WHERE group_id = :id",
                {
                    "id": state.group_id,
                    "occ": occurrence_id,
                    "event": event_id,
                    "fp": fingerprint,
                    "version": state.version,
                },
            )

    async def event_creating(self, group_id: int) -> None:
        """The intent, committed before Discord is asked to create the group's event."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET creating = 1 WHERE group_id = :id", {"id": group_id}
            )

    async def known_event_ids(self, guild_id: int) -> set[int]:
        """The Discord events of the server's groups, as recorded."""
        rows = await self.db.fetchall(
            "SELECT event_id FROM meeting_events WHERE guild_id = :guild_id "
            "AND event_id IS NOT NULL",
            {"guild_id": guild_id},
        )
        return {r["event_id"] for r in rows}

    async def retry_events_of_guild(self, guild_id: int) -> None:
        """The server is available again: its pending syncs need not wait for their backoff."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET next_try_at = 0 WHERE guild_id = :guild_id "
                "AND dirty = 1",
                {"guild_id": guild_id},
            )

    async def event_failed(self, group_id: int, next_try_at: int, reported: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_events SET attempts = attempts + 1, next_try_at = :at, "
                "reported = :reported WHERE group_id = :id",
                {"id": group_id, "at": next_try_at, "reported": int(reported)},
            )
