"""Channel, message, pin, thread and DM routes."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import perms as P
from .errors import ApiError, field_error, missing_permissions, unknown
from .messaging import (
    CREATE_FLAGS,
    apply_edit,
    bot_send,
    build_message,
    check_content,
    check_send_permissions,
    dispatch_update,
    guild_of,
    message_payload,
    require_channel,
    require_message,
    store_message,
)
from .models import (
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    JSON,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Message,
    Overwrite,
    iso,
    new_id,
)
from .rest_guilds import need
from .routing import Reply, Req, route

if TYPE_CHECKING:
    from .core import Core


def _guild(fake: Core, channel: Channel) -> Guild:
    g = guild_of(fake, channel)
    if g is None:
        raise ApiError(400, 50003, "Cannot execute action on a DM channel")
    return g


def channel_out(fake: Core, channel: Channel) -> JSON:
    data = channel.payload()
    if channel.is_thread and fake.bot_user.id in channel.member_ids:
        data["member"] = {
            "id": str(channel.id),
            "user_id": str(fake.bot_user.id),
            "join_timestamp": channel.create_timestamp,
            "flags": 0,
        }
    return data


def dispatch_channel_update(fake: Core, channel: Channel) -> None:
    event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
    fake.dispatch(event, channel.payload(), guild_id=channel.guild_id)


def check_overwrites_grantable(
    fake: Core, guild: Guild, channel: Channel | None, overwrites: list[Overwrite]
) -> None:
    """Discord refuses overwrites that allow or deny permissions the bot does not have itself."""
    bot_perms = fake.bot_permissions(guild, channel)
    if bot_perms == P.ALL:
        return
    for o in overwrites:
        if (o.allow | o.deny) & ~bot_perms:
            raise missing_permissions()


def parse_overwrites(guild: Guild, raw: list[Any]) -> list[Overwrite]:
    out: list[Overwrite] = []
    for i, o in enumerate(raw):
        oid = int(o["id"])
        otype = o.get("type")
        if otype is None:
            otype = 0 if oid in guild.roles else 1
        otype = int(otype)
        if otype == 0 and oid not in guild.roles:
            raise field_error(
                f"permission_overwrites.{i}.id", "BASE_TYPE_INVALID", f"Unknown role {oid}"
            )
        if otype == 1 and oid not in guild.members:
            raise field_error(
                f"permission_overwrites.{i}.id", "BASE_TYPE_INVALID", f"Unknown member {oid}"
            )
        out.append(Overwrite(oid, otype, int(o.get("allow") or 0), int(o.get("deny") or 0)))
    return out


# ---------------------------------------------------------------------- channels
@route("GET", "/channels/{channel_id}")
async def get_channel(fake: Core, req: Req) -> Any:
    return channel_out(fake, require_channel(fake, req.id("channel_id")))


@route("PATCH", "/channels/{channel_id}")
async def patch_channel(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    guild = _guild(fake, ch)
    body = req.json()
    perms = fake.bot_permissions(guild, ch)
    if ch.is_thread:
        owner = ch.owner_id == fake.bot_user.id
        if not (
            perms & P.MANAGE_THREADS
            or (
                owner and set(body) <= {"name", "archived", "auto_archive_duration", "applied_tags"}
            )
        ):
            raise missing_permissions()
        if "name" in body:
            ch.name = body["name"]
        if "archived" in body and body["archived"] is not None:
            ch.archived = bool(body["archived"])
            ch.archive_timestamp = iso()
        if "locked" in body and body["locked"] is not None:
            ch.locked = bool(body["locked"])
        if "invitable" in body and body["invitable"] is not None:
            ch.invitable = bool(body["invitable"])
        if body.get("auto_archive_duration"):
            ch.auto_archive_duration = int(body["auto_archive_duration"])
        if "rate_limit_per_user" in body:
            ch.rate_limit_per_user = int(body["rate_limit_per_user"] or 0)
        dispatch_channel_update(fake, ch)
        return channel_out(fake, ch)
    if not perms & P.MANAGE_CHANNELS:
        raise missing_permissions()
    if "permission_overwrites" in body:
        if not perms & P.MANAGE_ROLES:
            raise missing_permissions()
        ows = parse_overwrites(guild, body.get("permission_overwrites") or [])
        check_overwrites_grantable(fake, guild, ch, ows)
        ch.permission_overwrites = ows
    if "name" in body and body["name"] is not None:
        ch.name = body["name"]
    if "topic" in body:
        ch.topic = body["topic"]
    if "position" in body and body["position"] is not None:
        ch.position = int(body["position"])
    if "nsfw" in body and body["nsfw"] is not None:
        ch.nsfw = bool(body["nsfw"])
    if "rate_limit_per_user" in body:
        ch.rate_limit_per_user = int(body["rate_limit_per_user"] or 0)
    if "parent_id" in body:
        pid = body["parent_id"]
        if pid is not None:
            parent = guild.channels.get(int(pid))
            if parent is None or parent.type != GUILD_CATEGORY:
                raise field_error("parent_id", "CHANNEL_PARENT_INVALID", "Category does not exist")
            ch.parent_id = parent.id
        else:
            ch.parent_id = None
        if body.get("lock_permissions") and ch.parent_id is not None:
            ch.permission_overwrites = [
                copy.copy(o) for o in guild.channels[ch.parent_id].permission_overwrites
            ]
    if "type" in body and body["type"] is not None:
        ch.type = int(body["type"])
    dispatch_channel_update(fake, ch)
    return channel_out(fake, ch)


@route("DELETE", "/channels/{channel_id}")
async def delete_channel(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    guild = guild_of(fake, ch)
    if guild is None:
        return ch.payload()  # closing a DM
    need(fake, guild, P.MANAGE_THREADS if ch.is_thread else P.MANAGE_CHANNELS, ch)
    data = ch.payload()
    fake.delete_channel(ch)
    return data


@route("POST", "/guilds/{guild_id}/channels")
async def create_guild_channel(fake: Core, req: Req) -> Any:
    guild = fake.guilds.get(req.id("guild_id"))
    if guild is None:
        raise unknown("guild")
    body = req.json()
    perms = fake.bot_permissions(guild)
    if not perms & P.MANAGE_CHANNELS:
        raise missing_permissions()
    ctype = int(body.get("type") or 0)
    parent: Channel | None = None
    if body.get("parent_id") is not None:
        parent = guild.channels.get(int(body["parent_id"]))
        if parent is None or parent.type != GUILD_CATEGORY:
            raise field_error("parent_id", "CHANNEL_PARENT_INVALID", "Category does not exist")
    ows = parse_overwrites(guild, body.get("permission_overwrites") or [])
    if ows:
        if not perms & P.MANAGE_ROLES:
            raise missing_permissions()
        check_overwrites_grantable(fake, guild, None, ows)
    if ctype == GUILD_CATEGORY and parent is not None:
        raise field_error("parent_id", "CHANNEL_PARENT_INVALID", "Categories cannot have parents")
    ch = fake._create_channel(  # pyright: ignore[reportPrivateUsage]
        guild,
        ctype,
        str(body["name"]),
        parent=parent,
        overwrites=ows,
        topic=body.get("topic"),
        dispatch=False,
    )
    if body.get("position") is not None:
        ch.position = int(body["position"])
    ch.nsfw = bool(body.get("nsfw") or False)
    ch.rate_limit_per_user = int(body.get("rate_limit_per_user") or 0)
    if body.get("bitrate"):
        ch.bitrate = int(body["bitrate"])
    if body.get("user_limit") is not None:
        ch.user_limit = int(body["user_limit"])
    fake.dispatch("CHANNEL_CREATE", ch.payload(), guild_id=guild.id)
    return Reply(201, channel_out(fake, ch))


@route("GET", "/guilds/{guild_id}/channels")
async def list_guild_channels(fake: Core, req: Req) -> Any:
    guild = fake.guilds.get(req.id("guild_id"))
    if guild is None:
        raise unknown("guild")
    return [c.payload() for c in guild.channels.values() if not c.is_thread]


@route("PUT", "/channels/{channel_id}/permissions/{overwrite_id}")
async def put_overwrite(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    guild = _guild(fake, ch)
    if ch.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    need(fake, guild, P.MANAGE_ROLES, ch)
    body = req.json()
    oid = req.id("overwrite_id")
    ows = parse_overwrites(guild, [{**body, "id": oid}])
    check_overwrites_grantable(fake, guild, ch, ows)
    ch.permission_overwrites = [o for o in ch.permission_overwrites if o.id != oid] + ows
    dispatch_channel_update(fake, ch)
    return None


@route("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}")
async def delete_overwrite(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    guild = _guild(fake, ch)
    need(fake, guild, P.MANAGE_ROLES, ch)
    oid = req.id("overwrite_id")
    before = len(ch.permission_overwrites)
    ch.permission_overwrites = [o for o in ch.permission_overwrites if o.id != oid]
    if len(ch.permission_overwrites) != before:
        dispatch_channel_update(fake, ch)
    return None


@route("POST", "/channels/{channel_id}/typing")
async def typing(fake: Core, req: Req) -> Any:
    require_channel(fake, req.id("channel_id"))
    return None


# ---------------------------------------------------------------------- messages
@route("POST", "/channels/{channel_id}/messages")
async def create_message(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    msg, _created = bot_send(fake, ch, req.json(), req.files)
    return message_payload(fake, msg)


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    guild = guild_of(fake, ch)
    if guild is not None and not fake.bot_permissions(guild, ch) & P.READ_MESSAGE_HISTORY:
        return []
    limit = int(req.query.get("limit", "50"))
    if not 1 <= limit <= 100:
        raise field_error("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
    msgs = sorted(fake.messages_in(ch), key=lambda m: m.id)
    if "before" in req.query:
        b = int(req.query["before"])
        msgs = [m for m in msgs if m.id < b][-limit:]
    elif "after" in req.query:
        a = int(req.query["after"])
        msgs = [m for m in msgs if m.id > a][:limit]
    elif "around" in req.query:
        c = int(req.query["around"])
        older = [m for m in msgs if m.id <= c][-(limit // 2 + 1) :]
        newer = [m for m in msgs if m.id > c][: limit - len(older)]
        msgs = older + newer
    else:
        msgs = msgs[-limit:]
    listed = [message_payload(fake, m) for m in reversed(msgs)]
    if not fake.history_nonces:
        for payload in listed:
            payload.pop("nonce", None)
    return listed


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    return message_payload(fake, require_message(fake, ch, req.id("message_id")))


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    msg = require_message(fake, ch, req.id("message_id"))
    body = req.json()
    if msg.author.id != fake.bot_user.id:
        if set(body) - {"flags"}:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        guild = guild_of(fake, ch)
        if guild is not None:
            need(fake, guild, P.MANAGE_MESSAGES, ch)
    backup = msg.state()
    try:
        apply_edit(fake, msg, body, req.files, allowed_flags=CREATE_FLAGS)
    except ApiError:
        msg.restore(backup)
        raise
    dispatch_update(fake, msg)
    return message_payload(fake, msg)


def delete_message_state(fake: Core, msg: Message) -> None:
    msg.deleted = True
    data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    if not msg.ephemeral:
        fake.dispatch("MESSAGE_DELETE", data, guild_id=msg.guild_id)


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    msg = require_message(fake, ch, req.id("message_id"))
    guild = guild_of(fake, ch)
    if msg.author.id != fake.bot_user.id and guild is not None:
        need(fake, guild, P.MANAGE_MESSAGES, ch)
    elif msg.author.id != fake.bot_user.id:
        raise ApiError(403, 50003, "Cannot execute action on a DM channel")
    delete_message_state(fake, msg)
    return None


@route("POST", "/channels/{channel_id}/messages/bulk-delete")
async def bulk_delete(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    guild = _guild(fake, ch)
    need(fake, guild, P.MANAGE_MESSAGES, ch)
    ids = [int(x) for x in req.json().get("messages") or []]
    if not 2 <= len(ids) <= 100:
        raise field_error(
            "messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length."
        )
    for mid in ids:
        m = fake.message_index.get(mid)
        if m is not None and m.channel_id == ch.id:
            m.deleted = True
    fake.dispatch(
        "MESSAGE_DELETE_BULK",
        {"ids": [str(i) for i in ids], "channel_id": str(ch.id), "guild_id": str(guild.id)},
        guild_id=guild.id,
    )
    return None


# ---------------------------------------------------------------------- pins
def _pin(fake: Core, req: Req, pinned: bool) -> None:
    ch = require_channel(fake, req.id("channel_id"))
    msg = require_message(fake, ch, req.id("message_id"))
    guild = guild_of(fake, ch)
    if guild is not None and not fake.bot_permissions(guild, ch) & (
        P.MANAGE_MESSAGES | P.PIN_MESSAGES
    ):
        raise missing_permissions()
    if msg.pinned == pinned:
        return
    if pinned and sum(1 for m in fake.messages_in(ch) if m.pinned) >= 250:
        raise ApiError(400, 30003, "Maximum number of pins reached (250)")
    msg.pinned = pinned
    msg.pinned_at = iso() if pinned else None
    dispatch_update(fake, msg)
    last_pin = max((m.pinned_at or "" for m in fake.messages_in(ch) if m.pinned), default=None)
    pins: JSON = {"channel_id": str(ch.id), "last_pin_timestamp": last_pin or None}
    if guild is not None:
        pins["guild_id"] = str(guild.id)
    fake.dispatch("CHANNEL_PINS_UPDATE", pins, guild_id=ch.guild_id)
    if pinned:
        system = Message(
            id=new_id(),
            channel_id=ch.id,
            guild_id=ch.guild_id,
            author=fake.bot_user,
            type=6,  # CHANNEL_PINNED_MESSAGE
            message_reference={
                "type": 0,
                "message_id": str(msg.id),
                "channel_id": str(ch.id),
                "guild_id": str(ch.guild_id) if ch.guild_id else None,
            },
        )
        store_message(fake, system)


@route("PUT", "/channels/{channel_id}/messages/pins/{message_id}")
async def pin(fake: Core, req: Req) -> Any:
    _pin(fake, req, True)


@route("DELETE", "/channels/{channel_id}/messages/pins/{message_id}")
async def unpin(fake: Core, req: Req) -> Any:
    _pin(fake, req, False)


@route("PUT", "/channels/{channel_id}/pins/{message_id}")
async def pin_legacy(fake: Core, req: Req) -> Any:
    _pin(fake, req, True)


@route("DELETE", "/channels/{channel_id}/pins/{message_id}")
async def unpin_legacy(fake: Core, req: Req) -> Any:
    _pin(fake, req, False)


def _pinned(fake: Core, ch: Channel) -> list[Message]:
    return sorted(
        (m for m in fake.messages_in(ch) if m.pinned), key=lambda m: m.pinned_at or "", reverse=True
    )


@route("GET", "/channels/{channel_id}/messages/pins")
async def list_pins(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    items = [
        {"pinned_at": m.pinned_at, "message": message_payload(fake, m)} for m in _pinned(fake, ch)
    ]
    limit = int(req.query.get("limit", "50"))
    return {"items": items[:limit], "has_more": len(items) > limit}


@route("GET", "/channels/{channel_id}/pins")
async def list_pins_legacy(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    return [message_payload(fake, m) for m in _pinned(fake, ch)]


# ---------------------------------------------------------------------- threads
def _thread_member(fake: Core, thread: Channel, user_id: int, *, with_member: bool = False) -> JSON:
    data: JSON = {
        "id": str(thread.id),
        "user_id": str(user_id),
        "join_timestamp": thread.create_timestamp,
        "flags": 0,
    }
    if with_member and thread.guild_id is not None:
        g = fake.guilds[thread.guild_id]
        m = g.members.get(user_id)
        if m is not None:
            data["member"] = m.payload()
    return data


def _members_update(fake: Core, thread: Channel, added: list[int], removed: list[int]) -> None:
    data: JSON = {
        "id": str(thread.id),
        "guild_id": str(thread.guild_id),
        "member_count": min(len(thread.member_ids), 50),
    }
    if added:
        data["added_members"] = [
            _thread_member(fake, thread, uid, with_member=True) for uid in added
        ]
    if removed:
        data["removed_member_ids"] = [str(uid) for uid in removed]
    fake.dispatch("THREAD_MEMBERS_UPDATE", data, guild_id=thread.guild_id)


def _start_thread(
    fake: Core, parent: Channel, body: JSON, *, private: bool, thread_id: int | None = None
) -> Channel:
    guild = _guild(fake, parent)
    if parent.is_thread or parent.type == GUILD_CATEGORY:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    perms = fake.bot_permissions(guild, parent)
    need = P.VIEW_CHANNEL | (P.CREATE_PRIVATE_THREADS if private else P.CREATE_PUBLIC_THREADS)
    if perms & need != need:
        raise missing_permissions()
    thread = fake._new_thread(  # pyright: ignore[reportPrivateUsage]
        parent,
        str(body["name"]),
        fake.bot_user,
        private=private,
        thread_id=thread_id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        invitable=bool(body.get("invitable", True)) if private else True,
    )
    if parent.type == GUILD_ANNOUNCEMENT and not private:
        thread.type = 10
    thread.rate_limit_per_user = int(body.get("rate_limit_per_user") or 0)
    return thread


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    msg = require_message(fake, ch, req.id("message_id"))
    if msg.thread is not None:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    thread = _start_thread(fake, ch, req.json(), private=False, thread_id=msg.id)
    msg.thread = thread.payload()
    dispatch_update(fake, msg)
    return Reply(201, channel_out(fake, thread))


@route("POST", "/channels/{channel_id}/threads")
async def thread_without_message(fake: Core, req: Req) -> Any:
    ch = require_channel(fake, req.id("channel_id"))
    body = req.json()
    if ch.type == GUILD_FORUM:
        starter: JSON = body.get("message") or {}
        check_send_permissions(fake, ch, starter, req.files)
        check_content(starter, files=req.files)
        thread = _start_thread(fake, ch, body, private=False)
        first = build_message(
            fake, thread, fake.bot_user, starter, req.files, allowed_flags=CREATE_FLAGS
        )
        first.id = thread.id
        store_message(fake, first)
        return Reply(201, {**channel_out(fake, thread), "message": message_payload(fake, first)})
    ttype = int(body.get("type") or PRIVATE_THREAD)
    if ttype not in (PRIVATE_THREAD, PUBLIC_THREAD, 10):
        raise field_error("type", "BASE_TYPE_CHOICES", "Invalid thread type")
    private = ttype == PRIVATE_THREAD
    thread = _start_thread(fake, ch, body, private=private)
    if not private:
        notice = Message(
            id=new_id(),
            channel_id=ch.id,
            guild_id=ch.guild_id,
            author=fake.bot_user,
            content=str(thread.name),
            type=18,  # THREAD_CREATED
            message_reference={
                "type": 0,
                "channel_id": str(thread.id),
                "guild_id": str(ch.guild_id),
            },
        )
        store_message(fake, notice)
    return Reply(201, channel_out(fake, thread))


def _thread(fake: Core, req: Req) -> Channel:
    ch = require_channel(fake, req.id("channel_id"))
    if not ch.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    return ch


def _add_thread_member(fake: Core, thread: Channel, user_id: int) -> None:
    guild = _guild(fake, thread)
    if user_id not in guild.members:
        raise unknown("member")
    if thread.archived:
        raise ApiError(400, 50083, "Thread is archived")
    if user_id not in thread.member_ids:
        thread.member_ids.append(user_id)
        _members_update(fake, thread, [user_id], [])


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(fake: Core, req: Req) -> Any:
    _add_thread_member(fake, _thread(fake, req), fake.bot_user.id)


@route("PUT", "/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(fake: Core, req: Req) -> Any:
    thread = _thread(fake, req)
    guild = _guild(fake, thread)
    perms = fake.bot_permissions(guild, thread)
    if not perms & P.SEND_MESSAGES_IN_THREADS:
        raise missing_permissions()
    if (
        thread.type == PRIVATE_THREAD
        and fake.bot_user.id not in thread.member_ids
        and not perms & P.MANAGE_THREADS
    ):
        raise missing_permissions()
    _add_thread_member(fake, thread, req.id("user_id"))


def _remove_thread_member(fake: Core, thread: Channel, user_id: int) -> None:
    if user_id in thread.member_ids:
        thread.member_ids.remove(user_id)
        _members_update(fake, thread, [], [user_id])


@route("DELETE", "/channels/{channel_id}/thread-members/@me")
async def leave_thread(fake: Core, req: Req) -> Any:
    _remove_thread_member(fake, _thread(fake, req), fake.bot_user.id)


@route("DELETE", "/channels/{channel_id}/thread-members/{user_id}")
async def remove_thread_member(fake: Core, req: Req) -> Any:
    thread = _thread(fake, req)
    guild = _guild(fake, thread)
    if (
        thread.owner_id != fake.bot_user.id
        and not fake.bot_permissions(guild, thread) & P.MANAGE_THREADS
    ):
        raise missing_permissions()
    _remove_thread_member(fake, thread, req.id("user_id"))


@route("GET", "/channels/{channel_id}/thread-members")
async def list_thread_members(fake: Core, req: Req) -> Any:
    thread = _thread(fake, req)
    with_member = req.flag("with_member")
    return [_thread_member(fake, thread, uid, with_member=with_member) for uid in thread.member_ids]


@route("GET", "/channels/{channel_id}/thread-members/{user_id}")
async def get_thread_member(fake: Core, req: Req) -> Any:
    thread = _thread(fake, req)
    uid = req.id("user_id")
    if uid not in thread.member_ids:
        raise unknown("member")
    return _thread_member(fake, thread, uid, with_member=req.flag("with_member"))


@route("GET", "/guilds/{guild_id}/threads/active")
async def active_threads(fake: Core, req: Req) -> Any:
    guild = fake.guilds.get(req.id("guild_id"))
    if guild is None:
        raise unknown("guild")
    threads = [t for t in guild.threads if not t.archived]
    return {
        "threads": [t.payload() for t in threads],
        "members": [
            _thread_member(fake, t, fake.bot_user.id)
            for t in threads
            if fake.bot_user.id in t.member_ids
        ],
    }


# ---------------------------------------------------------------------- DMs
@route("POST", "/users/@me/channels")
async def open_dm(fake: Core, req: Req) -> Any:
    body = req.json()
    rid = body.get("recipient_id")
    user = fake.users.get(int(rid)) if rid is not None else None
    if user is None:
        raise unknown("user")
    return fake.get_or_create_dm(user).payload()
