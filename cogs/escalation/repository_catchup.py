"""The SQL of the catch-up (what the bot last read in each channel, when it was last reading each
server), of members' last activity per server, and of crisis DMs waiting for their community
(issue 17). Rows in, dataclasses out. No discord import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.db import Database, Row, Transaction

_ROUTE_COLUMNS = (
    "id, user_id, guild_ids, fallback_guild_id, created_at, due_at, chosen_guild_id, chosen_by, "
    "settled_at, question_message_id"
)
_WORDS_COLUMNS = (
    "id, route_id, channel_id, message_id, text, category, severity, modifiers, level, cue, "
    "forwarded, posted_at, created_at"
)


@dataclass(frozen=True)
class Seen:
    """What the bot had read of one server when it stopped: when, and in which channel up to
    which message."""

    guild_id: int
    alive_at: int | None  # None: the bot never read this server before
    channels: Mapping[int, int]  # channel or thread id -> last message id read


@dataclass(frozen=True)
class Route:
    id: int
    user_id: int
    guild_ids: tuple[int, ...]
    fallback_guild_id: int
    created_at: int
    due_at: int
    chosen_guild_id: int | None
    chosen_by: str | None
    settled_at: int | None
    question_message_id: int | None


@dataclass(frozen=True)
class RouteWords:
    id: int
    route_id: int
    channel_id: int
    message_id: int
    text: str
    category: str
    severity: int
    modifiers: tuple[str, ...]
    level: str | None
    cue: str | None
    forwarded: bool
    posted_at: int | None
    created_at: int


def _route(row: Row) -> Route:
    values = {key: row[key] for key in row.keys()}
    values["guild_ids"] = tuple(int(g) for g in str(values["guild_ids"]).split(",") if g)
    return Route(**values)


def _words(row: Row) -> RouteWords:
    values = {key: row[key] for key in row.keys()}
    values["modifiers"] = tuple(m for m in (values["modifiers"] or "").split(",") if m)
    values["forwarded"] = bool(values["forwarded"])
    return RouteWords(**values)


CHUNK = 200  # rows per multi-row statement


async def _upsert(tx: Transaction, sql: str, rows: Sequence[tuple[int | None, ...]]) -> None:
    """Run `sql` (with `{values}` for its VALUES list) over `rows`, `CHUNK` rows a statement,
    with named parameters (portable: PostgreSQL takes the same multi-row VALUES)."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params: dict[str, int | None] = {}
        groups: list[str] = []
        for i, row in enumerate(chunk):
            names = [f"r{i}c{j}" for j in range(len(row))]
            params.update(zip(names, row, strict=True))
            groups.append("(" + ", ".join(f":{n}" for n in names) + ")")
        # SQL text is built only from this module's constants and generated parameter names.
        await tx.execute(sql.replace("{values}", ", ".join(groups)), params)


class CatchupRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ what was read

    async def seen(self, guild_id: int) -> Seen:
        alive = await self.db.fetchval(
            "SELECT alive_at FROM escalation_seen_guilds WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        rows = await self.db.fetchall(
            "SELECT channel_id, last_message_id FROM escalation_seen_channels "
            "WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return Seen(
            guild_id=guild_id,
            alive_at=None if alive is None else int(alive),
            channels={int(r["channel_id"]): int(r["last_message_id"]) for r in rows},
        )

    async def seen_dms(self, limit: int) -> dict[int, int]:
        """DM channels with the bot, those written in most recently first -> last message id."""
        rows = await self.db.fetchall(
            "SELECT channel_id, last_message_id FROM escalation_seen_channels "
            "WHERE guild_id IS NULL ORDER BY updated_at DESC, channel_id LIMIT :limit",
            {"limit": limit},
        )
        return {int(r["channel_id"]): int(r["last_message_id"]) for r in rows}

    async def save_seen(
        self, tx: Transaction, rows: Iterable[tuple[int, int | None, int]], now: int
    ) -> None:
        """(channel id, guild id or None for a DM, last message id): never moves a channel
        backwards. One
        statement per `CHUNK` rows: a flush holds the database for milliseconds."""
        await _upsert(
            tx,
            "INSERT INTO escalation_seen_channels (channel_id, guild_id, last_message_id, "
            "updated_at) VALUES {values} "
            "ON CONFLICT (channel_id) DO UPDATE SET "
            "last_message_id = CASE WHEN excluded.last_message_id > "
            "escalation_seen_channels.last_message_id THEN excluded.last_message_id "
            "ELSE escalation_seen_channels.last_message_id END, "
            "updated_at = excluded.updated_at",
            [(c, g, m, now) for c, g, m in rows],
        )

    async def save_alive(self, tx: Transaction, guild_ids: Iterable[int], now: int) -> None:
        await _upsert(
            tx,
            "INSERT INTO escalation_seen_guilds (guild_id, alive_at) VALUES {values} "
            "ON CONFLICT (guild_id) DO UPDATE SET alive_at = excluded.alive_at",
            [(g, now) for g in guild_ids],
        )

    # ------------------------------------------------------------------ members' activity

    async def save_activity(self, tx: Transaction, rows: Iterable[tuple[int, int, int]]) -> None:
        """(guild id, user id, when): the latest wins."""
        await _upsert(
            tx,
            "INSERT INTO escalation_member_activity (guild_id, user_id, last_active_at) "
            "VALUES {values} ON CONFLICT (guild_id, user_id) DO UPDATE SET "
            "last_active_at = CASE WHEN excluded.last_active_at > "
            "escalation_member_activity.last_active_at THEN excluded.last_active_at "
            "ELSE escalation_member_activity.last_active_at END",
            list(rows),
        )

    async def activity(self, user_id: int) -> dict[int, int]:
        """Server -> when the member last wrote there."""
        rows = await self.db.fetchall(
            "SELECT guild_id, last_active_at FROM escalation_member_activity "
            "WHERE user_id = :user_id",
            {"user_id": user_id},
        )
        return {int(r["guild_id"]): int(r["last_active_at"]) for r in rows}

    async def forget_activity(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM escalation_member_activity "
                "WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id},
            )

    # ------------------------------------------------------------------ crisis DMs' routes

    async def pending_route_in(self, tx: Transaction, user_id: int) -> Route | None:
        row = await tx.fetchone(
            f"SELECT {_ROUTE_COLUMNS} FROM escalation_dm_routes "
            "WHERE user_id = :user_id AND settled_at IS NULL",
            {"user_id": user_id},
        )
        return None if row is None else _route(row)

    async def route(self, route_id: int) -> Route | None:
        row = await self.db.fetchone(
            f"SELECT {_ROUTE_COLUMNS} FROM escalation_dm_routes WHERE id = :id", {"id": route_id}
        )
        return None if row is None else _route(row)

    async def route_in(self, tx: Transaction, route_id: int) -> Route | None:
        row = await tx.fetchone(
            f"SELECT {_ROUTE_COLUMNS} FROM escalation_dm_routes WHERE id = :id", {"id": route_id}
        )
        return None if row is None else _route(row)

    async def insert_route(
        self,
        tx: Transaction,
        *,
        user_id: int,
        guild_ids: Iterable[int],
        fallback_guild_id: int,
        now: int,
        due_at: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO escalation_dm_routes (user_id, guild_ids, fallback_guild_id, created_at, "
            "due_at) VALUES (:user_id, :guild_ids, :fallback, :now, :due_at)",
            {
                "user_id": user_id,
                "guild_ids": ",".join(str(g) for g in guild_ids),
                "fallback": fallback_guild_id,
                "now": now,
                "due_at": due_at,
            },
        )

    async def add_words(
        self,
        tx: Transaction,
        *,
        route_id: int,
        channel_id: int,
        message_id: int,
        text: str,
        category: str,
        severity: int,
        modifiers: Iterable[str],
        level: str | None,
        cue: str | None,
        forwarded: bool,
        posted_at: int | None,
        now: int,
    ) -> None:
        await tx.execute(
            "INSERT INTO escalation_dm_route_words (route_id, channel_id, message_id, text, "
            "category, severity, modifiers, level, cue, forwarded, posted_at, created_at) VALUES "
            "(:route_id, :channel_id, :message_id, :text, :category, :severity, :modifiers, "
            ":level, :cue, :forwarded, :posted_at, :now) "
            "ON CONFLICT (route_id, message_id) DO NOTHING",
            {
                "route_id": route_id,
                "channel_id": channel_id,
                "message_id": message_id,
                "text": text,
                "category": category,
                "severity": severity,
                "modifiers": ",".join(sorted(modifiers)),
                "level": level,
                "cue": cue,
                "forwarded": 1 if forwarded else 0,
                "posted_at": posted_at,
                "now": now,
            },
        )

    async def words(self, route_id: int) -> list[RouteWords]:
        rows = await self.db.fetchall(
            f"SELECT {_WORDS_COLUMNS} FROM escalation_dm_route_words WHERE route_id = :route_id "
            "ORDER BY message_id",
            {"route_id": route_id},
        )
        return [_words(r) for r in rows]

    async def choose(self, tx: Transaction, route_id: int, guild_id: int, by: str) -> bool:
        """Record the community; False when one was already chosen."""
        changed = await tx.execute(
            "UPDATE escalation_dm_routes SET chosen_guild_id = :guild_id, chosen_by = :by "
            "WHERE id = :id AND chosen_guild_id IS NULL",
            {"id": route_id, "guild_id": guild_id, "by": by},
        )
        return changed == 1

    async def settle(self, tx: Transaction, route_id: int, now: int) -> None:
        """The case is open: the member's words now live there only."""
        await tx.execute(
            "UPDATE escalation_dm_routes SET settled_at = :now WHERE id = :id",
            {"id": route_id, "now": now},
        )
        await tx.execute(
            "DELETE FROM escalation_dm_route_words WHERE route_id = :id", {"id": route_id}
        )

    async def set_question_message(self, route_id: int, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE escalation_dm_routes SET question_message_id = :message_id WHERE id = :id",
                {"id": route_id, "message_id": message_id},
            )

    async def routes_to_settle(self, now: int) -> list[Route]:
        """Unsettled routes that are due, or whose community was chosen (a restart between the
        choice and the case)."""
        rows = await self.db.fetchall(
            f"SELECT {_ROUTE_COLUMNS} FROM escalation_dm_routes WHERE settled_at IS NULL "
            "AND (due_at <= :now OR chosen_guild_id IS NOT NULL) ORDER BY id",
            {"now": now},
        )
        return [_route(r) for r in rows]
