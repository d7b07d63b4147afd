"""Distress escalation, the rules: what the parts of `EscalationService` share. The outbox kinds,
the events of a case, and the writes that go with any change of a case: its mod-log line and a
note for the moderators under the alert. Never imports discord.
"""

from __future__ import annotations

from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.guild_settings import GuildSettings, GuildSettingsService
from bot.outbox import Outbox
from cogs.escalation.context import RecentMessages
from cogs.escalation.detection import Detector, PhraseSet
from cogs.escalation.models import Case
from cogs.escalation.repository import EscalationRepository
from cogs.escalation.repository_delivery import DeliveryRepository

# Outbox kinds (the cog renders them).
ALERT = "escalation:alert"  # the alert with Claim / Resolved / False alarm, escalation channel
RESOURCES = "escalation:resources"  # crisis resources to the member (DM or private thread)
PAGE = "escalation:page"  # unclaimed: pings the moderator role, later the admins
UPDATE = "escalation:update"  # a note for the moderators under the alert
MOD_LOG = "escalation:mod_log"  # one line per page and state change, never the member's words
ALERT_DM = "escalation:alert_dm"  # the alert by DM to a moderator or admin: no channel works
SETUP_REMINDER = "escalation:setup_reminder"  # to an admin, daily: no channel can take alerts

Event = Literal[
    "opened",
    "paged_moderators",
    "paged_admins",
    "claimed",
    "resolved",
    "false_alarm",
    "contact_requested",
    "support_requested",
    "resources_thread",
    "resources_undeliverable",
    "alert_moved",
    "alert_to_moderators",
    "alert_to_admins",
    "alert_undelivered",
    "alert_stuck",
    "purged",
]


class CaseBook:
    """The database, the outbox and the settings every part of the service works with."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        guild_settings: GuildSettingsService,
        detector: Detector,
    ) -> None:
        self.db = db
        self.repository = EscalationRepository(db)
        self.deliveries = DeliveryRepository(db)
        self.detector = detector
        self._clock = clock
        self._outbox = outbox
        self._guild_settings = guild_settings
        # Each server's own phrases, compiled when first needed (service_phrases.py).
        self._server_phrases: dict[int, PhraseSet | None] = {}
        # Each member's last few messages, read with the next one; in memory only (context.py).
        self.recent = RecentMessages(self._now)

    def _now(self) -> int:
        return epoch(self._clock())

    async def _settings_in(self, tx: Transaction, guild_id: int) -> GuildSettings:
        found = await self._guild_settings.repository.get_in(tx, guild_id)
        return found or GuildSettings(guild_id=guild_id)

    async def _mod_log(
        self,
        tx: Transaction,
        settings: GuildSettings,
        case_id: int,
        event: Event,
        *,
        by: int | None = None,
        level: int | None = None,
    ) -> None:
        if settings.mod_log_channel_id is None:
            return
        payload: dict[str, object] = {"case_id": case_id, "event": event}
        if by is not None:
            payload["by"] = by
        if level is not None:
            payload["level"] = level
        await self._outbox.enqueue(
            tx,
            kind=MOD_LOG,
            guild_id=settings.guild_id,
            channel_id=settings.mod_log_channel_id,
            payload=payload,
        )

    async def _update(self, tx: Transaction, case: Case, event: Event) -> None:
        """A note for the moderators in the alert's channel (no ping, no member words)."""
        if case.alert_channel_id is None:
            return
        await self._outbox.enqueue(
            tx,
            kind=UPDATE,
            guild_id=case.guild_id,
            channel_id=case.alert_channel_id,
            payload={"case_id": case.id, "event": event},
        )
