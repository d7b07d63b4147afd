"""Guild, role, member, ban and scheduled-event routes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import perms as P
from .errors import ApiError, field_error, missing_permissions, unknown
from .models import JSON, Channel, Guild, Member, Role, ScheduledEvent, new_id, parse_iso
from .routing import Req, route

if TYPE_CHECKING:
    from .core import Core


def require_guild(fake: Core, req: Req) -> Guild:
    g = fake.guilds.get(req.id("guild_id"))
    if g is None or fake.bot_user.id not in g.members:
        raise unknown("guild")
    return g


def require_role(guild: Guild, role_id: int) -> Role:
    r = guild.roles.get(role_id)
    if r is None:
        raise unknown("role")
    return r


def require_member(guild: Guild, user_id: int) -> Member:
    m = guild.members.get(user_id)
    if m is None:
        raise unknown("member")
    return m


def need(fake: Core, guild: Guild, bits: int, channel: Channel | None = None) -> int:
    """The bot's permissions (in `channel`, if given); 403 50013 unless they include `bits`."""
    p = fake.bot_permissions(guild, channel)
    if p & bits != bits:
        raise missing_permissions()
    return p


def bot_top(fake: Core, guild: Guild) -> int:
    return fake.top_role_position(guild, fake.bot_user)


def check_role_below_bot(fake: Core, guild: Guild, role: Role) -> None:
    if guild.owner_id == fake.bot_user.id:
        return
    if role.position >= bot_top(fake, guild):
        raise missing_permissions()


def check_member_below_bot(fake: Core, guild: Guild, member: Member) -> None:
    if member.id == guild.owner_id:
        raise missing_permissions()
    if fake.top_role_position(guild, member) >= bot_top(fake, guild):
        raise missing_permissions()


def check_grantable(fake: Core, guild: Guild, permissions: int) -> None:
    bot = fake.bot_permissions(guild)
    if bot != P.ALL and permissions & ~bot:
        raise missing_permissions()


# ---------------------------------------------------------------------- guild
@route("GET", "/guilds/{guild_id}")
async def get_guild(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    data = g.payload()
    if req.flag("with_counts"):
        data["approximate_member_count"] = len(g.members)
        data["approximate_presence_count"] = 0
    return data


# ---------------------------------------------------------------------- roles
@route("GET", "/guilds/{guild_id}/roles")
async def list_roles(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    return [r.payload() for r in sorted(g.roles.values(), key=lambda r: r.position)]


@route("GET", "/guilds/{guild_id}/roles/{role_id}")
async def get_role(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    return require_role(g, req.id("role_id")).payload()


@route("POST", "/guilds/{guild_id}/roles")
async def create_role(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.MANAGE_ROLES)
    body = req.json()
    permissions = (
        int(body["permissions"])
        if body.get("permissions") is not None
        else g.roles[g.id].permissions
    )
    check_grantable(fake, g, permissions)
    if len(g.roles) >= 250:
        raise ApiError(400, 30005, "Maximum number of guild roles reached (250)")
    color = body.get("color")
    if color is None and isinstance(body.get("colors"), dict):
        color = body["colors"].get("primary_color")
    role = Role(
        id=new_id(),
        guild_id=g.id,
        name=str(body.get("name") or "new role"),
        permissions=permissions,
        color=int(color or 0),
        hoist=bool(body.get("hoist") or False),
        mentionable=bool(body.get("mentionable") or False),
    )
    fake._insert_role(g, role)  # pyright: ignore[reportPrivateUsage]
    return role.payload()


@route("PATCH", "/guilds/{guild_id}/roles/{role_id}")
async def edit_role(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.MANAGE_ROLES)
    role = require_role(g, req.id("role_id"))
    if role.id != g.id:
        check_role_below_bot(fake, g, role)
    body = req.json()
    if body.get("permissions") is not None:
        perms = int(body["permissions"])
        check_grantable(fake, g, perms & ~role.permissions)
        role.permissions = perms
    if body.get("name") is not None:
        if role.id == g.id:
            raise field_error("name", "BASE_TYPE_INVALID", "Cannot rename @everyone")
        role.name = str(body["name"])
    if "color" in body:
        role.color = int(body["color"] or 0)
    elif isinstance(body.get("colors"), dict):
        role.color = int(body["colors"].get("primary_color") or 0)
    if body.get("hoist") is not None:
        role.hoist = bool(body["hoist"])
    if body.get("mentionable") is not None:
        role.mentionable = bool(body["mentionable"])
    fake.dispatch(
        "GUILD_ROLE_UPDATE", {"guild_id": str(g.id), "role": role.payload()}, guild_id=g.id
    )
    return role.payload()


@route("PATCH", "/guilds/{guild_id}/roles")
async def role_positions(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.MANAGE_ROLES)
    top = bot_top(fake, g)
    changes: list[tuple[Role, int]] = []
    for i, item in enumerate(req.body or []):
        role = g.roles.get(int(item["id"]))
        if role is None:
            raise field_error(f"{i}.id", "BASE_TYPE_INVALID", "Unknown role")
        pos = item.get("position")
        if pos is None:
            continue
        pos = int(pos)
        if g.owner_id != fake.bot_user.id and (role.position >= top or pos >= top):
            raise missing_permissions()
        changes.append((role, pos))
    for role, pos in changes:
        role.position = pos
    for role, _ in changes:
        fake.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(g.id), "role": role.payload()}, guild_id=g.id
        )
    return [r.payload() for r in sorted(g.roles.values(), key=lambda r: r.position)]


@route("DELETE", "/guilds/{guild_id}/roles/{role_id}")
async def delete_role(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.MANAGE_ROLES)
    role = require_role(g, req.id("role_id"))
    if role.id == g.id or role.managed:
        raise ApiError(400, 50028, "Invalid role")
    check_role_below_bot(fake, g, role)
    fake._delete_role(g, role)  # pyright: ignore[reportPrivateUsage]
    return None


# ---------------------------------------------------------------------- members
@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    return require_member(g, req.id("user_id")).payload()


@route("GET", "/guilds/{guild_id}/members")
async def list_members(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    limit = int(req.query.get("limit", "1"))
    if not 1 <= limit <= 1000:
        raise field_error("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 1000.")
    after = int(req.query.get("after", "0"))
    members = sorted((m for m in g.members.values() if m.id > after), key=lambda m: m.id)
    return [m.payload() for m in members[:limit]]


@route("GET", "/guilds/{guild_id}/members/search")
async def search_members(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    q = req.query.get("query", "").lower()
    limit = int(req.query.get("limit", "1"))
    found = [
        m
        for m in g.members.values()
        if m.user.username.lower().startswith(q) or (m.nick or "").lower().startswith(q)
    ]
    return [m.payload() for m in found[:limit]]


def _max_timeout() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=28)


@route("PATCH", "/guilds/{guild_id}/members/{user_id}")
async def edit_member(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    m = require_member(g, req.id("user_id"))
    body = req.json()
    bot_perms = fake.bot_permissions(g)
    if "nick" in body:
        if m.id == fake.bot_user.id:
            if not bot_perms & (P.CHANGE_NICKNAME | P.MANAGE_NICKNAMES):
                raise missing_permissions()
        else:
            if not bot_perms & P.MANAGE_NICKNAMES:
                raise missing_permissions()
            check_member_below_bot(fake, g, m)
        m.nick = body["nick"] or None
    if "roles" in body and body["roles"] is not None:
        if not bot_perms & P.MANAGE_ROLES:
            raise missing_permissions()
        new = [int(r) for r in body["roles"]]
        for rid in new:
            if rid not in g.roles:
                raise field_error("roles", "BASE_TYPE_INVALID", f"Unknown role {rid}")
        changed = set(new) ^ set(m.roles)
        for rid in changed:
            role = g.roles.get(rid)
            if role is None:
                continue
            if role.managed or rid == g.id:
                raise missing_permissions()
            check_role_below_bot(fake, g, role)
        m.roles = list(dict.fromkeys(new))
    if "communication_disabled_until" in body:
        if not bot_perms & P.MODERATE_MEMBERS:
            raise missing_permissions()
        check_member_below_bot(fake, g, m)
        if fake.member_permissions(g, m.id) & P.ADMINISTRATOR:
            raise missing_permissions()
        until = body["communication_disabled_until"]
        if until is not None:
            when = parse_iso(str(until))
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            if when > _max_timeout() + dt.timedelta(seconds=5):
                raise field_error(
                    "communication_disabled_until",
                    "BASE_TYPE_BAD_TIME",
                    "Timeout cannot be longer than 28 days",
                )
            m.communication_disabled_until = when.isoformat()
        else:
            m.communication_disabled_until = None
    for key in ("mute", "deaf", "channel_id"):
        if key in body and body[key] is not None:
            need(
                fake,
                g,
                {"mute": P.MUTE_MEMBERS, "deaf": P.DEAFEN_MEMBERS, "channel_id": P.MOVE_MEMBERS}[
                    key
                ],
            )
    fake.member_updated(m)
    return m.payload()


@route("PATCH", "/guilds/{guild_id}/members/@me")
async def edit_me(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    m = g.members[fake.bot_user.id]
    body = req.json()
    if "nick" in body:
        need(fake, g, P.CHANGE_NICKNAME)
        m.nick = body["nick"] or None
    fake.member_updated(m)
    return m.payload()


def _member_role(fake: Core, req: Req) -> tuple[Guild, Member, Role]:
    g = require_guild(fake, req)
    need(fake, g, P.MANAGE_ROLES)
    m = require_member(g, req.id("user_id"))
    role = require_role(g, req.id("role_id"))
    if role.managed or role.id == g.id:
        raise missing_permissions()
    check_role_below_bot(fake, g, role)
    return g, m, role


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(fake: Core, req: Req) -> Any:
    _g, m, role = _member_role(fake, req)
    if role.id not in m.roles:
        m.roles.append(role.id)
        fake.member_updated(m)


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(fake: Core, req: Req) -> Any:
    _g, m, role = _member_role(fake, req)
    if role.id in m.roles:
        m.roles.remove(role.id)
        fake.member_updated(m)


@route("DELETE", "/guilds/{guild_id}/members/{user_id}")
async def kick_member(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.KICK_MEMBERS)
    m = require_member(g, req.id("user_id"))
    check_member_below_bot(fake, g, m)
    fake.remove_member(g, m.user)


@route("PUT", "/guilds/{guild_id}/bans/{user_id}")
async def ban(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.BAN_MEMBERS)
    uid = req.id("user_id")
    user = fake.users.get(uid)
    if user is None:
        raise unknown("user")
    m = g.members.get(uid)
    if m is not None:
        check_member_below_bot(fake, g, m)
    g.bans.add(uid)
    fake.dispatch("GUILD_BAN_ADD", {"guild_id": str(g.id), "user": user.payload()}, guild_id=g.id)
    if m is not None:
        fake.remove_member(g, user)


@route("DELETE", "/guilds/{guild_id}/bans/{user_id}")
async def unban(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    need(fake, g, P.BAN_MEMBERS)
    uid = req.id("user_id")
    if uid not in g.bans:
        raise unknown("ban")
    g.bans.discard(uid)
    fake.dispatch(
        "GUILD_BAN_REMOVE",
        {"guild_id": str(g.id), "user": fake.users[uid].payload()},
        guild_id=g.id,
    )


# ---------------------------------------------------------------------- scheduled events
EXTERNAL = 3


def _event(g: Guild, req: Req) -> ScheduledEvent:
    ev = g.scheduled_events.get(req.id("guild_scheduled_event_id"))
    if ev is None:
        raise unknown("event")
    return ev


def _check_event(fake: Core, g: Guild, ev: ScheduledEvent, *, creating: bool) -> None:
    start = parse_iso(ev.scheduled_start_time)
    if creating and start < dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5):
        raise field_error(
            "scheduled_start_time",
            "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
            "Cannot schedule event in the past.",
        )
    if ev.scheduled_end_time is not None and parse_iso(ev.scheduled_end_time) <= start:
        raise field_error(
            "scheduled_end_time",
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "The end time must be after the start time.",
        )
    if ev.entity_type == EXTERNAL:
        if not (ev.entity_metadata or {}).get("location"):
            raise field_error(
                "entity_metadata.location", "BASE_TYPE_REQUIRED", "This field is required"
            )
        if ev.scheduled_end_time is None:
            raise field_error("scheduled_end_time", "BASE_TYPE_REQUIRED", "This field is required")
        if ev.channel_id is not None:
            raise field_error(
                "channel_id", "BASE_TYPE_INVALID", "External events cannot have a channel"
            )
    else:
        if ev.channel_id is None:
            raise field_error("channel_id", "BASE_TYPE_REQUIRED", "This field is required")
        ch = g.channels.get(ev.channel_id)
        if ch is None or ch.type not in ((2,) if ev.entity_type == 2 else (13,)):
            raise field_error(
                "channel_id", "BASE_TYPE_INVALID", "Channel type does not match the entity type"
            )


@route("GET", "/guilds/{guild_id}/scheduled-events")
async def list_events(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    return [e.payload() for e in g.scheduled_events.values()]


@route("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def get_event(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    return _event(g, req).payload()


@route("POST", "/guilds/{guild_id}/scheduled-events")
async def create_event(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    if not fake.bot_permissions(g) & (P.MANAGE_EVENTS | P.CREATE_EVENTS):
        raise missing_permissions()
    body = req.json()
    ev = ScheduledEvent(
        id=new_id(),
        guild_id=g.id,
        name=str(body["name"]),
        scheduled_start_time=str(body["scheduled_start_time"]),
        entity_type=int(body["entity_type"]),
        privacy_level=int(body.get("privacy_level") or 2),
        description=body.get("description"),
        scheduled_end_time=body.get("scheduled_end_time"),
        channel_id=int(body["channel_id"]) if body.get("channel_id") is not None else None,
        entity_metadata=body.get("entity_metadata"),
        creator_id=fake.bot_user.id,
        creator=fake.bot_user,
        image=None,
        recurrence_rule=body.get("recurrence_rule"),
    )
    _check_event(fake, g, ev, creating=True)
    g.scheduled_events[ev.id] = ev
    fake.dispatch("GUILD_SCHEDULED_EVENT_CREATE", ev.payload(), guild_id=g.id)
    return ev.payload()


_TRANSITIONS = {1: {2, 4}, 2: {3}}


@route("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def edit_event(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    ev = _event(g, req)
    if not fake.bot_permissions(g) & P.MANAGE_EVENTS and ev.creator_id != fake.bot_user.id:
        raise missing_permissions()
    body = req.json()
    if ev.status in (3, 4):
        raise ApiError(400, 180000, "Cannot update a finished event")
    status = body.get("status")
    if status is not None and int(status) != ev.status:
        if int(status) not in _TRANSITIONS.get(ev.status, set()):
            raise field_error(
                "status",
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                "Invalid status transition",
            )
        ev.status = int(status)
    for key in (
        "name",
        "description",
        "scheduled_start_time",
        "scheduled_end_time",
        "entity_metadata",
        "recurrence_rule",
    ):
        if key in body:
            setattr(ev, key, body[key])
    if "entity_type" in body and body["entity_type"] is not None:
        ev.entity_type = int(body["entity_type"])
    if "channel_id" in body:
        ev.channel_id = int(body["channel_id"]) if body["channel_id"] is not None else None
    if "privacy_level" in body and body["privacy_level"] is not None:
        ev.privacy_level = int(body["privacy_level"])
    if "image" in body:
        ev.image = "fakeimagehash" if body["image"] else None
    _check_event(fake, g, ev, creating="scheduled_start_time" in body)
    fake.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", ev.payload(), guild_id=g.id)
    return ev.payload()


@route("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def delete_event(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    ev = _event(g, req)
    if not fake.bot_permissions(g) & P.MANAGE_EVENTS and ev.creator_id != fake.bot_user.id:
        raise missing_permissions()
    del g.scheduled_events[ev.id]
    fake.dispatch("GUILD_SCHEDULED_EVENT_DELETE", ev.payload(), guild_id=g.id)


@route("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users")
async def event_users(fake: Core, req: Req) -> Any:
    g = require_guild(fake, req)
    _event(g, req)
    return []


# ---------------------------------------------------------------------- users, login, gateway
@route("GET", "/users/@me")
async def me(fake: Core, req: Req) -> Any:
    return {
        **fake.bot_user.payload(),
        "verified": True,
        "mfa_enabled": False,
        "email": None,
        "locale": "en-US",
    }


@route("GET", "/users/{user_id}")
async def get_user(fake: Core, req: Req) -> Any:
    u = fake.users.get(req.id("user_id"))
    if u is None:
        raise unknown("user")
    return u.payload()


@route("GET", "/users/@me/guilds")
async def my_guilds(fake: Core, req: Req) -> Any:
    out: list[JSON] = []
    for g in fake.guilds.values():
        if fake.bot_user.id in g.members:
            out.append(
                {
                    "id": str(g.id),
                    "name": g.name,
                    "icon": None,
                    "owner": g.owner_id == fake.bot_user.id,
                    "permissions": str(fake.bot_permissions(g)),
                    "features": g.features,
                    "banner": None,
                }
            )
    return out


@route("GET", "/oauth2/applications/@me")
async def application(fake: Core, req: Req) -> Any:
    return _application(fake)


@route("GET", "/applications/@me")
async def application_me(fake: Core, req: Req) -> Any:
    return _application(fake)


def _application(fake: Core) -> JSON:
    owner = next(iter(u for u in fake.users.values() if not u.bot), None) or fake.bot_user
    return {
        "id": str(fake.application_id),
        "name": fake.bot_user.global_name or fake.bot_user.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "rpc_origins": [],
        "bot_public": False,
        "bot_require_code_grant": False,
        "bot": fake.bot_user.payload(),
        "owner": owner.payload(),
        "team": None,
        "verify_key": "0" * 64,
        "flags": (1 << 15) | (1 << 19),
        "hook": True,
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "redirect_uris": [],
        "approximate_guild_count": len(fake.guilds),
        "integration_types_config": {"0": {}},
        "event_webhooks_status": 1,
    }


@route("GET", "/gateway")
async def gateway(fake: Core, req: Req) -> Any:
    return {"url": fake.gateway_url.rstrip("/")}


@route("GET", "/gateway/bot")
async def gateway_bot(fake: Core, req: Req) -> Any:
    return {
        "url": fake.gateway_url.rstrip("/"),
        "shards": fake.gateway.recommended_shards,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 14400000,
            "max_concurrency": 1,
        },
    }
