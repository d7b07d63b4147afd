"""The confidentiality feature's records: the agreement's versions and who accepted them. Shared
by the service, the repository and the Discord side; no discord import, no SQL."""

from __future__ import annotations

from dataclasses import dataclass

SERVER = 0  # the `group_id` that stands for the server's agreement in lookups


@dataclass(frozen=True)
class Text:
    """One version of an agreement: the server's (group_id None) or a group's stricter one."""

    id: int
    guild_id: int
    group_id: int | None
    version: int
    body: str | None  # None: the default text that ships with the bot
    created_at: int
    grace_ends_at: int | None
    enforced_at: int | None


@dataclass(frozen=True)
class Acceptance:
    group_id: int
    text_id: int
    text_group_id: int | None  # None: the server's agreement
    version: int
    accepted_at: int


@dataclass(frozen=True)
class MemberGrace:
    """A grace period for one member of one group (a leader who stopped leading)."""

    guild_id: int
    group_id: int
    user_id: int
    ends_at: int
    enforced_at: int | None
