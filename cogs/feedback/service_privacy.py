"""Members' data rights in feedback: `/privacy export` shows the polls a member created or
closed, and says why votes and feedback are not in it. No deletion hook (see FeedbackCog).
No discord import."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.registry import iso
from cogs.feedback.repository_privacy import FeedbackPrivacyRepository

ANONYMOUS = (
    "Votes and /feedback messages are stored without anything that links them to you (only "
    "counters, and texts without a name or a time), so they cannot be exported or erased as "
    "yours. Polls you created are deleted 30 days after they close."
)


class FeedbackPrivacy:
    def __init__(self, db: Database) -> None:
        self.repo = FeedbackPrivacyRepository(db)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        polls = [
            {
                "question": p["question"],
                "group_id": p["group_id"],
                "status": p["status"],
                "created_at": iso(p["created_at"]),
                "closes_at": iso(p["closes_at"]),
                "closed_at": iso(p["closed_at"]),
            }
            for p in await self.repo.polls_by(guild_id, user_id)
        ]
        out: dict[str, Any] = {"votes and feedback": ANONYMOUS}
        if polls:
            out["Polls you created or closed"] = polls
        return out
