"""The groups feature's SQL about groups themselves: the groups table (with the seats taken and
the length of the waitlist), removals and panels. Rows in, dataclasses (records.py) out.

`GroupRepository` is the one repository the services use; the SQL about members, tickets, the
waitlist and join requests is its other half, in repository_membership.py.
"""

from __future__ import annotations

from typing import Any

from bot.db import Database, Row, Transaction
from bot.directory import GroupRef, Remembered
from cogs.groups.records import Group, JoinRequest, Panel, WaitlistEntry
from cogs.groups.repository_access import AccessQueries
from cogs.groups.repository_flows import FlowQueries
from cogs.groups.repository_membership import MembershipQueries

__all__ = ["Group", "GroupRepository", "JoinRequest", "Panel", "WaitlistEntry"]

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


def _group(row: Row) -> Group:
    return Group(**{k: row[k] for k in row.keys()})


class GroupRepository(MembershipQueries, AccessQueries, FlowQueries):
    """All of the groups feature's SQL: this part about groups, the others about membership
    (repository_membership.py) and access still to take away (repository_access.py)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # The group of a channel as other features see it (`bot.groups.for_channel`, asked for
        # every message): remembered until the next write to the groups table (`insert`,
        # `update`, its only writers), which forgets them all (bot/directory.py).
        # Other processes' writes are heard too (bot/db.py `Changes`).
        self.channel_refs: Remembered[GroupRef | None] = Remembered(db.changes, "group_channels")
        # Who leads which group, and each member's groups (repository_membership.py).
        self.leaders = Remembered[bool](db.changes, "group_leaders")
        self.memberships = Remembered[tuple[GroupRef, ...]](db.changes, "group_memberships")

    def _groups_changed(self, tx: Transaction, guild_id: int | None = None) -> None:
        self.channel_refs.changed_in(tx, guild_id)
        # a group archived or renamed: its members' lists too
        self._memberships_changed(tx, guild_id)

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
        self._groups_changed(tx, values.get("guild_id"))
        return await tx.insert(f"INSERT INTO groups ({columns}) VALUES ({params})", values)

    async def update(self, tx: Transaction, group_id: int, values: dict[str, Any]) -> None:
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        self._groups_changed(tx)
        await tx.execute(
            f"UPDATE groups SET {assignments} WHERE id = :group_id",
            {**values, "group_id": group_id},
        )

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
