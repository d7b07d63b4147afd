"""Which servers this process handles: Discord's shards (`SHARD_COUNT`, `SHARD_IDS`).

One process (the default) handles every server, as discord.py does on its own. A programme
that outgrows one process runs several on one PostgreSQL database, each with the same
`SHARD_COUNT` and its own `SHARD_IDS`: Discord sends each process the events of its shards'
servers only, a server's shard being `(guild_id >> 22) % SHARD_COUNT`, and direct messages to
shard 0. So each process sends the outbox rows of its own servers (their renderers read the
gateway's cache of the server: its channels, members and roles) and takes the outbox rows of
no server (`guild_id` NULL) only when it runs shard 0.

A process's lease owner (`ShardSet.owner`, the outbox's `lease_owner`) names its shard set, so
it is the same after a restart: at start a process gives back only its own leases; another
process's lease it takes over only once it has expired.

No discord import: the outbox (a repository) asks it for its SQL filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SNOWFLAKE_SHARD_SHIFT = 22  # Discord: shard_id = (guild_id >> 22) % shard_count
# With other processes on the database, rows for this process's servers may be written by
# another one (a meeting's reminder fired there): the outbox looks for them this often.
SHARED_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class ShardSet:
    """`count` None: one process for every server (discord.py's automatic behaviour). `ids`
    None: every shard of `count` in this process."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def partial(self) -> bool:
        """Whether other processes handle some servers (this one runs only some shards)."""
        return (
            self.count is not None
            and self.ids is not None
            and set(self.ids) != set(range(self.count))
        )

    @property
    def runs_direct_messages(self) -> bool:
        """Discord sends direct messages to shard 0: rows of no server belong to its process."""
        return not self.partial or 0 in (self.ids or ())

    def shard_of(self, guild_id: int) -> int:
        return (guild_id >> SNOWFLAKE_SHARD_SHIFT) % (self.count or 1)

    def owns(self, guild_id: int | None) -> bool:
        """Whether this process handles server `guild_id` (None: a direct message)."""
        if not self.partial:
            return True
        if guild_id is None:
            return self.runs_direct_messages
        return self.shard_of(guild_id) in (self.ids or ())

    def poll(self, idle: float) -> float:
        """How long the outbox may sleep with nothing due that it knows of."""
        return min(idle, SHARED_POLL_SECONDS) if self.partial else idle

    @property
    def owner(self) -> str:
        """The lease owner of this process's outbox claims: stable across restarts of the
        same shard set ("shards 0,1 of 4"; "all" for a process that handles every server)."""
        if not self.partial:
            return "all"
        return f"shards {','.join(str(i) for i in sorted(self.ids or ()))} of {self.count}"

    def sql(self, column: str) -> str:
        """A condition (to AND into a WHERE) that keeps rows whose `column` (a guild id) this
        process handles; empty when it handles every server. Portable: `>>` and `%` are the
        same in SQLite and PostgreSQL. Its values are `params()`."""
        if not self.partial:
            return ""
        ids = ", ".join(f":shard_{n}" for n in range(len(self.ids or ())))
        no_server = "1 = 1" if self.runs_direct_messages else "1 = 0"
        return (
            f" AND (CASE WHEN {column} IS NULL THEN {no_server} ELSE "
            f"(({column} >> {SNOWFLAKE_SHARD_SHIFT}) % :shard_count) IN ({ids}) END)"
        )

    def params(self) -> Mapping[str, Any]:
        if not self.partial:
            return {}
        values: dict[str, Any] = {"shard_count": self.count}
        for n, shard_id in enumerate(self.ids or ()):
            values[f"shard_{n}"] = shard_id
        return values


EVERY_SHARD = ShardSet()
