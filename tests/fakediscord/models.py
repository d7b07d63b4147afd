"""The fake's state objects and their Discord JSON shapes."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import marshal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

JSON = dict[str, Any]

# Channel types
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_STAGE_VOICE = 13
GUILD_FORUM = 15
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})

# Message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15

_id_lock = threading.Lock()
_last_id = 0
_counter = itertools.count()


def new_id() -> int:
    """A unique snowflake whose timestamp is now (unique across the process)."""
    global _last_id
    with _id_lock:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22 | (next(_counter) & 0xFFF)
        _last_id = max(_last_id + 1, candidate)
        return _last_id


_ATOMIC = frozenset({str, int, float, bool, type(None)})


def json_copy(value: Any) -> Any:
    """copy.deepcopy for JSON values, about seven times faster: marshal copies exactly the
    built-in types (a dict, list, str, number, bool or None, never a subclass), and what it
    meets twice it shares in the copy as deepcopy does. Anything else goes to copy.deepcopy.
    copy.deepcopy itself was a tenth of the fake's time in the votes benchmark."""
    if type(value) in _ATOMIC:
        return value
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:  # an object marshal does not know (an enum, a dataclass, ...)
        return copy.deepcopy(value)


def iso(t: dt.datetime | None = None) -> str:
    return (t or dt.datetime.now(dt.UTC)).isoformat()


def parse_iso(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    locale: str = "en-US"
    bot: bool = False
    dms_closed: bool = False

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    tags: JSON | None = None

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.tags is not None:
            data["tags"] = dict(self.tags)
        return data

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Member:
    guild_id: int
    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso)
    communication_disabled_until: str | None = None
    pending: bool = False

    @property
    def id(self) -> int:
        return self.user.id

    def timed_out(self) -> bool:
        if self.communication_disabled_until is None:
            return False
        return parse_iso(self.communication_disabled_until) > dt.datetime.now(dt.UTC)

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": self.pending,
            "communication_disabled_until": self.communication_disabled_until,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class Channel:
    id: int
    type: int
    guild_id: int | None
    name: str | None = None
    topic: str | None = None
    position: int = 0
    parent_id: int | None = None
    permission_overwrites: list[Overwrite] = field(default_factory=list)
    nsfw: bool = False
    rate_limit_per_user: int = 0
    bitrate: int = 64000
    user_limit: int = 0
    last_message_id: int | None = None
    recipients: list[User] = field(default_factory=list)
    flags: int = 0
    # threads
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str = field(default_factory=iso)
    create_timestamp: str = field(default_factory=iso)
    member_ids: list[int] = field(default_factory=list)
    message_count: int = 0
    total_message_sent: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def overwrite_for(self, target_id: int) -> Overwrite | None:
        return next((o for o in self.permission_overwrites if o.id == target_id), None)

    def payload(self) -> JSON:
        if self.type == DM:
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "recipients": [u.payload() for u in self.recipients],
                "flags": 0,
            }
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "flags": self.flags,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "nsfw": self.nsfw,
            "rate_limit_per_user": self.rate_limit_per_user,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
        }
        if self.is_thread:
            data.pop("position")
            data.update(
                {
                    "owner_id": str(self.owner_id),
                    "message_count": self.message_count,
                    "member_count": min(len(self.member_ids), 50),
                    "total_message_sent": self.total_message_sent,
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": self.archive_timestamp,
                        "locked": self.locked,
                        "invitable": self.invitable,
                        "create_timestamp": self.create_timestamp,
                    },
                }
            )
            if self.type == PRIVATE_THREAD:
                data["thread_metadata"]["invitable"] = self.invitable
            return data
        data["permission_overwrites"] = [o.payload() for o in self.permission_overwrites]
        if self.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM):
            data["topic"] = self.topic
            data["default_auto_archive_duration"] = 1440
        if self.type in (GUILD_VOICE, GUILD_STAGE_VOICE):
            data["bitrate"] = self.bitrate
            data["user_limit"] = self.user_limit
            data["rtc_region"] = None
        if self.type == GUILD_FORUM:
            data["available_tags"] = []
            data["default_reaction_emoji"] = None
            data["default_sort_order"] = None
            data["default_forum_layout"] = 0
        return data


@dataclass(eq=False)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: JSON | None = None
    nonce: int | str | None = None
    pinned: bool = False
    pinned_at: str | None = None
    message_reference: JSON | None = None
    referenced_message: JSON | None = None
    timestamp: str = field(default_factory=iso)
    edited_timestamp: str | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    type: int = 0
    attachments: list[JSON] = field(default_factory=list)
    tts: bool = False
    mentions: list[User] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    thread: JSON | None = None
    poll: JSON | None = None
    deleted: bool = False
    interaction_id: int | None = None  # the interaction this message answers, if any

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def snapshot(self) -> Message:
        """A copy that later changes of this message leave alone (its users copied too, as
        copy.deepcopy did)."""
        users: dict[int, User] = {}

        def user(u: User) -> User:
            known = users.get(id(u))
            if known is None:
                known = users[id(u)] = User.__new__(User)
                known.__dict__.update(u.__dict__)
            return known

        snap = Message.__new__(Message)
        fields = snap.__dict__
        nested: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if type(value) in _ATOMIC:
                fields[name] = value
            elif isinstance(value, User):
                fields[name] = user(value)
            elif name == "mentions":
                fields[name] = [user(u) for u in self.mentions]
            else:
                nested[name] = value
        fields.update(json_copy(nested))  # the JSON fields in one go
        return snap

    def state(self) -> dict[str, Any]:
        """What `restore` puts back after an edit that failed half-way: every field, the JSON
        ones copied (the people in it are the world's own, not copies)."""
        out: dict[str, Any] = {}
        nested: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, User) or type(value) in _ATOMIC:
                out[name] = value
            elif name == "mentions":
                out[name] = list(self.mentions)
            else:
                nested[name] = value
        out.update(json_copy(nested))
        return out

    def restore(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def payload(self, *, member: JSON | None = None) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": self.mention_everyone,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [str(r) for r in self.mention_roles],
            "attachments": json_copy(self.attachments),
            "embeds": json_copy(self.embeds),
            "components": json_copy(self.components),
            "pinned": self.pinned,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if member is not None:
            data["member"] = member
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = json_copy(self.interaction_metadata)
        if self.message_reference is not None:
            data["message_reference"] = json_copy(self.message_reference)
            if self.referenced_message is not None:
                data["referenced_message"] = json_copy(self.referenced_message)
        if self.thread is not None:
            data["thread"] = json_copy(self.thread)
        if self.poll is not None:
            data["poll"] = json_copy(self.poll)
        return data

    # Convenience for asserts
    @property
    def text(self) -> str:
        return message_text(self)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]

    def component(self, custom_id: str) -> JSON | None:
        return next(
            (c for c in iter_components(self.components) if c.get("custom_id") == custom_id), None
        )


def iter_components(components: list[JSON]) -> list[JSON]:
    out: list[JSON] = []
    stack = list(reversed(components))
    while stack:
        c = stack.pop()
        out.append(c)
        children: list[JSON] = []
        if isinstance(c.get("components"), list):
            children.extend(c["components"])
        if isinstance(c.get("component"), dict):
            children.append(c["component"])
        if isinstance(c.get("accessory"), dict):
            children.append(c["accessory"])
        stack.extend(reversed(children))
    return out


def message_text(msg: Message) -> str:
    parts: list[str] = []
    if msg.content:
        parts.append(msg.content)
    for e in msg.embeds:
        for key in ("title", "description"):
            if e.get(key):
                parts.append(str(e[key]))
        for f in e.get("fields") or []:
            parts.append(str(f.get("name", "")))
            parts.append(str(f.get("value", "")))
        footer = e.get("footer") or {}
        if footer.get("text"):
            parts.append(str(footer["text"]))
        author = e.get("author") or {}
        if author.get("name"):
            parts.append(str(author["name"]))
    for c in iter_components(msg.components):
        if c.get("type") == 10 and c.get("content"):
            parts.append(str(c["content"]))
    return "\n".join(parts)


@dataclass(eq=False)
class ScheduledEvent:
    id: int
    guild_id: int
    name: str
    scheduled_start_time: str
    entity_type: int
    privacy_level: int = 2
    status: int = 1
    description: str | None = None
    scheduled_end_time: str | None = None
    channel_id: int | None = None
    entity_metadata: JSON | None = None
    creator_id: int | None = None
    creator: User | None = None
    image: str | None = None
    recurrence_rule: JSON | None = None

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": self.scheduled_start_time,
            "scheduled_end_time": self.scheduled_end_time,
            "privacy_level": self.privacy_level,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "channel_id": str(self.channel_id) if self.channel_id else None,
            "entity_metadata": json_copy(self.entity_metadata),
            "creator_id": str(self.creator_id) if self.creator_id else None,
            "image": self.image,
            "user_count": 0,
            "recurrence_rule": json_copy(self.recurrence_rule),
        }
        if self.creator is not None:
            data["creator"] = self.creator.payload()
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    bot_role_id: int = 0
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)  # guild channels and threads
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)
    commands: dict[int, JSON] = field(default_factory=dict)
    # Server Settings > Integrations overrides: command id (or application id) -> permissions
    command_permissions: dict[int, list[JSON]] = field(default_factory=dict)
    bans: set[int] = field(default_factory=set)
    system_channel_id: int | None = None

    @property
    def everyone_role_id(self) -> int:
        return self.id

    @property
    def threads(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.is_thread]

    def payload(self) -> JSON:
        """The guild object (without the GUILD_CREATE extras)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in sorted(self.roles.values(), key=lambda r: r.position)],
            "emojis": [],
            "stickers": [],
            "features": list(self.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(self.system_channel_id) if self.system_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }
