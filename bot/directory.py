"""What other features may ask about groups, without reaching into the groups feature's tables.

The groups feature (cogs/groups) installs its implementation as `bot.groups` when it loads; until
then `NoGroups` answers "no groups here". Group ids are the bot's own (the `groups` table), not
Discord ids. A group's members here include its leaders.

Bot events the groups feature dispatches (all ids are ints):
- `group_member_joined(guild_id, group_id, user_id)`: the member now holds the group's role.
- `group_member_left(guild_id, group_id, user_id, reason)`: reason is "left", "removed",
  "left_server" or "archived".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from bot.db import Changes, Transaction

T = TypeVar("T")


@dataclass(frozen=True)
class GroupRef:
    id: int
    guild_id: int
    name: str
    timezone: str  # IANA name
    channel_id: int | None  # the group's private text channel
    voice_channel_id: int | None
    role_id: int | None
    archived: bool


class GroupDirectory(Protocol):
    async def get(self, guild_id: int, group_id: int) -> GroupRef | None: ...

    async def for_channel(self, guild_id: int, channel_id: int) -> GroupRef | None:
        """The group whose text or voice channel this is (pass a thread's parent channel)."""
        ...

    async def is_member(self, guild_id: int, group_id: int, user_id: int) -> bool: ...

    async def member_ids(self, guild_id: int, group_id: int) -> list[int]: ...

    async def leader_ids(self, guild_id: int, group_id: int) -> list[int]: ...

    async def groups_of(self, guild_id: int, user_id: int) -> list[GroupRef]:
        """Active groups the user belongs to (as member or leader)."""
        ...

    async def led_by(self, guild_id: int, user_id: int) -> list[GroupRef]:
        """Active groups the user leads."""
        ...

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        """Groups whose name contains `query` (case-insensitive), for autocomplete."""
        ...

    async def complete_join(self, guild_id: int, group_id: int, user_id: int) -> bool:
        """A gate was passed: grant the role if every gate now agrees. False if the member's
        seat is no longer held for them."""
        ...

    async def cancel_join(self, guild_id: int, group_id: int, user_id: int) -> None:
        """A gate was refused ("Not now"): the held seat goes to the next person."""
        ...

    async def join_source(self, guild_id: int, group_id: int, user_id: int) -> str | None:
        """How a member whose join waits for the gates came: 'join', 'request', 'offer' or
        'added' (a moderator gave them the role by hand). None when no join is waiting."""
        ...

    async def hold_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        """Take a member's access away for now: they keep their seat and stay a member, the
        role is taken back and not given back at start-up, and removing it is not treated as
        leaving. True if they were a member with access."""
        ...

    async def release_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        """Give held access back (the role again). True if their access was held."""
        ...

    async def held_ids(self, guild_id: int, group_id: int) -> set[int]:
        """Members of the group whose access is held."""
        ...


class NoGroups:
    """The directory before (or without) the groups feature: there are no groups."""

    async def get(self, guild_id: int, group_id: int) -> GroupRef | None:
        return None

    async def for_channel(self, guild_id: int, channel_id: int) -> GroupRef | None:
        return None

    async def is_member(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return False

    async def member_ids(self, guild_id: int, group_id: int) -> list[int]:
        return []

    async def leader_ids(self, guild_id: int, group_id: int) -> list[int]:
        return []

    async def groups_of(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return []

    async def led_by(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return []

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        return []

    async def complete_join(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return False

    async def cancel_join(self, guild_id: int, group_id: int, user_id: int) -> None:
        return None

    async def join_source(self, guild_id: int, group_id: int, user_id: int) -> str | None:
        return None

    async def hold_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return False

    async def release_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return False

    async def held_ids(self, guild_id: int, group_id: int) -> set[int]:
        return set()


class Remembered(Generic[T]):
    """Answers read from the database, kept in memory until what they were read from changes:
    the lookups every message asks (which group a channel belongs to, a server's settings).

    The code that writes calls `changed_in(tx, guild_id)` in its transaction: every answer is
    forgotten then and again once the write has committed, and an answer whose read overlapped
    a change is not kept (it may have read the old rows). So an answer is never older than the
    last committed write of this process. Named and given the database's `changes`
    (bot/db.py `Changes`), it is also forgotten when another process sharing the database
    (PostgreSQL) commits such a write, and keeps nothing while that cannot be heard. At most
    `limit` answers are kept (all are forgotten when it is reached)."""

    def __init__(
        self, changes: Changes | None = None, name: str = "", *, limit: int = 10_000
    ) -> None:
        self.limit = limit
        self.name = name
        self._changes = changes
        self._answers: dict[Hashable, T] = {}
        self._generation = 0
        if changes is not None and name:
            changes.register(name, self)

    def changed(self) -> None:
        self._generation += 1
        self._answers.clear()

    def changed_in(self, tx: Transaction, guild_id: int | None = None) -> None:
        """`tx` writes what the answers are read from (in `guild_id`'s server, when known):
        forget them now and at its commit, and tell the other processes (bot/db.py)."""
        self.changed()
        tx.after_commit(self.changed)
        if self.name:
            tx.announce_change(self.name, guild_id)

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        try:
            return self._answers[key]
        except KeyError:
            pass
        generation = self._generation
        answer = await read()
        keep = self._changes is None or self._changes.listening
        if keep and generation == self._generation:
            if len(self._answers) >= self.limit:
                self._answers.clear()
            self._answers[key] = answer
        return answer


class JoinGate(Protocol):
    """A step a member passes before a group's role is granted (e.g. accepting the group's
    confidentiality agreement). Declare it on your Feature (`join_gates()`), or register it with
    `bot.join_gates.add(gate)`; the groups feature asks `bot.join_gates.admit(...)`."""

    async def admit(
        self, guild_id: int, group_id: int, user_id: int, interaction: Any | None
    ) -> bool:
        """True: the member may go on. False: this gate asked them something (privately, using
        the interaction when there is one, which is deferred) and will later call
        `bot.groups.complete_join(...)` or `bot.groups.cancel_join(...)` with their answer."""
        ...
