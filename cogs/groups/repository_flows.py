"""The groups feature's SQL about flows that must survive a crash: a /group create in progress
(its intent and what it made so far), join tickets whose gates were not asked yet, and seat
offers whose direct message failed. Rows in, dataclasses (records.py) out.

`FlowQueries` is part of `GroupRepository` (repository.py).
"""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from cogs.groups.records import Provisioning, WaitlistEntry

PROVISIONED = ("role_id", "channel_id", "voice_channel_id", "leaders_channel_id")


def _provisioning(row: Row) -> Provisioning:
    return Provisioning(**{k: row[k] for k in row.keys()})


class FlowQueries:
    """Part of `GroupRepository`: provisionings, unasked tickets, offers whose DM failed."""

    db: Database

    # ------------------------------------------------------------------ provisionings

    async def add_provisioning(
        self,
        tx: Transaction,
        guild_id: int,
        by: int,
        name: str,
        channel_name: str,
        now: int,
        token: str | None,
    ) -> int:
        return await tx.insert(
            "INSERT INTO group_provisionings (guild_id, created_by, name, channel_name, "
            "started_at, interaction_token) VALUES (:guild, :by, :name, :channel, :now, :token)",
            {
                "guild": guild_id,
                "by": by,
                "name": name,
                "channel": channel_name,
                "now": now,
                "token": token,
            },
        )

    async def set_provisioned(
        self, tx: Transaction, provisioning_id: int, column: str, object_id: int
    ) -> None:
        if column not in PROVISIONED:
            raise ValueError(f"not a provisioned object: {column}")
        await tx.execute(
            f"UPDATE group_provisionings SET {column} = :object WHERE id = :id",
            {"id": provisioning_id, "object": object_id},
        )

    async def provisioning(self, tx: Transaction, provisioning_id: int) -> Provisioning | None:
        row = await tx.fetchone(
            "SELECT * FROM group_provisionings WHERE id = :id", {"id": provisioning_id}
        )
        return _provisioning(row) if row else None

    async def finish_provisioning(
        self,
        tx: Transaction,
        provisioning_id: int,
        status: str,
        group_id: int | None,
        now: int,
        told: bool,
    ) -> bool:
        """'done' or 'undone', once: False if it was finished already."""
        changed = await tx.execute(
            "UPDATE group_provisionings SET status = :status, group_id = :group, "
            "finished_at = :now, told_at = CASE WHEN :told THEN :now ELSE told_at END, "
            "interaction_token = CASE WHEN :told THEN NULL ELSE interaction_token END "
            "WHERE id = :id AND status = 'provisioning'",
            {"id": provisioning_id, "status": status, "group": group_id, "now": now, "told": told},
        )
        return changed > 0

    async def mark_provisioning_told(self, tx: Transaction, provisioning_id: int, now: int) -> bool:
        changed = await tx.execute(
            "UPDATE group_provisionings SET told_at = :now, interaction_token = NULL "
            "WHERE id = :id AND told_at IS NULL",
            {"id": provisioning_id, "now": now},
        )
        return changed > 0

    async def purge_finished_provisionings(self, tx: Transaction, before: int) -> int:
        """Setups finished (and told) before `before`: nothing is left to recover."""
        return await tx.execute(
            "DELETE FROM group_provisionings WHERE status <> 'provisioning' "
            "AND told_at IS NOT NULL AND finished_at < :before",
            {"before": before},
        )

    async def unfinished_provisionings(self, guild_id: int) -> list[Provisioning]:
        """Cut short by a crash: still provisioning, or done but its creator not told."""
        rows = await self.db.fetchall(
            "SELECT * FROM group_provisionings WHERE guild_id = :guild AND (status = "
            "'provisioning' OR (status = 'done' AND told_at IS NULL)) ORDER BY id",
            {"guild": guild_id},
        )
        return [_provisioning(r) for r in rows]

    async def owned_ids(self, guild_id: int) -> set[int]:
        """Every role and channel id a group of this server (or a live setup) holds."""
        rows = await self.db.fetchall(
            "SELECT role_id, channel_id, voice_channel_id, leaders_channel_id FROM groups "
            "WHERE guild_id = :guild",
            {"guild": guild_id},
        )
        return {value for r in rows for value in r if value is not None}

    # ------------------------------------------------------------------ tickets

    async def mark_gates_asked(
        self, tx: Transaction, group_id: int, user_id: int, now: int
    ) -> None:
        await tx.execute(
            "UPDATE group_join_tickets SET gates_asked_at = :now "
            "WHERE group_id = :g AND user_id = :u AND gates_asked_at IS NULL",
            {"g": group_id, "u": user_id, "now": now},
        )

    async def unasked_tickets(self, guild_id: int, now: int) -> list[tuple[int, int]]:
        """(group, user) of tickets whose flow stopped before asking the join gates."""
        rows = await self.db.fetchall(
            "SELECT group_id, user_id FROM group_join_tickets WHERE guild_id = :guild "
            "AND gates_asked_at IS NULL AND expires_at > :now ORDER BY created_at, user_id",
            {"guild": guild_id, "now": now},
        )
        return [(r["group_id"], r["user_id"]) for r in rows]

    async def drop_tickets_of_group(self, tx: Transaction, group_id: int) -> list[int]:
        rows = await tx.fetchall(
            "DELETE FROM group_join_tickets WHERE group_id = :g RETURNING user_id",
            {"g": group_id},
        )
        return sorted(r["user_id"] for r in rows)

    # ------------------------------------------------------------------ offers

    async def set_offer_row(self, tx: Transaction, entry_id: int, row_id: int) -> None:
        await tx.execute(
            "UPDATE group_waitlist SET offer_row = :row WHERE id = :id",
            {"id": entry_id, "row": row_id},
        )

    async def entry_for_offer_row(self, tx: Transaction, row_id: int) -> WaitlistEntry | None:
        row = await tx.fetchone(
            "SELECT * FROM group_waitlist WHERE offer_row = :row", {"row": row_id}
        )
        return WaitlistEntry(**{k: row[k] for k in row.keys()}) if row else None

    async def mark_offer_noted(self, tx: Transaction, entry_id: int, now: int) -> bool:
        changed = await tx.execute(
            "UPDATE group_waitlist SET offer_noted_at = :now "
            "WHERE id = :id AND offer_noted_at IS NULL",
            {"id": entry_id, "now": now},
        )
        return changed > 0

    async def unnoted_offers(self, guild_id: int, now: int) -> list[WaitlistEntry]:
        """Open offers whose note was not posted (their DM's outcome decides if one is due)."""
        rows = await self.db.fetchall(
            "SELECT * FROM group_waitlist WHERE guild_id = :guild AND offer_row IS NOT NULL "
            "AND offer_noted_at IS NULL AND offer_expires_at > :now ORDER BY id",
            {"guild": guild_id, "now": now},
        )
        return [WaitlistEntry(**{k: r[k] for k in r.keys()}) for r in rows]
