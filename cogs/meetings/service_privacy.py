"""Members' data rights in meetings: what `/privacy export` shows (RSVPs, series scheduled) and
what the deletion hook keeps. No discord import."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.i18n import N_
from bot.registry import Kept, iso
from cogs.meetings.repository_privacy import MeetingsPrivacyRepository


class MeetingsPrivacy:
    def __init__(self, db: Database) -> None:
        self.repo = MeetingsPrivacyRepository(db)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        rsvps = [
            {
                "session": r["title"],
                "group_id": r["group_id"],
                "starts_at": iso(r["starts_at"]),
                "session_status": r["status"],
                "your_answer": r["answer"],
                "answered_at": iso(r["updated_at"]),
            }
            for r in await self.repo.rsvps(guild_id, user_id)
        ]
        series = [
            {
                "title": s["title"],
                "group_id": s["group_id"],
                "scheduled_at": iso(s["created_at"]),
                "cancelled_at": iso(s["cancelled_at"]),
            }
            for s in await self.repo.series_by(guild_id, user_id)
        ]
        out: dict[str, Any] = {}
        if rsvps:
            out["Your RSVPs"] = rsvps
        if series:
            out["Sessions you scheduled"] = series
        return out

    async def kept(self, guild_id: int, user_id: int) -> list[Kept]:
        series = await self.repo.series_by(guild_id, user_id)
        if not series:
            return []
        return [
            Kept(
                what=N_("Meeting series you scheduled ({n})"),
                why=N_(
                    "the group's sessions go on without you; a series keeps who scheduled it "
                    "until its last session is over"
                ),
                values={"n": len(series)},
            )
        ]
