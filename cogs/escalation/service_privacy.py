"""Members' data rights in escalation (`/privacy export` and `delete`) and the retention of case
metadata: a closed case keeps the member's id for the server's case retention
(`/setup case-retention`, 365 days by default), then only its category, status and dates.
No discord import."""

from __future__ import annotations

import logging
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database
from bot.i18n import N_
from bot.registry import Kept, iso
from cogs.escalation.repository_privacy import EscalationPrivacyRepository

log = logging.getLogger(__name__)


class EscalationPrivacy:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.repo = EscalationPrivacyRepository(db)
        self._clock = clock

    def now(self) -> int:
        return epoch(self._clock())

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """The member's cases: how each started, its category, severity and status, and its
        dates. Never the moderators' notes, who handled it, or the words that raised it."""
        cases = [
            {
                "case_id": c["id"],
                "started_by": c["source"],
                "category": c["category"],
                "severity": c["severity"],
                "status": c["status"],
                "opened_at": iso(c["created_at"]),
                "claimed_at": iso(c["claimed_at"]),
                "closed_at": iso(c["closed_at"]),
                "you_asked_to_be_contacted_at": iso(c["contact_requested_at"]),
                "support_resources_sent_by": c["resources_via"],
                "your_messages_kept": c["messages"],
                "your_words_deleted_at": iso(c["text_purged_at"]),
            }
            for c in await self.repo.cases_of(guild_id, user_id)
        ]
        return {"Support cases about you": cases} if cases else {}

    async def erase(self, guild_id: int, user_id: int) -> list[Kept]:
        await self.repo.request_forgetting(guild_id, user_id)
        await self.forget_due()
        cases = await self.repo.cases_of(guild_id, user_id)
        open_cases = [c for c in cases if c["closed_at"] is None]
        closed = [c for c in cases if c["closed_at"] is not None]
        kept: list[Kept] = []
        if open_cases:
            kept.append(
                Kept(
                    what=N_("Your open support case"),
                    why=N_(
                        "a moderator is looking after it; it is kept until they close it, then "
                        "your words are deleted after the retention period and the case loses "
                        "your name"
                    ),
                )
            )
        if closed:
            kept.append(
                Kept(
                    what=N_("Your closed support cases ({n})"),
                    why=N_(
                        "your words in them are deleted the server's retention period after the "
                        "case closed, from the bot and from the moderators' alert; then the "
                        "case loses your name and keeps only its category and dates"
                    ),
                    values={"n": len(closed)},
                )
            )
        return kept

    async def forget_due(self) -> int:
        done = await self.repo.pseudonymise_due(self.now())
        if done:
            log.info("escalation: %d closed cases lost their member (retention or erasure)", done)
        return done
