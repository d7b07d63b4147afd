"""The mod log: one append-only record of every moderation action, with a case number per server.

A feature declares the action kinds it records (`mod_log_actions` on its Feature, or
`bot.modlog.declare(kind, ActionText(...))`); the renderer reads their words with
`bot.modlog.action_text(kind)`. Core declares only SETTING.

Any feature records an action with `await bot.modlog.record_in(tx, ...)` inside its own
transaction (or `record(...)`, which opens one): the row and, when the server has a mod-log
channel, the outbox message announcing it are written together, so an action is never logged
without its announcement nor announced without its row. The message is rendered from the row when
it is sent (the renderer is registered by the moderation feature), in one format for every
action. Rows are never deleted, and updated only to take out the member an entry is about
(their erasure, after the retention period): the migrations' triggers refuse anything else.

Reasons are short texts written by moderators and leaders. A member's message text never goes
in here: report snapshots live with the reports and are deleted after the retention period.

This module holds the rules and the SQL; it never imports discord.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.clock import Clock, epoch
from bot.db import Database, Row, Transaction
from bot.i18n import N_
from bot.outbox import Outbox

log = logging.getLogger(__name__)

ENTRY = "core:modlog"  # outbox kind: payload {"entry": mod_log row id}

REASON_MAX = 500
DETAIL_MAX = 200


@dataclass(frozen=True)
class ActionText:
    """How an action kind reads in the mod log: its title, the sentence that says what happened
    (fields: {actor}, {target}, {group} and any detail of the entry) and, optionally, the
    colour of its embed (0xRRGGBB; None: the renderer's default)."""

    title: str
    sentence: str
    colour: int | None = None


# Action kinds are declared by the feature that records them (`bot.modlog.declare(kind, text)`,
# done for you by a Feature's `mod_log_actions`). Core records only SETTING (guild settings).
SETTING = "setting"
CORE_ACTIONS: dict[str, ActionText] = {
    SETTING: ActionText(N_("Setting changed"), N_("{actor} changed the setting {setting}.")),
}


class ActionKinds:
    """The registry of mod-log action kinds: kind -> ActionText, declared by their owners."""

    def __init__(self) -> None:
        self._declared: dict[str, ActionText] = {}

    def declare(self, kind: str, text: ActionText) -> None:
        """A feature owns `kind`. Declaring it again with the same text is harmless; a different
        text means two owners, which is a bug."""
        known = self._declared.get(kind)
        if known is not None and known != text:
            raise ValueError(f"mod-log action {kind!r} is already declared differently")
        self._declared[kind] = text

    def undeclare(self, kind: str) -> None:
        self._declared.pop(kind, None)

    def get(self, kind: str) -> ActionText | None:
        return self._declared.get(kind)

    def declared(self) -> dict[str, ActionText]:
        return dict(self._declared)


@dataclass(frozen=True)
class ModLogEntry:
    id: int
    guild_id: int
    case_number: int
    action: str
    actor_id: int
    target_id: int | None
    group_id: int | None
    reason: str | None
    created_at: int
    details: dict[str, str | int] = field(default_factory=dict)


_COLUMNS = (
    "id, guild_id, case_number, action, actor_id, target_id, group_id, reason, details, created_at"
)


def _entry(row: Row) -> ModLogEntry:
    return ModLogEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        case_number=row["case_number"],
        action=row["action"],
        actor_id=row["actor_id"],
        target_id=row["target_id"],
        group_id=row["group_id"],
        reason=row["reason"],
        created_at=row["created_at"],
        details=json.loads(row["details"]),
    )


def _clean_details(details: Mapping[str, str | int] | None) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for key, value in (details or {}).items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"mod-log detail {key!r} must be a str or an int")
        out[key] = value[:DETAIL_MAX] if isinstance(value, str) else value
    return out


class ModLogRepository:
    """All of the mod log's SQL. INSERT and SELECT, and one UPDATE that only takes a member out
    of an entry (members' erasure): the log is append-only in what it says."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def next_case(self, tx: Transaction, guild_id: int) -> int:
        row = await tx.fetchone(
            "INSERT INTO mod_log_counters (guild_id, last_case) VALUES (:guild_id, 1) "
            "ON CONFLICT (guild_id) DO UPDATE SET last_case = mod_log_counters.last_case + 1 "
            "RETURNING last_case",
            {"guild_id": guild_id},
        )
        assert row is not None
        return int(row[0])

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        case_number: int,
        action: str,
        actor_id: int,
        target_id: int | None,
        group_id: int | None,
        reason: str | None,
        details: dict[str, str | int],
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO mod_log (guild_id, case_number, action, actor_id, target_id, group_id, "
            "reason, details, created_at) VALUES (:guild_id, :case_number, :action, :actor_id, "
            ":target_id, :group_id, :reason, :details, :now)",
            {
                "guild_id": guild_id,
                "case_number": case_number,
                "action": action,
                "actor_id": actor_id,
                "target_id": target_id,
                "group_id": group_id,
                "reason": reason,
                "details": json.dumps(details, separators=(",", ":")),
                "now": now,
            },
        )

    async def mod_log_channel(self, tx: Transaction, guild_id: int) -> int | None:
        """Read in the caller's transaction, so a change of the channel is seen at once."""
        row = await tx.fetchone(
            "SELECT mod_log_channel_id FROM guild_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return None if row is None else row["mod_log_channel_id"]

    async def by_id(self, entry_id: int) -> ModLogEntry | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM mod_log WHERE id = :id", {"id": entry_id}
        )
        return None if row is None else _entry(row)

    async def by_case(self, guild_id: int, case_number: int) -> ModLogEntry | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM mod_log WHERE guild_id = :guild_id "
            f"AND case_number = :case_number",
            {"guild_id": guild_id, "case_number": case_number},
        )
        return None if row is None else _entry(row)

    async def for_target(self, guild_id: int, target_id: int, limit: int) -> list[ModLogEntry]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM mod_log WHERE guild_id = :guild_id "
            f"AND target_id = :target_id ORDER BY case_number DESC LIMIT :limit",
            {"guild_id": guild_id, "target_id": target_id, "limit": limit},
        )
        return [_entry(r) for r in rows]

    # ------------------------------------------------------------------ members' erasure

    async def mark_to_forget(self, guild_id: int, target_id: int, after: int) -> int:
        """Entries about a member who asked to be erased lose them `after` seconds after they
        were written (at once for the older ones, when the next forgetting runs)."""
        async with self.db.transaction() as tx:
            count = await tx.execute(
                "UPDATE mod_log SET forget_at = created_at + :after "
                "WHERE guild_id = :guild_id AND target_id = :target_id AND forgotten_at IS NULL",
                {"guild_id": guild_id, "target_id": target_id, "after": after},
            )
        return count

    async def forget_due(self, now: int) -> int:
        """The only UPDATE of the mod log (the trigger allows nothing else): an entry whose time
        has come keeps its case number, action, actor, group and time, and loses the member,
        the reason and the details written about them."""
        async with self.db.transaction() as tx:
            count = await tx.execute(
                "UPDATE mod_log SET target_id = NULL, reason = NULL, details = '{}', "
                "forgotten_at = :now WHERE forget_at <= :now AND forgotten_at IS NULL",
                {"now": now},
            )
        return count

    async def waiting_to_forget(self, guild_id: int, target_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT forget_at FROM mod_log WHERE guild_id = :guild_id "
            "AND target_id = :target_id AND forgotten_at IS NULL AND forget_at IS NOT NULL "
            "ORDER BY forget_at",
            {"guild_id": guild_id, "target_id": target_id},
        )
        return [r["forget_at"] for r in rows]


class ModLog:
    """`bot.modlog`: what every feature uses to record a moderation action."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db = db
        self.repository = ModLogRepository(db)
        self._clock = clock
        self._outbox = outbox
        self.actions = ActionKinds()
        for kind, text in CORE_ACTIONS.items():
            self.actions.declare(kind, text)

    def declare(self, kind: str, text: ActionText) -> None:
        """Make `kind` recordable, with the words that render it (see ActionKinds.declare)."""
        self.actions.declare(kind, text)

    def undeclare(self, kind: str) -> None:
        self.actions.undeclare(kind)

    def action_text(self, kind: str) -> ActionText | None:
        """How `kind` reads in the mod log; None for a kind nobody declared."""
        return self.actions.get(kind)

    async def record_in(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        action: str,
        actor_id: int,
        target_id: int | None = None,
        group_id: int | None = None,
        reason: str | None = None,
        details: Mapping[str, str | int] | None = None,
        announce: bool = True,
    ) -> int:
        """Append the action and return its case number. The mod-log channel (if the server
        has one) gets the message through the outbox, in this same transaction. `announce=False`
        for an action whose own post already shows its case number (a report)."""
        if self.action_text(action) is None:
            raise ValueError(f"unknown mod-log action {action!r}")
        reason = (reason or "").strip()[:REASON_MAX] or None
        case_number = await self.repository.next_case(tx, guild_id)
        entry_id = await self.repository.insert(
            tx,
            guild_id=guild_id,
            case_number=case_number,
            action=action,
            actor_id=actor_id,
            target_id=target_id,
            group_id=group_id,
            reason=reason,
            details=_clean_details(details),
            now=epoch(self._clock()),
        )
        channel_id = await self.repository.mod_log_channel(tx, guild_id)
        if announce and channel_id is not None:
            await self._outbox.enqueue(
                tx,
                kind=ENTRY,
                guild_id=guild_id,
                channel_id=channel_id,
                payload={"entry": entry_id},
            )
        log.info("mod log: guild %d case %d %s", guild_id, case_number, action)
        log.debug("mod log: case %d by %s on %s", case_number, actor_id, target_id)
        return case_number

    async def record(
        self,
        *,
        guild_id: int,
        action: str,
        actor_id: int,
        target_id: int | None = None,
        group_id: int | None = None,
        reason: str | None = None,
        details: Mapping[str, str | int] | None = None,
    ) -> int:
        """`record_in` in a transaction of its own."""
        async with self.db.transaction() as tx:
            return await self.record_in(
                tx,
                guild_id=guild_id,
                action=action,
                actor_id=actor_id,
                target_id=target_id,
                group_id=group_id,
                reason=reason,
                details=details,
            )

    async def entry(self, entry_id: int) -> ModLogEntry | None:
        return await self.repository.by_id(entry_id)

    async def case(self, guild_id: int, case_number: int) -> ModLogEntry | None:
        return await self.repository.by_case(guild_id, case_number)

    async def history(self, guild_id: int, target_id: int, limit: int = 25) -> list[ModLogEntry]:
        """A member's cases, newest first (for /warnings)."""
        return await self.repository.for_target(guild_id, target_id, limit)

    async def forget_member(self, guild_id: int, target_id: int, after_seconds: int) -> list[int]:
        """A member asked to be erased: each entry about them loses them `after_seconds` after
        it was written (the older ones at once). Returns when the ones still kept go."""
        await self.repository.mark_to_forget(guild_id, target_id, after_seconds)
        await self.forget_due()
        return await self.repository.waiting_to_forget(guild_id, target_id)

    async def forget_due(self) -> int:
        """Entries whose time to lose the member has come lose it (a daily job)."""
        forgotten = await self.repository.forget_due(epoch(self._clock()))
        if forgotten:
            log.info("mod log: %d entries lost the member they were about", forgotten)
        return forgotten
