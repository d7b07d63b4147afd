"""All SQL of the confidentiality feature: agreement versions, acceptances, reminder records,
departures and the grace-period setting. Rows come out as dataclasses."""

from __future__ import annotations

from bot.db import Database, Row, Transaction
from bot.shards import EVERY_SHARD, ShardSet
from cogs.confidentiality.models import SERVER, Acceptance, MemberGrace, Text
from cogs.confidentiality.repository_prompts import JoinPromptRepository


def _text(row: Row) -> Text:
    return Text(
        id=row["id"],
        guild_id=row["guild_id"],
        group_id=row["group_id"],
        version=row["version"],
        body=row["body"],
        created_at=row["created_at"],
        grace_ends_at=row["grace_ends_at"],
        enforced_at=row["enforced_at"],
    )


_CURRENT = (
    "SELECT * FROM confidentiality_texts WHERE guild_id = :guild "
    "AND COALESCE(group_id, 0) = :grp ORDER BY version DESC LIMIT 1"
)


class ConfidentialityRepository(JoinPromptRepository):
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ texts

    async def current(self, guild_id: int, group_id: int | None) -> Text | None:
        row = await self.db.fetchone(_CURRENT, {"guild": guild_id, "grp": group_id or SERVER})
        return _text(row) if row else None

    async def current_in(self, tx: Transaction, guild_id: int, group_id: int | None) -> Text | None:
        row = await tx.fetchone(_CURRENT, {"guild": guild_id, "grp": group_id or SERVER})
        return _text(row) if row else None

    async def text(self, text_id: int) -> Text | None:
        row = await self.db.fetchone(
            "SELECT * FROM confidentiality_texts WHERE id = :id", {"id": text_id}
        )
        return _text(row) if row else None

    async def insert_default(self, tx: Transaction, guild_id: int, now: int) -> bool:
        """The shipped default as the server's version 1, unless the server has a text."""
        changed = await tx.execute(
            "INSERT INTO confidentiality_texts (guild_id, group_id, version, body, created_at) "
            "VALUES (:guild, NULL, 1, NULL, :now) ON CONFLICT DO NOTHING",
            {"guild": guild_id, "now": now},
        )
        return changed > 0

    async def insert_text(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        group_id: int | None,
        version: int,
        body: str | None,
        now: int,
        by: int | None,
        grace_ends_at: int | None,
    ) -> int:
        return await tx.insert(
            "INSERT INTO confidentiality_texts (guild_id, group_id, version, body, created_at, "
            "created_by, grace_ends_at) VALUES (:guild, :grp, :version, :body, :now, :by, "
            ":grace)",
            {
                "guild": guild_id,
                "grp": group_id,
                "version": version,
                "body": body,
                "now": now,
                "by": by,
                "grace": grace_ends_at,
            },
        )

    async def set_grace(self, tx: Transaction, text_id: int, grace_ends_at: int) -> None:
        await tx.execute(
            "UPDATE confidentiality_texts SET grace_ends_at = :at WHERE id = :id",
            {"id": text_id, "at": grace_ends_at},
        )

    async def graces_to_enforce(self) -> list[Text]:
        rows = await self.db.fetchall(
            "SELECT * FROM confidentiality_texts WHERE grace_ends_at IS NOT NULL "
            "AND enforced_at IS NULL ORDER BY id"
        )
        return [_text(r) for r in rows]

    async def mark_enforced(self, tx: Transaction, text_id: int, now: int) -> None:
        await tx.execute(
            "UPDATE confidentiality_texts SET enforced_at = :now WHERE id = :id "
            "AND enforced_at IS NULL",
            {"id": text_id, "now": now},
        )

    # ------------------------------------------------------------------ one member's grace

    async def set_member_grace(
        self, tx: Transaction, guild_id: int, group_id: int, user_id: int, ends_at: int
    ) -> None:
        await tx.execute(
            "INSERT INTO confidentiality_member_graces (guild_id, group_id, user_id, ends_at) "
            "VALUES (:guild, :g, :u, :ends) ON CONFLICT (group_id, user_id) DO UPDATE SET "
            "ends_at = excluded.ends_at, enforced_at = NULL",
            {"guild": guild_id, "g": group_id, "u": user_id, "ends": ends_at},
        )

    async def member_grace(self, group_id: int, user_id: int) -> MemberGrace | None:
        row = await self.db.fetchone(
            "SELECT guild_id, group_id, user_id, ends_at, enforced_at "
            "FROM confidentiality_member_graces WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )
        return MemberGrace(**{k: row[k] for k in row.keys()}) if row else None

    async def member_graces_to_enforce(self) -> list[MemberGrace]:
        rows = await self.db.fetchall(
            "SELECT guild_id, group_id, user_id, ends_at, enforced_at "
            "FROM confidentiality_member_graces WHERE enforced_at IS NULL ORDER BY ends_at"
        )
        return [MemberGrace(**{k: r[k] for k in r.keys()}) for r in rows]

    async def member_grace_enforced(
        self, tx: Transaction, group_id: int, user_id: int, now: int
    ) -> None:
        await tx.execute(
            "UPDATE confidentiality_member_graces SET enforced_at = :now "
            "WHERE group_id = :g AND user_id = :u AND enforced_at IS NULL",
            {"g": group_id, "u": user_id, "now": now},
        )

    # ------------------------------------------------------------------ acceptances

    async def accepted(self, user_id: int, group_id: int, text_ids: list[int]) -> set[int]:
        """Which of `text_ids` the member accepted for this group."""
        if not text_ids:
            return set()
        marks = ", ".join(f":t{i}" for i in range(len(text_ids)))
        rows = await self.db.fetchall(
            f"SELECT text_id FROM confidentiality_acceptances WHERE user_id = :u "
            f"AND group_id = :g AND text_id IN ({marks})",
            {"u": user_id, "g": group_id, **{f"t{i}": t for i, t in enumerate(text_ids)}},
        )
        return {r["text_id"] for r in rows}

    async def accepted_by(self, text_id: int) -> set[tuple[int, int]]:
        """(group id, user id) of everyone who accepted this version."""
        rows = await self.db.fetchall(
            "SELECT group_id, user_id FROM confidentiality_acceptances WHERE text_id = :t",
            {"t": text_id},
        )
        return {(r["group_id"], r["user_id"]) for r in rows}

    async def accept(
        self, tx: Transaction, guild_id: int, user_id: int, group_id: int, text_id: int, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO confidentiality_acceptances (guild_id, user_id, group_id, text_id, "
            "accepted_at) VALUES (:guild, :u, :g, :t, :now) ON CONFLICT DO NOTHING",
            {"guild": guild_id, "u": user_id, "g": group_id, "t": text_id, "now": now},
        )

    async def acceptances_of(self, guild_id: int, user_id: int) -> list[Acceptance]:
        rows = await self.db.fetchall(
            "SELECT a.group_id, a.text_id, t.group_id AS text_group_id, t.version, "
            "a.accepted_at FROM confidentiality_acceptances a "
            "JOIN confidentiality_texts t ON t.id = a.text_id "
            "WHERE a.guild_id = :guild AND a.user_id = :u ORDER BY a.accepted_at, t.version",
            {"guild": guild_id, "u": user_id},
        )
        return [
            Acceptance(
                r["group_id"], r["text_id"], r["text_group_id"], r["version"], r["accepted_at"]
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ settings

    async def grace_days(self, guild_id: int) -> int | None:
        return await self.db.fetchval(
            "SELECT grace_days FROM confidentiality_settings WHERE guild_id = :guild",
            {"guild": guild_id},
        )

    async def set_grace_days(
        self, tx: Transaction, guild_id: int, days: int, by: int, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO confidentiality_settings (guild_id, grace_days, updated_at, updated_by) "
            "VALUES (:guild, :days, :now, :by) ON CONFLICT (guild_id) DO UPDATE SET "
            "grace_days = excluded.grace_days, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            {"guild": guild_id, "days": days, "now": now, "by": by},
        )

    # ------------------------------------------------------------------ reminders

    async def first_post(
        self, tx: Transaction, guild_id: int, user_id: int, group_id: int, now: int
    ) -> bool:
        """Record a member's first post in a group. True if it was the first."""
        changed = await tx.execute(
            "INSERT INTO confidentiality_first_posts (guild_id, user_id, group_id, posted_at) "
            "VALUES (:guild, :u, :g, :now) ON CONFLICT DO NOTHING",
            {"guild": guild_id, "u": user_id, "g": group_id, "now": now},
        )
        return changed > 0

    async def has_posted(self, user_id: int, group_id: int) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM confidentiality_first_posts WHERE group_id = :g AND user_id = :u",
                {"g": group_id, "u": user_id},
            )
        )

    async def session_reminder(
        self, tx: Transaction, group_id: int, occurrence: str, now: int
    ) -> bool:
        """Record the reminder of one session. True if it was not sent before."""
        changed = await tx.execute(
            "INSERT INTO confidentiality_session_reminders (group_id, occurrence, sent_at) "
            "VALUES (:g, :o, :now) ON CONFLICT DO NOTHING",
            {"g": group_id, "o": occurrence, "now": now},
        )
        return changed > 0

    # ------------------------------------------------------------------ retention

    async def mark_departed(self, tx: Transaction, guild_id: int, user_id: int, now: int) -> None:
        await tx.execute(
            "INSERT INTO confidentiality_departures (guild_id, user_id, left_at) "
            "VALUES (:guild, :u, :now) ON CONFLICT (guild_id, user_id) DO NOTHING",
            {"guild": guild_id, "u": user_id, "now": now},
        )

    async def mark_returned(self, tx: Transaction, guild_id: int, user_id: int) -> bool:
        changed = await tx.execute(
            "DELETE FROM confidentiality_departures WHERE guild_id = :guild AND user_id = :u",
            {"guild": guild_id, "u": user_id},
        )
        return changed > 0

    async def departed_ids(self, guild_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM confidentiality_departures WHERE guild_id = :guild "
            "ORDER BY user_id",
            {"guild": guild_id},
        )
        return [r["user_id"] for r in rows]

    async def purge_departed(
        self, tx: Transaction, now: int, default_days: int, shards: ShardSet = EVERY_SHARD
    ) -> int:
        """Forget members who left more than the server's retention period ago, in the servers
        of `shards` (bot/shards.py: only their process knows who came back meanwhile)."""
        due = await tx.fetchall(
            "DELETE FROM confidentiality_departures WHERE left_at + 86400 * "
            "COALESCE((SELECT s.retention_days FROM guild_settings s "
            "WHERE s.guild_id = confidentiality_departures.guild_id), :days) <= :now"
            f"{shards.sql('confidentiality_departures.guild_id')} RETURNING guild_id, user_id",
            {"now": now, "days": default_days, **shards.params()},
        )
        for row in due:
            await self.forget_member(tx, row["guild_id"], row["user_id"])
        return len(due)

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        """A member's acceptances, first posts and own grace periods in one server, and the note
        that they left."""
        params = {"guild": guild_id, "u": user_id}
        for table in (
            "confidentiality_acceptances",
            "confidentiality_first_posts",
            "confidentiality_member_graces",
            "confidentiality_departures",
            "confidentiality_join_prompts",
        ):
            await tx.execute(
                f"DELETE FROM {table} WHERE guild_id = :guild AND user_id = :u", params
            )

    async def prune_session_reminders(self, tx: Transaction, before: int) -> None:
        await tx.execute(
            "DELETE FROM confidentiality_session_reminders WHERE sent_at < :before",
            {"before": before},
        )
