"""The fake's world: guilds, users, roles, channels, messages... and the hand-made changes a
person would make in Discord's UI (each dispatches the matching gateway event)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import perms as P
from .models import (
    DM,
    GUILD_CATEGORY,
    GUILD_TEXT,
    GUILD_VOICE,
    JSON,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    iso,
    new_id,
)

OverwriteSpec = Overwrite | Mapping[str, Any]
SYSTEM_MESSAGE_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 18, 21, 22, 24})
HasId = int | User | Role | Channel | Guild | Member | Message


def id_of(x: HasId | str) -> int:
    if isinstance(x, int):
        return x
    if isinstance(x, str):
        return int(x)
    return x.id


class World:
    """All state of the fake Discord. Tests read it to assert what the bot did."""

    def __init__(self, *, bot_name: str = "Support Bot") -> None:
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}  # every channel: guild channels, threads, DMs
        self.messages: dict[
            int, list[Message]
        ] = {}  # channel id -> messages in order (incl. deleted)
        self.message_index: dict[int, Message] = {}  # includes ephemeral messages
        self.global_commands: dict[int, JSON] = {}
        self.dm_channels: dict[int, Channel] = {}  # user id -> DM channel with the bot
        self.bot_user = self.create_user(
            bot_name.lower().replace(" ", "-"), global_name=bot_name, bot=True
        )
        self.application_id = self.bot_user.id

    # ------------------------------------------------------------------ dispatch hook
    def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> None:
        """Send a gateway event to the connected bot (overridden by FakeDiscord)."""

    # ------------------------------------------------------------------ world building
    def create_user(
        self,
        username: str,
        *,
        locale: str = "en-US",
        global_name: str | None = None,
        bot: bool = False,
    ) -> User:
        user = User(
            id=new_id(),
            username=username,
            global_name=global_name or username.title(),
            locale=locale,
            bot=bot,
        )
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Hope Circle",
        owner: User | None = None,
        *,
        locale: str = "en-US",
        bot_permissions: int = P.DEFAULT_BOT,
        everyone_permissions: int = P.DEFAULT_EVERYONE,
        features: Iterable[str] = (),
    ) -> Guild:
        gid = new_id()
        if owner is None:
            owner = self.create_user(f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-owner")
        g = Guild(
            id=gid, name=name, owner_id=owner.id, preferred_locale=locale, features=list(features)
        )
        g.roles[gid] = Role(
            id=gid, guild_id=gid, name="@everyone", permissions=everyone_permissions, position=0
        )
        bot_role = Role(
            id=new_id(),
            guild_id=gid,
            name=self.bot_user.global_name or self.bot_user.username,
            permissions=bot_permissions,
            position=1,
            managed=True,
            tags={"bot_id": str(self.bot_user.id)},
        )
        g.roles[bot_role.id] = bot_role
        g.bot_role_id = bot_role.id
        g.members[owner.id] = Member(guild_id=gid, user=owner)
        g.members[self.bot_user.id] = Member(guild_id=gid, user=self.bot_user, roles=[bot_role.id])
        self.guilds[gid] = g
        self.dispatch("GUILD_CREATE", self.guild_create_payload(g), guild_id=gid)
        return g

    def add_member(
        self, guild: Guild, user: User, roles: Iterable[HasId] = (), *, nick: str | None = None
    ) -> Member:
        m = Member(guild_id=guild.id, user=user, roles=[id_of(r) for r in roles], nick=nick)
        guild.members[user.id] = m
        self.dispatch(
            "GUILD_MEMBER_ADD", {**m.payload(), "guild_id": str(guild.id)}, guild_id=guild.id
        )
        return m

    def remove_member(self, guild: Guild, user: User) -> None:
        if guild.members.pop(user.id, None) is not None:
            self.dispatch(
                "GUILD_MEMBER_REMOVE",
                {"guild_id": str(guild.id), "user": user.payload()},
                guild_id=guild.id,
            )

    def set_member_roles(self, guild: Guild, user: User, role_ids: Iterable[HasId]) -> Member:
        m = self.member(guild, user)
        m.roles = [id_of(r) for r in role_ids]
        self.member_updated(m)
        return m

    def set_timeout(self, guild: Guild, user: User, until: str | None) -> Member:
        m = self.member(guild, user)
        m.communication_disabled_until = until
        self.member_updated(m)
        return m

    def member_updated(self, m: Member) -> None:
        self.dispatch(
            "GUILD_MEMBER_UPDATE", {**m.payload(), "guild_id": str(m.guild_id)}, guild_id=m.guild_id
        )

    def create_role(
        self,
        guild: Guild,
        name: str,
        permissions: int = 0,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> Role:
        return self._insert_role(
            guild,
            Role(
                id=new_id(),
                guild_id=guild.id,
                name=name,
                permissions=permissions,
                color=color,
                hoist=hoist,
                mentionable=mentionable,
            ),
        )

    def _insert_role(self, guild: Guild, role: Role) -> Role:
        """New roles land at position 1 (just above @everyone); the others move up."""
        shifted = [r for r in guild.roles.values() if r.id != guild.id]
        for r in shifted:
            r.position += 1
        role.position = 1
        guild.roles[role.id] = role
        self.dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.payload()},
            guild_id=guild.id,
        )
        for r in shifted:
            self.dispatch(
                "GUILD_ROLE_UPDATE",
                {"guild_id": str(guild.id), "role": r.payload()},
                guild_id=guild.id,
            )
        return role

    def delete_role(self, role: Role) -> None:
        guild = self.guilds[role.guild_id]
        self._delete_role(guild, role)

    def _delete_role(self, guild: Guild, role: Role) -> None:
        guild.roles.pop(role.id, None)
        for m in guild.members.values():
            if role.id in m.roles:
                m.roles.remove(role.id)
        self.dispatch(
            "GUILD_ROLE_DELETE",
            {"guild_id": str(guild.id), "role_id": str(role.id)},
            guild_id=guild.id,
        )
        for c in guild.channels.values():
            before = len(c.permission_overwrites)
            c.permission_overwrites = [
                o for o in c.permission_overwrites if not (o.type == 0 and o.id == role.id)
            ]
            if len(c.permission_overwrites) != before:
                self.dispatch("CHANNEL_UPDATE", c.payload(), guild_id=guild.id)

    def make_admin(self, guild: Guild, user: User) -> Role:
        role = next(
            (
                r
                for r in guild.roles.values()
                if r.name == "Admin" and r.permissions & P.ADMINISTRATOR
            ),
            None,
        )
        if role is None:
            role = self.create_role(guild, "Admin", P.ADMINISTRATOR)
        if user.id not in guild.members:
            self.add_member(guild, user)
        m = guild.members[user.id]
        if role.id not in m.roles:
            m.roles.append(role.id)
            self.member_updated(m)
        return role

    def set_command_permissions(
        self, guild: Guild, command: str | int, permissions: list[JSON]
    ) -> None:
        """An admin edits a command's overrides in Server Settings > Integrations.

        `command`: a command name (guild command first, then global), a command id, or the
        application id (overrides for all of the bot's commands). `permissions`: Discord's
        `[{"id": role/user/channel id, "type": 1 role | 2 user | 3 channel, "permission": bool}]`
        (@everyone is the guild id, "all channels" is guild id - 1)."""
        if isinstance(command, str):
            cmd = next(
                (
                    c
                    for c in [*guild.commands.values(), *self.global_commands.values()]
                    if c["name"] == command
                ),
                None,
            )
            if cmd is None:
                raise KeyError(f"no command named {command!r}")
            cid = int(cmd["id"])
        else:
            cid = command
        perms = [
            {"id": str(p["id"]), "type": int(p["type"]), "permission": bool(p["permission"])}
            for p in permissions
        ]
        guild.command_permissions[cid] = perms
        self.dispatch(
            "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
            {
                "id": str(cid),
                "application_id": str(self.application_id),
                "guild_id": str(guild.id),
                "permissions": perms,
            },
            guild_id=guild.id,
        )

    def command_allowed(self, guild: Guild, cmd: JSON, user: User, channel: Channel) -> bool:
        """Whether Discord shows `cmd` to `user` in `channel`: Integrations overrides first,
        then default_member_permissions."""
        perms = self.member_permissions(guild, user, channel)
        if perms & P.ADMINISTRATOR or perms == P.ALL:
            return True
        member = guild.members.get(user.id)
        role_ids = set(member.roles) if member else set()

        def decide(overrides: list[JSON]) -> bool | None:
            channel_ids = {channel.id, channel.parent_id or 0}
            chan = [o for o in overrides if o["type"] == 3 and int(o["id"]) in channel_ids]
            all_chan = [o for o in overrides if o["type"] == 3 and int(o["id"]) == guild.id - 1]
            if any(not o["permission"] for o in chan) or (
                not chan and any(not o["permission"] for o in all_chan)
            ):
                return False
            mine = [o for o in overrides if o["type"] == 2 and int(o["id"]) == user.id]
            if mine:
                return mine[0]["permission"]
            roles = [o for o in overrides if o["type"] == 1 and int(o["id"]) in role_ids]
            if roles:
                return any(o["permission"] for o in roles)
            everyone = [o for o in overrides if o["type"] == 1 and int(o["id"]) == guild.id]
            if everyone:
                return everyone[0]["permission"]
            return None

        for key in (int(cmd["id"]), self.application_id):
            verdict = decide(guild.command_permissions.get(key, []))
            if verdict is not None:
                return verdict
        dmp = cmd.get("default_member_permissions")
        if dmp is None:
            return True
        required = int(dmp)
        return required != 0 and perms & required == required

    def close_dms(self, user: User) -> None:
        user.dms_closed = True

    def open_dms(self, user: User) -> None:
        user.dms_closed = False

    def _overwrites(self, overwrites: Iterable[OverwriteSpec]) -> list[Overwrite]:
        out: list[Overwrite] = []
        for o in overwrites:
            if isinstance(o, Overwrite):
                out.append(Overwrite(o.id, o.type, o.allow, o.deny))
            else:
                out.append(
                    Overwrite(
                        int(o["id"]),
                        int(o.get("type", 0)),
                        int(o.get("allow", 0) or 0),
                        int(o.get("deny", 0) or 0),
                    )
                )
        return out

    def _create_channel(
        self,
        guild: Guild,
        type_: int,
        name: str,
        *,
        parent: Channel | int | None = None,
        overwrites: Iterable[OverwriteSpec] = (),
        topic: str | None = None,
        dispatch: bool = True,
    ) -> Channel:
        same_kind = [c for c in guild.channels.values() if not c.is_thread]
        c = Channel(
            id=new_id(),
            type=type_,
            guild_id=guild.id,
            name=name,
            topic=topic,
            position=len(same_kind),
            parent_id=id_of(parent) if parent is not None else None,
            permission_overwrites=self._overwrites(overwrites),
        )
        guild.channels[c.id] = c
        self.channels[c.id] = c
        self.messages[c.id] = []
        if dispatch:
            self.dispatch("CHANNEL_CREATE", c.payload(), guild_id=guild.id)
        return c

    def create_text_channel(
        self,
        guild: Guild,
        name: str,
        parent: Channel | None = None,
        overwrites: Iterable[OverwriteSpec] = (),
        *,
        topic: str | None = None,
    ) -> Channel:
        return self._create_channel(
            guild, GUILD_TEXT, name, parent=parent, overwrites=overwrites, topic=topic
        )

    def create_category(
        self, guild: Guild, name: str, overwrites: Iterable[OverwriteSpec] = ()
    ) -> Channel:
        return self._create_channel(guild, GUILD_CATEGORY, name, overwrites=overwrites)

    def create_voice_channel(
        self,
        guild: Guild,
        name: str,
        parent: Channel | None = None,
        overwrites: Iterable[OverwriteSpec] = (),
    ) -> Channel:
        return self._create_channel(guild, GUILD_VOICE, name, parent=parent, overwrites=overwrites)

    def create_thread(
        self, channel: Channel, name: str, owner: User, *, private: bool = False
    ) -> Channel:
        """A thread a person started in `channel` (THREAD_CREATE)."""
        return self._new_thread(channel, name, owner, private=private)

    def _new_thread(
        self,
        parent: Channel,
        name: str,
        owner: User,
        *,
        private: bool = False,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
        invitable: bool = True,
    ) -> Channel:
        assert parent.guild_id is not None
        guild = self.guilds[parent.guild_id]
        t = Channel(
            id=thread_id or new_id(),
            type=PRIVATE_THREAD if private else PUBLIC_THREAD,
            guild_id=guild.id,
            name=name,
            parent_id=parent.id,
            owner_id=owner.id,
            member_ids=[owner.id],
            auto_archive_duration=auto_archive_duration,
            invitable=invitable,
        )
        guild.channels[t.id] = t
        self.channels[t.id] = t
        self.messages[t.id] = []
        self.dispatch("THREAD_CREATE", {**t.payload(), "newly_created": True}, guild_id=guild.id)
        return t

    def delete_channel(self, channel: Channel) -> None:
        assert channel.guild_id is not None
        guild = self.guilds[channel.guild_id]
        guild.channels.pop(channel.id, None)
        self.channels.pop(channel.id, None)
        self.dispatch(
            "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE",
            self._delete_payload(channel),
            guild_id=guild.id,
        )
        for c in list(guild.channels.values()):
            if c.parent_id == channel.id:
                if c.is_thread:
                    guild.channels.pop(c.id, None)
                    self.channels.pop(c.id, None)
                else:
                    c.parent_id = None
                    self.dispatch("CHANNEL_UPDATE", c.payload(), guild_id=guild.id)

    def _delete_payload(self, channel: Channel) -> JSON:
        data = channel.payload()
        if channel.is_thread:
            return {
                "id": str(channel.id),
                "guild_id": str(channel.guild_id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
        return data

    def rename_channel(self, channel: Channel, name: str) -> None:
        channel.name = name
        self.dispatch("CHANNEL_UPDATE", channel.payload(), guild_id=channel.guild_id)

    def set_overwrites(self, channel: Channel, overwrites: Iterable[OverwriteSpec]) -> None:
        channel.permission_overwrites = self._overwrites(overwrites)
        self.dispatch("CHANNEL_UPDATE", channel.payload(), guild_id=channel.guild_id)

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = permissions
        self.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.payload()},
            guild_id=role.guild_id,
        )

    # ------------------------------------------------------------------ lookups
    def guild(self, guild_id: HasId) -> Guild:
        return self.guilds[id_of(guild_id)]

    def member(self, guild: Guild, user: HasId) -> Member:
        try:
            return guild.members[id_of(user)]
        except KeyError:
            raise KeyError(f"user {id_of(user)} is not a member of {guild.name}") from None

    def channel(self, channel_id: HasId) -> Channel:
        return self.channels[id_of(channel_id)]

    def role(self, role_id: HasId) -> Role:
        rid = id_of(role_id)
        for g in self.guilds.values():
            if rid in g.roles:
                return g.roles[rid]
        raise KeyError(f"no role {rid}")

    def message(self, message_id: HasId) -> Message:
        return self.message_index[id_of(message_id)]

    def channel_by_name(self, guild: Guild, name: str, *, type: int | None = None) -> Channel:
        for c in guild.channels.values():
            if c.name == name and (type is None or c.type == type):
                return c
        raise KeyError(
            f"no channel named {name!r} in {guild.name};"
            f" have {sorted(str(c.name) for c in guild.channels.values())}"
        )

    def find_channel(self, guild: Guild, name: str) -> Channel | None:
        return next((c for c in guild.channels.values() if c.name == name), None)

    def role_by_name(self, guild: Guild, name: str) -> Role:
        for r in guild.roles.values():
            if r.name == name:
                return r
        raise KeyError(
            f"no role named {name!r} in {guild.name};"
            f" have {sorted(r.name for r in guild.roles.values())}"
        )

    def find_role(self, guild: Guild, name: str) -> Role | None:
        return next((r for r in guild.roles.values() if r.name == name), None)

    def threads_in(self, channel: HasId) -> list[Channel]:
        cid = id_of(channel)
        return [c for c in self.channels.values() if c.is_thread and c.parent_id == cid]

    def messages_in(self, channel: HasId, *, include_system: bool = True) -> list[Message]:
        """Messages in a channel, oldest first (deleted and ephemeral ones excluded).

        System messages Discord adds itself (6 "pinned a message", 18 "started a thread") are
        included unless `include_system=False`."""
        return [
            m
            for m in self.messages.get(id_of(channel), [])
            if not m.deleted and (include_system or m.type not in SYSTEM_MESSAGE_TYPES)
        ]

    def dm_channel(self, user: HasId) -> Channel | None:
        return self.dm_channels.get(id_of(user))

    def dm_messages(self, user: HasId) -> list[Message]:
        ch = self.dm_channels.get(id_of(user))
        return [] if ch is None else self.messages_in(ch)

    def commands(self, guild: Guild | None = None) -> list[JSON]:
        return list((guild.commands if guild is not None else self.global_commands).values())

    def command_names(self, guild: Guild | None = None) -> list[str]:
        return sorted(c["name"] for c in self.commands(guild))

    def scheduled_events(self, guild: Guild) -> list[Any]:
        return list(guild.scheduled_events.values())

    # ------------------------------------------------------------------ permissions
    def member_permissions(self, guild: Guild, user: HasId, channel: Channel | None = None) -> int:
        m = guild.members.get(id_of(user))
        if m is None:
            return 0
        timed_out = m.timed_out()
        base = P.base_permissions(
            is_owner=m.id == guild.owner_id,
            everyone_perms=guild.roles[guild.id].permissions,
            role_perms=(guild.roles[r].permissions for r in m.roles if r in guild.roles),
            timed_out=timed_out,
        )
        if channel is None:
            return base
        target = channel
        if (
            channel.is_thread
            and channel.parent_id is not None
            and channel.parent_id in self.channels
        ):
            target = self.channels[channel.parent_id]
        return P.apply_overwrites(
            base,
            guild_id=guild.id,
            member_id=m.id,
            member_role_ids=m.roles,
            overwrites=target.permission_overwrites,
            timed_out=timed_out,
        )

    def bot_permissions(self, guild: Guild, channel: Channel | None = None) -> int:
        return self.member_permissions(guild, self.bot_user, channel)

    def top_role_position(self, guild: Guild, user: HasId) -> int:
        m = guild.members.get(id_of(user))
        if m is None:
            return 0
        return max((guild.roles[r].position for r in m.roles if r in guild.roles), default=0)

    # ------------------------------------------------------------------ payloads
    def guild_create_payload(self, g: Guild, *, with_members: bool = True) -> JSON:
        data = g.payload()
        members = list(g.members.values()) if with_members else [g.members[self.bot_user.id]]
        data.update(
            {
                "joined_at": g.members[self.bot_user.id].joined_at,
                "large": False,
                "unavailable": False,
                "member_count": len(g.members),
                "voice_states": [],
                "members": [m.payload() for m in members],
                "channels": [c.payload() for c in g.channels.values() if not c.is_thread],
                "threads": [
                    c.payload()
                    for c in g.channels.values()
                    if c.is_thread
                    and not c.archived
                    and (c.type == PUBLIC_THREAD or self.bot_user.id in c.member_ids)
                ],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [e.payload() for e in g.scheduled_events.values()],
                "soundboard_sounds": [],
                "lazy": True,
            }
        )
        return data

    def channel_payload_for(
        self, channel: Channel, guild: Guild | None, viewer: HasId | None
    ) -> JSON:
        data = channel.payload()
        if guild is not None and viewer is not None:
            data["permissions"] = str(self.member_permissions(guild, viewer, channel))
        return data

    def get_or_create_dm(self, user: User) -> Channel:
        ch = self.dm_channels.get(user.id)
        if ch is None:
            ch = Channel(id=new_id(), type=DM, guild_id=None, recipients=[user])
            self.dm_channels[user.id] = ch
            self.channels[ch.id] = ch
            self.messages[ch.id] = []
        return ch

    def now(self) -> str:
        return iso()
