"""All of the feedback feature's SQL: rows -> dataclasses. No discord import.

What a vote writes depends on nothing but who voted (the token's flags, the count of voters);
the tally of choices is written once, when the poll closes (polls.py says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.db import Database, Row, Transaction
from bot.shards import EVERY_SHARD, ShardSet

ROWS_PER_INSERT = 400  # keeps one multi-row INSERT well under SQLite's parameter limit

T = TypeVar("T")


@dataclass(frozen=True)
class PollOption:
    position: int
    label: str
    votes: int


@dataclass(frozen=True)
class Poll:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    group_id: int | None
    question: str
    min_voters: int
    voters: int
    status: str  # 'posting', 'open' or 'closed'
    closes_at: int
    created_by: int
    created_at: int
    closed_at: int | None
    closed_by: int | None
    options: tuple[PollOption, ...] = ()

    def option(self, position: int) -> PollOption | None:
        return next((o for o in self.options if o.position == position), None)


@dataclass(frozen=True)
class FeedbackItem:
    id: bytes  # random: says nothing about who wrote it or when
    guild_id: int
    group_id: int | None  # None: to the moderators
    body: str


POLL_COLUMNS = (
    "id, guild_id, channel_id, message_id, group_id, question, min_voters, voters, status, "
    "closes_at, created_by, created_at, closed_at, closed_by"
)


def _poll(row: Row, options: Sequence[PollOption]) -> Poll:
    return Poll(**{key: row[key] for key in row.keys()}, options=tuple(options))


def _option(row: Row) -> PollOption:
    return PollOption(position=row["position"], label=row["label"], votes=row["votes"])


def _chunks(items: Sequence[T], size: int = ROWS_PER_INSERT) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _insert_many(
    tx: Transaction, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """Multi-row INSERTs, in the order given (callers give key order)."""
    for chunk in _chunks(rows):
        values: list[str] = []
        params: dict[str, object] = {}
        for i, row in enumerate(chunk):
            names = [f"{column}_{i}" for column in columns]
            values.append("(" + ", ".join(f":{name}" for name in names) + ")")
            params.update(zip(names, row, strict=True))
        await tx.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(values)}", params
        )


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ settings

    async def min_voters(self, guild_id: int) -> int | None:
        return await self.db.fetchval(
            "SELECT min_voters FROM feedback_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )

    async def set_min_voters(
        self, tx: Transaction, guild_id: int, value: int, by: int, now: int
    ) -> None:
        await tx.execute(
            "INSERT INTO feedback_settings (guild_id, min_voters, updated_at, updated_by) "
            "VALUES (:guild_id, :value, :now, :by) "
            "ON CONFLICT (guild_id) DO UPDATE SET min_voters = excluded.min_voters, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            {"guild_id": guild_id, "value": value, "now": now, "by": by},
        )

    # ------------------------------------------------------------------ post-session polls

    async def session_poll_hours(self, guild_id: int, group_id: int) -> int | None:
        return await self.db.fetchval(
            "SELECT hours FROM feedback_session_polls WHERE guild_id = :g AND group_id = :group",
            {"g": guild_id, "group": group_id},
        )

    async def set_session_poll(
        self, tx: Transaction, guild_id: int, group_id: int, hours: int | None, by: int, now: int
    ) -> None:
        if hours is None:
            await tx.execute(
                "DELETE FROM feedback_session_polls WHERE guild_id = :g AND group_id = :group",
                {"g": guild_id, "group": group_id},
            )
            return
        await tx.execute(
            "INSERT INTO feedback_session_polls (group_id, guild_id, hours, updated_at, "
            "updated_by) VALUES (:group, :g, :hours, :now, :by) "
            "ON CONFLICT (group_id) DO UPDATE SET hours = excluded.hours, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            {"g": guild_id, "group": group_id, "hours": hours, "now": now, "by": by},
        )

    async def claim_session(
        self, tx: Transaction, guild_id: int, group_id: int, occurrence: str
    ) -> bool:
        """True the first time a session is claimed for its poll, False ever after."""
        changed = await tx.execute(
            "INSERT INTO feedback_sessions_asked (guild_id, group_id, occurrence) "
            "VALUES (:g, :group, :occ) ON CONFLICT DO NOTHING",
            {"g": guild_id, "group": group_id, "occ": occurrence},
        )
        return changed > 0

    # ------------------------------------------------------------------ polls

    async def insert_poll(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        channel_id: int,
        group_id: int | None,
        question: str,
        min_voters: int,
        closes_at: int,
        created_by: int,
        now: int,
    ) -> int:
        return await tx.insert(
            "INSERT INTO polls (guild_id, channel_id, group_id, question, min_voters, closes_at, "
            "created_by, created_at) VALUES (:guild_id, :channel_id, :group_id, :question, "
            ":min_voters, :closes_at, :created_by, :now)",
            {
                "guild_id": guild_id,
                "channel_id": channel_id,
                "group_id": group_id,
                "question": question,
                "min_voters": min_voters,
                "closes_at": closes_at,
                "created_by": created_by,
                "now": now,
            },
        )

    async def insert_options(self, tx: Transaction, poll_id: int, labels: Sequence[str]) -> None:
        await _insert_many(
            tx,
            "poll_options",
            ("poll_id", "position", "label"),
            [(poll_id, position, label) for position, label in enumerate(labels, start=1)],
        )

    async def add_to_roll(self, tx: Transaction, poll_id: int, tokens: Sequence[bytes]) -> None:
        """Tokens of members who may vote, in key order; a token already there stays as it is."""
        for chunk in _chunks(sorted(set(tokens))):
            values = ", ".join(f"(:t{i}, :poll_id)" for i in range(len(chunk)))
            params: dict[str, object] = {f"t{i}": token for i, token in enumerate(chunk)}
            params["poll_id"] = poll_id
            await tx.execute(
                f"INSERT INTO poll_voters (token, poll_id) VALUES {values} "
                "ON CONFLICT (token) DO NOTHING",
                params,
            )

    async def mark_posted(self, poll_id: int, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE polls SET message_id = :message_id, status = 'open' "
                "WHERE id = :id AND status = 'posting'",
                {"id": poll_id, "message_id": message_id},
            )

    async def delete_unposted(self, poll_id: int) -> int:
        async with self.db.transaction() as tx:
            return await self._delete_polls(tx, "id = :id AND status = 'posting'", {"id": poll_id})

    async def delete_unposted_before(self, before: int) -> int:
        async with self.db.transaction() as tx:
            return await self._delete_polls(
                tx, "status = 'posting' AND created_at < :before", {"before": before}
            )

    async def delete_closed_before(self, before: int) -> int:
        async with self.db.transaction() as tx:
            return await self._delete_polls(
                tx, "status = 'closed' AND closed_at < :before", {"before": before}
            )

    async def _delete_polls(self, tx: Transaction, where: str, params: dict[str, object]) -> int:
        ids = [
            row["id"] for row in await tx.fetchall(f"SELECT id FROM polls WHERE {where}", params)
        ]
        for poll_id in ids:
            await tx.execute("DELETE FROM poll_voters WHERE poll_id = :id", {"id": poll_id})
            await tx.execute("DELETE FROM poll_options WHERE poll_id = :id", {"id": poll_id})
            await tx.execute("DELETE FROM polls WHERE id = :id", {"id": poll_id})
        return len(ids)

    async def get_poll(self, poll_id: int) -> Poll | None:
        row = await self.db.fetchone(
            f"SELECT {POLL_COLUMNS} FROM polls WHERE id = :id", {"id": poll_id}
        )
        if row is None:
            return None
        options = await self.db.fetchall(
            "SELECT position, label, votes FROM poll_options WHERE poll_id = :id ORDER BY position",
            {"id": poll_id},
        )
        return _poll(row, [_option(o) for o in options])

    async def get_poll_in(self, tx: Transaction, poll_id: int) -> Poll | None:
        row = await tx.fetchone(f"SELECT {POLL_COLUMNS} FROM polls WHERE id = :id", {"id": poll_id})
        if row is None:
            return None
        options = await tx.fetchall(
            "SELECT position, label, votes FROM poll_options WHERE poll_id = :id ORDER BY position",
            {"id": poll_id},
        )
        return _poll(row, [_option(o) for o in options])

    async def recent_poll_id(
        self, guild_id: int, channel_id: int, created_by: int, question: str, since: int
    ) -> int | None:
        """The newest poll not closed that this person asked in this channel since `since`."""
        return await self.db.fetchval(
            "SELECT id FROM polls WHERE guild_id = :guild_id AND channel_id = :channel_id "
            "AND created_by = :created_by AND question = :question AND status <> 'closed' "
            "AND created_at >= :since ORDER BY id DESC LIMIT 1",
            {
                "guild_id": guild_id,
                "channel_id": channel_id,
                "created_by": created_by,
                "question": question,
                "since": since,
            },
        )

    async def open_polls(self, guild_id: int | None = None) -> list[Poll]:
        """Open polls, soonest to close first (of one server, or of all)."""
        rows = await self.db.fetchall(
            f"SELECT {POLL_COLUMNS} FROM polls WHERE status = 'open' "
            "AND (:guild_id IS NULL OR guild_id = :guild_id) ORDER BY closes_at, id",
            {"guild_id": guild_id},
        )
        return [_poll(row, ()) for row in rows]

    async def open_poll_ids(self, guild_id: int, group_id: int | None) -> list[int]:
        """Open polls of a server for everyone (group_id None) or for one group."""
        rows = await self.db.fetchall(
            "SELECT id FROM polls WHERE guild_id = :guild_id AND status IN ('posting', 'open') "
            "AND ((:group_id IS NULL AND group_id IS NULL) OR group_id = :group_id)",
            {"guild_id": guild_id, "group_id": group_id},
        )
        return [row["id"] for row in rows]

    async def on_roll(self, tx: Transaction, token: bytes) -> bool:
        row = await tx.fetchone("SELECT 1 FROM poll_voters WHERE token = :token", {"token": token})
        return row is not None

    async def mark_voted(self, tx: Transaction, poll_id: int, token: bytes) -> bool:
        """Flip the token's flags in place to "voted, choice held in memory": the row neither
        moves nor changes size (0 and 1 take no byte), so the file keeps no trace of which vote
        came when. False if it is not on the roll or its vote stands."""
        changed = await tx.execute(
            "UPDATE poll_voters SET voted = 1, pending = 1 "
            "WHERE token = :token AND poll_id = :poll_id AND voted = 0",
            {"token": token, "poll_id": poll_id},
        )
        return changed == 1

    async def add_voted(self, tx: Transaction, poll_id: int, token: bytes) -> bool:
        """A member missing from the roll (they joined while the bot was away) votes."""
        changed = await tx.execute(
            "INSERT INTO poll_voters (token, poll_id, voted, pending) "
            "VALUES (:token, :poll_id, 1, 1) ON CONFLICT (token) DO NOTHING",
            {"token": token, "poll_id": poll_id},
        )
        return changed == 1

    async def rewrite_roll(self, tx: Transaction) -> None:
        """Write the whole roll again from empty, in key order: the pages then look as if it
        had always been so, and an inserted token no longer stands out."""
        rows = await tx.fetchall(
            "SELECT token, poll_id, voted, pending FROM poll_voters ORDER BY token"
        )
        await tx.execute("DELETE FROM poll_voters")
        await _insert_many(
            tx,
            "poll_voters",
            ("token", "poll_id", "voted", "pending"),
            [(row["token"], row["poll_id"], row["voted"], row["pending"]) for row in rows],
        )

    async def count_voters(self, tx: Transaction, poll_id: int, voters: int = 1) -> None:
        """More people voted: the count shown on the poll, the same whatever they chose."""
        await tx.execute(
            "UPDATE polls SET voters = voters + :voters WHERE id = :poll_id",
            {"poll_id": poll_id, "voters": voters},
        )

    async def mark_lost(self, tx: Transaction, shards: ShardSet = EVERY_SHARD) -> int:
        """At start: every vote whose choice was held in memory was lost with it. Its token
        becomes "lost" (the member may vote again and is told), and each open poll's count of
        voters is counted again. Returns how many were lost. Only the polls of the servers
        this process handles (`shards`): another process holds its own servers' in memory."""
        scope, params = shards.sql("guild_id"), dict(shards.params())
        lost = await tx.execute(
            "UPDATE poll_voters SET voted = 0 WHERE voted = 1 AND pending = 1 "
            f"AND poll_id IN (SELECT id FROM polls WHERE status = 'open'{scope})",
            params,
        )
        if lost:
            await tx.execute(
                "UPDATE polls SET voters = (SELECT COUNT(*) FROM poll_voters v "
                f"WHERE v.poll_id = polls.id AND v.voted = 1) WHERE status = 'open'{scope}",
                params,
            )
        return lost

    async def lost_tokens(self, guild_id: int) -> dict[int, set[bytes]]:
        """The polls of a server with votes lost in a restart whose voters were not told yet
        (open, or closed since): poll id -> their tokens."""
        rows = await self.db.fetchall(
            "SELECT v.poll_id, v.token FROM poll_voters v JOIN polls p ON p.id = v.poll_id "
            "WHERE p.guild_id = :guild_id AND v.voted = 0 AND v.pending = 1",
            {"guild_id": guild_id},
        )
        found: dict[int, set[bytes]] = {}
        for row in rows:
            found.setdefault(row["poll_id"], set()).add(row["token"])
        return found

    async def clear_lost(
        self, tx: Transaction, poll_id: int, token: bytes, *, closed: bool
    ) -> bool:
        """The member is being told their vote was lost: in an open poll their token may vote
        again, as anyone's; a closed poll's roll is gone, and so is their token now. False if
        it is no longer marked lost (told already, or they voted again meanwhile)."""
        where = "WHERE token = :token AND poll_id = :poll_id AND voted = 0 AND pending = 1"
        sql = "DELETE FROM poll_voters " if closed else "UPDATE poll_voters SET pending = 0 "
        changed = await tx.execute(sql + where, {"token": token, "poll_id": poll_id})
        return changed == 1

    async def write_tally(
        self, tx: Transaction, poll_id: int, tally: dict[int, int], *, keep: bool
    ) -> None:
        """At closing, in the closing transaction: the choices held in memory go to the
        counters all at once (`keep`), or, when fewer than min_voters voted, no choice is
        kept at all (counters from before migration 0017 included)."""
        if not keep:
            await tx.execute(
                "UPDATE poll_options SET votes = 0 WHERE poll_id = :poll_id", {"poll_id": poll_id}
            )
            return
        for position, votes in sorted(tally.items()):
            await tx.execute(
                "UPDATE poll_options SET votes = votes + :votes "
                "WHERE poll_id = :poll_id AND position = :position",
                {"poll_id": poll_id, "position": position, "votes": votes},
            )

    async def close_poll(self, tx: Transaction, poll_id: int, now: int, by: int | None) -> bool:
        changed = await tx.execute(
            "UPDATE polls SET status = 'closed', closed_at = :now, closed_by = :by "
            "WHERE id = :id AND status = 'open'",
            {"id": poll_id, "now": now, "by": by},
        )
        return changed == 1

    async def drop_roll(self, tx: Transaction, poll_id: int) -> None:
        """At closing. Tokens of votes lost in a restart whose voters were not told yet stay
        until they are (`clear_lost`): a poll may close before the server's members are known."""
        await tx.execute(
            "DELETE FROM poll_voters WHERE poll_id = :id AND NOT (voted = 0 AND pending = 1)",
            {"id": poll_id},
        )

    # ------------------------------------------------------------------ free-text feedback

    async def all_items(self, tx: Transaction) -> list[FeedbackItem]:
        rows = await tx.fetchall(
            "SELECT id, guild_id, group_id, body FROM feedback_items ORDER BY id"
        )
        return [
            FeedbackItem(row["id"], row["guild_id"], row["group_id"], row["body"]) for row in rows
        ]

    async def rewrite_items(self, tx: Transaction, items: Sequence[FeedbackItem]) -> None:
        """The waiting items written again from empty in key order (the key is random), in the
        transaction that changes them: their pages then depend only on what they hold, never on
        the order in which people wrote."""
        await tx.execute("DELETE FROM feedback_items")
        await _insert_many(
            tx,
            "feedback_items",
            ("id", "guild_id", "group_id", "body"),
            [(i.id, i.guild_id, i.group_id, i.body) for i in sorted(items, key=lambda i: i.id)],
        )

    async def pending_destinations(self) -> list[tuple[int, int | None]]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, group_id FROM feedback_items ORDER BY guild_id, group_id"
        )
        return [(row["guild_id"], row["group_id"]) for row in rows]

    # ------------------------------------------------------------------ nobody to read it

    async def unreachable_since(
        self, tx: Transaction, guild_id: int, group_id: int | None, now: int
    ) -> int:
        """Since when the destination has had nobody to read its feedback (noted now if new)."""
        key = {"guild_id": guild_id, "group_id": group_id or 0, "now": now}
        await tx.execute(
            "INSERT OR IGNORE INTO feedback_unreachable (guild_id, group_id, since_at) "
            "VALUES (:guild_id, :group_id, :now)",
            key,
        )
        row = await tx.fetchone(
            "SELECT since_at FROM feedback_unreachable "
            "WHERE guild_id = :guild_id AND group_id = :group_id",
            key,
        )
        return int(row["since_at"]) if row is not None else now

    async def reachable(self, tx: Transaction, guild_id: int, group_id: int | None) -> None:
        await tx.execute(
            "DELETE FROM feedback_unreachable WHERE guild_id = :guild_id AND group_id = :group_id",
            {"guild_id": guild_id, "group_id": group_id or 0},
        )
