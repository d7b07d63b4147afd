"""Distress escalation, the rules for anonymous feedback. The feedback feature dispatches the text
of each `/feedback` without its author (bot event `feedback_submitted`); it is scanned like a
message, but alone. A signal raises an anonymous alert: someone in the group (or the server) may
be in crisis, with the category, severity and C-SSRS level (never the cue: it would quote the
feedback), and the group's leaders are asked to remind the group of /support. Nobody is named,
the text is not kept here, and the member is never told.

The time could give the author away (a leader who knows who was online at 21:04), so the alert
waits a random 2 to 15 minutes (uniform) before it is sent: it says nothing of when the feedback
was written. The outbox has no send-at time, so the waiting alert is a row here, sent by the
escalation tick once due, which survives a restart. Part of `EscalationService`; never imports
discord.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from cogs.escalation.models import FeedbackAlert
from cogs.escalation.repository_feedback import FeedbackAlertRepository
from cogs.escalation.service_phrases import ServerPhrases

log = logging.getLogger(__name__)

# Outbox kinds (the cog renders them). Their payloads hold the group, the category, severity and
# level, and nothing of the feedback or its author.
FEEDBACK_ALERT = "escalation:feedback_alert"  # the anonymous alert, escalation channel
FEEDBACK_LEADERS = "escalation:feedback_leaders"  # a private ask to each of the group's leaders

MIN_DELAY_SECONDS, MAX_DELAY_SECONDS = 2 * 60, 15 * 60
_randomness = random.SystemRandom()


def feedback_delay() -> int:
    """How long an alert from feedback waits: uniform between 2 and 15 minutes."""
    return round(_randomness.uniform(MIN_DELAY_SECONDS, MAX_DELAY_SECONDS))


@dataclass(frozen=True)
class FeedbackAlertSent:
    alert: FeedbackAlert
    channel_id: int | None  # None: the server has no escalation or mod-log channel
    leaders_asked: int


class FeedbackAlerts(ServerPhrases):
    """Alerts from anonymous feedback: held for a random delay, then sent."""

    feedback_delay: Callable[[], int] = staticmethod(feedback_delay)

    @cached_property
    def feedback_alerts(self) -> FeedbackAlertRepository:
        return FeedbackAlertRepository(self.db)

    async def feedback_submitted(self, guild_id: int, group_id: int | None, text: str) -> bool:
        """Scan a piece of anonymous feedback; True if it raised an alert (sent later). Read on
        its own: never with anyone's earlier messages, and never kept to read theirs with."""
        found = await self.detect([guild_id], text)
        if found is None or not found.alert:
            return False
        async with self.db.transaction() as tx:
            await self.feedback_alerts.insert(
                tx,
                guild_id=guild_id,
                group_id=group_id,
                category=found.category,
                severity=found.severity,
                level=found.level or None,  # never the cue: it would quote the feedback
                # A random 2 to 15 minutes from now, and never the moment itself: the alert's
                # time must not tell anyone when the feedback was written.
                due_at=self._now() + self.feedback_delay(),
            )
        # Nothing logged now: a log line's own time would be when the feedback was written.
        return True

    async def due_feedback_alerts(self) -> list[FeedbackAlert]:
        return await self.feedback_alerts.due(self._now())

    async def send_feedback_alert(
        self, alert_id: int, leader_ids: list[int]
    ) -> FeedbackAlertSent | None:
        """Enqueue the anonymous alert and the leaders' asks, and forget the waiting row, in one
        transaction; None if another tick sent it already."""
        async with self.db.transaction() as tx:
            alert = await self.feedback_alerts.take(tx, alert_id)
            if alert is None:
                return None
            leaders = sorted(set(leader_ids)) if alert.group_id is not None else []
            settings = await self._settings_in(tx, alert.guild_id)
            channel = settings.escalation_channel_id or settings.mod_log_channel_id
            if channel is not None:
                await self._outbox.enqueue(
                    tx,
                    kind=FEEDBACK_ALERT,
                    guild_id=alert.guild_id,
                    channel_id=channel,
                    payload={
                        "group_id": alert.group_id,
                        "category": alert.category,
                        "severity": alert.severity,
                        "level": alert.level,
                        "leaders": len(leaders),
                    },
                )
            for leader in leaders:
                await self._outbox.enqueue(
                    tx,
                    kind=FEEDBACK_LEADERS,
                    guild_id=alert.guild_id,
                    user_id=leader,
                    payload={"group_id": alert.group_id},
                )
        if channel is None:
            log.error(
                "escalation: an alert from anonymous feedback in guild %d has no escalation or "
                "mod-log channel; an admin must run /setup escalation-channel",
                alert.guild_id,
            )
        log.info(
            "escalation: alert from anonymous feedback sent in guild %d (%d leaders asked)",
            alert.guild_id,
            len(leaders),
        )
        return FeedbackAlertSent(alert, channel, len(leaders))

    async def feedback_alert_refused(
        self, guild_id: int, channel_id: int, payload: dict[str, object]
    ) -> bool:
        """The escalation channel refused the anonymous alert for good: send it to the mod-log
        channel instead, as case alerts do. False when there is nowhere else."""
        async with self.db.transaction() as tx:
            settings = await self._settings_in(tx, guild_id)
            fallback = settings.mod_log_channel_id
            if fallback is None or fallback == channel_id:
                return False
            await self._outbox.enqueue(
                tx, kind=FEEDBACK_ALERT, guild_id=guild_id, channel_id=fallback, payload=payload
            )
        log.error(
            "escalation: the escalation channel %d refused an alert from anonymous feedback; "
            "sent to the mod-log channel instead",
            channel_id,
        )
        return True
