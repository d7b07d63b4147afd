"""Distress escalation, the rules of delivering an alert: down a chain of places until one takes
it (the escalation channel, the mod-log channel, the moderators by DM, the admins and the
server's owner by DM), knowing when it was first delivered (only then is the member told the
moderators know), and reminding admins daily while no channel can take alerts. The Discord side
(delivery.py) says which link works now; this part records the choice and writes the outbox
rows. Never imports discord.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from bot.outbox import Delivery
from cogs.escalation.models import AlertLink, Case
from cogs.escalation.service_base import ALERT, ALERT_DM, SETUP_REMINDER, CaseBook, Event

log = logging.getLogger(__name__)

DM_LINKS: tuple[AlertLink, ...] = ("moderators", "admins")
ALERT_STUCK_SECONDS = 2 * 60  # a channel failing this long: the moderators get a DM too
MAX_THREAD_ATTEMPTS = 5  # a private fallback thread, then the moderators are told
REMINDER_EVERY_SECONDS = 24 * 3600
NO_CHANNEL = "no_channel"  # reminder topic: no channel can take alerts

AlertState = Literal["delivered", "pending", "failed"]


@dataclass(frozen=True)
class DmSettled:
    case_id: int
    link: AlertLink
    link_failed: bool  # every DM of this link failed: the next link is due


class AlertDelivery(CaseBook):
    """Where a case's alert goes, and what was delivered."""

    async def alert_state(self, case: Case) -> AlertState:
        """Whether the case's alert reached someone, is on its way, or has nowhere to go now."""
        if case.alert_delivered_at is not None:
            return "delivered"
        if case.alert_link in DM_LINKS:
            async with self.db.transaction() as tx:
                dms = await self.deliveries.dms(tx, case.id)
            mine = [d for d in dms if d.link == case.alert_link]
            return "pending" if any(d.status != "failed" for d in mine) else "failed"
        if case.alert_channel_id is None or case.alert_outbox_id is None:
            return "failed"
        delivery = await self._outbox.repository.delivery(case.alert_outbox_id)
        if delivery is None or delivery.status == "failed":
            return "failed"
        return "pending"  # ("sent": the outbox tells alert_sent, at the latest at start-up)

    async def undelivered_cases(self) -> list[Case]:
        """Open cases whose alert has not reached anyone yet."""
        return await self.repository.undelivered_cases()

    async def stuck(self, case: Case) -> bool:
        """The alert has waited in the outbox for a channel that keeps failing (5xx, rate
        limits) longer than `ALERT_STUCK_SECONDS`, and nobody was sent it by DM yet."""
        if case.alert_delivered_at is not None or case.alert_channel_id is None:
            return False
        if self._now() - case.created_at < ALERT_STUCK_SECONDS:
            return False
        return not await self.deliveries.dm_recipients(case.id)

    async def alert_also_to_dms(self, seen: Case, *, link: AlertLink, user_ids: list[int]) -> bool:
        """The channel keeps failing: send the alert by DM as well, the channel alert still
        trying (whichever arrives first tells the member)."""
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, seen.id)
            if case is None or not _still_current(case, seen):
                return False
            if await self.deliveries.dms(tx, case.id):
                return False
            for user_id in user_ids:
                row_id = await self._outbox.enqueue(
                    tx,
                    kind=ALERT_DM,
                    guild_id=case.guild_id,
                    user_id=user_id,
                    payload={"case_id": case.id, "link": link, "stuck": True},
                )
                await self.deliveries.add_dm(tx, case.id, user_id, link, row_id)
            settings = await self._settings_in(tx, case.guild_id)
            await self._mod_log(tx, settings, case.id, "alert_stuck")
        log.error(
            "escalation: case %d: the alert channel keeps failing; also sent by DM to %d %s",
            seen.id,
            len(user_ids),
            link,
        )
        return True

    async def dm_only_cases(self) -> list[Case]:
        """Open cases whose alert reached people by DM only: posted in a channel as soon as one
        works, so that it can be claimed and closed there."""
        return await self.repository.dm_only_open_cases()

    async def alert_back_in_channel(self, seen: Case, *, link: AlertLink, channel_id: int) -> bool:
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, seen.id)
            if case is None or not case.is_open or case.alert_link != seen.alert_link:
                return False
            row_id = await self._outbox.enqueue(
                tx,
                kind=ALERT,
                guild_id=case.guild_id,
                channel_id=channel_id,
                payload={"case_id": case.id},
            )
            await self.deliveries.move_alert(tx, case.id, link, channel_id, row_id)
        log.info("escalation: case %d: a channel works again; the alert is posted there", seen.id)
        return True

    async def move_alert(self, seen: Case, *, link: AlertLink, channel_id: int) -> bool:
        """Post the alert in `channel_id` (the `link` of the chain) instead. `seen`: the case as
        the caller read it; if its alert moved on meanwhile, nothing changes."""
        case_id = seen.id
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or not _still_current(case, seen):
                return False
            row_id = await self._outbox.enqueue(
                tx,
                kind=ALERT,
                guild_id=case.guild_id,
                channel_id=channel_id,
                payload={"case_id": case_id},
            )
            await self.deliveries.move_alert(tx, case_id, link, channel_id, row_id)
            if case.alert_channel_id is not None:
                settings = await self._settings_in(tx, case.guild_id)
                await self._mod_log(tx, settings, case_id, "alert_moved")
        log.error("escalation: case %d: alert sent to the %s channel instead", case_id, link)
        return True

    async def alert_to_dms(self, seen: Case, *, link: AlertLink, user_ids: list[int]) -> bool:
        """No channel works: send the alert by DM to each of `user_ids` (moderators or admins),
        except those it was already sent to."""
        case_id = seen.id
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or not _still_current(case, seen):
                return False
            already = {d.user_id for d in await self.deliveries.dms(tx, case_id)}
            await self.deliveries.move_alert(tx, case_id, link, None, None)
            for user_id in [u for u in user_ids if u not in already]:
                row_id = await self._outbox.enqueue(
                    tx,
                    kind=ALERT_DM,
                    guild_id=case.guild_id,
                    user_id=user_id,
                    payload={"case_id": case_id, "link": link},
                )
                await self.deliveries.add_dm(tx, case_id, user_id, link, row_id)
            settings = await self._settings_in(tx, case.guild_id)
            event: Event = "alert_to_moderators" if link == "moderators" else "alert_to_admins"
            await self._mod_log(tx, settings, case_id, event)
        log.error(
            "escalation: case %d: no channel can take the alert; sent by DM to %d %s",
            case_id,
            len(user_ids),
            link,
        )
        return True

    async def alert_nowhere(self, seen: Case) -> bool:
        """Nothing on the chain can take the alert now; tried again as soon as something can."""
        case_id = seen.id
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or case.alert_link == "none" or not _still_current(case, seen):
                return False
            await self.deliveries.move_alert(tx, case_id, "none", None, None)
            settings = await self._settings_in(tx, case.guild_id)
            await self._mod_log(tx, settings, case_id, "alert_undelivered")
        log.critical("escalation: case %d: nobody could be told; an admin must fix /setup", case_id)
        return True

    async def alert_delivered(self, case_id: int) -> bool:
        """The alert reached a channel or someone's DMs. True the first time."""
        async with self.db.transaction() as tx:
            first = await self.deliveries.mark_delivered(tx, case_id, self._now())
        if first:
            log.info("escalation: case %d: the alert was delivered", case_id)
        return first

    async def alert_dm_settled(self, outbox_id: int, sent: bool) -> DmSettled | None:
        async with self.db.transaction() as tx:
            dm = await self.deliveries.dm_by_outbox(tx, outbox_id)
            if dm is None:
                return None
            await self.deliveries.set_dm_status(tx, outbox_id, "sent" if sent else "failed")
            case = await self.repository.get_in(tx, dm.case_id)
            same = [d for d in await self.deliveries.dms(tx, dm.case_id) if d.link == dm.link]
        link_failed = (
            not sent
            and case is not None
            and case.alert_link == dm.link
            and case.alert_delivered_at is None
            and all(d.status == "failed" for d in same)
        )
        return DmSettled(dm.case_id, dm.link, link_failed)

    async def alert_dm_recipients(self, case_id: int) -> list[int]:
        return [d.user_id for d in await self.deliveries.dm_recipients(case_id)]

    # ------------------------------------------------------------------ the member is told

    async def member_told(self, case_id: int) -> bool:
        """Record that the member's resources now say the moderators know. True the first time
        (the caller edits the message then)."""
        async with self.db.transaction() as tx:
            return await self.deliveries.mark_member_told(tx, case_id, self._now())

    async def resources_delivery(self, case: Case) -> Delivery | None:
        """Where the member's resources went (a DM or a private thread), once sent."""
        if case.resources_outbox_id is None:
            return None
        delivery = await self._outbox.repository.delivery(case.resources_outbox_id)
        return delivery if delivery is not None and delivery.status == "sent" else None

    # ------------------------------------------------------------------ the private thread

    async def thread_attempt_failed(self, case_id: int) -> bool:
        """A private fallback thread failed with an error that might pass. True when that was
        the last try: the caller gives up and the moderators are told."""
        async with self.db.transaction() as tx:
            attempts = await self.deliveries.add_thread_attempt(tx, case_id)
        return attempts >= MAX_THREAD_ATTEMPTS

    # ------------------------------------------------------------------ admins reminded

    async def remind_admins(
        self, guild_id: int, admin_ids: list[int], *, topic: str = NO_CHANNEL
    ) -> bool:
        """Tell the server's admins by DM that alerts cannot reach a channel (`topic`
        "no_channel") or that an alert channel became public ("public:<channel id>"), at most
        once a day per topic. True when they were told now."""
        now = self._now()
        told_at = await self.deliveries.reminder_told_at(guild_id, topic)
        if told_at is not None and now - told_at < REMINDER_EVERY_SECONDS:
            return False
        async with self.db.transaction() as tx:
            await self.deliveries.set_reminder(tx, guild_id, topic, now)
            for admin_id in admin_ids:
                await self._outbox.enqueue(
                    tx,
                    kind=SETUP_REMINDER,
                    guild_id=guild_id,
                    user_id=admin_id,
                    payload={"topic": topic},
                )
        log.error("escalation: guild %d: %s; %d admins told", guild_id, topic, len(admin_ids))
        return True

    async def setup_fixed(self, guild_id: int, topic: str = NO_CHANNEL) -> None:
        """Alerts can reach a channel again: the reminders stop (and start again at once if it
        breaks later)."""
        async with self.db.transaction() as tx:
            if await self.deliveries.clear_reminder(tx, guild_id, topic):
                log.info("escalation: guild %d: %s is fixed", guild_id, topic)


def _still_current(case: Case, seen: Case) -> bool:
    """The case's alert is still where the caller saw it, undelivered, and the case open."""
    return (
        case.is_open
        and case.alert_delivered_at is None
        and case.alert_outbox_id == seen.alert_outbox_id
        and case.alert_channel_id == seen.alert_channel_id
        and case.alert_link == seen.alert_link
    )
