"""Sends outbox rows to Discord: one worker per destination (so each channel gets its messages in
order), many destinations at once, retries with backoff after 5xx, 429 and connection errors.

A send that can never succeed holds back nothing (bot/outbox_failures.py). A permanent refusal
(400, 403, 404, DMs closed) marks the row failed at once; a row its renderer cannot render steps
aside (the rows behind it go on) and is failed after `RENDER_TRIES` tries within ~30 s. A
failed row dispatches `outbox_failed(message, error)` and calls its kind's `on_failure` (crisis
resources whose DM was refused fall back to a private thread).

A feature hears what was delivered through the `on_sent(message, message_id)` handler it
registers by kind with the renderer, after the row is marked sent (a DM's channel id: in
`outbox.repository.delivery(message.id)`); at least once per send, also after a restart (the
row records `told_at`; handlers are idempotent); its errors are logged, the send stands. A
command waiting for one send's outcome awaits `dispatcher.outcome(row_id, within)`.

Urgent rows (`priority=URGENT`: crisis alerts, resources) are claimed first, go ahead of
ordinary rows for the same destination and never wait for a turn; ordinary rows are claimed as
far as the send budget (bot/send_budget.py) lets them go out. An urgent row resent past the
nonce window is first looked for in its destination (bot/outbox_lookup.py). A row for a member
on the do-not-contact list (bot/do_not_contact.py) is dropped unsent, and nobody is told.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

import discord

from bot.clock import Clock, epoch
from bot.db import urgent_work
from bot.outbox import (
    MAX_ATTEMPTS_FOR_BUGS,
    NORMAL,
    Delivery,
    Outbox,
    OutboxMessage,
    backoff_seconds,
)
from bot.outbox_failures import (
    RENDER_RETRY_SECONDS,
    RENDER_TRIES,
    Barred,
    NoRenderer,
    PermanentFailure,
    Verdict,
    is_transient,
    server_of,
    summary,
    verdict,
    where_raised,
)
from bot.outbox_lookup import earlier_send, needs_lookup, snowflake_before_now
from bot.send_budget import SendBudget

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 30.0
CLAIM_BATCH = 50


@dataclass
class Rendered:
    """What a renderer returns for one outbox row."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)
    files: list[discord.File] = field(default_factory=list)  # rendered afresh for each attempt


Renderer = Callable[[OutboxMessage], Awaitable[Rendered]]
FailureHandler = Callable[[OutboxMessage, Exception], Awaitable[None]]
SentHandler = Callable[[OutboxMessage, int], Awaitable[None]]  # (message, Discord message id)
BarredCheck = Callable[[int | None, int], Awaitable[bool]]  # (guild id, user id): do not contact


__all__ = [  # PermanentFailure, server_of and is_transient are the features' to use from here
    "FailureHandler",
    "OutboxDispatcher",
    "PermanentFailure",
    "Rendered",
    "Renderer",
    "SentHandler",
    "is_transient",
    "server_of",
]


class OutboxDispatcher:
    def __init__(self, client: discord.Client, outbox: Outbox, clock: Clock) -> None:
        self._client = client
        self._outbox = outbox
        self._repo = outbox.repository
        self.budget = SendBudget()
        self._clock = clock
        self._renderers: dict[str, Renderer] = {}
        self._failure_handlers: dict[str, FailureHandler] = {}
        self._sent_handlers: dict[str, SentHandler] = {}
        self._outcomes: dict[int, list[asyncio.Future[str]]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._workers: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._queues: dict[tuple[str, int], list[OutboxMessage]] = {}
        self._in_flight: dict[int, bool] = {}  # claimed and not settled: row id -> urgent
        self._idle = asyncio.Event()
        self._idle.set()
        self.barred: BarredCheck | None = None  # bot/do_not_contact.py, asked before any DM
        outbox.on_enqueued(self.wake)

    def register(
        self,
        kind: str,
        renderer: Renderer,
        on_failure: FailureHandler | None = None,
        on_sent: SentHandler | None = None,
        priority: int = NORMAL,
    ) -> None:
        """How rows of `kind` are rendered, who hears that one failed for good or was sent, and
        the priority of its rows. Registering a kind again replaces all of them."""
        self._renderers[kind] = renderer
        self._outbox.set_priority(kind, priority)
        self._failure_handlers.pop(kind, None)
        self._sent_handlers.pop(kind, None)
        if on_failure is not None:
            self._failure_handlers[kind] = on_failure
        if on_sent is not None:
            self._sent_handlers[kind] = on_sent

    def unregister(self, kind: str) -> None:
        """Forget `kind` (its feature unloaded). Its rows wait in the outbox, retried with
        backoff, until a renderer comes back or they give up after MAX_ATTEMPTS_FOR_BUGS."""
        self._renderers.pop(kind, None)
        self._failure_handlers.pop(kind, None)
        self._sent_handlers.pop(kind, None)
        self._outbox.set_priority(kind, None)

    def kinds(self) -> list[str]:
        return list(self._renderers)

    async def outcome(self, row_id: int, within: float) -> str:
        """'sent' or 'failed' as soon as row `row_id` is settled, else 'pending' after
        `within` seconds. For a reply that says whether a private message got through."""
        delivery = await self._repo.delivery(row_id)
        if delivery is None or delivery.status != "pending":
            return "missing" if delivery is None else delivery.status
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._outcomes.setdefault(row_id, []).append(future)
        try:
            # Settled between the read above and now: the future was not there to hear it.
            delivery = await self._repo.delivery(row_id)
            if delivery is not None and delivery.status != "pending":
                return delivery.status
            async with asyncio.timeout(within):
                return await future
        except TimeoutError:
            return "pending"
        finally:
            if future in (waiting := self._outcomes.get(row_id, [])):
                waiting.remove(future)
            if not waiting:
                self._outcomes.pop(row_id, None)

    async def delivery(self, row_id: int) -> Delivery | None:
        """Where row `row_id` went (its status, and once sent its channel and message ids)."""
        return await self._repo.delivery(row_id)

    def _settled(self, row_id: int, status: str) -> None:
        for future in self._outcomes.pop(row_id, []):
            if not future.done():
                future.set_result(status)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is not None:
            return
        await self._repo.prioritise({k: self._outbox.priority_of(k) for k in self._renderers})
        released = await self._repo.release_own_leases()
        if released:
            log.info("outbox: %d sends were in flight when the bot stopped; resending", released)
        untold = await self._repo.untold(sorted(self._sent_handlers))
        if untold:
            log.info("outbox: telling %d sends a restart cut short to their features", len(untold))
        for row, message_id in untold:
            await self._tell_sent(row, message_id)
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        tasks = [t for t in (task, *self._workers.values()) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers.clear()

    async def drain(self, within: float = 10.0) -> None:
        """Wait until nothing is due or in flight (the tests use it to settle the outbox)."""
        async with asyncio.timeout(within):
            while True:
                self.wake()
                await asyncio.sleep(0)
                await self._idle.wait()
                now = epoch(self._clock())
                due = await self._repo.next_due_at(now)
                if (due is None or due > now) and not self._workers and self._idle.is_set():
                    return
                await asyncio.sleep(0.02)

    async def _run(self) -> None:
        with urgent_work():  # claiming is what an urgent row waits for first
            await self._loop()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._claim_and_spawn()
                delay = await self._seconds_until_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox dispatcher loop failed; retrying shortly")
                delay = 5.0
            try:
                # Not wait_for: on Python 3.11 it swallows a cancel that arrives as the wake-up
                # does (a worker's last wake() during stop()), and stop() then waits forever.
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _seconds_until_due(self) -> float:
        # With no room for ordinary rows, only urgent ones are worth a wake-up (a worker wakes
        # the loop when it settles a row).
        now = epoch(self._clock())
        due = await self._repo.next_due_at(now, urgent_only=self._ordinary_room() <= 0)
        poll = self._repo.shards.poll(IDLE_POLL_SECONDS)  # sooner with other processes
        return poll if due is None else min(max(due - now, 0.05), poll)

    def _ordinary_room(self) -> int:
        held = sum(1 for urgent in self._in_flight.values() if not urgent)
        return self.budget.held - held

    async def _claim_and_spawn(self) -> None:
        self._idle.clear()  # claimed rows are leased, not due, before they have a worker
        try:
            rows = await self._repo.claim_due(
                epoch(self._clock()),
                max(self._ordinary_room(), 0),
                urgent_limit=CLAIM_BATCH,
                tried_after=snowflake_before_now(),
            )
        finally:
            if not self._workers:
                self._idle.set()
        for row in rows:
            if row.id in self._in_flight:
                continue
            self._in_flight[row.id] = row.urgent
            key = row.destination
            queue = self._queues.setdefault(key, [])
            # Urgent rows go ahead of the ordinary ones waiting here; order is kept otherwise.
            at = len(queue)
            while row.urgent and at > 0 and not queue[at - 1].urgent:
                at -= 1
            queue.insert(at, row)
            if key not in self._workers:
                self._idle.clear()
                self._workers[key] = asyncio.create_task(
                    self._work(key),
                    name=f"outbox-{key[0]}-{key[1]}",
                    context=contextvars.Context(),  # not urgent unless its row is
                )

    async def _work(self, key: tuple[str, int]) -> None:
        queue = self._queues[key]
        # Urgent rows are not held up by the bookkeeping of the one before them (marking it
        # sent, its feature's on_sent): that runs beside the next send. Ordinary rows wait for
        # it, so what they render sees what the earlier sends recorded.
        settling: list[asyncio.Task[None]] = []
        try:
            while True:
                if not queue or not queue[0].urgent:
                    await self._finish(settling)
                if not queue:
                    break
                if queue[0].urgent:
                    with urgent_work():  # its database work goes first too
                        delivered = await self._deliver(queue.pop(0), settling)
                else:
                    async with self.budget.turn():
                        if queue[0].urgent:
                            continue  # one came while this waited for its turn: it goes first
                        delivered = await self._deliver(queue.pop(0))
                if not delivered:
                    # Keep order: everything behind a row that waits for a retry waits with it.
                    # (claim_due holds them back until the earlier row is due again).
                    rest = [r.id for r in queue]
                    queue.clear()
                    if rest:
                        await self._repo.release(rest)
                        for row_id in rest:
                            self._in_flight.pop(row_id, None)
        finally:
            for task in settling:
                task.cancel()
            self._queues.pop(key, None)
            self._workers.pop(key, None)
            if not self._workers:
                self._idle.set()
            self.wake()

    @staticmethod
    async def _finish(settling: list[asyncio.Task[None]]) -> None:
        while settling:
            task = settling.pop(0)
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
            except Exception:
                log.exception("outbox: recording a send failed")

    async def _deliver(
        self, row: OutboxMessage, settling: list[asyncio.Task[None]] | None = None
    ) -> bool:
        """Send one row. True when the rows behind it may go on (it was sent, failed for good,
        or set aside); with `settling`, once it is sent, its recording is left to a task added
        there."""
        try:
            if row.destination_type == "user" and await self._barred(row):
                raise Barred("do not contact: dropped unsent")
            renderer = self._renderers.get(row.kind)
            if renderer is None:
                raise NoRenderer(f"no renderer registered for outbox kind {row.kind!r}")
            rendered = await renderer(row)
            destination = await self._destination(row)
            if needs_lookup(row, epoch(self._clock())) and await self._found(
                row, destination, rendered
            ):
                return True
            sent = await destination.send(
                content=rendered.content,
                embeds=rendered.embeds,
                view=rendered.view or discord.utils.MISSING,
                files=rendered.files or discord.utils.MISSING,
                allowed_mentions=rendered.allowed_mentions,
                nonce=row.nonce,
            )
        except asyncio.CancelledError:
            self._in_flight.pop(row.id, None)
            raise
        except Exception as error:
            return await self._handle_error(row, error)
        log.debug("outbox %d (%s) sent as message %d", row.id, row.kind, sent.id)
        if settling is None:
            await self._sent(row, sent.channel.id, sent.id)
        else:
            settling.append(asyncio.create_task(self._sent(row, sent.channel.id, sent.id)))
        return True

    async def _sent(self, row: OutboxMessage, channel_id: int, message_id: int) -> None:
        try:
            await self._repo.mark_sent(row.id, channel_id, message_id, epoch(self._clock()))
        except BaseException:
            # Still leased: sent again (same nonce) when the lease ends, or at the next start.
            self._in_flight.pop(row.id, None)
            raise
        self._in_flight.pop(row.id, None)
        self.wake()  # room for another ordinary row
        self._settled(row.id, "sent")
        await self._tell_sent(row, message_id)

    async def _found(
        self, row: OutboxMessage, destination: discord.abc.Messageable, rendered: Rendered
    ) -> bool:
        """Past the nonce window after an attempt whose outcome is unknown: True when that
        attempt's message is already in the destination (the row is then marked sent)."""
        me = self._client.user
        found = await earlier_send(
            me, destination, row, rendered.content, rendered.embeds, rendered.view
        )
        if found is not None:
            await self._sent(row, found.channel.id, found.id)
        return found is not None

    async def _tell_sent(self, row: OutboxMessage, message_id: int) -> None:
        if (handler := self._sent_handlers.get(row.kind)) is None:
            return
        try:
            await handler(row, message_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox on_sent handler for %s (row %d) failed", row.kind, row.id)
        try:
            await self._repo.mark_told(row.id, epoch(self._clock()))
        except asyncio.CancelledError:
            raise
        except Exception:  # the send stands; its handler runs again at the next start
            log.exception("outbox: could not record that row %d was told", row.id)

    async def _barred(self, row: OutboxMessage) -> bool:  # bot/do_not_contact.py; a crisis
        barred, to = self.barred, row.destination_id  # reply (urgent) answers someone now
        return not row.urgent and barred is not None and await barred(row.guild_id, to)

    async def _destination(self, row: OutboxMessage) -> discord.abc.Messageable:
        if row.destination_type == "user":
            user = self._client.get_user(row.destination_id)
            if user is not None and user.dm_channel is not None:
                return user.dm_channel
            return await self._client.create_dm(discord.Object(row.destination_id))
        return self._client.get_partial_messageable(row.destination_id, guild_id=row.guild_id)

    async def _handle_error(self, row: OutboxMessage, error: Exception) -> bool:
        """Fail the row, set it aside or plan its retry; True when the rows behind it go on."""
        now = epoch(self._clock())
        found = verdict(error)
        what = summary(error)
        if found in ("refused", "barred") or (
            found == "unregistered" and row.attempts >= MAX_ATTEMPTS_FOR_BUGS
        ):
            await self._fail(row, error, found)
            return True
        if found == "unrenderable":
            tries = row.failed_renders + 1
            if tries >= RENDER_TRIES:
                await self._fail(row, error, found)
                return True
            delay = RENDER_RETRY_SECONDS[min(tries, len(RENDER_RETRY_SECONDS)) - 1]
            log.error(
                "outbox %d (%s, guild %s) could not be rendered (%s, try %d of %d); set aside, "
                "the sends behind it go on; trying again in %ds. Raised at:\n%s",
                row.id,
                row.kind,
                row.guild_id,
                what,
                tries,
                RENDER_TRIES,
                delay,
                where_raised(error),
            )
            await self._repo.set_aside(row.id, tries, now + delay, what)
            self._in_flight.pop(row.id, None)
            return True
        delay = backoff_seconds(row.attempts)
        if found == "transient":
            log.warning("outbox %d (%s): %s; retry in %ds", row.id, row.kind, what, delay)
        else:
            log.error("outbox %d (%s): %s; retry in %ds", row.id, row.kind, what, delay)
        await self._repo.mark_retry(row.id, now + delay, what)
        self._in_flight.pop(row.id, None)
        # Order is kept behind a row that may still go out in its turn; one set aside holds
        # back nothing.
        return row.set_aside

    async def _fail(self, row: OutboxMessage, error: Exception, found: Verdict) -> None:
        """Mark the row failed for good, then tell its feature and the bot (`outbox_failed`)."""
        what = summary(error)
        (log.info if found == "barred" else log.error)(
            "outbox %d (%s, guild %s, %s %s) failed for good after %d tries (%s): %s%s",
            row.id,
            row.kind,
            row.guild_id,
            row.destination_type,
            row.destination_id if row.destination_type == "channel" else "(a member)",
            row.attempts,
            found,
            what,
            f". Raised at:\n{where_raised(error)}" if found == "unrenderable" else "",
        )
        log.debug("outbox %d was for %s %s", row.id, row.destination_type, row.destination_id)
        await self._repo.mark_failed(row.id, what, epoch(self._clock()))
        self._in_flight.pop(row.id, None)
        self._settled(row.id, "failed")
        # Its feature sees the row as it was written (not the priority it was set aside with).
        row = replace(row, priority=self._outbox.priority_of(row.kind))
        handler = None if found == "barred" else self._failure_handlers.get(row.kind)
        if handler is not None:
            try:
                await handler(row, error)
            except asyncio.CancelledError:
                raise
            except Exception as failed:
                log.error(
                    "outbox failure handler for %s (row %d) failed: %s. Raised at:\n%s",
                    row.kind,
                    row.id,
                    summary(failed),
                    where_raised(failed),
                )
        self._client.dispatch("outbox_failed", row, error)
