"""The groups feature's SQL about who is in a group and who waits: members (and held access),
join tickets, the waitlist and join requests. Rows in, dataclasses (records.py) out.

`MembershipQueries` is one half of `GroupRepository` (repository.py), which the services use.
"""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from bot.directory import GroupRef, Remembered
from bot.shards import EVERY_SHARD, ShardSet
from cogs.groups.records import Group, JoinRequest, WaitlistEntry


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


class MembershipQueries:
    """Half of `GroupRepository`: members, held access, tickets, the waitlist, join requests."""

    db: Database
    # Who leads which group, asked by every check of a leader's command and by /help, and the
    # groups of a member as other features see them (`bot.groups.groups_of`, `led_by`): kept
    # until a membership or a group changes (add_member, remove_member, and GroupRepository's
    # insert and update of a group, the only writers of what they read).
    leaders: Remembered[bool]
    memberships: Remembered[tuple[GroupRef, ...]]

    def _memberships_changed(self, tx: Transaction, guild_id: int | None = None) -> None:
        for cache in (self.leaders, self.memberships):
            cache.changed_in(tx, guild_id)

    # ------------------------------------------------------------------ members

    async def leads(self, guild_id: int, user_id: int, group_id: int | None) -> bool:
        """Whether the user leads this group of the server (None: any of its active groups)."""
        return await self.leaders.get(
            (guild_id, user_id, group_id), lambda: self._leads(guild_id, user_id, group_id)
        )

    async def refs_of(self, guild_id: int, user_id: int, role: str | None) -> list[GroupRef]:
        """The server's active groups the user belongs to (with `role`: has that role in), by
        name, as other features see them."""
        refs = await self.memberships.get(
            (guild_id, user_id, role), lambda: self._refs_of(guild_id, user_id, role)
        )
        return list(refs)

    async def _refs_of(self, guild_id: int, user_id: int, role: str | None) -> tuple[GroupRef, ...]:
        rows = await self.db.fetchall(
            "SELECT g.id, g.guild_id, g.name, g.timezone, g.channel_id, g.voice_channel_id, "
            "g.role_id, g.archived_at FROM groups g WHERE g.guild_id = :guild "
            "AND g.archived_at IS NULL AND g.id IN (SELECT group_id FROM group_members "
            "WHERE user_id = :u AND (:role IS NULL OR role = :role)) ORDER BY g.name_key",
            {"guild": guild_id, "u": user_id, "role": role},
        )
        return tuple(
            GroupRef(
                id=r["id"],
                guild_id=r["guild_id"],
                name=r["name"],
                timezone=r["timezone"],
                channel_id=r["channel_id"],
                voice_channel_id=r["voice_channel_id"],
                role_id=r["role_id"],
                archived=r["archived_at"] is not None,
            )
            for r in rows
        )

    async def _leads(self, guild_id: int, user_id: int, group_id: int | None) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id "
            "WHERE g.guild_id = :guild AND m.user_id = :u AND m.role = 'leader' "
            "AND (g.id = :g OR (:g IS NULL AND g.archived_at IS NULL)) LIMIT 1",
            {"guild": guild_id, "u": user_id, "g": group_id},
        )
        return row is not None

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
        self._memberships_changed(tx, group.guild_id)
        await tx.execute(
            "INSERT INTO group_members (group_id, guild_id, user_id, role, joined_at) "
            "VALUES (:g, :guild, :u, :role, :now) "
            "ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role",
            {"g": group.id, "guild": group.guild_id, "u": user_id, "role": role, "now": now},
        )

    async def remove_member(self, tx: Transaction, group_id: int, user_id: int) -> bool:
        self._memberships_changed(tx)
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
        self,
        tx: Transaction,
        group: Group,
        user_id: int,
        source: str,
        now: int,
        expires_at: int,
        asked: bool = False,
    ) -> None:
        """`asked`: the member's own interaction goes on to the join gates (if it is cut short
        they see it failed and try again); else start-up asks them (`gates_asked_at` NULL)."""
        await tx.execute(
            "INSERT INTO group_join_tickets (group_id, guild_id, user_id, source, created_at, "
            "expires_at, gates_asked_at) VALUES (:g, :guild, :u, :source, :now, :exp, "
            "CASE WHEN :asked THEN :now END) "
            "ON CONFLICT (group_id, user_id) DO UPDATE SET source = excluded.source, "
            "expires_at = excluded.expires_at",
            {
                "g": group.id,
                "guild": group.guild_id,
                "u": user_id,
                "source": source,
                "now": now,
                "exp": expires_at,
                "asked": asked,
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

    async def drop_tickets_of_user(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        await tx.execute(
            "DELETE FROM group_join_tickets WHERE guild_id = :guild AND user_id = :u",
            {"guild": guild_id, "u": user_id},
        )

    async def drop_expired_tickets(
        self, tx: Transaction, now: int, shards: ShardSet = EVERY_SHARD
    ) -> list[int]:
        """Tickets past their time go, of the servers of `shards` (bot/shards.py: the seats
        they free are offered, and the offers' expiry armed, by the server's own process)."""
        rows = await tx.fetchall(
            "DELETE FROM group_join_tickets WHERE expires_at <= :now"
            f"{shards.sql('guild_id')} RETURNING group_id",
            {"now": now, **shards.params()},
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

    async def delete_requests_of_user(self, tx: Transaction, guild_id: int, user_id: int) -> int:
        """Every join request of theirs in this server, pending or decided, with its reason."""
        return await tx.execute(
            "DELETE FROM group_join_requests WHERE guild_id = :guild AND user_id = :u",
            {"guild": guild_id, "u": user_id},
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
