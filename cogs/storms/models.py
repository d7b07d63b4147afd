"""What the storms feature keeps about a member remembered in a group (the rows of
`storms_remembered`, migration 0028)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Remembrance:
    id: int
    guild_id: int
    group_id: int
    user_id: int
    why: str  # 'died' or 'asked'
    recorded_by: int
    recorded_at: int
    message: str  # 'draft', 'posted' or 'cancelled'
    draft: str | None
    outbox_id: int | None
    message_id: int | None
    checkin_due_at: int
    checked_in_by: int | None
    checked_in_at: int | None
    reminded_at: int | None
