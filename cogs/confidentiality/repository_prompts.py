"""The agreement's private join prompts on record (migration 0023): one per member and group,
so a seat is asked for once, whatever crashes when. SQL only."""

from __future__ import annotations

from bot.db import Transaction


class JoinPromptRepository:
    async def note_join_prompt(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        group_id: int,
        user_id: int,
        texts: str,
        now: int,
        since: int,
    ) -> bool:
        """Record that the member is asked for `texts` now; False (nothing changed) when they
        were asked for the same texts at `since` or later."""
        changed = await tx.execute(
            "INSERT INTO confidentiality_join_prompts (group_id, user_id, guild_id, texts, "
            "asked_at) VALUES (:g, :u, :guild, :texts, :now) "
            "ON CONFLICT (group_id, user_id) DO UPDATE SET texts = excluded.texts, "
            "asked_at = excluded.asked_at "
            "WHERE confidentiality_join_prompts.texts <> excluded.texts "
            "OR confidentiality_join_prompts.asked_at < :since",
            {
                "g": group_id,
                "u": user_id,
                "guild": guild_id,
                "texts": texts,
                "now": now,
                "since": since,
            },
        )
        return changed > 0

    async def drop_join_prompt(self, tx: Transaction, group_id: int, user_id: int) -> None:
        await tx.execute(
            "DELETE FROM confidentiality_join_prompts WHERE group_id = :g AND user_id = :u",
            {"g": group_id, "u": user_id},
        )

    async def drop_join_prompts_of(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        await tx.execute(
            "DELETE FROM confidentiality_join_prompts WHERE guild_id = :guild AND user_id = :u",
            {"guild": guild_id, "u": user_id},
        )

    async def prune_join_prompts(self, tx: Transaction, before: int) -> None:
        await tx.execute(
            "DELETE FROM confidentiality_join_prompts WHERE asked_at < :before", {"before": before}
        )
