"""Calls for help that never drop (issue 17).

A detected crisis message or a /support request is written to the database (the case, its
alert and the member's resources in the outbox, in one transaction). When the database cannot
take it (another process holds the write lock, the disk is full), the call is not dropped:

- The member gets their crisis resources at once, by DM, straight from here (not through the
  outbox, which is in the database): when the write has not gone through within
  `PATIENCE_SECONDS`, or as soon as it fails.
- The write is retried, patiently and for as long as it takes (every few seconds), from memory.
  When it goes through, the service asks whether the resources went out already
  (`resources_given`, inside the transaction): then none are queued (no second DM) and the case
  says they were sent by DM; the alert is queued with the case, once, like any other.
- A resources DM that could not be delivered (DMs closed) is left to the outbox: the write
  queues them as usual, and the outbox's fallback (a private thread) takes over; if the write
  had already counted them as given, the case is marked refused so the fallback runs.

What survives a restart while the database is unwritable: only what Discord keeps. The calls
waiting here are in memory (the member's words are not written anywhere else: not to a file
beside the database, which a full disk would refuse too and which would hold their words in the
clear); the member already has their resources, every waiting call is logged (ids only) when
the bot stops, and messages posted in channels are read again by the catch-up at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.clock import epoch
from bot.db import database_errors, urgent_work
from bot.guild_settings import GuildSettings
from bot.i18n import Translate, server_translator
from bot.outbox import new_nonce
from cogs.escalation import render
from cogs.escalation.detection import Detection
from cogs.escalation.helplines import Helplines
from cogs.escalation.models import Case
from cogs.escalation.service import (
    SUPPORT_REQUEST,
    EscalationService,
    Incoming,
    Outcome,
    ResourcesGiven,
    check_support_words,
)

if TYPE_CHECKING:
    from bot.client import Bot

log = logging.getLogger(__name__)

PATIENCE_SECONDS = 1.5  # a call waits this long for the database before resources go directly
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 2.0  # the case is written at most this long after the database is back
SETTINGS_WAIT_SECONDS = 0.5  # the server's region and language, else the last known, else none
LOG_EVERY = 30  # failed tries between two log lines about the same call

Resources = Literal["no", "outbox", "sending", "sent", "refused"]


@dataclass(frozen=True)
class Deferred:
    """The call is safe in memory and its case will be written when the database is back.
    `resources`: whether the member's crisis resources reached them by DM."""

    resources: bool


@dataclass(eq=False)
class Call:
    """One call for help on its way into the database. Never holds the member's words itself
    (the write does, in its closure)."""

    label: str  # for logs: ids only
    guild_id: int  # the server whose resources the member gets
    user_id: int
    asked: bool  # /support: the words for someone who asked for help
    write: Callable[[ResourcesGiven], Awaitable[Any]]
    resources: Resources = "no"
    taken_as_given: bool = False  # the committed write counted the direct DM
    result: Any = None
    written: bool = False
    deferred: bool = False  # the caller was answered before the write went through
    failures: int = 0
    started: float = field(default_factory=time.monotonic)
    resources_done: asyncio.Event = field(default_factory=asyncio.Event)
    nonce: str = field(default_factory=new_nonce)  # of the direct DM, and of its outbox row

    def resources_given(self) -> bool | str:
        """Asked by the service inside the write's transaction, just before it would queue the
        member's resources. A direct DM still on its way is queued too, with its nonce: killed
        mid-send, the outbox sends it after the restart; sent, Discord keeps only one."""
        if self.resources == "sent":
            self.taken_as_given = True
            return True
        if self.resources == "sending":
            return self.nonce
        self.resources = "outbox"  # the direct path stands down; undone if the write fails
        return False


class Intake:
    def __init__(
        self,
        bot: Bot,
        service: EscalationService,
        helplines: Helplines,
        refresh: Callable[[int], None],
    ) -> None:
        self.bot = bot
        self.service = service
        self.helplines = helplines
        self._refresh = refresh  # edit a case's alert (a call that joined an open case)
        self._settings: dict[int, GuildSettings] = {}
        self.waiting: set[Call] = set()

    # ------------------------------------------------------------------ the two entries

    async def report(
        self, incoming: Incoming, detection: Detection, guild_ids: list[int]
    ) -> list[Outcome] | None:
        """`service.report`, or None when the case waits for the database (resources sent)."""
        call = Call(
            label=f"message {incoming.message_id}",
            guild_id=sorted(set(guild_ids))[0],
            user_id=incoming.user_id,
            asked=False,
            write=lambda given: self.service.report(
                incoming, detection, guild_ids, resources_given=given
            ),
        )
        result = await self._take(call)
        return None if isinstance(result, Deferred) else result

    async def request_support(
        self,
        *,
        guild_id: int,
        user_id: int,
        channel_id: int | None,
        parent_channel_id: int | None,
        words: str,
    ) -> Outcome | Deferred:
        """`service.request_support`, or `Deferred` when the case waits for the database."""
        words = check_support_words(words)  # a kind refusal, before anything is kept
        call = Call(
            label=f"/support by {user_id}",
            guild_id=guild_id,
            user_id=user_id,
            asked=True,
            write=lambda given: self.service.request_support(
                guild_id=guild_id,
                user_id=user_id,
                channel_id=channel_id,
                parent_channel_id=parent_channel_id,
                words=words,
                resources_given=given,
            ),
        )
        return await self._take(call)

    async def _take(self, call: Call) -> Any:
        task = self.bot.spawn(self._write(call), name=f"escalation: intake of {call.label}")
        await asyncio.wait({task}, timeout=PATIENCE_SECONDS)
        if call.written:
            return call.result
        call.deferred = True
        await self._resources_now(call)
        return Deferred(resources=call.resources == "sent")

    # ------------------------------------------------------------------ writing, patiently

    async def _write(self, call: Call) -> None:
        try:
            with urgent_work():  # ahead of ordinary work waiting for the database
                await self._write_patiently(call)
        except asyncio.CancelledError:
            if not call.written:  # the bot stops while the database is still unavailable
                log.error(
                    "escalation: stopping before %s in guild %d could be recorded (crisis "
                    "resources %s); it is lost unless it is read again at the next start",
                    call.label,
                    call.guild_id,
                    "were sent" if call.resources == "sent" else "were not sent",
                )
            raise

    async def _write_patiently(self, call: Call) -> None:
        self.waiting.add(call)
        try:
            while True:
                try:
                    result = await call.write(call.resources_given)
                except Exception as error:
                    if call.resources == "outbox":
                        call.resources = "no"  # rolled back: nothing was queued
                    call.taken_as_given = False
                    call.failures += 1
                    self._log_failure(call, error)
                    await self._resources_now(call)
                    await asyncio.sleep(
                        min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (call.failures - 1))
                    )
                    continue
                call.result, call.written = result, True
                break
        finally:
            self.waiting.discard(call)
        if call.failures:
            log.warning(
                "escalation: %s recorded after %d failed tries (%.0f s); crisis resources %s",
                call.label,
                call.failures,
                time.monotonic() - call.started,
                "sent directly" if call.taken_as_given else "queued",
            )
        if call.taken_as_given:
            await call.resources_done.wait()
            if call.resources == "refused":
                await self._refused(call)
        if call.deferred:
            for case_id in _joined(call.result):  # the caller no longer waits to do it
                self._refresh(case_id)

    def _log_failure(self, call: Call, error: Exception) -> None:
        if call.failures == 1:
            log.error(
                "escalation: could not record %s (%s); the member gets their resources "
                "directly and the case is written as soon as the database is back",
                call.label,
                error,
                exc_info=not isinstance(error, (OSError, *database_errors())),
            )
        elif call.failures % LOG_EVERY == 0:
            log.error(
                "escalation: %s still waits for the database (%.0f s, %d tries): %s",
                call.label,
                time.monotonic() - call.started,
                call.failures,
                error,
            )

    async def _refused(self, call: Call) -> None:
        """The direct DM was refused after the write counted it: the outbox's fallback runs."""
        case_id = _opened(call.result)
        if case_id is None:
            return
        while True:
            try:
                await self.service.resources_refused(case_id, to_user=True)
                return
            except Exception:
                log.exception("escalation: case %d: could not record refused resources", case_id)
                await asyncio.sleep(RETRY_MAX_SECONDS)

    def waiting_calls(self) -> list[str]:
        """What still waits for the database (ids only), for the log when the bot stops."""
        return [f"{c.label} (user {c.user_id}, guild {c.guild_id})" for c in self.waiting]

    # ------------------------------------------------------------------ resources, directly

    async def _resources_now(self, call: Call) -> None:
        """Send the member their resources now, unless a write is queueing them or they went."""
        if call.resources != "no":
            if call.resources == "sending":
                await call.resources_done.wait()
            return
        call.resources = "sending"
        try:
            delivered = await self._send_resources(call)
        except Exception:
            log.exception("escalation: %s: could not send crisis resources directly", call.label)
            delivered = False
        call.resources = "sent" if delivered else "refused"
        call.resources_done.set()
        if call.resources == "refused" and call.taken_as_given and call.written:
            await self._refused(call)

    async def _send_resources(self, call: Call) -> bool:
        settings = await self.settings_of(call.guild_id)
        try:
            t = await self.bot.languages.translator(
                call.guild_id, call.user_id, server_language=settings.language
            )
        except Exception as error:  # the member's own choice cannot be read: the server's
            log.warning(
                "escalation: %s: the member's language could not be read: %r", call.label, error
            )
            t = server_translator(settings.language)
        resources = self.helplines.for_region(settings.effective_region, t.language)
        guild = self.bot.get_guild(call.guild_id)
        member = guild.get_member(call.user_id) if guild is not None else None
        content = render.resources_content(
            _provisional_case(call, settings, epoch(self.bot.clock())),
            resources,
            t,
            server=guild.name if guild else t("your support server"),
            name=member.display_name if member is not None else None,
        )
        try:
            channel = await self.bot.create_dm(discord.Object(call.user_id))
            await channel.send(
                content=content,
                embed=render.resources_embed(resources, t),
                allowed_mentions=discord.AllowedMentions.none(),
                nonce=call.nonce,
            )
        except discord.HTTPException as error:
            log.warning(
                "escalation: %s: crisis resources refused by Discord: %s", call.label, error
            )
            return False
        log.info("escalation: %s: crisis resources sent directly", call.label)
        log.debug("escalation: %s: to user %d", call.label, call.user_id)
        return True

    async def settings_of(
        self, guild_id: int, patience: float | None = SETTINGS_WAIT_SECONDS
    ) -> GuildSettings:
        """The server's settings; the last ones read when the database cannot answer (within
        `patience` seconds, None: however long it takes to fail), else the defaults: a call for
        help is never stopped by a read."""
        try:
            async with asyncio.timeout(patience):
                found = await self.bot.guild_settings.get(guild_id)
        except Exception as error:
            log.warning(
                "escalation: the settings of guild %d could not be read: %r", guild_id, error
            )
            return self._settings.get(guild_id) or GuildSettings(guild_id=guild_id)
        self._settings[guild_id] = found
        return found


def deferred_reply(outcome: Deferred, t: Translate) -> str:
    """What a member who used /support reads while their request waits for the database: the
    truth (help is being sought), and where their resources are."""
    if outcome.resources:
        return t(
            "Thank you for reaching out. I'm passing your request to the moderators privately; "
            "one of them will contact you as soon as they can. I've sent you a direct message "
            "with people you can talk to at any hour. If you are in immediate danger, please "
            "call your local emergency number now."
        )
    return t(
        "Thank you for reaching out. I'm passing your request to the moderators privately; one "
        "of them will contact you as soon as they can. I couldn't send you a direct message: "
        "if you are in immediate danger, please call your local emergency number now."
    )


def _provisional_case(call: Call, settings: GuildSettings, now: int) -> Case:
    """What the resources message needs of a case not written yet (no "contact me" button:
    there is no case for it to name; the moderators are being told anyway)."""
    return Case(
        id=0,
        guild_id=settings.guild_id,
        user_id=call.user_id,
        source="support" if call.asked else "message",
        channel_id=None,
        parent_channel_id=None,
        category=SUPPORT_REQUEST if call.asked else "distress",
        severity=0,
        status="open",
        created_at=now,
        claimed_at=None,
        claimed_by=None,
        closed_at=None,
        closed_by=None,
        note=None,
        page_level=0,
        next_page_at=None,
        contact_requested_at=now,
        alert_channel_id=None,
        alert_outbox_id=None,
        alert_message_id=None,
        resources_outbox_id=None,
        resources_via="dm",
        fallback_thread_id=None,
        text_purged_at=None,
        alert_redacted=False,
    )


def _outcomes(result: Any) -> list[Outcome]:
    if isinstance(result, Outcome):
        return [result]
    return list(result) if isinstance(result, list) else []


def _opened(result: Any) -> int | None:
    return next((o.case_id for o in _outcomes(result) if o.what == "opened"), None)


def _joined(result: Any) -> list[int]:
    return [o.case_id for o in _outcomes(result) if o.what in ("joined", "updated")]
