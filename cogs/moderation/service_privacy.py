"""Members' data rights in moderation: what `/privacy export` shows of warnings, reports and
guidelines, and what `/privacy delete` erases or keeps (and why). Also when a warning expires.
No discord import."""

from __future__ import annotations

import logging
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.modlog import ModLog
from bot.registry import Kept, iso
from cogs.moderation.repository_privacy import ModerationPrivacyRepository

log = logging.getLogger(__name__)

DAY = 86400


def warning_expires_at(created_at: int, expiry_days: int) -> int:
    return created_at + expiry_days * DAY


def warning_expired(created_at: int, expiry_days: int, now: int) -> bool:
    """An expired warning no longer counts (`/setup warning-expiry`)."""
    return warning_expires_at(created_at, expiry_days) <= now


class ModerationPrivacy:
    def __init__(
        self, db: Database, clock: Clock, settings: GuildSettingsService, modlog: ModLog
    ) -> None:
        self.repo = ModerationPrivacyRepository(db)
        self._clock = clock
        self._settings = settings
        self._modlog = modlog

    def now(self) -> int:
        return epoch(self._clock())

    async def warning_expiry_days(self, guild_id: int) -> int:
        return (await self._settings.get(guild_id)).warning_expiry_days

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        days = await self.warning_expiry_days(guild_id)
        now = self.now()
        warnings = [
            {
                "case": w["case_number"],
                "group_id": w["group_id"],
                "guideline_id": w["guideline_id"],
                "reason": w["reason"],  # the words the member was told
                "given_at": iso(w["created_at"]),
                "expires_at": iso(warning_expires_at(w["created_at"], days)),
                "counts": not warning_expired(w["created_at"], days, now),
            }
            for w in await self.repo.warnings_about(guild_id, user_id)
        ]
        reports = [
            {
                "case": r["case_number"],
                "channel_id": str(r["channel_id"]),
                "message_id": str(r["message_id"]),
                "your_reason": r["reason"],
                "outcome": r["status"],
                "reported_at": iso(r["created_at"]),
                "closed_at": iso(r["closed_at"]),
            }
            for r in await self.repo.reports_by(guild_id, user_id)
        ]
        about = [
            {
                "case": r["case_number"],
                "channel_id": str(r["channel_id"]),
                "message_id": str(r["message_id"]),
                "outcome": r["status"],
                "reported_at": iso(r["created_at"]),
                "closed_at": iso(r["closed_at"]),
            }
            for r in await self.repo.closed_reports_about(guild_id, user_id)
        ]
        guidelines = [
            {"group_id": g["group_id"] or None, "version": g["version"], "at": iso(g["created_at"])}
            for g in await self.repo.guidelines_by(guild_id, user_id)
        ]
        out: dict[str, Any] = {}
        if warnings:
            out["Warnings about you"] = warnings
        if reports:
            out["Reports you made"] = reports
        if about:
            out["Closed reports about your messages"] = about
        if guidelines:
            out["Guidelines you published"] = guidelines
        return out

    async def erase(self, guild_id: int, user_id: int) -> list[Kept]:
        days = await self.warning_expiry_days(guild_id)
        kept_warnings = await self.repo.forget_warnings(guild_id, user_id, days * DAY, self.now())
        kept_reports = await self.repo.forget_reports(guild_id, user_id)
        kept: list[Kept] = []
        if kept_warnings:
            kept.append(
                Kept(
                    what=N_("Warnings about you ({n})"),
                    why=N_(
                        "a warning counts for {days} days so moderators can see a pattern; "
                        "each is deleted when it expires"
                    ),
                    values={"n": kept_warnings, "days": days},
                )
            )
        if kept_reports:
            kept.append(
                Kept(
                    what=N_("Reports by or about you ({n})"),
                    why=N_(
                        "moderators still need them; they lose your name once the reported "
                        "words are deleted, the server's retention period after they close"
                    ),
                    values={"n": kept_reports},
                )
            )
        guidelines = await self.repo.guidelines_by(guild_id, user_id)
        if guidelines:
            kept.append(
                Kept(
                    what=N_("Guidelines versions you published ({n})"),
                    why=N_("they are the rules members agreed to, so they keep their author"),
                    values={"n": len(guidelines)},
                )
            )
        return kept

    async def forget_due(self) -> None:
        # A report about a member who asked to be erased, closed since: the entries written
        # about it then (its outcome) lose them too, after the retention like the others.
        for guild_id, user_id in await self.repo.authors_to_forget():
            days = (await self._settings.get(guild_id)).retention_days
            await self._modlog.forget_member(guild_id, user_id, days * DAY)
        warnings, reports = await self.repo.forget_due(self.now())
        if warnings or reports:
            log.info("moderation: forgot %d warnings and %d reports (erasure)", warnings, reports)
