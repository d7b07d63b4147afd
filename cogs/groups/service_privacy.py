"""Members' data rights in the groups feature: what `/privacy export` shows (groups, waitlist
places, seats held, join requests, removals, groups created) and what `/privacy delete` adds
to the deletion hook (removals; the mod log keeps their case). No discord import."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.i18n import N_
from bot.registry import Kept, iso
from cogs.groups.repository_privacy import GroupsPrivacyRepository

_TIMES = ("joined_at", "created_at", "offered_at", "offer_expires_at", "expires_at")
_MORE_TIMES = ("decided_at", "archived_at")
SECTIONS = {
    "memberships": "Your groups",
    "waitlist": "Your waitlist places",
    "seats_held": "Seats held for you",
    "requests": "Your join requests",
    "removals": "Removals from a group",
    "created": "Groups you created",
}


def _readable(record: dict[str, Any]) -> dict[str, Any]:
    return {
        key: iso(value) if key in _TIMES + _MORE_TIMES else value for key, value in record.items()
    }


class GroupsPrivacy:
    def __init__(self, db: Database) -> None:
        self.repo = GroupsPrivacyRepository(db)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        raw = await self.repo.export(guild_id, user_id)
        return {
            SECTIONS[key]: [_readable(r) for r in records]
            for key, records in raw.items()
            if records
        }

    async def erase(self, guild_id: int, user_id: int) -> list[Kept]:
        await self.repo.forget_removals(guild_id, user_id)
        created = (await self.repo.export(guild_id, user_id))["created"]
        if not created:
            return []
        return [
            Kept(
                what=N_("Groups you created ({n})"),
                why=N_("a group belongs to its members and the server; it keeps who created it"),
                values={"n": len(created)},
            )
        ]
