"""Distress escalation: each member's last few messages, so the detector reads them together
("I can't do this anymore." then "I have the pills ready" is one signal).

Kept in memory only: never written to the database, never logged, gone at a restart. One list per
server (or the bot's DMs) and member, of at most CONTEXT_MESSAGES messages, none older than
CONTEXT_SECONDS. It goes on after a case opens, so follow-ups are read with what came before.
Anonymous feedback never goes in, and is never read with it. No discord import.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cogs.escalation.detection import CONTEXT_MESSAGES

CONTEXT_SECONDS = 30 * 60
MAX_MEMBERS = 20_000  # the oldest are forgotten first; bounds the memory it takes

# (the server's id, or None for a DM to the bot; the member's id)
ContextKey = tuple[int | None, int]


@dataclass(slots=True)
class _Said:
    at: int
    message_id: int | None  # None: words typed into /support
    text: str


class RecentMessages:
    """The member's last few messages per server (or DM), in memory."""

    def __init__(
        self,
        now: Callable[[], int],
        *,
        keep: int = CONTEXT_MESSAGES,
        seconds: int = CONTEXT_SECONDS,
        members: int = MAX_MEMBERS,
    ) -> None:
        self._now = now
        self._keep = keep
        self._seconds = seconds
        self._members = members
        # Ordered by each member's latest message, oldest first, so the stale ones are in front.
        self._said: OrderedDict[ContextKey, list[_Said]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._said)

    def read(
        self, key: ContextKey, text: str, *, message_id: int | None = None, edited: bool = False
    ) -> list[str]:
        """The member's earlier messages (oldest first) to read `text` with, and `text` becomes
        their latest. An edit is read with the messages before it and replaces its old words;
        an edit of a message no longer kept is read with the recent ones and is not kept."""
        now = self._now()
        self._expire(now)
        said = [s for s in self._said.get(key, ()) if s.at > now - self._seconds]
        if edited and message_id is not None:
            for index, earlier in enumerate(said):
                if earlier.message_id == message_id:
                    earlier.text = text
                    return [s.text for s in said[:index]]
            return [s.text for s in said]
        previous = [s.text for s in said]
        said.append(_Said(now, message_id, text))
        self._said[key] = said[-self._keep :]
        self._said.move_to_end(key)
        while len(self._said) > self._members:
            self._said.popitem(last=False)
        return previous

    def forget(self, key: ContextKey, message_id: int) -> None:
        """Not the member's own words after all (a moderator quoting a case in the escalation
        channel): forget that message."""
        said = self._said.get(key)
        if said is None:
            return
        said[:] = [s for s in said if s.message_id != message_id]
        if not said:
            del self._said[key]

    def _expire(self, now: int) -> None:
        while self._said:
            key, said = next(iter(self._said.items()))
            if said and said[-1].at > now - self._seconds:
                return
            del self._said[key]
