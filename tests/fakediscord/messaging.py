"""Creating, editing and dispatching messages (shared by channel routes, interaction callbacks,
webhooks and the person helpers)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import perms as P
from .errors import ApiError, field_error, invalid_form, missing_permissions, unknown
from .models import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    JSON,
    LOADING,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    Channel,
    Guild,
    Message,
    User,
    iso,
    iter_components,
    json_copy,
    new_id,
)
from .routing import UploadedFile

if TYPE_CHECKING:
    from .core import Core

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
CREATE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
INTERACTION_FLAGS = CREATE_FLAGS | EPHEMERAL


def guild_of(fake: Core, channel: Channel) -> Guild | None:
    return fake.guilds.get(channel.guild_id) if channel.guild_id is not None else None


def require_channel(fake: Core, channel_id: int) -> Channel:
    ch = fake.channels.get(channel_id)
    if ch is None:
        raise unknown("channel")
    guild = guild_of(fake, ch)
    if guild is not None and not fake.bot_permissions(guild, ch) & P.VIEW_CHANNEL:
        raise ApiError(403, 50001, "Missing Access")
    if ch.type == 12 and guild is not None:  # private thread: member or MANAGE_THREADS
        if (
            fake.bot_user.id not in ch.member_ids
            and not fake.bot_permissions(guild, ch) & P.MANAGE_THREADS
        ):
            raise ApiError(403, 50001, "Missing Access")
    return ch


def require_message(fake: Core, channel: Channel, message_id: int) -> Message:
    msg = fake.message_index.get(message_id)
    if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
        raise unknown("message")
    return msg


def check_content(
    body: JSON, *, for_edit: bool = False, files: list[UploadedFile] | None = None
) -> None:
    errs: list[tuple[list[str], str, str]] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > 2000:
        errs.append((["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."))
    embeds = body.get("embeds") or []
    total = 0
    for e in embeds:
        if not isinstance(e, dict):
            continue
        total += len(str(e.get("title") or "")) + len(str(e.get("description") or ""))
        total += len(str((e.get("footer") or {}).get("text") or "")) + len(
            str((e.get("author") or {}).get("name") or "")
        )
        for f in e.get("fields") or []:
            total += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    if total > 6000:
        errs.append(
            (["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    comps = body.get("components") or []
    ids: set[str] = set()
    for c in iter_components(comps if isinstance(comps, list) else []):
        cid = c.get("custom_id")
        if cid is not None:
            if cid in ids:
                errs.append(
                    (
                        ["components"],
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        f"Component custom id cannot be duplicated: {cid}",
                    )
                )
            ids.add(cid)
    if errs:
        raise invalid_form(*errs)
    if not for_edit:
        has = (
            bool(content)
            or bool(embeds)
            or bool(comps)
            or bool(files)
            or bool(body.get("sticker_ids"))
            or bool(body.get("poll"))
            or bool(body.get("attachments"))
        )
        if not has:
            raise ApiError(400, 50006, "Cannot send an empty message")


def attachments_from(body: JSON, files: list[UploadedFile], channel_id: int) -> list[JSON]:
    out: list[JSON] = []
    by_index = {}
    for f in files:
        m = re.match(r"files\[(\d+)\]", f.field)
        if m:
            by_index[int(m.group(1))] = f
    meta: list[Any] = body.get("attachments") or []
    for i, f in sorted(by_index.items()):
        att_meta: JSON = next(
            (a for a in meta if isinstance(a, dict) and str(a.get("id")) == str(i)), {}
        )
        aid = new_id()
        name = att_meta.get("filename") or f.filename
        out.append(
            {
                "id": str(aid),
                "filename": name,
                "size": len(f.data),
                "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{name}",
                "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{aid}/{name}",
                "content_type": f.content_type,
                "description": att_meta.get("description"),
                "ephemeral": False,
            }
        )
    return out


def compute_mentions(fake: Core, msg: Message) -> None:
    am = msg.allowed_mentions
    parse: list[str] = ["users", "roles", "everyone"] if am is None else list(am.get("parse") or [])
    allowed_users = {int(x) for x in (am or {}).get("users") or []}
    allowed_roles = {int(x) for x in (am or {}).get("roles") or []}
    users: list[User] = []
    for uid in dict.fromkeys(int(x) for x in USER_MENTION.findall(msg.content)):
        u = fake.users.get(uid)
        if u is not None and ("users" in parse or uid in allowed_users):
            users.append(u)
    if am is not None and am.get("replied_user") and msg.referenced_message is not None:
        ruid = int(msg.referenced_message["author"]["id"])
        if ruid in fake.users and all(u.id != ruid for u in users):
            users.append(fake.users[ruid])
    roles = [
        int(r)
        for r in dict.fromkeys(ROLE_MENTION.findall(msg.content))
        if "roles" in parse or int(r) in allowed_roles
    ]
    msg.mentions = users
    msg.mention_roles = roles
    msg.mention_everyone = "everyone" in parse and (
        "@everyone" in msg.content or "@here" in msg.content
    )


def member_partial(fake: Core, msg: Message) -> JSON | None:
    if msg.guild_id is None or msg.webhook_id is not None:
        return None
    g = fake.guilds.get(msg.guild_id)
    m = g.members.get(msg.author.id) if g else None
    return m.payload(with_user=False) if m else None


def message_payload(fake: Core, msg: Message) -> JSON:
    return msg.payload(member=member_partial(fake, msg))


def store_message(fake: Core, msg: Message, *, dispatch: bool = True) -> Message:
    fake.message_index[msg.id] = msg
    if msg.ephemeral:
        return msg
    fake.messages.setdefault(msg.channel_id, []).append(msg)
    ch = fake.channels.get(msg.channel_id)
    if ch is not None:
        ch.last_message_id = msg.id
        if ch.is_thread and msg.type not in (21,):
            ch.message_count += 1
            ch.total_message_sent += 1
    if dispatch:
        fake.dispatch("MESSAGE_CREATE", message_payload(fake, msg), guild_id=msg.guild_id)
    return msg


def dispatch_update(fake: Core, msg: Message) -> None:
    if not msg.ephemeral and not msg.deleted:
        fake.dispatch("MESSAGE_UPDATE", message_payload(fake, msg), guild_id=msg.guild_id)


def build_message(
    fake: Core,
    channel: Channel,
    author: User,
    body: JSON,
    files: list[UploadedFile],
    *,
    allowed_flags: int = CREATE_FLAGS,
    extra_flags: int = 0,
) -> Message:
    flags = int(body.get("flags") or 0)
    if flags & ~allowed_flags:
        raise field_error(
            "flags", "MESSAGE_FLAGS_INVALID", f"Invalid message flags: {flags & ~allowed_flags}"
        )
    msg = Message(
        id=new_id(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author=author,
        content=str(body.get("content") or ""),
        embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
        components=json_copy(body.get("components") or []),
        flags=flags | extra_flags,
        allowed_mentions=json_copy(body.get("allowed_mentions")),
        nonce=body.get("nonce"),
        tts=bool(body.get("tts")),
        attachments=attachments_from(body, files, channel.id),
        poll=json_copy(body.get("poll")),
    )
    ref = body.get("message_reference")
    if ref:
        ref_channel = int(ref.get("channel_id") or channel.id)
        target = fake.message_index.get(int(ref["message_id"])) if ref.get("message_id") else None
        if target is None or target.deleted or target.channel_id != ref_channel:
            if ref.get("fail_if_not_exists", True):
                raise field_error(
                    "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                )
        else:
            msg.message_reference = {
                "type": ref.get("type", 0),
                "message_id": str(target.id),
                "channel_id": str(target.channel_id),
                "guild_id": str(target.guild_id) if target.guild_id else None,
            }
            msg.referenced_message = message_payload(fake, target)
            msg.type = 19  # REPLY
    compute_mentions(fake, msg)
    return msg


def check_send_permissions(
    fake: Core, channel: Channel, body: JSON, files: list[UploadedFile]
) -> None:
    guild = guild_of(fake, channel)
    if guild is None:
        return
    p = fake.bot_permissions(guild, channel)
    need = P.VIEW_CHANNEL | (P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES)
    if files:
        need |= P.ATTACH_FILES
    if body.get("message_reference"):
        need |= P.READ_MESSAGE_HISTORY
    if p & need != need:
        raise missing_permissions()
    if channel.is_thread and (channel.locked or channel.archived) and not p & P.MANAGE_THREADS:
        raise missing_permissions()
    if channel.type in (4,):
        raise ApiError(400, 50008, "Cannot send messages in a non-text channel")


def bot_send(
    fake: Core, channel: Channel, body: JSON, files: list[UploadedFile]
) -> tuple[Message, bool]:
    """POST /channels/{id}/messages: (message, created?)."""
    if channel.type == 1:
        user = channel.recipients[0]
        shares_guild = any(user.id in g.members for g in fake.guilds.values())
        if user.dms_closed or not shares_guild or user.bot:
            raise ApiError(403, 50007, "Cannot send messages to this user")
    check_send_permissions(fake, channel, body, files)
    check_content(body, files=files)
    nonce = body.get("nonce")
    loop_now = _now()
    if nonce is not None and body.get("enforce_nonce"):
        key = (channel.id, str(nonce))
        seen = fake.nonces.get(key)
        if seen is not None and loop_now - seen[0] <= fake.nonce_window and not seen[1].deleted:
            return seen[1], False
    msg = build_message(fake, channel, fake.bot_user, body, files)
    if nonce is not None and body.get("enforce_nonce"):
        fake.nonces[(channel.id, str(nonce))] = (loop_now, msg)
    store_message(fake, msg)
    return msg, True


def apply_edit(
    fake: Core, msg: Message, body: JSON, files: list[UploadedFile], *, allowed_flags: int
) -> None:
    check_content(body, for_edit=True)
    if "content" in body:
        msg.content = str(body.get("content") or "")
    if "embeds" in body:
        msg.embeds = [{"type": "rich", **e} for e in body.get("embeds") or []]
    if "components" in body:
        msg.components = json_copy(body.get("components") or [])
    if "flags" in body and body["flags"] is not None:
        flags = int(body["flags"])
        keep = msg.flags & (EPHEMERAL | LOADING)
        if flags & ~allowed_flags & ~keep:
            raise field_error("flags", "MESSAGE_FLAGS_INVALID", "Invalid message flags")
        msg.flags = (flags & allowed_flags & ~EPHEMERAL) | keep
    if "allowed_mentions" in body:
        msg.allowed_mentions = json_copy(body.get("allowed_mentions"))
    if "attachments" in body or files:
        kept_ids = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, dict)}
        kept = (
            [a for a in msg.attachments if a["id"] in kept_ids]
            if "attachments" in body
            else msg.attachments
        )
        msg.attachments = kept + attachments_from(body, files, msg.channel_id)
    if not (msg.content or msg.embeds or msg.components or msg.attachments or msg.poll):
        raise ApiError(400, 50006, "Cannot send an empty message")
    msg.edited_timestamp = iso()
    compute_mentions(fake, msg)


def _now() -> float:
    import time

    return time.monotonic()
