"""The storms feature's SQL: members remembered in a group (with the group's message and the
moderators' check-in) and groups that lost their last leader (migration 0028)."""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from cogs.storms.models import Remembrance

_COLUMNS = (
    "id, guild_id, group_id, user_id, why, recorded_by, recorded_at, message, draft, outbox_id, "
    "message_id, checkin_due_at, checked_in_by, checked_in_at, reminded_at"
)


def _remembrance(row: Row) -> Remembrance:
    return Remembrance(**{key: row[key] for key in row.keys()})


class StormsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ remembered members

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        group_id: int,
        user_id: int,
        why: str,
        by: int,
        now: int,
        draft: str,
        checkin_due_at: int,
    ) -> int | None:
        """The new row's id; None when the member is already remembered in the group."""
        row = await tx.fetchone(
            "INSERT INTO storms_remembered (guild_id, group_id, user_id, why, recorded_by, "
            "recorded_at, draft, checkin_due_at) VALUES (:guild, :group, :user, :why, :by, "
            ":now, :draft, :due) ON CONFLICT (guild_id, group_id, user_id) DO NOTHING "
            "RETURNING id",
            {
                "guild": guild_id,
                "group": group_id,
                "user": user_id,
                "why": why,
                "by": by,
                "now": now,
                "draft": draft,
                "due": checkin_due_at,
            },
        )
        return None if row is None else row["id"]

    async def get(self, remembrance_id: int) -> Remembrance | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM storms_remembered WHERE id = :id", {"id": remembrance_id}
        )
        return None if row is None else _remembrance(row)

    async def get_in(self, tx: Transaction, remembrance_id: int) -> Remembrance | None:
        row = await tx.fetchone(
            f"SELECT {_COLUMNS} FROM storms_remembered WHERE id = :id", {"id": remembrance_id}
        )
        return None if row is None else _remembrance(row)

    async def find(self, guild_id: int, group_id: int, user_id: int) -> Remembrance | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM storms_remembered WHERE guild_id = :guild "
            "AND group_id = :group AND user_id = :user",
            {"guild": guild_id, "group": group_id, "user": user_id},
        )
        return None if row is None else _remembrance(row)

    async def of_member(self, guild_id: int, user_id: int) -> list[Remembrance]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM storms_remembered WHERE guild_id = :guild "
            "AND user_id = :user ORDER BY id",
            {"guild": guild_id, "user": user_id},
        )
        return [_remembrance(r) for r in rows]

    async def by_actor(self, guild_id: int, user_id: int) -> list[Remembrance]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM storms_remembered WHERE guild_id = :guild "
            "AND (recorded_by = :user OR checked_in_by = :user) ORDER BY id",
            {"guild": guild_id, "user": user_id},
        )
        return [_remembrance(r) for r in rows]

    async def set_draft(self, tx: Transaction, remembrance_id: int, text: str) -> bool:
        changed = await tx.execute(
            "UPDATE storms_remembered SET draft = :text WHERE id = :id AND message = 'draft'",
            {"id": remembrance_id, "text": text},
        )
        return changed > 0

    async def reopen(self, tx: Transaction, remembrance_id: int, draft: str) -> bool:
        changed = await tx.execute(
            "UPDATE storms_remembered SET message = 'draft', draft = :draft "
            "WHERE id = :id AND message = 'cancelled'",
            {"id": remembrance_id, "draft": draft},
        )
        return changed > 0

    async def mark_posting(self, tx: Transaction, remembrance_id: int, outbox_id: int) -> bool:
        changed = await tx.execute(
            "UPDATE storms_remembered SET message = 'posted', outbox_id = :outbox "
            "WHERE id = :id AND message = 'draft'",
            {"id": remembrance_id, "outbox": outbox_id},
        )
        return changed > 0

    async def mark_cancelled(self, tx: Transaction, remembrance_id: int) -> bool:
        changed = await tx.execute(
            "UPDATE storms_remembered SET message = 'cancelled', draft = NULL "
            "WHERE id = :id AND message = 'draft'",
            {"id": remembrance_id},
        )
        return changed > 0

    async def mark_delivered(self, remembrance_id: int, message_id: int) -> None:
        """The group's message is out: its id kept, the leader's words no longer (Discord has
        them, where the leader chose)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE storms_remembered SET message_id = :message, draft = NULL WHERE id = :id",
                {"id": remembrance_id, "message": message_id},
            )

    async def mark_checked_in(
        self, tx: Transaction, remembrance_id: int, by: int, now: int
    ) -> bool:
        changed = await tx.execute(
            "UPDATE storms_remembered SET checked_in_by = :by, checked_in_at = :now "
            "WHERE id = :id AND checked_in_at IS NULL",
            {"id": remembrance_id, "by": by, "now": now},
        )
        return changed > 0

    async def due_reminders(self, now: int) -> list[Remembrance]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM storms_remembered WHERE checked_in_at IS NULL "
            "AND reminded_at IS NULL AND checkin_due_at <= :now ORDER BY id",
            {"now": now},
        )
        return [_remembrance(r) for r in rows]

    async def mark_reminded(self, tx: Transaction, remembrance_id: int, now: int) -> bool:
        changed = await tx.execute(
            "UPDATE storms_remembered SET reminded_at = :now "
            "WHERE id = :id AND reminded_at IS NULL AND checked_in_at IS NULL",
            {"id": remembrance_id, "now": now},
        )
        return changed > 0

    async def delete_of_member_in(self, tx: Transaction, guild_id: int, user_id: int) -> int:
        return await tx.execute(
            "DELETE FROM storms_remembered WHERE guild_id = :guild AND user_id = :user",
            {"guild": guild_id, "user": user_id},
        )

    async def delete_of_member(self, guild_id: int, user_id: int) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM storms_remembered WHERE guild_id = :guild AND user_id = :user",
                {"guild": guild_id, "user": user_id},
            )

    async def forget_actor(self, guild_id: int, user_id: int) -> int:
        """A leader or moderator who asked to be forgotten: their id leaves the rows they
        recorded or checked in on (0: someone who is no longer here)."""
        async with self.db.transaction() as tx:
            first = await tx.execute(
                "UPDATE storms_remembered SET recorded_by = 0 "
                "WHERE guild_id = :guild AND recorded_by = :user",
                {"guild": guild_id, "user": user_id},
            )
            second = await tx.execute(
                "UPDATE storms_remembered SET checked_in_by = 0 "
                "WHERE guild_id = :guild AND checked_in_by = :user",
                {"guild": guild_id, "user": user_id},
            )
            return first + second

    # ------------------------------------------------------------------ leaderless groups

    async def mark_leaderless(
        self, tx: Transaction, guild_id: int, group_id: int, now: int
    ) -> bool:
        changed = await tx.execute(
            "INSERT INTO storms_leaderless (guild_id, group_id, since_at) "
            "VALUES (:guild, :group, :now) ON CONFLICT (guild_id, group_id) DO NOTHING",
            {"guild": guild_id, "group": group_id, "now": now},
        )
        return changed > 0

    async def clear_leaderless(self, guild_id: int, group_id: int) -> bool:
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "DELETE FROM storms_leaderless WHERE guild_id = :guild AND group_id = :group",
                {"guild": guild_id, "group": group_id},
            )
        return changed > 0

    async def leaderless_since(self, guild_id: int, group_id: int) -> int | None:
        return await self.db.fetchval(
            "SELECT since_at FROM storms_leaderless WHERE guild_id = :guild AND group_id = :group",
            {"guild": guild_id, "group": group_id},
        )
