"""Distress escalation, the rules once a case is open: moderators claim and close it, unclaimed
cases page the moderators then the admins, the member's words go after the retention period,
deliveries that failed find another way, and the alert's Discord id is kept when the outbox
says it was sent. Part of `EscalationService`; never imports discord.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from bot.db import Transaction
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_
from cogs.escalation.duty import DutyService
from cogs.escalation.models import Case, CaseMessage, CaseStatus
from cogs.escalation.service_base import PAGE, RESOURCES, Event
from cogs.escalation.service_delivery import AlertDelivery

log = logging.getLogger(__name__)

MAX_NOTE_CHARS = 1000


@dataclass(frozen=True)
class Page:
    case_id: int
    level: int


@dataclass(frozen=True)
class CaseView:
    case: Case
    messages: list[CaseMessage]


class CaseHandling(AlertDelivery):
    """What happens to a case after it opened."""

    _duty: DutyService | None = None

    @property
    def duty(self) -> DutyService:
        """Who is on duty, and the paging ladder (duty.py). The feature sets the one that asks
        Discord who is still a moderator; without it, everyone on the rota counts."""
        if self._duty is None:
            self._duty = DutyService(self.db, self._clock, self._outbox, self._guild_settings)
        return self._duty

    @duty.setter
    def duty(self, duty: DutyService) -> None:
        self._duty = duty

    # ------------------------------------------------------------------ moderators act

    async def _case_for_moderator(self, tx: Transaction, case_id: int, guild_id: int) -> Case:
        case = await self.repository.get_in(tx, case_id)
        if case is None or case.guild_id != guild_id:
            raise NotFound(N_("I couldn't find that case."))
        return case

    @staticmethod
    def not_about_themselves(case: Case, by: int) -> None:
        """A moderator never handles the alert about themselves: another moderator or an admin
        does (the alert says so, and they are the ones paged)."""
        if case.user_id == by:
            raise NotAllowed(
                N_(
                    "This alert is about you, so another moderator or an admin will take care "
                    "of it. Please look after yourself too: /support reaches the others "
                    "privately whenever you need them."
                )
            )

    async def claim(self, case_id: int, guild_id: int, by: int) -> Case:
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self._case_for_moderator(tx, case_id, guild_id)
            self.not_about_themselves(case, by)
            if case.status == "claimed":
                if case.claimed_by == by:
                    raise UserError(N_("You have already claimed this case."))
                raise UserError(
                    N_("<@{moderator}> has already claimed this case."),
                    moderator=case.claimed_by,
                )
            if not case.is_open:
                raise UserError(N_("This case is already closed."))
            await self.repository.claim(tx, case_id, by, now)
            settings = await self._settings_in(tx, guild_id)
            await self._mod_log(tx, settings, case_id, "claimed", by=by)
            updated = await self.repository.get_in(tx, case_id)
        assert updated is not None
        log.info("escalation: case %d claimed", case_id)
        log.debug("escalation: case %d claimed by %d", case_id, by)
        return updated

    async def close(
        self,
        case_id: int,
        guild_id: int,
        by: int,
        status: Literal["resolved", "false_alarm"],
        note: str,
    ) -> Case:
        note = note.strip()
        if not note:
            raise UserError(
                N_("Please write a short note for the other moderators before closing the case.")
            )
        if len(note) > MAX_NOTE_CHARS:
            raise UserError(N_("Please keep the note under {n} characters."), n=MAX_NOTE_CHARS)
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self._case_for_moderator(tx, case_id, guild_id)
            self.not_about_themselves(case, by)
            if not case.is_open:
                raise UserError(N_("This case is already closed."))
            closed: CaseStatus = status
            await self.repository.close(tx, case_id, closed, by, note, now)
            settings = await self._settings_in(tx, guild_id)
            await self._mod_log(tx, settings, case_id, status, by=by)
            updated = await self.repository.get_in(tx, case_id)
        assert updated is not None
        log.info("escalation: case %d closed (%s)", case_id, status)
        log.debug("escalation: case %d closed by %d", case_id, by)
        return updated

    async def view(self, case_id: int) -> CaseView | None:
        case = await self.repository.get(case_id)
        if case is None:
            return None
        return CaseView(case, await self.repository.messages(case_id))

    # ------------------------------------------------------------------ time passes

    async def run_due_pages(self) -> list[Page]:
        """Page again for cases nobody claimed in time, along the ladder of duty.py: the
        moderators on duty, then the moderator role, then the admins, then the admins again
        every half hour a few times."""
        now = self._now()
        pages: list[Page] = []
        for due in await self.repository.due_pages(now):
            # Who is on duty is read before the transaction (it asks Discord who is still a
            # moderator); never the member the alert is about.
            on_duty = await self.duty.on_duty_now(due.guild_id, now, exclude=due.user_id)
            async with self.db.transaction() as tx:
                case = await self.repository.get_in(tx, due.id)
                if (
                    case is None
                    or case.status != "open"
                    or case.next_page_at is None
                    or case.next_page_at > now
                ):
                    continue
                settings = await self._settings_in(tx, case.guild_id)
                paging = await self.repository.settings_in(tx, case.guild_id)
                step = await self.duty.page_step(
                    tx,
                    case,
                    paging,
                    has_role=settings.moderator_role_id is not None,
                    on_duty=on_duty,
                    now=now,
                )
                await self.repository.set_page(tx, case.id, step.level, step.next_at)
                if case.alert_channel_id is not None:
                    payload: dict[str, object] = {"case_id": case.id, "level": step.level}
                    if step.users:
                        payload["users"] = list(step.users)
                    await self._outbox.enqueue(
                        tx,
                        kind=PAGE,
                        guild_id=case.guild_id,
                        channel_id=case.alert_channel_id,
                        payload=payload,
                    )
                if step.audience == "duty":
                    await self.duty.note_in(
                        tx, case, settings.mod_log_channel_id, "paged_on_duty", users=step.users
                    )
                else:
                    event: Event = "paged_moderators" if step.level == 1 else "paged_admins"
                    await self._mod_log(tx, settings, case.id, event, level=step.level)
                if step.stopped:
                    await self.duty.note_in(tx, case, case.alert_channel_id, "paging_stopped")
            pages.append(Page(case.id, step.level))
            log.warning(
                "escalation: case %d in guild %d unclaimed; paged %s (level %d, repeat %d)",
                case.id,
                case.guild_id,
                step.audience,
                step.level,
                step.repeat,
            )
        return pages

    async def purge_due(self) -> list[Case]:
        """Delete the member's words (and the closing note) of cases closed longer ago than the
        server's retention period."""
        now = self._now()
        purged: list[Case] = []
        for due in await self.repository.due_for_purge(now):
            async with self.db.transaction() as tx:
                await self.repository.purge(tx, due.id, now)
                settings = await self._settings_in(tx, due.guild_id)
                await self._mod_log(tx, settings, due.id, "purged")
            purged.append(due)
            log.info("escalation: case %d: the member's words were deleted (retention)", due.id)
        if purged:
            await self.db.forget()  # out of the write-ahead log too (bot/db.py LogEraser)
        return purged

    # ------------------------------------------------------------------ delivery problems

    async def resources_refused(self, case_id: int, to_user: bool) -> Case | None:
        """The resources could not be delivered. DMs closed: a private thread is next (the
        returned case has resources_via 'thread_pending'); otherwise the moderators are told."""
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None:
                return None
            if to_user and case.origin_channel_id is not None:
                await self.repository.set_resources_via(tx, case_id, "thread_pending")
            else:
                await self._undeliverable(tx, case)
            updated = await self.repository.get_in(tx, case_id)
        log.warning(
            "escalation: case %d: crisis resources refused (%s)",
            case_id,
            updated.resources_via if updated else "?",
        )
        return updated

    async def fallback_thread_opened(self, case_id: int, thread_id: int) -> None:
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or case.resources_via != "thread_pending":
                return
            row_id = await self._outbox.enqueue(
                tx,
                kind=RESOURCES,
                guild_id=case.guild_id,
                channel_id=thread_id,
                payload={"case_id": case_id, "via": "thread"},
            )
            await self.repository.set_resources_via(
                tx, case_id, "thread", thread_id=thread_id, outbox_id=row_id
            )
            settings = await self._settings_in(tx, case.guild_id)
            await self._mod_log(tx, settings, case_id, "resources_thread")
        log.info("escalation: case %d: resources go to private thread %d", case_id, thread_id)

    async def fallback_failed(self, case_id: int) -> None:
        async with self.db.transaction() as tx:
            case = await self.repository.get_in(tx, case_id)
            if case is None or case.resources_via in ("undeliverable", "not_needed"):
                return
            await self._undeliverable(tx, case)
        log.warning("escalation: case %d: no private way to reach the member", case_id)

    async def _undeliverable(self, tx: Transaction, case: Case) -> None:
        await self.repository.set_resources_via(tx, case.id, "undeliverable")
        await self._update(tx, case, "resources_undeliverable")
        settings = await self._settings_in(tx, case.guild_id)
        await self._mod_log(tx, settings, case.id, "resources_undeliverable")

    # ------------------------------------------------------------------ the alert in Discord

    async def case(self, case_id: int) -> Case | None:
        return await self.repository.get(case_id)

    async def cases_waiting_for_thread(self) -> list[Case]:
        """Cases whose resources wait for a private thread (DMs closed, Discord failed)."""
        return await self.repository.pending_threads()

    async def alert_sent(self, case_id: int, outbox_id: int, message_id: int) -> bool:
        """The outbox delivered a case's alert (its `on_sent` hook): keep the Discord id, to edit
        the alert and link to it. False when that row is no longer the case's alert (it moved)."""
        async with self.db.transaction() as tx:
            changed = await self.repository.set_alert_message(
                tx, case_id, message_id, outbox_id=outbox_id
            )
        return changed

    async def alert_pressed(self, case: Case, channel_id: int, message_id: int) -> None:
        """A button was pressed under a message in the alert's channel: that message is the
        alert, whatever the outbox has told us so far."""
        if case.alert_message_id is None and channel_id == case.alert_channel_id:
            async with self.db.transaction() as tx:
                await self.repository.set_alert_message(tx, case.id, message_id)

    async def alerts_to_redact(self) -> list[Case]:
        """Purged cases whose alert in Discord may still show the member's words: the caller
        edits each, then calls `alert_redacted`. An alert without a Discord id needs no edit:
        never sent, failed, or still waiting in the outbox, where it is rendered from the purged
        case when it goes out."""
        sent: list[Case] = []
        for case in await self.repository.unredacted_alerts():
            if case.alert_message_id is not None:
                sent.append(case)
            else:
                await self.repository.mark_redacted(case.id)
        return sent

    async def alert_redacted(self, case_id: int) -> None:
        await self.repository.mark_redacted(case_id)
