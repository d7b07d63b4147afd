"""All of the groups feature's SQL. Rows in, dataclasses out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db import Database, Row, Transaction
from bot.directory import GroupRef

GROUP_COLUMNS = """
    id, guild_id, name, description, topic, language, capacity, access, timezone, role_id,
    channel_id, voice_channel_id, leaders_channel_id, offer_hours, archived_at, created_at
"""

# Who holds a seat: members (not leaders), open join tickets and outstanding waitlist offers.
SEATS_TAKEN = """
    (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.role = 'member')
  + (SELECT COUNT(*) FROM group_join_tickets k WHERE k.group_id = g.id AND k.expires_at > :now)
  + (SELECT COUNT(*) FROM group_waitlist w
       WHERE w.group_id = g.id AND w.offer_expires_at IS NOT NULL AND w.offer_expires_at > :now)
"""


@dataclass(frozen=True)
class Group:
    id: int
    guild_id: int
    name: str
    description: str
    topic: str
    language: str
    capacity: int | None
    access: str  # 'open' | 'restricted'
    timezone: str
    role_id: int | None
    channel_id: int | None
    voice_channel_id: int | None
    leaders_channel_id: int | None
    offer_hours: int
    archived_at: int | None
    created_at: int
    seats_taken: int = 0
    waiting: int = 0

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def restricted(self) -> bool:
        return self.access == "restricted"

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.seats_taken)

    def ref(self) -> GroupRef:
        return GroupRef(
            id=self.id,
            guild_id=self.guild_id,
            name=self.name,
            timezone=self.timezone,
            channel_id=self.channel_id,
            voice_channel_id=self.voice_channel_id,
            role_id=self.role_id,
            archived=self.archived,
        )


@dataclass(frozen=True)
class WaitlistEntry:
    id: int
    group_id: int
    guild_id: int
    user_id: int
    created_at: int
    offered_at: int | None
    offer_expires_at: int | None


@dataclass(frozen=True)
class JoinRequest:
    id: int
    group_id: int
    guild_id: int
    user_id: int
    status: str
    created_at: int
    decided_by: int | None
    reason: str | None


@dataclass(frozen=True)
class Panel:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None


def _group(row: Row) -> Group:
    return Group(**{k: row[k] for k in row.keys()})


def _waitlist(row: Row) -> WaitlistEntry:
    return WaitlistEntry(**{k: row[k] for k in row.keys()})


def _request(row: Row) -> JoinRequest:
    return JoinRequest(
        id=row["id"],
        group_id=row["group_id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        status=row["status"],
        created_at=row["created_at"],
        decided_by=row["decided_by"],
        reason=row["reason"],
    )


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ groups

    def _select(self, where: str) -> str:
        return f"""
            SELECT {GROUP_COLUMNS},
                   {SEATS_TAKEN} AS seats_taken,
                   (SELECT COUNT(*) FROM group_waitlist w2 WHERE w2.group_id = g.id) AS waiting
            FROM groups g WHERE {where}
        """

    async def get(self, guild_id: int, group_id: int, now: int) -> Group | None:
        row = await self.db.fetchone(
            self._select("g.guild_id = :guild AND g.id = :id"),
            {"guild": guild_id, "id": group_id, "now": now},
        )
        return _group(row) if row else None

    async def get_in(self, tx: Transaction, group_id: int, now: int) -> Group | None:
        row = await tx.fetchone(self._select("g.id = :id"), {"id": group_id, "now": now})
        return _group(row) if row else None

    async def by_name(self, guild_id: int, name_key: str, now: int) -> Group | None:
        row = await self.db.fetchone(
            self._select("g.guild_id = :guild AND g.name_key = :key"),
            {"guild": guild_id, "key": name_key, "now": now},
        )
        return _group(row) if row else None

    async def list(self, guild_id: int, now: int, *, include_archived: bool = False) -> list[Group]:
        where = "g.guild_id = :guild" + ("" if include_archived else " AND g.archived_at IS NULL")
        rows = await self.db.fetchall(
            self._select(where) + " ORDER BY g.name_key", {"guild": guild_id, "now": now}
        )
        return [_group(r) for r in rows]

    async def for_channel(self, guild_id: int, channel_id: int, now: int) -> Group | None:
        row = await self.db.fetchone(
            self._select(
                "g.guild_id = :guild AND (g.channel_id = :ch OR g.voice_channel_id = :ch "
                "OR g.leaders_channel_id = :ch)"
            ),
            {"guild": guild_id, "ch": channel_id, "now": now},
        )
        return _group(row) if row else None

    async def for_role(self, guild_id: int, role_id: int, now: int) -> Group | None:
        row = await self.db.fetchone(
            self._select("g.guild_id = :guild AND g.role_id = :role"),
            {"guild": guild_id, "role": role_id, "now": now},
        )
        return _group(row) if row else None

    async def name_taken(
        self, tx: Transaction, guild_id: int, name_key: str, except_id: int | None = None
    ) -> bool:
        row = await tx.fetchone(
            "SELECT id FROM groups WHERE guild_id = :guild AND name_key = :key "
            "AND (:except IS NULL OR id <> :except)",
            {"guild": guild_id, "key": name_key, "except": except_id},
        )
        return row is not None

    async def insert(self, tx: Transaction, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        params = ", ".join(f":{k}" for k in values)
        return await tx.insert(f"INSERT INTO groups ({columns}) VALUES ({params})", values)

    async def update(self, tx: Transaction, group_id: int, values: dict[str, Any]) -> None:
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        await tx.execute(
            f"UPDATE groups SET {assignments} WHERE id = :group_id",
            {**values, "group_id": group_id},
        )

    # ------------------------------------------------------------------ members

    async def member_role(self, group_id: int, user_id: int) -> str | None:
        return await self.db.fetchval(
            "SELECT role FROM group_members WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )

    async def member_role_in(self, tx: Transaction, group_id: int, user_id: int) -> str | None:
        row = await tx.fetchone(
            "SELECT role FROM group_members WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )
        return row["role"] if row else None

    async def add_member(
        self, tx: Transaction, group: Group, user_id: int, role: str, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO group_members (group_id, guild_id, user_id, role, joined_at) "
            "VALUES (:g, :guild, :u, :role, :now) "
            "ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role",
            {"g": group.id, "guild": group.guild_id, "u": user_id, "role": role, "now": now},
        )

    async def remove_member(self, tx: Transaction, group_id: int, user_id: int) -> bool:
        changed = await tx.execute(
            "DELETE FROM group_members WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )
        return changed > 0

    async def members(self, group_id: int) -> list[tuple[int, str, int]]:
        rows = await self.db.fetchall(
            "SELECT user_id, role, joined_at FROM group_members WHERE group_id = :g "
            "ORDER BY role DESC, joined_at, user_id",
            {"g": group_id},
        )
        return [(r["user_id"], r["role"], r["joined_at"]) for r in rows]

    async def member_ids_in(self, tx: Transaction, group_id: int) -> list[int]:
        rows = await tx.fetchall(
            "SELECT user_id FROM group_members WHERE group_id = :g", {"g": group_id}
        )
        return [r["user_id"] for r in rows]

    async def groups_of(
        self, guild_id: int, user_id: int, now: int, *, role: str | None = None
    ) -> list[Group]:
        rows = await self.db.fetchall(
            self._select(
                "g.guild_id = :guild AND g.archived_at IS NULL AND g.id IN "
                "(SELECT group_id FROM group_members WHERE user_id = :u "
                "AND (:role IS NULL OR role = :role))"
            )
            + " ORDER BY g.name_key",
            {"guild": guild_id, "u": user_id, "role": role, "now": now},
        )
        return [_group(r) for r in rows]

    async def memberships_in(self, tx: Transaction, guild_id: int, user_id: int) -> list[int]:
        rows = await tx.fetchall(
            "SELECT group_id FROM group_members WHERE guild_id = :guild AND user_id = :u",
            {"guild": guild_id, "u": user_id},
        )
        return [r["group_id"] for r in rows]

    # ------------------------------------------------------------------ held access

    async def set_access_held(
        self, tx: Transaction, group_id: int, user_id: int, held_at: int | None
    ) -> bool:
        """Hold (a time) or release (None) a member's access. True if that changed anything."""
        changed = await tx.execute(
            "UPDATE group_members SET access_held_at = :at WHERE group_id = :g AND user_id = :u "
            "AND (access_held_at IS NULL) = (:at IS NOT NULL)",
            {"g": group_id, "u": user_id, "at": held_at},
        )
        return changed > 0

    async def held_ids(self, group_id: int) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM group_members WHERE group_id = :g AND access_held_at IS NOT NULL",
            {"g": group_id},
        )
        return {r["user_id"] for r in rows}

    async def ticket_source(self, group_id: int, user_id: int, now: int) -> str | None:
        return await self.db.fetchval(
            "SELECT source FROM group_join_tickets WHERE group_id = :g AND user_id = :u "
            "AND expires_at > :now",
            {"g": group_id, "u": user_id, "now": now},
        )

    # ------------------------------------------------------------------ tickets

    async def put_ticket(
        self, tx: Transaction, group: Group, user_id: int, source: str, now: int, expires_at: int
    ) -> None:
        await tx.execute(
            "INSERT INTO group_join_tickets (group_id, guild_id, user_id, source, created_at, "
            "expires_at) VALUES (:g, :guild, :u, :source, :now, :exp) "
            "ON CONFLICT (group_id, user_id) DO UPDATE SET source = excluded.source, "
            "expires_at = excluded.expires_at",
            {
                "g": group.id,
                "guild": group.guild_id,
                "u": user_id,
                "source": source,
                "now": now,
                "exp": expires_at,
            },
        )

    async def ticket(self, tx: Transaction, group_id: int, user_id: int, now: int) -> str | None:
        row = await tx.fetchone(
            "SELECT source FROM group_join_tickets WHERE group_id = :g AND user_id = :u "
            "AND expires_at > :now",
            {"g": group_id, "u": user_id, "now": now},
        )
        return row["source"] if row else None

    async def drop_ticket(self, tx: Transaction, group_id: int, user_id: int) -> None:
        await tx.execute(
            "DELETE FROM group_join_tickets WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )

    async def drop_expired_tickets(self, tx: Transaction, now: int) -> list[int]:
        rows = await tx.fetchall(
            "DELETE FROM group_join_tickets WHERE expires_at <= :now RETURNING group_id",
            {"now": now},
        )
        return sorted({r["group_id"] for r in rows})

    # ------------------------------------------------------------------ waitlist

    async def waitlist_entry(self, tx: Transaction, entry_id: int) -> WaitlistEntry | None:
        row = await tx.fetchone("SELECT * FROM group_waitlist WHERE id = :id", {"id": entry_id})
        return _waitlist(row) if row else None

    async def waitlist_entry_for(
        self, tx: Transaction, group_id: int, user_id: int
    ) -> WaitlistEntry | None:
        row = await tx.fetchone(
            "SELECT * FROM group_waitlist WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )
        return _waitlist(row) if row else None

    async def add_to_waitlist(self, tx: Transaction, group: Group, user_id: int, now: int) -> int:
        return await tx.insert(
            "INSERT INTO group_waitlist (group_id, guild_id, user_id, created_at) "
            "VALUES (:g, :guild, :u, :now)",
            {"g": group.id, "guild": group.guild_id, "u": user_id, "now": now},
        )

    async def waitlist_position(self, tx: Transaction, entry: WaitlistEntry) -> int:
        row = await tx.fetchone(
            "SELECT COUNT(*) AS n FROM group_waitlist WHERE group_id = :g AND id <= :id "
            "AND offered_at IS NULL",
            {"g": entry.group_id, "id": entry.id},
        )
        return int(row["n"]) if row else 1

    async def next_waiting(self, tx: Transaction, group_id: int) -> WaitlistEntry | None:
        row = await tx.fetchone(
            "SELECT * FROM group_waitlist WHERE group_id = :g AND offered_at IS NULL "
            "ORDER BY id LIMIT 1",
            {"g": group_id},
        )
        return _waitlist(row) if row else None

    async def mark_offered(self, tx: Transaction, entry_id: int, now: int, expires_at: int) -> None:
        await tx.execute(
            "UPDATE group_waitlist SET offered_at = :now, offer_expires_at = :exp WHERE id = :id",
            {"id": entry_id, "now": now, "exp": expires_at},
        )

    async def remove_from_waitlist(self, tx: Transaction, entry_id: int) -> None:
        await tx.execute("DELETE FROM group_waitlist WHERE id = :id", {"id": entry_id})

    async def waitlist(self, group_id: int) -> list[WaitlistEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM group_waitlist WHERE group_id = :g ORDER BY id", {"g": group_id}
        )
        return [_waitlist(r) for r in rows]

    async def waitlist_of_group_in(self, tx: Transaction, group_id: int) -> list[WaitlistEntry]:
        rows = await tx.fetchall(
            "SELECT * FROM group_waitlist WHERE group_id = :g ORDER BY id", {"g": group_id}
        )
        return [_waitlist(r) for r in rows]

    async def open_offers(self) -> list[WaitlistEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM group_waitlist WHERE offer_expires_at IS NOT NULL ORDER BY id"
        )
        return [_waitlist(r) for r in rows]

    async def waitlists_of_user_in(
        self, tx: Transaction, guild_id: int, user_id: int
    ) -> list[WaitlistEntry]:
        rows = await tx.fetchall(
            "SELECT * FROM group_waitlist WHERE guild_id = :guild AND user_id = :u",
            {"guild": guild_id, "u": user_id},
        )
        return [_waitlist(r) for r in rows]

    # ------------------------------------------------------------------ requests

    async def pending_request_for(
        self, tx: Transaction, group_id: int, user_id: int
    ) -> JoinRequest | None:
        row = await tx.fetchone(
            "SELECT * FROM group_join_requests WHERE group_id = :g AND user_id = :u "
            "AND status = 'pending'",
            {"g": group_id, "u": user_id},
        )
        return _request(row) if row else None

    async def add_request(self, tx: Transaction, group: Group, user_id: int, now: int) -> int:
        return await tx.insert(
            "INSERT INTO group_join_requests (group_id, guild_id, user_id, created_at) "
            "VALUES (:g, :guild, :u, :now)",
            {"g": group.id, "guild": group.guild_id, "u": user_id, "now": now},
        )

    async def request(self, tx: Transaction, request_id: int) -> JoinRequest | None:
        row = await tx.fetchone(
            "SELECT * FROM group_join_requests WHERE id = :id", {"id": request_id}
        )
        return _request(row) if row else None

    async def decide_request(
        self,
        tx: Transaction,
        request_id: int,
        status: str,
        by: int | None,
        reason: str | None,
        now: int,
    ) -> bool:
        changed = await tx.execute(
            "UPDATE group_join_requests SET status = :status, decided_by = :by, reason = :reason, "
            "decided_at = :now WHERE id = :id AND status = 'pending'",
            {"id": request_id, "status": status, "by": by, "reason": reason, "now": now},
        )
        return changed > 0

    async def withdraw_requests_of_user(
        self, tx: Transaction, guild_id: int, user_id: int, now: int
    ) -> int:
        return await tx.execute(
            "UPDATE group_join_requests SET status = 'withdrawn', decided_at = :now "
            "WHERE guild_id = :guild AND user_id = :u AND status = 'pending'",
            {"guild": guild_id, "u": user_id, "now": now},
        )

    async def withdraw_requests_of_group(
        self, tx: Transaction, group_id: int, now: int
    ) -> list[int]:
        rows = await tx.fetchall(
            "UPDATE group_join_requests SET status = 'withdrawn', decided_at = :now "
            "WHERE group_id = :g AND status = 'pending' RETURNING user_id",
            {"g": group_id, "now": now},
        )
        return [r["user_id"] for r in rows]

    async def purge_decided_requests(self, tx: Transaction, now: int, default_days: int) -> int:
        """Decided requests (and their reasons) are kept for the server's retention period."""
        return await tx.execute(
            "DELETE FROM group_join_requests WHERE status <> 'pending' AND decided_at < :now - "
            "86400 * COALESCE((SELECT s.retention_days FROM guild_settings s "
            "WHERE s.guild_id = group_join_requests.guild_id), :days)",
            {"now": now, "days": default_days},
        )

    async def request_count(self, group_id: int) -> int:
        return int(
            await self.db.fetchval(
                "SELECT COUNT(*) FROM group_join_requests WHERE group_id = :g", {"g": group_id}
            )
            or 0
        )

    # ------------------------------------------------------------------ removals, panels

    async def record_removal(
        self, tx: Transaction, group: Group, user_id: int, by: int, reason: str, now: int
    ) -> int:
        return await tx.insert(
            "INSERT INTO group_removals (group_id, guild_id, user_id, removed_by, reason, "
            "created_at) VALUES (:g, :guild, :u, :by, :reason, :now)",
            {
                "g": group.id,
                "guild": group.guild_id,
                "u": user_id,
                "by": by,
                "reason": reason,
                "now": now,
            },
        )

    async def add_panel(
        self, tx: Transaction, guild_id: int, channel_id: int, by: int, now: int
    ) -> int:
        return await tx.insert(
            "INSERT INTO group_panels (guild_id, channel_id, created_at, created_by) "
            "VALUES (:guild, :ch, :now, :by)",
            {"guild": guild_id, "ch": channel_id, "now": now, "by": by},
        )

    async def set_panel_message(self, panel_id: int, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE group_panels SET message_id = :m WHERE id = :id",
                {"id": panel_id, "m": message_id},
            )

    async def panels(self, guild_id: int | None = None) -> list[Panel]:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, channel_id, message_id FROM group_panels "
            "WHERE :guild IS NULL OR guild_id = :guild ORDER BY id",
            {"guild": guild_id},
        )
        return [Panel(r["id"], r["guild_id"], r["channel_id"], r["message_id"]) for r in rows]

    async def delete_panel(self, panel_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM group_panels WHERE id = :id", {"id": panel_id})
