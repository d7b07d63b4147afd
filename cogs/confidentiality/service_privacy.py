"""Members' data rights in confidentiality: what `/privacy export` shows (agreements accepted,
with the text as it was; first posts; the note that they left) and what the deletion hook keeps.
No discord import."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.i18n import N_
from bot.registry import Kept, iso
from cogs.confidentiality.repository_privacy import ConfidentialityPrivacyRepository


class ConfidentialityPrivacy:
    def __init__(self, db: Database) -> None:
        self.repo = ConfidentialityPrivacyRepository(db)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        raw = await self.repo.export(guild_id, user_id)
        out: dict[str, Any] = {}
        if raw["accepted"]:
            out["Agreements you accepted"] = [
                {
                    "group_id": r["group_id"],
                    "agreement": "the group's own" if r["text_group_id"] else "the server's",
                    "version": r["version"],
                    "text": r["body"] or "(the bot's default agreement)",
                    "accepted_at": iso(r["accepted_at"]),
                }
                for r in raw["accepted"]
            ]
        if raw["first_posts"]:
            out["Groups you have posted in"] = [
                {"group_id": r["group_id"], "first_post_at": iso(r["posted_at"])}
                for r in raw["first_posts"]
            ]
        if raw["left"]:
            out["When you left the server"] = [{"left_at": iso(r["left_at"])} for r in raw["left"]]
        if raw["texts"]:
            out["Agreement texts you wrote"] = [
                {"group_id": r["group_id"], "version": r["version"], "at": iso(r["created_at"])}
                for r in raw["texts"]
            ]
        return out

    async def kept(self, guild_id: int, user_id: int) -> list[Kept]:
        texts = (await self.repo.export(guild_id, user_id))["texts"]
        if not texts:
            return []
        return [
            Kept(
                what=N_("Agreement texts you wrote ({n})"),
                why=N_("members accepted them, and can read what they agreed to"),
                values={"n": len(texts)},
            )
        ]
