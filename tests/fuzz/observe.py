"""What the fuzz watches while a person uses the bot: the error handler's verdicts, the log,
the database, the requests the bot made to Discord, and the answer the person saw.

`Observer.attach(bot)` wraps `bot.tree._describe` (the one place that words an error for the
person: it returns None for a bug, and the handler then apologises) so each verdict is seen
without changing what it says, and collects ERROR log records.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import bot.tree
from tests import postgres
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult

# Tables left out of the "nothing written on a refusal" digest: none of them says what the
# person asked for. The outbox is kept in (a refusal must send nothing later either).
BOOKKEEPING_TABLES: frozenset[str] = frozenset(
    {
        # escalation's record of where and when members were last seen (message counts per
        # channel, for the distress detection's context); written on activity, not on commands
        "escalation_seen_channels",
        "escalation_seen_guilds",
        "escalation_member_activity",
    }
)

GENERIC_APOLOGY = "something went wrong on my side"
# Signs of a program's words reaching a person (a member's own text may be quoted back, so
# nothing a member could have typed is on this list).
UNKIND = re.compile(r"Traceback \(most recent|<class '|object at 0x|sqlite3\.|File \"/")


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Observer:
    """The verdicts of the bot's error handler, in order: (error, words or None)."""

    verdicts: list[tuple[BaseException, str | None]] = field(default_factory=list)
    log: ErrorLog = field(default_factory=ErrorLog)

    def attach(self, monkeypatch: pytest.MonkeyPatch) -> None:
        describe: Callable[..., str | None] = bot.tree._describe

        def watched(error: BaseException, t: Any) -> str | None:
            text = describe(error, t)
            self.verdicts.append((error, text))
            return text

        monkeypatch.setattr(bot.tree, "_describe", watched)
        logging.getLogger().addHandler(self.log)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self.log)

    def mark(self) -> tuple[int, int]:
        return len(self.verdicts), len(self.log.records)


async def digest(database: Path) -> dict[str, str]:
    """A digest of every table but the bookkeeping ones, by table, read from outside the bot:
    its SQLite file opened read-only, or (TEST_DATABASE=postgresql) a connection of our own
    to the PostgreSQL database the test gave that path (tests/postgres.py)."""
    url = postgres.database_url(database)
    if url is not None:
        return await _digest_postgresql(url)
    out: dict[str, str] = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in sorted(set(tables) - BOOKKEEPING_TABLES):
            rows = sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{table}"'))
            out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


async def _digest_postgresql(url: str) -> dict[str, str]:
    import asyncpg

    out: dict[str, str] = {}
    conn = await asyncpg.connect(url)
    try:
        tables = [
            row[0]
            for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        for table in sorted(set(tables) - BOOKKEEPING_TABLES):
            rows = sorted(repr(tuple(r)) for r in await conn.fetch(f'SELECT * FROM "{table}"'))
            out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    finally:
        await conn.close()
    return out


def public_requests(fake: FakeDiscord, since: int) -> list[str]:
    """Requests that change something in Discord other than the answer to an interaction."""
    return [
        f"{r.method} {r.path}"
        for r in fake.requests[since:]
        if r.method != "GET" and not r.path.startswith(("/interactions/", "/webhooks/"))
    ]


@dataclass
class Before:
    tables: dict[str, str]
    requests: int
    verdicts: int
    logs: int


async def before(fake: FakeDiscord, database: Path, observer: Observer) -> Before:
    verdicts, logs = observer.mark()
    return Before(await digest(database), len(fake.requests), verdicts, logs)


async def problems(
    fake: FakeDiscord,
    database: Path,
    observer: Observer,
    start: Before,
    result: InteractionResult,
) -> list[str]:
    """What is wrong with how the bot handled one interaction (empty: nothing)."""
    found: list[str] = []
    verdicts = observer.verdicts[start.verdicts :]
    for record in observer.log.records[start.logs :]:
        # An error logged with its traceback is a crash somewhere (an autocomplete, a
        # background task); without one it is the bot's own alarm (an alert that could not
        # reach its channel and went by DM instead), said on purpose.
        if record.exc_info is None:
            continue
        found.append(f"logged an error: {record.getMessage()[:300]}")
    for error, text in verdicts:
        if text is None:
            found.append(f"unhandled {type(error).__name__}: {error!s:.300}")
    if result.error_status is not None:
        found.append(f"never answered (Discord error {result.error_status})")
    elif not result.acknowledged:
        found.append("never answered")
    if any(GENERIC_APOLOGY in m.text for m in result.messages):
        found.append(f"the generic apology: {result.text[:200]!r}")
    refused = [text for _, text in verdicts if text is not None]
    if refused and not found:
        if not result.messages or not all(m.ephemeral for m in result.messages):
            found.append(f"a refusal that is not ephemeral: {result!r}")
        for text in refused:
            if not text.strip():
                found.append("an empty refusal")
            elif UNKIND.search(text) or len(text) > 2000:
                found.append(f"an unkind refusal: {text[:300]!r}")
        changed = await digest(database)
        written = sorted(t for t in changed if changed[t] != start.tables.get(t))
        if written:
            found.append(f"a refusal ({refused[0][:120]!r}) wrote to {written}")
        posted = public_requests(fake, start.requests)
        if posted:
            found.append(f"a refusal ({refused[0][:120]!r}) changed Discord: {posted}")
    return found


def form_name(bot: Any, custom_id: str) -> str:
    """Which form a modal the bot opened is: a kit form by its prefix (`bot.modals`), another by
    its class, looked up where discord.py holds it until it is answered (a test may read that)."""
    for kind in bot.modals.kinds():
        if kind.parse(custom_id) is not None:
            return kind.prefix
    held = bot._connection._view_store._modals.get(custom_id)
    return type(held).__name__ if held is not None else f"unknown form {custom_id}"
