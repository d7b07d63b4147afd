"""The meetings feature's SQL about series: their rules, their moved and cancelled sessions
(overrides) and each group's reminder settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db import Row, Transaction
from cogs.meetings.models import (
    DEFAULT_OFFSETS,
    GroupSettings,
    Series,
    Session,
    local_text,
    local_value,
)
from cogs.meetings.repository_base import IN_CHUNK, Queries, in_list
from cogs.meetings.repository_sessions import _SESSION, _prefixed, _session

_SERIES = (
    "id, guild_id, group_id, title, zone, start_local, rrule, duration_minutes, sequence, "
    "created_by, cancelled_at"
)


def _series(row: Row) -> Series:
    return Series(
        id=row["id"],
        guild_id=row["guild_id"],
        group_id=row["group_id"],
        title=row["title"],
        zone=row["zone"],
        start_local=local_value(row["start_local"]),
        rrule=row["rrule"],
        duration_minutes=row["duration_minutes"],
        sequence=row["sequence"],
        created_by=row["created_by"],
        cancelled_at=row["cancelled_at"],
    )


# The session's columns beside the series' (the same names): `o_id`, `o_series_id`...
_SESSION_AS = ", ".join(f"o.{c.strip()} AS o_{c.strip()}" for c in _SESSION.split(","))


def _session_of(row: Row) -> Session | None:
    return None if row["o_id"] is None else _session(row, "o_")


class SeriesQueries(Queries):
    # ------------------------------------------------------------------ series

    async def insert_series(self, tx: Transaction, values: dict[str, Any]) -> int:
        return await tx.insert(
            "INSERT INTO meeting_series (guild_id, group_id, title, zone, start_local, rrule, "
            "duration_minutes, created_by, created_at, updated_at) VALUES (:guild_id, "
            ":group_id, :title, :zone, :start_local, :rrule, :duration_minutes, :created_by, "
            ":now, :now)",
            values,
        )

    async def update_series(self, tx: Transaction, series_id: int, values: dict[str, Any]) -> None:
        allowed = {"title", "start_local", "rrule", "duration_minutes", "cancelled_at"}
        sets = ", ".join(f"{key} = :{key}" for key in values if key in allowed)
        await tx.execute(
            f"UPDATE meeting_series SET {sets}, sequence = sequence + 1, updated_at = :now "
            "WHERE id = :id",
            {**values, "id": series_id},
        )

    async def series(self, series_id: int, via: Transaction | None = None) -> Series | None:
        row = await (via or self.db).fetchone(
            f"SELECT {_SERIES} FROM meeting_series WHERE id = :id", {"id": series_id}
        )
        return None if row is None else _series(row)

    async def series_many(
        self, series_ids: list[int], via: Transaction | None = None
    ) -> dict[int, Series]:
        found: dict[int, Series] = {}
        for first in range(0, len(series_ids), IN_CHUNK):
            marks, params = in_list(series_ids[first : first + IN_CHUNK])
            rows = await (via or self.db).fetchall(
                f"SELECT {_SERIES} FROM meeting_series WHERE id IN ({marks})", params
            )
            found.update((r["id"], _series(r)) for r in rows)
        return found

    async def series_of_group(
        self, guild_id: int, group_id: int, *, include_cancelled: bool = False
    ) -> list[Series]:
        rows = await self.db.fetchall(
            f"SELECT {_SERIES} FROM meeting_series WHERE guild_id = :guild_id "
            "AND group_id = :group_id AND (:all OR cancelled_at IS NULL) ORDER BY id",
            {"guild_id": guild_id, "group_id": group_id, "all": include_cancelled},
        )
        return [_series(r) for r in rows]

    async def upcoming_of_groups(
        self, guild_id: int, group_ids: list[int]
    ) -> list[tuple[Series, Session | None]]:
        """The groups' active series, each with its session under way or else its next one
        (None: none left), in one read (/meeting list)."""
        if not group_ids:
            return []
        marks, params = in_list(group_ids)
        rows = await self.db.fetchall(
            f"SELECT {_prefixed(_SERIES, 's')}, {_SESSION_AS} FROM meeting_series s "
            "LEFT JOIN meeting_occurrences o ON o.id = (SELECT n.id FROM meeting_occurrences n "
            "WHERE n.series_id = s.id AND n.status IN ('scheduled', 'started') "
            "ORDER BY n.starts_at LIMIT 1) "
            f"WHERE s.guild_id = :guild_id AND s.group_id IN ({marks}) "
            "AND s.cancelled_at IS NULL ORDER BY s.id",
            {**params, "guild_id": guild_id},
        )
        return [(_series(r), _session_of(r)) for r in rows]

    async def active_series_zones(self) -> list[tuple[int, int, str]]:
        """(guild id, group id, zone) of every active series of this process's servers
        (bot/shards.py): which groups may need `rezone`."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, group_id, zone FROM meeting_series "
            f"WHERE cancelled_at IS NULL{self.shards.sql('guild_id')}",
            dict(self.shards.params()),
        )
        return [(r["guild_id"], r["group_id"], r["zone"]) for r in rows]

    async def set_series_zone(self, tx: Transaction, series_id: int, zone: str, now: int) -> bool:
        """False if the series already had that zone (another check moved it meanwhile)."""
        changed = await tx.execute(
            "UPDATE meeting_series SET zone = :zone, sequence = sequence + 1, updated_at = :now "
            "WHERE id = :id AND zone <> :zone",
            {"id": series_id, "zone": zone, "now": now},
        )
        return changed > 0

    async def active_series_without_session(self) -> list[Series]:
        """Series with no upcoming session materialised (at start-up, after an outage), of this
        process's servers (bot/shards.py: each process catches up its own)."""
        rows = await self.db.fetchall(
            f"SELECT {_SERIES} FROM meeting_series s WHERE s.cancelled_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM meeting_occurrences o WHERE o.series_id = s.id "
            f"AND o.status IN ('scheduled', 'started')){self.shards.sql('s.guild_id')}",
            dict(self.shards.params()),
        )
        return [_series(r) for r in rows]

    # ------------------------------------------------------------------ overrides

    async def overrides(
        self, series_id: int, via: Transaction | None = None
    ) -> dict[datetime, datetime | None]:
        rows = await (via or self.db).fetchall(
            "SELECT local_key, new_local FROM meeting_overrides WHERE series_id = :id",
            {"id": series_id},
        )
        return {
            local_value(r["local_key"]): local_value(r["new_local"]) if r["new_local"] else None
            for r in rows
        }

    async def overrides_of(
        self, series_ids: list[int]
    ) -> dict[int, dict[datetime, datetime | None]]:
        """Overrides of many series at once (start-up)."""
        found: dict[int, dict[datetime, datetime | None]] = {i: {} for i in series_ids}
        rows = await self.db.fetchall(
            "SELECT series_id, local_key, new_local FROM meeting_overrides o "
            "JOIN meeting_series s ON s.id = o.series_id WHERE s.cancelled_at IS NULL"
        )
        for r in rows:
            if r["series_id"] in found:
                found[r["series_id"]][local_value(r["local_key"])] = (
                    local_value(r["new_local"]) if r["new_local"] else None
                )
        return found

    async def set_override(
        self, tx: Transaction, series_id: int, key: datetime, new_local: datetime | None
    ) -> None:
        await tx.execute(
            "INSERT INTO meeting_overrides (series_id, local_key, new_local) "
            "VALUES (:id, :key, :new) ON CONFLICT (series_id, local_key) "
            "DO UPDATE SET new_local = excluded.new_local",
            {
                "id": series_id,
                "key": local_text(key),
                "new": local_text(new_local) if new_local else None,
            },
        )

    async def clear_overrides(self, tx: Transaction, series_id: int) -> None:
        await tx.execute("DELETE FROM meeting_overrides WHERE series_id = :id", {"id": series_id})

    # ------------------------------------------------------------------ settings

    async def group_settings(self, group_id: int) -> GroupSettings:
        row = await self.db.fetchone(
            "SELECT reminder_offsets, ping_role, remind_going FROM meeting_group_settings "
            "WHERE group_id = :id",
            {"id": group_id},
        )
        if row is None:
            return GroupSettings(DEFAULT_OFFSETS, False, False)
        offsets = tuple(int(x) for x in row["reminder_offsets"].split(",") if x)
        return GroupSettings(offsets, bool(row["ping_role"]), bool(row["remind_going"]))

    async def all_group_settings(self, via: Transaction | None = None) -> dict[int, GroupSettings]:
        rows = await (via or self.db).fetchall(
            "SELECT group_id, reminder_offsets, ping_role, remind_going FROM meeting_group_settings"
        )
        return {
            r["group_id"]: GroupSettings(
                tuple(int(x) for x in r["reminder_offsets"].split(",") if x),
                bool(r["ping_role"]),
                bool(r["remind_going"]),
            )
            for r in rows
        }

    async def save_group_settings(
        self,
        tx: Transaction,
        guild_id: int,
        group_id: int,
        settings: GroupSettings,
        by: int,
        now: int,
    ) -> None:
        await tx.execute(
            "INSERT INTO meeting_group_settings (group_id, guild_id, reminder_offsets, "
            "ping_role, remind_going, updated_at, updated_by) VALUES (:group_id, :guild_id, "
            ":offsets, :ping, :going, :now, :by) ON CONFLICT (group_id) DO UPDATE SET "
            "reminder_offsets = excluded.reminder_offsets, ping_role = excluded.ping_role, "
            "remind_going = excluded.remind_going, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            {
                "group_id": group_id,
                "guild_id": guild_id,
                "offsets": ",".join(str(o) for o in settings.offsets),
                "ping": int(settings.ping_role),
                "going": int(settings.remind_going),
                "now": now,
                "by": by,
            },
        )
