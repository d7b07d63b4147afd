"""What the groups feature stores, as dataclasses: groups, waitlist entries, join requests and
panels. The repositories turn rows into these; everything else reads them. No SQL, no discord."""

from __future__ import annotations

from dataclasses import dataclass

from bot.directory import GroupRef


@dataclass(frozen=True)
class Group:
    id: int
    guild_id: int
    name: str
    description: str
    topic: str
    language: str
    capacity: int | None
    access: str  # 'open' | 'restricted'
    timezone: str
    role_id: int | None
    channel_id: int | None
    voice_channel_id: int | None
    leaders_channel_id: int | None
    offer_hours: int
    archived_at: int | None
    created_at: int
    seats_taken: int = 0
    waiting: int = 0

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def restricted(self) -> bool:
        return self.access == "restricted"

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.seats_taken)

    def ref(self) -> GroupRef:
        return GroupRef(
            id=self.id,
            guild_id=self.guild_id,
            name=self.name,
            timezone=self.timezone,
            channel_id=self.channel_id,
            voice_channel_id=self.voice_channel_id,
            role_id=self.role_id,
            archived=self.archived,
        )


@dataclass(frozen=True)
class WaitlistEntry:
    id: int
    group_id: int
    guild_id: int
    user_id: int
    created_at: int
    offered_at: int | None
    offer_expires_at: int | None
    offer_row: int | None = None  # the outbox row of the offer's direct message
    offer_noted_at: int | None = None  # DMs closed: when the note pointing to /group mine went


@dataclass(frozen=True)
class Provisioning:
    """A /group create in progress (or finished): what it made in Discord so far."""

    id: int
    guild_id: int
    created_by: int
    name: str
    channel_name: str
    status: str  # 'provisioning' | 'done' | 'undone'
    role_id: int | None
    channel_id: int | None
    voice_channel_id: int | None
    leaders_channel_id: int | None
    group_id: int | None
    started_at: int
    finished_at: int | None
    told_at: int | None
    interaction_token: str | None = None  # the command's deferred reply, until told


@dataclass(frozen=True)
class JoinRequest:
    id: int
    group_id: int
    guild_id: int
    user_id: int
    status: str
    created_at: int
    decided_by: int | None
    reason: str | None


@dataclass(frozen=True)
class Panel:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None


@dataclass(frozen=True)
class AccessRemoval:
    """Access the bot must take away and could not yet ("to remove"): the group's role from a
    member (kind 'role'), or a member's or role's own permissions on the group's channels
    (kind 'overwrite')."""

    group_id: int
    guild_id: int
    target_id: int
    kind: str  # 'role' | 'overwrite'
    reason: str
    notice: str | None
    created_at: int
    attempts: int
    told_at: int | None
