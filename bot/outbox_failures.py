"""What the outbox dispatcher does with a send that did not go out (issue 19: a send that can
never succeed must not hold back the sends behind it).

- transient: Discord answered 5xx or 429, the connection failed or timed out, or the database was
  busy or its disk failed (on PostgreSQL too: a lock timeout, a deadlock, a lost connection, a
  full disk, the server restarting). Tried again with backoff; the rows behind it for the same
  destination wait for it, so each destination keeps its order.
- refused: Discord refused the message for good (400 invalid form body, 403 missing access, 404
  unknown channel, DMs closed), or the feature said it can never be sent (`PermanentFailure`).
  Failed at once.
- unrenderable: anything else the kind's renderer raised (or discord.py, building the request
  from what it rendered): a bug, or content that can never be drawn (a `$` read as mathematics
  by the chart). The row steps aside at once, so the rows behind it go on, and is tried
  `RENDER_TRIES` times in all within about half a minute, then failed.
- unregistered: no renderer for its kind (its feature is not loaded, or not yet). Tried again
  with backoff, as today, and failed after `MAX_ATTEMPTS_FOR_BUGS` tries.

A failed row's feature hears of it through its kind's `on_failure(message, error)`, and the bot
event `outbox_failed(message, error)` is dispatched. What is logged and kept in `last_error`
names no member and quotes nothing a member typed: for an error that is not Discord's, only its
type (its message may quote the text that could not be drawn).

This module never sends anything.
"""

from __future__ import annotations

import asyncio
import sqlite3
import traceback
from typing import Literal

import aiohttp
import discord

from bot.outbox import OutboxMessage

Verdict = Literal["transient", "refused", "unrenderable", "unregistered", "barred"]

RENDER_TRIES = 3  # an unrenderable row is tried this many times in all, then failed
RENDER_RETRY_SECONDS = (5, 20)  # after its first and second failed try: all within ~25 s

# SQLite result codes (the low byte of `sqlite_errorcode`) that pass: another connection's lock,
# a disk that failed or filled up, a file that could not be opened for a moment.
_TRANSIENT_SQLITE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
}


# PostgreSQL SQLSTATEs that pass: any connection exception (class 08), insufficient resources
# such as a full disk (class 53), a serialization failure or deadlock, a lock not granted in time
# (55P03, `is_busy`), the server shutting down or starting (57P01-57P03).
_TRANSIENT_PG_CLASSES = {"08", "53"}
_TRANSIENT_PG = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}


def _transient_on_postgres(error: BaseException) -> bool:
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state[:2] in _TRANSIENT_PG_CLASSES or state in _TRANSIENT_PG)


class PermanentFailure(Exception):
    """A renderer may raise this when the message can never be sent (its subject is gone)."""


class Barred(PermanentFailure):
    """The row is for a member the bot must not contact (bot/do_not_contact.py): dropped."""


class NoRenderer(LookupError):
    """No renderer is registered for the row's kind (its feature is not loaded)."""


def server_of(message: OutboxMessage) -> int:
    """The server a message belongs to; a message of a server-only kind without one can never
    be sent."""
    if message.guild_id is None:
        raise PermanentFailure(f"{message.kind} messages belong to a server")
    return message.guild_id


def is_transient(error: BaseException) -> bool:
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _TRANSIENT_SQLITE
        return "database is locked" in str(error)
    if _transient_on_postgres(error):
        return True
    return isinstance(error, aiohttp.ClientError | OSError | asyncio.TimeoutError)


def verdict(error: Exception) -> Verdict:
    if isinstance(error, Barred):
        return "barred"
    if is_transient(error):
        return "transient"
    if isinstance(error, PermanentFailure | discord.HTTPException):
        return "refused"
    if isinstance(error, NoRenderer):
        return "unregistered"
    return "unrenderable"


def summary(error: Exception) -> str:
    """What went wrong, to log and keep in `last_error`: Discord's answer or a feature's own
    words in full; of any other error its type only (its message may hold a member's text)."""
    if isinstance(error, discord.HTTPException | PermanentFailure | NoRenderer) or is_transient(
        error
    ):
        return f"{type(error).__name__}: {error}"[:300]
    return f"{type(error).__module__}.{type(error).__name__}"[:300]


def where_raised(error: BaseException) -> str:
    """The traceback's frames (files, lines, code), without the error's message: enough to find
    the bug, nothing a member typed."""
    return "".join(traceback.format_tb(error.__traceback__)).rstrip()
