"""Work another process wrote for this one (several processes on one PostgreSQL database:
bot/shards.py, docs/DESIGN.md "Several processes").

A transaction that writes a row another process may have to act on (an outbox row, a durable
event, a meeting's due action) names it with `tx.announce_work(kind, guild_id)`; on PostgreSQL
that is `pg_notify('work', '<kind> <server>')` sent with the transaction (so it is heard only
if it commits; the server's id, `dm` for a row of no server; never a member's data), and every
process's listening connection (bot/db_changes.py) hands it to `Work.heard`: the part of this
process that does that kind of work is woken at once if the server is its own. A wake-up is a
hint, never the only way work is found: each part still looks for its rows on its own (the
outbox and the event log every second with other processes), so a notification lost with the
connection loses nothing; when the connection comes back every part is woken once
(`heard_all`), since what was written meanwhile was not heard. On SQLite (one process) nothing
is sent and nothing heard: a process's own commits wake it (`after_commit`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

WORK_CHANNEL = "work"
OUTBOX_WORK, EVENTS_WORK, MEETINGS_WORK = "outbox", "events", "meetings"
NO_SERVER = "dm"  # the payload's server of a row of no server (a direct message: shard 0's)

Wake = Callable[[], None]
Owns = Callable[[int | None], bool]


def work_payload(kind: str, guild_id: int | None) -> str:
    return f"{kind} {NO_SERVER if guild_id is None else guild_id}"


class Work:
    """Who in this process does which kind of work, and for which servers."""

    def __init__(self) -> None:
        self._parts: dict[str, list[tuple[Wake, Owns]]] = {}
        self.heard_count = 0  # notifications that woke a part (the tests read it)

    def on(self, kind: str, wake: Wake, owns: Owns) -> None:
        """`wake()` when another process writes work of `kind` for a server `owns` accepts."""
        self._parts.setdefault(kind, []).append((wake, owns))

    def off(self, kind: str, wake: Wake) -> None:
        self._parts[kind] = [(w, o) for w, o in self._parts.get(kind, []) if w != wake]

    def heard(self, payload: str) -> None:
        kind, _, server = payload.partition(" ")
        if server == NO_SERVER:
            guild_id: int | None = None
        elif server.isdigit():
            guild_id = int(server)
        else:
            self._wake([wake for wake, _ in self._parts.get(kind, [])])
            return
        self._wake([wake for wake, owns in self._parts.get(kind, []) if owns(guild_id)])

    def heard_all(self) -> None:
        """Listening again after a lost connection: whatever was written meanwhile is looked for."""
        self._wake([wake for parts in self._parts.values() for wake, _ in parts])

    def _wake(self, wakes: list[Wake]) -> None:
        for wake in wakes:
            self.heard_count += 1
            try:
                wake()
            except Exception:
                log.exception("waking for another process's work failed")
