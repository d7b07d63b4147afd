"""Permission bits and Discord's permission computation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
PRIORITY_SPEAKER = 1 << 8
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
MUTE_MEMBERS = 1 << 22
DEAFEN_MEMBERS = 1 << 23
MOVE_MEMBERS = 1 << 24
USE_VAD = 1 << 25
CHANGE_NICKNAME = 1 << 26
MANAGE_NICKNAMES = 1 << 27
MANAGE_ROLES = 1 << 28
MANAGE_WEBHOOKS = 1 << 29
MANAGE_GUILD_EXPRESSIONS = 1 << 30
USE_APPLICATION_COMMANDS = 1 << 31
REQUEST_TO_SPEAK = 1 << 32
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
USE_EXTERNAL_STICKERS = 1 << 37
SEND_MESSAGES_IN_THREADS = 1 << 38
USE_EMBEDDED_ACTIVITIES = 1 << 39
MODERATE_MEMBERS = 1 << 40
VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
USE_SOUNDBOARD = 1 << 42
CREATE_GUILD_EXPRESSIONS = 1 << 43
CREATE_EVENTS = 1 << 44
USE_EXTERNAL_SOUNDS = 1 << 45
SEND_VOICE_MESSAGES = 1 << 46
SEND_POLLS = 1 << 49
USE_EXTERNAL_APPS = 1 << 50
PIN_MESSAGES = 1 << 51

ALL = (1 << 52) - 1

# What @everyone gets in a new guild (close to Discord's default).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | MENTION_EVERYONE
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | USE_VAD
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | REQUEST_TO_SPEAK
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | USE_EXTERNAL_STICKERS
    | SEND_MESSAGES_IN_THREADS
    | USE_EMBEDDED_ACTIVITIES
    | SEND_VOICE_MESSAGES
    | SEND_POLLS
    | USE_EXTERNAL_APPS
)

# The bot's managed role in a new guild: what a support-group bot would be invited with.
DEFAULT_BOT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | MANAGE_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | MANAGE_MESSAGES
    | PIN_MESSAGES
    | MANAGE_CHANNELS
    | MANAGE_ROLES
    | MODERATE_MEMBERS
    | KICK_MEMBERS
    | MANAGE_EVENTS
    | CREATE_EVENTS
    | CONNECT
    | SPEAK
)

# Permissions that a timed-out member keeps.
TIMEOUT_ALLOWED = VIEW_CHANNEL | READ_MESSAGE_HISTORY


class OverwriteLike(Protocol):
    id: int
    type: int  # 0 role, 1 member
    allow: int
    deny: int


def base_permissions(
    *, is_owner: bool, everyone_perms: int, role_perms: Iterable[int], timed_out: bool = False
) -> int:
    if is_owner:
        return ALL
    perms = everyone_perms
    for p in role_perms:
        perms |= p
    if perms & ADMINISTRATOR:
        return ALL
    if timed_out:
        perms &= TIMEOUT_ALLOWED
    return perms


def apply_overwrites(
    base: int,
    *,
    guild_id: int,
    member_id: int,
    member_role_ids: Iterable[int],
    overwrites: Iterable[OverwriteLike],
    timed_out: bool = False,
) -> int:
    if base & ADMINISTRATOR or base == ALL:
        return ALL
    perms = base
    ows = list(overwrites)
    everyone = next((o for o in ows if o.type == 0 and o.id == guild_id), None)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    role_ids = set(member_role_ids)
    allow = deny = 0
    for o in ows:
        if o.type == 0 and o.id in role_ids:
            allow |= o.allow
            deny |= o.deny
    perms = (perms & ~deny) | allow
    mine = next((o for o in ows if o.type == 1 and o.id == member_id), None)
    if mine is not None:
        perms = (perms & ~mine.deny) | mine.allow
    if not perms & VIEW_CHANNEL:
        return 0
    if timed_out:
        perms &= TIMEOUT_ALLOWED
    return perms
