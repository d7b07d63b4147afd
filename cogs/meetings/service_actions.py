"""Firing a session's due actions: its reminders, its start and its end. Never imports discord.

One scheduler job (`meetings:due`, armed by the cog at the earliest due row) calls `run_due`.
Each action is marked done in the same transaction that enqueues its messages (outbox) or records
its bot event, so nothing fires twice and nothing is lost across restarts. Before that it is
claimed, leased to this process (several processes on one PostgreSQL: docs/DESIGN.md "Several
processes"), so processes share the due work without waiting for each other. The late rules after
an outage (reminders sent late and saying so, or skipped once the session started; the events'
windows) are here; bot/events.py states the ones other features rely on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.clock import epoch
from bot.db import Transaction
from bot.directory import GroupRef
from bot.events import MEETING_ENDED, MEETING_STARTED
from bot.i18n import N_
from cogs.meetings.models import (
    CANCELLED,
    DEFAULT_OFFSETS,
    ENDED,
    SCHEDULED,
    STARTED,
    Action,
    GroupSettings,
    Series,
    Session,
)
from cogs.meetings.rules import utc
from cogs.meetings.service import REMINDER, MeetingService

log = logging.getLogger(__name__)

LATE_GRACE_SECONDS = 120  # a reminder later than this says it is late
END_GRACE_SECONDS = 12 * 3600  # meeting_ended still comes this long after the end
DUE_BATCH = 1000  # actions per transaction


@dataclass(frozen=True)
class Context:
    """What firing one due action needs, read before the batch's transaction."""

    session: Session
    series: Series
    group: GroupRef | None
    settings: GroupSettings

    @property
    def active(self) -> bool:
        return (
            self.group is not None
            and not self.group.archived
            and self.series.cancelled_at is None
            and self.session.status != CANCELLED
        )


class DueActions:
    def __init__(self, service: MeetingService) -> None:
        self.service = service
        self.repo = service.repo

    async def run_due(self) -> int:
        """Fire every action that is due, a batch at a time (many reminders often fall due
        together: the top of the hour). A batch is first claimed (`lease_due`: leased to this
        process in a transaction of its own, with row locks alone on PostgreSQL, so processes
        claim side by side, each action once), then fired in one transaction that reads and
        writes together, so under load (the outbox posting hundreds of messages, each its own
        write) it queues for the database once, not once per read, and what it reads cannot
        change before the action is marked done (a session moved or cancelled meanwhile).
        Marking an action done there is what makes it fire once: a lease only shares the work
        out, and one that expired while its holder still fired is harmless. A batch holds a
        thousand groups' reminders of one second: no batch waits for its turn behind another.
        Returns how many were fired."""
        handled = 0
        # The groups directory cannot be asked inside a transaction: read its groups first.
        # This run handles what is due now; what falls due meanwhile is the next run's (the
        # cog re-arms the job at once when something is already due).
        now = epoch(self.service.now())
        guilds = set(await self.repo.due_guilds(now))
        groups = await self.service.group_refs(guilds)
        while True:
            actions = await self.repo.lease_due(now, DUE_BATCH)
            if not actions:
                return handled
            try:
                unfired = await self._fire_batch(actions, guilds, groups, now)
            except Exception:
                # Not left leased until it expires: the job tries again in a few seconds.
                # (Cancelled, the bot stopping, they are given back at the next start.)
                try:
                    await self.repo.give_back(actions)
                except Exception:
                    log.warning("meetings: could not give back a failed batch's claims")
                raise
            handled += len(actions) - len(unfired)
            if unfired or len(actions) < DUE_BATCH:
                return handled

    async def release_own_leases(self) -> int:
        """At start: what this process (its shard set) had claimed and not fired before it
        stopped is claimable again at once."""
        return await self.repo.release_own_leases()

    async def _fire_batch(
        self, actions: list[Action], guilds: set[int], groups: dict[int, GroupRef], now: int
    ) -> list[Action]:
        """Fire claimed actions in one transaction; returns those left for the next run (their
        server's groups were not read), given back."""
        unfired: list[Action] = []
        async with self.service.db.transaction() as tx:
            contexts = await self._contexts(tx, actions, groups)
            reminders: list[tuple[Action, Context]] = []
            for action in actions:
                context = contexts.get(action.occurrence_id)
                if context is not None and context.session.guild_id not in guilds:
                    unfired.append(action)  # its server's groups were not read: the next run
                    continue
                if context is not None and action.action.startswith("reminder:"):
                    reminders.append((action, context))  # together, in a few statements
                    continue
                await self._reminders(tx, reminders, now)  # the order stays the due order
                reminders = []
                await self._one(tx, action, context, now)
            await self._reminders(tx, reminders, now)
            await self.repo.give_back(unfired, tx)
        return unfired

    async def _one(
        self, tx: Transaction, action: Action, context: Context | None, now: int
    ) -> None:
        """Fire one action. One action's bug must not undo the batch, nor block the queue
        forever: it is undone alone and recorded as an error."""
        await self.repo.begin_action(tx)
        try:
            if context is not None:
                await self._fire(tx, action, context, epoch(self.service.now()))
        except Exception:
            log.exception(
                "meeting action %s of session %d failed", action.action, action.occurrence_id
            )
            await self.repo.undo_action(tx)
            await self.repo.claim_action(tx, action, now, "error")
        await self.repo.end_action(tx)

    async def _reminders(
        self, tx: Transaction, reminders: list[tuple[Action, Context]], now: int
    ) -> None:
        """Fire reminders together: a thousand groups' reminders often fall due in the same
        minute, and one statement per reminder would make the last of them late. If the batch
        fails, it is undone and each reminder fired alone (so a bug stays with its action)."""
        if not reminders:
            return
        await self.repo.begin_action(tx)
        try:
            await self._remind_all(tx, reminders, epoch(self.service.now()))
        except Exception:
            log.exception("meeting reminders: a batch of %d failed; one at a time", len(reminders))
            await self.repo.undo_action(tx)
            await self.repo.end_action(tx)
            for action, context in reminders:
                await self._one(tx, action, context, now)
            return
        await self.repo.end_action(tx)

    async def _remind_all(
        self, tx: Transaction, reminders: list[tuple[Action, Context]], now: int
    ) -> None:
        """`_remind` for many reminders: claimed in one statement per outcome, posted in one."""
        sends = {(a.occurrence_id, a.action): self._sends(c, now) for a, c in reminders}
        outcomes: dict[str, list[Action]] = {}
        for action, _ in reminders:
            go = sends[(action.occurrence_id, action.action)]
            outcomes.setdefault(self._outcome(go, action, now), []).append(action)
        claimed: set[tuple[int, str]] = set()
        for outcome, actions in outcomes.items():
            claimed |= await self.repo.claim_actions(tx, actions, now, outcome)
        posts: list[tuple[int | None, int, dict[str, Any]]] = []
        for action, c in reminders:
            key = (action.occurrence_id, action.action)
            if key not in claimed:
                continue  # fired already
            if not sends[key] or c.group is None:
                log.info("reminder %s of session %d skipped", action.action, c.session.id)
                continue
            if c.group.channel_id is not None:
                posts.append((c.session.guild_id, c.group.channel_id, self._post(action, c, now)))
            if c.settings.remind_going:
                await self._remind_going(tx, c)
        await self.service.outbox.enqueue_to_channels(tx, kind=REMINDER, posts=posts)

    async def _contexts(
        self, tx: Transaction, actions: list[Action], groups: dict[int, GroupRef]
    ) -> dict[int, Context]:
        """What the actions of a batch need to know."""
        if not actions:
            return {}
        sessions = await self.repo.sessions([a.occurrence_id for a in actions], via=tx)
        series_ids = list({s.series_id for s in sessions.values()})
        series = await self.repo.series_many(series_ids, via=tx)
        settings = await self.repo.all_group_settings(via=tx)
        default = GroupSettings(DEFAULT_OFFSETS, False, False)
        return {
            occurrence_id: Context(
                session,
                series[session.series_id],
                groups.get(session.group_id),
                settings.get(session.group_id, default),
            )
            for occurrence_id, session in sessions.items()
        }

    async def _fire(self, tx: Transaction, action: Action, context: Context, now: int) -> None:
        if action.action.startswith("reminder:"):
            await self._remind(tx, action, context, now)
        elif action.action == "start":
            await self._start(tx, action, context, now)
        elif action.action == "end":
            await self._end(tx, action, context, now)

    @staticmethod
    def _outcome(go: bool, action: Action, now: int) -> str:
        if not go:
            return "skipped"
        return "late" if now - action.due_at > LATE_GRACE_SECONDS else "done"

    @staticmethod
    def _sends(c: Context, now: int) -> bool:
        """Whether a reminder due now is sent (else it is skipped: the session is cancelled,
        its group archived, or it has started already)."""
        return c.active and now < c.session.starts_at

    @staticmethod
    def _post(action: Action, c: Context, now: int) -> dict[str, Any]:
        """The payload of a reminder's post in the group's channel."""
        assert c.group is not None
        return {
            "occ": c.session.id,
            "late": now - action.due_at > LATE_GRACE_SECONDS,
            "role": c.group.role_id if c.settings.ping_role else None,
        }

    async def _remind(self, tx: Transaction, action: Action, c: Context, now: int) -> None:
        session, group = c.session, c.group
        send = self._sends(c, now)
        if not await self.repo.claim_action(tx, action, now, self._outcome(send, action, now)):
            return
        if not send or group is None:
            log.info("reminder %s of session %d skipped", action.action, session.id)
            return
        if group.channel_id is not None:
            await self.service.outbox.enqueue(
                tx,
                kind=REMINDER,
                guild_id=session.guild_id,
                channel_id=group.channel_id,
                payload=self._post(action, c, now),
            )
        if c.settings.remind_going:
            await self._remind_going(tx, c)

    async def _remind_going(self, tx: Transaction, c: Context) -> None:
        """The reminder, privately, to each member who said they are going."""
        assert c.group is not None
        session = c.session
        params = {"title": c.series.title, "group": c.group.name, "at": session.starts_at}
        await self.service.notify_going(
            tx,
            session,
            N_(
                "A reminder: {title} of {group}, which you said you're coming to, starts "
                "<t:{at}:R> (<t:{at}:F>)."
            ),
            params,
        )

    async def _start(self, tx: Transaction, action: Action, c: Context, now: int) -> None:
        session = c.session
        go = c.active and session.status == SCHEDULED and now < session.ends_at
        if not await self.repo.claim_action(tx, action, now, self._outcome(go, action, now)):
            return
        if not go:
            return
        await self.repo.set_status(tx, session.id, STARTED)
        await self.repo.mark_event_dirty(tx, session.guild_id, session.group_id)
        self.service.changed(tx)
        # Durable: the session's reminders hear it even if the bot dies right after the commit;
        # no later than the session's end.
        await self._publish(tx, MEETING_STARTED, session, expires_at=session.ends_at)

    async def _end(self, tx: Transaction, action: Action, c: Context, now: int) -> None:
        session = c.session
        # A session that started ends, even if its series was cancelled meanwhile: listeners
        # that heard meeting_started hear meeting_ended.
        go = (
            (c.active or (session.status == STARTED and c.group is not None))
            and session.status in (SCHEDULED, STARTED)
            and now <= session.ends_at + END_GRACE_SECONDS
        )
        if not await self.repo.claim_action(tx, action, now, self._outcome(go, action, now)):
            return
        if session.status != CANCELLED:
            await self.repo.set_status(tx, session.id, ENDED)
        await self.repo.mark_event_dirty(tx, session.guild_id, session.group_id)
        fresh = await self.repo.series(c.series.id, via=tx)
        assert fresh is not None
        await self.service.materialise(
            tx, fresh, c.group, c.settings, utc(session.scheduled_at + 1), now
        )
        self.service.changed(tx)
        if go:
            # Durable: its feedback poll is asked for even if the bot dies after the commit.
            await self._publish(
                tx, MEETING_ENDED, session, expires_at=session.ends_at + END_GRACE_SECONDS
            )

    async def _publish(
        self, tx: Transaction, name: str, session: Session, *, expires_at: int
    ) -> None:
        """The event, durable (in this transaction) for the features that must hear it, and
        in memory after the commit for observers that need no durability."""
        if self.service.events is not None:
            payload = {
                "guild_id": session.guild_id,
                "group_id": session.group_id,
                "occurrence": session.occurrence,
            }
            await self.service.events.append(tx, name, payload, expires_at=expires_at)
        tx.after_commit(
            lambda: self.service.dispatch(
                name, session.guild_id, session.group_id, session.occurrence
            )
        )
