"""The rules of members' data rights: what `/privacy export` gathers and what `/privacy delete`
erased and kept. No discord import: the features' hooks come through core's registries
(`bot.data_export`, `bot.data_deletion`), the mod log through `bot.modlog`."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database
from bot.errors import UserError
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.kit.timestamps import stamp
from bot.modlog import ModLog
from bot.registry import DataDeletion, DataExport, Kept, iso
from cogs.privacy.repository import PrivacyRepository

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 15 * 60
DAY = 86400
PRIVACY_ERASED = "privacy_erased"  # mod-log action: no target, the member is not named

# What no export can hold, said in every export (PRIVACY.md, "Anonymous polls and feedback").
NOT_LINKABLE = (
    "Your votes in polls and the feedback you sent with /feedback are anonymous: the bot keeps "
    "nothing that links them to you, so they cannot be exported or deleted as yours."
)
NOT_INCLUDED = (
    "Not included: the moderators' own notes, the names of members who reported you, and "
    "messages the bot sent you (kept 7 days after sending, 30 days if undeliverable, then "
    "deleted)."
)


@dataclass(frozen=True)
class Erasure:
    """What `/privacy delete` did: sections erased (label -> how many records), what was kept
    and why, and the features whose hook failed."""

    erased: dict[str, int]
    kept: tuple[Kept, ...]
    failed: tuple[str, ...]
    remaining: dict[str, int]


def _count(value: object) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    if isinstance(value, Mapping):
        return len(value)
    return 0


def _sections(data: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Every list or mapping of records in an export, by its section name (a readable phrase)."""
    counts: dict[str, int] = {}
    for sections in data.values():
        for name, value in sections.items():
            n = _count(value)
            if n:
                counts[name] = counts.get(name, 0) + n
    return counts


class PrivacyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        modlog: ModLog,
        settings: GuildSettingsService,
        exports: DataExport,
        deletions: DataDeletion,
    ) -> None:
        self.repo = PrivacyRepository(db)
        self._clock = clock
        self._modlog = modlog
        self._settings = settings
        self._exports = exports
        self._deletions = deletions

    def now(self) -> int:
        return epoch(self._clock())

    # ------------------------------------------------------------------ export

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about one member of one server, by feature, JSON-ready."""
        report = await self._exports.export_user(guild_id, user_id)
        document: dict[str, Any] = {
            "about": "What the support bot stores about you on this server (PRIVACY.md).",
            "server_id": str(guild_id),
            "member_id": str(user_id),
            "exported_at": iso(self.now()),
            "anonymous_votes_and_feedback": NOT_LINKABLE,
            "not_included": NOT_INCLUDED,
            "data": dict(report.data),
        }
        if report.failed:
            document["incomplete"] = sorted(report.failed)
        return document

    @staticmethod
    def export_file(document: Mapping[str, Any]) -> bytes:
        return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False).encode()

    # ------------------------------------------------------------------ core's own records

    async def export_mod_log(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """The mod-log entries about the member: case number, action, group, time. Reasons are
        the moderators' words (a warning's reason is in the warnings section)."""
        entries = await self._modlog.history(guild_id, user_id, limit=1000)
        return {
            "Mod-log entries about you": [
                {
                    "case": e.case_number,
                    "action": e.action,
                    "group_id": e.group_id,
                    "at": iso(e.created_at),
                }
                for e in entries
            ]
        }

    async def forget_mod_log(self, guild_id: int, user_id: int) -> list[Kept]:
        """Entries about the member lose them after the server's retention period (at once for
        older ones); each keeps its case number and action."""
        days = (await self._settings.get(guild_id)).retention_days
        waiting = await self._modlog.forget_member(guild_id, user_id, days * DAY)
        await self.repo.forget_member(guild_id, user_id)
        if not waiting:
            return []
        return [
            Kept(
                what=N_("Mod-log entries about you ({n})"),
                why=N_(
                    "moderators need a recent record of what was done and why; each keeps its "
                    "case number and action and loses your name {days} days after it was "
                    "written (the last on {until})"
                ),
                values={"n": len(waiting), "days": days, "until": stamp(waiting[-1], "D")},
            )
        ]

    async def forget_due(self) -> int:
        """The daily job: mod-log entries whose time has come lose their member; erasure
        requests nobody confirmed go."""
        await self.repo.drop_expired(self.now())
        return await self._modlog.forget_due()

    # ------------------------------------------------------------------ delete

    async def request(self, guild_id: int, user_id: int, requested_by: int) -> int:
        now = self.now()
        return await self.repo.insert_request(
            guild_id, user_id, requested_by, now, now + CONFIRM_SECONDS
        )

    async def confirm(self, request_id: int, requested_by: int) -> tuple[int, int]:
        taken = await self.repo.take_request(request_id, requested_by, self.now())
        if taken is None:
            raise UserError(
                N_(
                    "This request was already carried out, or it ran out after 15 minutes. "
                    "If you still want it, run /privacy delete again."
                )
            )
        return taken

    async def erase(self, guild_id: int, user_id: int, requested_by: int) -> Erasure:
        """Run every feature's deletion hook once; what was erased is what the export no longer
        holds, what was kept is what the hooks say they kept and why."""
        before = _sections((await self._exports.export_user(guild_id, user_id)).data)
        report = await self._deletions.delete_user(guild_id, user_id)
        after = _sections((await self._exports.export_user(guild_id, user_id)).data)
        erased = {name: n - after.get(name, 0) for name, n in before.items()}
        erased = {name: n for name, n in erased.items() if n > 0}
        await self._modlog.record(
            guild_id=guild_id,
            action=PRIVACY_ERASED,
            actor_id=requested_by if requested_by != user_id else 0,
            details={"records": sum(erased.values())},
        )
        log.info(
            "privacy: erased %d records in guild %d (%d features, %d failed)",
            sum(erased.values()),
            guild_id,
            len(report.done),
            len(report.failed),
        )
        return Erasure(erased, report.kept, report.failed, after)
