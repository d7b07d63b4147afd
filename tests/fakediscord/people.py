"""Acting as a person: messages, DMs, slash/context-menu commands, autocomplete, component
clicks, modal submits, joins and leaves. Each helper builds the payload Discord would send and
refuses (InteractionRefused) what Discord's client would not let a person do."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from . import interactions as I
from . import perms as P
from .core import Core
from .errors import InteractionRefused
from .faults import Recorded
from .interactions import InteractionResult, PendingInteraction
from .messaging import compute_mentions, dispatch_update, message_payload, store_message
from .models import (
    GUILD_TEXT,
    JSON,
    THREAD_TYPES,
    Channel,
    Guild,
    Member,
    Message,
    User,
    iso,
    iter_components,
    new_id,
)
from .world import HasId, id_of

DM_PERMISSIONS = (
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.USE_EXTERNAL_EMOJIS
    | P.USE_APPLICATION_COMMANDS
)
SELECT_TYPES = {3, 5, 6, 7, 8}


class People(Core):
    # ------------------------------------------------------------------ waiting helpers
    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5, interval: float = 0.01
    ) -> None:
        """Poll `predicate` until true (effects of gateway events the bot handles on its own)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(interval)

    async def wait_for_request(
        self,
        method: str | None = None,
        path_regex: str = ".*",
        *,
        count: int = 1,
        timeout: float = 5,
    ) -> Recorded:
        """Wait until `count` matching requests were answered; returns the last one."""
        await self.wait_until(
            lambda: sum(1 for r in self.requests_to(method, path_regex) if r.status) >= count,
            timeout,
        )
        return [r for r in self.requests_to(method, path_regex) if r.status][count - 1]

    async def wait_for_message(
        self,
        channel: HasId,
        predicate: Callable[[Message], bool] = lambda m: True,
        *,
        timeout: float = 5,
    ) -> Message:
        """The first message in `channel` (by anyone) matching `predicate`, waiting for it."""
        found: list[Message] = []

        def check() -> bool:
            found[:] = [m for m in self.messages_in(channel) if predicate(m)]
            return bool(found)

        await self.wait_until(check, timeout)
        return found[0]

    # ------------------------------------------------------------------ messages
    def _check_can_post(self, user: User, channel: Channel) -> Guild | None:
        guild = self.guilds.get(channel.guild_id) if channel.guild_id is not None else None
        if guild is None:
            return None
        if user.id not in guild.members:
            raise InteractionRefused(f"{user.username} is not a member of {guild.name}")
        perms = self.member_permissions(guild, user, channel)
        need = P.VIEW_CHANNEL | (
            P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
        )
        if perms & need != need:
            raise InteractionRefused(f"{user.username} cannot send messages in #{channel.name}")
        if (
            channel.type == 12
            and user.id not in channel.member_ids
            and not perms & P.MANAGE_THREADS
        ):
            raise InteractionRefused(f"{user.username} cannot see private thread #{channel.name}")
        return guild

    async def send_message(
        self,
        user: User,
        channel: Channel,
        content: str,
        *,
        reply_to: Message | None = None,
        embeds: list[JSON] | None = None,
    ) -> Message:
        """A person posts in a guild channel or thread (MESSAGE_CREATE)."""
        self._check_can_post(user, channel)
        msg = Message(
            id=new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=user,
            content=content,
            embeds=list(embeds or []),
        )
        if reply_to is not None:
            msg.type = 19
            msg.message_reference = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
                "guild_id": str(reply_to.guild_id) if reply_to.guild_id else None,
            }
            msg.referenced_message = message_payload(
                self, self.message_index.get(reply_to.id, reply_to)
            )
        compute_mentions(self, msg)
        store_message(self, msg)
        await asyncio.sleep(0)
        return msg

    async def edit_message(self, user: User, message: Message, content: str) -> Message:
        live = self.message_index.get(message.id)
        if live is None or live.deleted:
            raise InteractionRefused("message does not exist")
        if live.author.id != user.id:
            raise InteractionRefused(f"{user.username} cannot edit someone else's message")
        live.content = content
        live.edited_timestamp = iso()
        compute_mentions(self, live)
        dispatch_update(self, live)
        await asyncio.sleep(0)
        return live

    async def delete_message(self, user: User, message: Message) -> None:
        from .rest_channels import delete_message_state

        live = self.message_index.get(message.id)
        if live is None or live.deleted:
            raise InteractionRefused("message does not exist")
        if live.author.id != user.id:
            guild = self.guilds.get(live.guild_id) if live.guild_id else None
            ch = self.channels.get(live.channel_id)
            if (
                guild is None
                or ch is None
                or not self.member_permissions(guild, user, ch) & P.MANAGE_MESSAGES
            ):
                raise InteractionRefused(f"{user.username} cannot delete that message")
        delete_message_state(self, live)
        await asyncio.sleep(0)

    async def send_dm(self, user: User, content: str) -> Message:
        """A person writes to the bot in DMs (MESSAGE_CREATE without guild_id)."""
        if not any(user.id in g.members for g in self.guilds.values()):
            raise InteractionRefused(f"{user.username} shares no server with the bot")
        ch = self.get_or_create_dm(user)
        msg = Message(id=new_id(), channel_id=ch.id, guild_id=None, author=user, content=content)
        compute_mentions(self, msg)
        store_message(self, msg)
        await asyncio.sleep(0)
        return msg

    async def member_join(
        self, guild: Guild, user: User, roles: list[HasId] | None = None
    ) -> Member:
        m = self.add_member(guild, user, roles or [])
        await asyncio.sleep(0)
        return m

    async def member_leave(self, guild: Guild, user: User) -> None:
        self.remove_member(guild, user)
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ interaction plumbing
    def _default_channel(self, user: User, guild: Guild) -> Channel:
        for c in guild.channels.values():
            if c.type == GUILD_TEXT and self.member_permissions(guild, user, c) & P.VIEW_CHANNEL:
                return c
        raise InteractionRefused(
            f"no text channel in {guild.name} that {user.username} can see; pass channel="
        )

    def _where(
        self, user: User, guild: Guild | None, channel: Channel | None
    ) -> tuple[Guild | None, Channel]:
        if channel is not None:
            g = self.guilds.get(channel.guild_id) if channel.guild_id is not None else None
            if guild is not None and g is not guild:
                raise InteractionRefused("channel is not in that guild")
            guild = g
        elif guild is not None:
            channel = self._default_channel(user, guild)
        else:
            channel = self.get_or_create_dm(user)
        if guild is not None:
            if user.id not in guild.members:
                raise InteractionRefused(f"{user.username} is not a member of {guild.name}")
            perms = self.member_permissions(guild, user, channel)
            if not perms & P.VIEW_CHANNEL:
                raise InteractionRefused(f"{user.username} cannot see #{channel.name}")
        return guild, channel

    def _partial_channel(self, channel: Channel, guild: Guild | None, user: User) -> JSON:
        data = self.channel_payload_for(channel, guild, user)
        if guild is None:
            data["permissions"] = str(DM_PERMISSIONS)
        return data

    def _member_json(self, guild: Guild, user: User, channel: Channel | None) -> JSON:
        m = self.member(guild, user)
        return m.payload(permissions=self.member_permissions(guild, user, channel))

    def _start_interaction(
        self,
        kind: int,
        user: User,
        guild: Guild | None,
        channel: Channel,
        data: JSON,
        *,
        source_message: Message | None = None,
        command: JSON | None = None,
    ) -> PendingInteraction:
        iid = new_id()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": str(channel.id),
            "channel": self._partial_channel(channel, guild, user),
            "locale": user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
            "context": 0 if guild is not None else 1,
            "authorizing_integration_owners": {"0": str(guild.id) if guild is not None else "0"},
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {
                "id": str(guild.id),
                "locale": guild.preferred_locale,
                "features": list(guild.features),
            }
            payload["guild_locale"] = guild.preferred_locale
            payload["member"] = self._member_json(guild, user, channel)
            payload["app_permissions"] = str(self.bot_permissions(guild, channel))
        else:
            payload["user"] = user.payload()
            payload["app_permissions"] = str(DM_PERMISSIONS)
        if source_message is not None:
            payload["message"] = message_payload(self, source_message)
        result = InteractionResult(iid, kind, user=user, guild=guild, channel=channel)
        result.payload = payload
        p = PendingInteraction(
            id=iid,
            token=token,
            kind=kind,
            user=user,
            guild=guild,
            channel=channel,
            created=asyncio.get_running_loop().time(),
            result=result,
            source_message=source_message,
            command=command,
        )
        self.pending[iid] = p
        self.pending_by_token[token] = p
        self.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        return p

    async def _settle(
        self, p: PendingInteraction, *, timeout: float | None, wait: bool
    ) -> InteractionResult:
        result = p.result
        deadline = self.interaction_deadline + 0.05
        try:
            await result.wait_for(lambda r: r.type is not None, deadline)
        except TimeoutError:
            if result.type is None:
                result.error_status = 10062
            return result
        if wait and result.type in (I.DEFERRED_CHANNEL_MESSAGE, I.DEFERRED_UPDATE_MESSAGE):
            limit = self.helper_timeout if timeout is None else timeout
            await self._follow_up(result, limit)
        return result

    async def _follow_up(self, result: InteractionResult, limit: float) -> None:
        """After a deferred answer: until its follow-up (a message, or the original deleted)
        arrives, or the bots of this process have nothing left to do (`bots_quiet`: then none
        is coming; a deferred update may well send none), at most `limit` seconds."""
        settled = False

        async def quiet() -> None:
            nonlocal settled
            try:
                await asyncio.gather(*(check(limit) for check in list(self.bots_quiet)))
            except Exception:
                return  # the bots' barrier failed (timed out): wait for the follow-up as before
            settled = True
            result._notify()  # pyright: ignore[reportPrivateUsage]

        watcher = asyncio.ensure_future(quiet()) if self.bots_quiet else None
        try:
            await result.wait_for(
                lambda r: bool(r.messages) or r.deleted_original or settled, limit
            )
        except TimeoutError:
            pass
        finally:
            if watcher is not None:
                watcher.cancel()  # not awaited: the caller goes on at once, as before

    # ------------------------------------------------------------------ commands
    def _find_command(self, name: str, ctype: int, guild: Guild | None) -> JSON:
        pools: list[dict[int, JSON]] = ([guild.commands] if guild is not None else []) + [
            self.global_commands
        ]
        for pool in pools:
            for cmd in pool.values():
                if cmd["name"] == name and (cmd.get("type") or 1) == ctype:
                    return cmd
        where = f"in {guild.name}" if guild else "globally"
        raise InteractionRefused(
            f"the bot registered no {('', 'slash', 'user', 'message')[ctype]} command"
            f" {name!r} {where}"
        )

    def _check_command_usable(
        self, cmd: JSON, user: User, guild: Guild | None, channel: Channel
    ) -> None:
        if guild is None:
            contexts = cmd.get("contexts")
            if (
                cmd.get("guild_id") is not None
                or cmd.get("dm_permission") is False
                or (contexts is not None and 1 not in contexts)
            ):
                raise InteractionRefused(f"command {cmd['name']!r} is not available in DMs")
            return
        contexts = cmd.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise InteractionRefused(f"command {cmd['name']!r} is not available in servers")
        perms = self.member_permissions(guild, user, channel)
        if not perms & P.USE_APPLICATION_COMMANDS:
            raise InteractionRefused(
                f"{user.username} cannot use application commands in #{channel.name}"
            )
        if not self.command_allowed(guild, cmd, user, channel):
            raise InteractionRefused(
                f"{user.username} may not use command {cmd['name']!r} here (permissions)"
            )

    def _option_json(
        self,
        opt: JSON,
        value: Any,
        resolved: dict[str, dict[str, JSON]],
        user: User,
        guild: Guild | None,
        channel: Channel,
    ) -> JSON:
        t = int(opt["type"])
        name = opt["name"]
        out: JSON = {"name": name, "type": t}
        if t == 3:
            if not isinstance(value, str):
                raise InteractionRefused(f"option {name!r} takes a string")
            if ("min_length" in opt and len(value) < int(opt["min_length"])) or (
                "max_length" in opt and len(value) > int(opt["max_length"])
            ):
                raise InteractionRefused(f"option {name!r}: length out of bounds")
            out["value"] = value
        elif t in (4, 10):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (t == 4 and not isinstance(value, int))
            ):
                raise InteractionRefused(f"option {name!r} takes a number")
            if opt.get("min_value") is not None and value < opt["min_value"]:
                raise InteractionRefused(f"option {name!r}: below min_value")
            if opt.get("max_value") is not None and value > opt["max_value"]:
                raise InteractionRefused(f"option {name!r}: above max_value")
            out["value"] = value
        elif t == 5:
            if not isinstance(value, bool):
                raise InteractionRefused(f"option {name!r} takes a boolean")
            out["value"] = value
        elif t in (6, 7, 8, 9):
            oid = id_of(value)
            out["value"] = str(oid)
            self._resolve(t, oid, name, opt, resolved, user, guild, channel)
        else:
            raise InteractionRefused(f"option type {t} is not supported by the fake")
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise InteractionRefused(f"option {name!r}: {value!r} is not one of the choices")
        return out

    def _resolve(
        self,
        t: int,
        oid: int,
        name: str,
        opt: JSON,
        resolved: dict[str, dict[str, JSON]],
        user: User,
        guild: Guild | None,
        channel: Channel,
    ) -> None:
        if t in (6, 9) and oid in self.users:
            target = self.users[oid]
            if guild is not None and t == 6 and oid not in guild.members and not target.bot:
                pass  # Discord allows picking any user by id; no member object then
            resolved.setdefault("users", {})[str(oid)] = target.payload()
            if guild is not None and oid in guild.members:
                resolved.setdefault("members", {})[str(oid)] = guild.members[oid].payload(
                    with_user=False, permissions=self.member_permissions(guild, oid, channel)
                )
            return
        if t in (8, 9) and guild is not None and oid in guild.roles:
            resolved.setdefault("roles", {})[str(oid)] = guild.roles[oid].payload()
            return
        if t == 7:
            ch = self.channels.get(oid)
            if ch is None or guild is None or ch.guild_id != guild.id:
                raise InteractionRefused(f"option {name!r}: no such channel {oid} in this server")
            if not self.member_permissions(guild, user, ch) & P.VIEW_CHANNEL:
                raise InteractionRefused(f"option {name!r}: {user.username} cannot see #{ch.name}")
            types = opt.get("channel_types")
            if types and ch.type not in types:
                raise InteractionRefused(
                    f"option {name!r}: channel type {ch.type} not allowed ({types})"
                )
            data = self.channel_payload_for(ch, guild, user)
            if ch.type in THREAD_TYPES:
                data.setdefault("thread_metadata", {})
            resolved.setdefault("channels", {})[str(oid)] = data
            return
        raise InteractionRefused(
            f"option {name!r}: {oid} is not a valid"
            f" {('user', 'channel', 'role', 'mentionable')[t - 6]}"
        )

    def _command_data(
        self,
        cmd: JSON,
        path: list[str],
        options: Mapping[str, Any],
        user: User,
        guild: Guild | None,
        channel: Channel,
        *,
        focused: str | None = None,
        focused_value: str = "",
    ) -> JSON:
        resolved: dict[str, dict[str, JSON]] = {}
        defs: list[JSON] = list(cmd.get("options") or [])
        nest: list[JSON] = []  # chain of subcommand group / subcommand option payloads
        for part in path:
            sub = next((o for o in defs if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise InteractionRefused(f"command {cmd['name']!r} has no subcommand {part!r}")
            nest.append({"name": part, "type": sub["type"], "options": []})
            defs = list(sub.get("options") or [])
        if any(o["type"] in (1, 2) for o in defs):
            raise InteractionRefused(
                f"command {' '.join([cmd['name'], *path])!r} needs a subcommand"
            )
        leaf: list[JSON] = []
        by_name = {o["name"]: o for o in defs}
        for key in options:
            if key not in by_name:
                raise InteractionRefused(
                    f"command {cmd['name']!r} has no option {key!r} (has {sorted(by_name)})"
                )
        for o in defs:
            if o["name"] == focused:
                if not o.get("autocomplete"):
                    raise InteractionRefused(f"option {focused!r} has no autocomplete")
                leaf.append(
                    {"name": o["name"], "type": o["type"], "value": focused_value, "focused": True}
                )
                continue
            if o["name"] in options and options[o["name"]] is not None:
                leaf.append(
                    self._option_json(o, options[o["name"]], resolved, user, guild, channel)
                )
            elif o.get("required") and focused is None:
                raise InteractionRefused(f"required option {o['name']!r} missing")
        if focused is not None and focused not in by_name:
            raise InteractionRefused(f"no option {focused!r} to autocomplete")
        top: list[JSON] = leaf
        for level in reversed(nest):
            level["options"] = top
            top = [level]
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": top}
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id") is not None:
            data["guild_id"] = cmd["guild_id"]
        return data

    async def slash(
        self,
        user: User,
        command: str,
        *,
        guild: Guild | None = None,
        channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        wait: bool = True,
    ) -> InteractionResult:
        """Run `/command [group] [sub]` with `options` (ids for user/role/channel options)."""
        words = command.strip().lstrip("/").split()
        guild, channel = self._where(user, guild, channel)
        cmd = self._find_command(words[0], 1, guild)
        self._check_command_usable(cmd, user, guild, channel)
        data = self._command_data(cmd, words[1:], options or {}, user, guild, channel)
        p = self._start_interaction(I.APPLICATION_COMMAND, user, guild, channel, data, command=cmd)
        return await self._settle(p, timeout=timeout, wait=wait)

    async def autocomplete(
        self,
        user: User,
        command: str,
        *,
        focused: str,
        value: str = "",
        guild: Guild | None = None,
        channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[JSON]:
        """The choices the bot offers while `user` types `value` into option `focused`."""
        words = command.strip().lstrip("/").split()
        guild, channel = self._where(user, guild, channel)
        cmd = self._find_command(words[0], 1, guild)
        self._check_command_usable(cmd, user, guild, channel)
        data = self._command_data(
            cmd,
            words[1:],
            options or {},
            user,
            guild,
            channel,
            focused=focused,
            focused_value=value,
        )
        p = self._start_interaction(I.AUTOCOMPLETE, user, guild, channel, data, command=cmd)
        result = await self._settle(p, timeout=None, wait=False)
        if result.choices is None:
            raise TimeoutError(f"the bot did not answer the autocomplete: {result!r}")
        return result.choices

    async def message_command(
        self,
        user: User,
        name: str,
        message: Message,
        *,
        timeout: float | None = None,
        wait: bool = True,
    ) -> InteractionResult:
        live = self.message_index.get(message.id)
        if live is None or live.deleted or live.ephemeral:
            raise InteractionRefused("message does not exist")
        channel = self.channels[live.channel_id]
        guild, channel = self._where(user, None, channel)
        cmd = self._find_command(name, 3, guild)
        self._check_command_usable(cmd, user, guild, channel)
        data: JSON = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 3,
            "target_id": str(live.id),
            "resolved": {"messages": {str(live.id): message_payload(self, live)}},
        }
        if cmd.get("guild_id") is not None:
            data["guild_id"] = cmd["guild_id"]
        p = self._start_interaction(I.APPLICATION_COMMAND, user, guild, channel, data, command=cmd)
        return await self._settle(p, timeout=timeout, wait=wait)

    async def user_command(
        self,
        user: User,
        name: str,
        target: User,
        *,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float | None = None,
        wait: bool = True,
    ) -> InteractionResult:
        guild, channel = self._where(user, guild, channel)
        cmd = self._find_command(name, 2, guild)
        self._check_command_usable(cmd, user, guild, channel)
        resolved: JSON = {"users": {str(target.id): target.payload()}}
        if guild is not None and target.id in guild.members:
            resolved["members"] = {
                str(target.id): guild.members[target.id].payload(
                    with_user=False, permissions=self.member_permissions(guild, target, channel)
                )
            }
        data: JSON = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 2,
            "target_id": str(target.id),
            "resolved": resolved,
        }
        if cmd.get("guild_id") is not None:
            data["guild_id"] = cmd["guild_id"]
        p = self._start_interaction(I.APPLICATION_COMMAND, user, guild, channel, data, command=cmd)
        return await self._settle(p, timeout=timeout, wait=wait)

    # ------------------------------------------------------------------ components
    def _live_bot_message(
        self, user: User, message: Message
    ) -> tuple[Message, Guild | None, Channel]:
        live = self.message_index.get(message.id)
        if live is None or live.deleted:
            raise InteractionRefused("that message does not exist (any more)")
        if live.author.id != self.bot_user.id:
            raise InteractionRefused("that message was not sent by the bot")
        if live.ephemeral:
            p = self.pending.get(live.interaction_id or 0)
            if p is None or p.user.id != user.id:
                raise InteractionRefused(
                    "only the person who received an ephemeral message can use it"
                )
        channel = self.channels[live.channel_id]
        guild, channel = self._where(user, None, channel)
        return live, guild, channel

    def _component(self, live: Message, custom_id: str, types: set[int]) -> JSON:
        comp = next(
            (
                c
                for c in iter_components(live.components)
                if c.get("custom_id") == custom_id and c.get("type") in types
            ),
            None,
        )
        if comp is None:
            have = [
                c.get("custom_id") for c in iter_components(live.components) if c.get("custom_id")
            ]
            raise InteractionRefused(
                f"no component {custom_id!r} on message {live.id} (has {have})"
            )
        if comp.get("disabled"):
            raise InteractionRefused(f"component {custom_id!r} is disabled")
        return comp

    async def click(
        self,
        user: User,
        message: Message,
        custom_id: str,
        *,
        timeout: float | None = None,
        wait: bool = True,
    ) -> InteractionResult:
        """Click the button `custom_id` on a message the bot sent."""
        live, guild, channel = self._live_bot_message(user, message)
        comp = self._component(live, custom_id, {2})
        if comp.get("style") in (5, 6):
            raise InteractionRefused(f"button {custom_id!r} is a link/premium button")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        p = self._start_interaction(
            I.MESSAGE_COMPONENT, user, guild, channel, data, source_message=live
        )
        return await self._settle(p, timeout=timeout, wait=wait)

    def _select_values(
        self, comp: JSON, values: list[Any], user: User, guild: Guild | None, channel: Channel
    ) -> tuple[list[str], dict[str, dict[str, JSON]]]:
        ctype = int(comp["type"])
        lo = int(comp.get("min_values", 1) if comp.get("min_values") is not None else 1)
        hi = int(comp.get("max_values", 1) if comp.get("max_values") is not None else 1)
        if not lo <= len(values) <= hi:
            raise InteractionRefused(
                f"select {comp.get('custom_id')!r} takes {lo}..{hi} values, got {len(values)}"
            )
        resolved: dict[str, dict[str, JSON]] = {}
        if ctype == 3:
            allowed = [o["value"] for o in comp.get("options") or []]
            for v in values:
                if v not in allowed:
                    raise InteractionRefused(
                        f"{v!r} is not an option of select {comp.get('custom_id')!r} ({allowed})"
                    )
            return [str(v) for v in values], resolved
        opt_type = {5: 6, 6: 8, 7: 9, 8: 7}[ctype]
        out: list[str] = []
        for v in values:
            oid = id_of(v)
            t = opt_type
            if ctype == 7:
                t = 6 if oid in self.users else 8
            self._resolve(t, oid, str(comp.get("custom_id")), comp, resolved, user, guild, channel)
            out.append(str(oid))
        return out, resolved

    async def select(
        self,
        user: User,
        message: Message,
        custom_id: str,
        values: list[Any],
        *,
        timeout: float | None = None,
        wait: bool = True,
    ) -> InteractionResult:
        """Pick `values` in the select menu `custom_id`: option values for string selects,
        ids or objects for user/role/channel/mentionable selects."""
        live, guild, channel = self._live_bot_message(user, message)
        comp = self._component(live, custom_id, SELECT_TYPES)
        vals, resolved = self._select_values(comp, values, user, guild, channel)
        data: JSON = {"custom_id": custom_id, "component_type": comp["type"], "values": vals}
        if "id" in comp:
            data["id"] = comp["id"]
        if resolved:
            data["resolved"] = resolved
        p = self._start_interaction(
            I.MESSAGE_COMPONENT, user, guild, channel, data, source_message=live
        )
        return await self._settle(p, timeout=timeout, wait=wait)

    # ------------------------------------------------------------------ modals
    def _modal_input(
        self,
        comp: JSON,
        values: dict[str, Any],
        used: set[str],
        user: User,
        guild: Guild | None,
        channel: Channel,
        resolved: dict[str, dict[str, JSON]],
    ) -> JSON:
        ctype = int(comp["type"])
        cid = str(comp.get("custom_id"))
        out: JSON = {"type": ctype, "custom_id": cid}
        if "id" in comp:
            out["id"] = comp["id"]
        if ctype == 4:
            text = values.get(cid)
            if text is not None:
                used.add(cid)
            else:
                text = comp.get("value")  # a prefilled input is sent as it was shown
            text = "" if text is None else str(text)
            required = comp.get("required", True) is not False
            if required and not text:
                raise InteractionRefused(f"modal field {cid!r} is required")
            if text and comp.get("min_length") is not None and len(text) < int(comp["min_length"]):
                raise InteractionRefused(
                    f"modal field {cid!r} is shorter than {comp['min_length']}"
                )
            if comp.get("max_length") is not None and len(text) > int(comp["max_length"]):
                raise InteractionRefused(f"modal field {cid!r} is longer than {comp['max_length']}")
            out["value"] = text
        elif ctype in SELECT_TYPES:
            raw = values.get(cid, [])
            if cid in values:
                used.add(cid)
            chosen = raw if isinstance(raw, list) else [raw]
            if not chosen and comp.get("required", True) is False:
                out["values"] = []
            else:
                vals, res = self._select_values(comp, chosen, user, guild, channel)
                for k, v in res.items():
                    resolved.setdefault(k, {}).update(v)
                out["values"] = vals
        else:
            raise InteractionRefused(f"modal component type {ctype} is not supported by the fake")
        return out

    async def submit_modal(
        self,
        user: User,
        result: InteractionResult,
        values: Mapping[str, Any],
        *,
        timeout: float | None = None,
        wait: bool = True,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in `result`."""
        modal = result.modal
        if modal is None:
            raise InteractionRefused(f"the bot opened no modal: {result!r}")
        origin = self.open_modals.pop((user.id, modal.custom_id), None)
        if origin is None or origin.id != result.interaction_id:
            raise InteractionRefused(f"modal {modal.custom_id!r} is not open for {user.username}")
        vals = dict(values)
        used: set[str] = set()
        resolved: dict[str, dict[str, JSON]] = {}
        comps: list[JSON] = []
        guild, channel = origin.guild, origin.channel
        for top in modal.components:
            t = int(top["type"])
            if t == 1:
                comps.append(
                    {
                        "type": 1,
                        **({"id": top["id"]} if "id" in top else {}),
                        "components": [
                            self._modal_input(c, vals, used, user, guild, channel, resolved)
                            for c in top.get("components") or []
                        ],
                    }
                )
            elif t == 18:
                comps.append(
                    {
                        "type": 18,
                        **({"id": top["id"]} if "id" in top else {}),
                        "component": self._modal_input(
                            top["component"], vals, used, user, guild, channel, resolved
                        ),
                    }
                )
            elif t == 10:
                comps.append({"type": 10, **({"id": top["id"]} if "id" in top else {})})
            else:
                raise InteractionRefused(f"modal component type {t} is not supported by the fake")
        unknown = set(vals) - used
        if unknown:
            raise InteractionRefused(
                f"modal {modal.custom_id!r} has no fields {sorted(unknown)}"
                f" (has {modal.input_ids()})"
            )
        data: JSON = {"custom_id": modal.custom_id, "components": comps}
        if resolved:
            data["resolved"] = resolved
        source = origin.source_message
        if source is not None:
            source = self.message_index.get(source.id, source)
        p = self._start_interaction(
            I.MODAL_SUBMIT, user, guild, channel, data, source_message=source
        )
        return await self._settle(p, timeout=timeout, wait=wait)


__all__ = ["InteractionRefused", "People"]
