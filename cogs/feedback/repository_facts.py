"""The feedback feature's SQL for `bot.facts.ratings` (bot/facts.py): the closed post-session
polls of a period with their published counts, read-only. Only what the published results
already show: how many voted and the tally written at close (none below k)."""

from __future__ import annotations

from bot.db import Database
from bot.facts import Rating

# A rating poll: a group's poll whose options are the numbers 1 to 5, as the post-session poll's.
_SELECT = (
    "SELECT p.id, p.group_id, p.closed_at, p.voters, p.min_voters, "
    "(SELECT SUM(o.position * o.votes) FROM poll_options o WHERE o.poll_id = p.id) AS points, "
    "(SELECT SUM(o.votes) FROM poll_options o WHERE o.poll_id = p.id) AS counted, "
    "(SELECT GROUP_CONCAT(o.votes, ',') FROM "
    "(SELECT votes FROM poll_options WHERE poll_id = p.id ORDER BY position) o) AS counts "
    "FROM polls p WHERE p.guild_id = :guild AND p.status = 'closed' AND p.group_id IS NOT NULL "
    "AND p.closed_at >= :start AND p.closed_at < :end "
    "AND (SELECT GROUP_CONCAT(o.label, ',') FROM "
    "(SELECT label FROM poll_options WHERE poll_id = p.id ORDER BY position) o) = '1,2,3,4,5' "
    "ORDER BY p.closed_at, p.id"
)


class RatingFactsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def min_voters(self, guild_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT min_voters FROM feedback_settings WHERE guild_id = :guild", {"guild": guild_id}
        )
        return None if row is None else int(row[0])

    async def ratings(self, guild_id: int, start: int, end: int) -> list[Rating]:
        rows = await self.db.fetchall(_SELECT, {"guild": guild_id, "start": start, "end": end})
        found: list[Rating] = []
        for r in rows:
            shown = r["voters"] >= r["min_voters"] and (r["counted"] or 0) > 0
            mean = r["points"] / r["counted"] if shown else None
            counts = tuple(int(n) for n in r["counts"].split(",")) if shown else ()
            found.append(
                Rating(int(r["group_id"]), int(r["closed_at"]), int(r["voters"]), mean, counts)
            )
        return found
