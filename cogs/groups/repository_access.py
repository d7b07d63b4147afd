"""The groups feature's SQL about access still to take away (`group_access_removals`): a member
"to remove" whose role or channel permissions Discord did not let the bot remove yet. Rows in,
dataclasses (records.py) out. One part of `GroupRepository` (repository.py)."""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from cogs.groups.records import AccessRemoval

_COLUMNS = "group_id, guild_id, target_id, kind, reason, notice, created_at, attempts, told_at"


def _removal(row: Row) -> AccessRemoval:
    return AccessRemoval(**{k: row[k] for k in row.keys()})


class AccessQueries:
    """Part of `GroupRepository`: the "to remove" marks."""

    db: Database

    async def mark_removal(
        self,
        tx: Transaction,
        *,
        group_id: int,
        guild_id: int,
        target_id: int,
        kind: str,
        reason: str,
        notice: str | None,
        now: int,
    ) -> None:
        """Mark access to take away (before trying). A mark already there keeps its history;
        a notice asked for now is kept."""
        await tx.execute(
            "INSERT INTO group_access_removals (group_id, guild_id, target_id, kind, reason, "
            "notice, created_at) VALUES (:g, :guild, :t, :kind, :reason, :notice, :now) "
            "ON CONFLICT (group_id, target_id, kind) DO UPDATE SET reason = excluded.reason, "
            "notice = COALESCE(excluded.notice, group_access_removals.notice)",
            {
                "g": group_id,
                "guild": guild_id,
                "t": target_id,
                "kind": kind,
                "reason": reason,
                "notice": notice,
                "now": now,
            },
        )

    async def removal_in(
        self, tx: Transaction, group_id: int, target_id: int, kind: str
    ) -> AccessRemoval | None:
        row = await tx.fetchone(
            f"SELECT {_COLUMNS} FROM group_access_removals WHERE group_id = :g "
            "AND target_id = :t AND kind = :kind",
            {"g": group_id, "t": target_id, "kind": kind},
        )
        return _removal(row) if row else None

    async def drop_removal(self, tx: Transaction, group_id: int, target_id: int, kind: str) -> bool:
        changed = await tx.execute(
            "DELETE FROM group_access_removals WHERE group_id = :g AND target_id = :t "
            "AND kind = :kind",
            {"g": group_id, "t": target_id, "kind": kind},
        )
        return changed > 0

    async def removal_failed(
        self, tx: Transaction, group_id: int, target_id: int, kind: str, now: int, tell: bool
    ) -> None:
        await tx.execute(
            "UPDATE group_access_removals SET attempts = attempts + 1, "
            "told_at = CASE WHEN :tell THEN :now ELSE told_at END "
            "WHERE group_id = :g AND target_id = :t AND kind = :kind",
            {"g": group_id, "t": target_id, "kind": kind, "now": now, "tell": tell},
        )

    async def removals(self, guild_id: int | None = None) -> list[AccessRemoval]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM group_access_removals "
            "WHERE :guild IS NULL OR guild_id = :guild ORDER BY created_at, group_id, target_id",
            {"guild": guild_id},
        )
        return [_removal(r) for r in rows]

    async def removal_targets(self, group_id: int, kind: str) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT target_id FROM group_access_removals WHERE group_id = :g AND kind = :kind",
            {"g": group_id, "kind": kind},
        )
        return {r["target_id"] for r in rows}
