"""The fake gateway: HELLO, heartbeats, IDENTIFY/READY/GUILD_CREATE, RESUME with replay,
intent filtering, op 8 member requests, and shards.

Shards as Discord has them: an IDENTIFY with `shard: [id, count]` opens that shard's session,
whose READY and GUILD_CREATEs name only its guilds (`(guild_id >> 22) % count == id`); each
guild's events go only to its shard's sessions, and events of no guild (DMs) to shard 0. A
session that identified without `shard` hears everything, as before. `GET /gateway/bot`
recommends `Gateway.recommended_shards` (1 unless a test sets it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import JSON

if TYPE_CHECKING:
    from .world import World

HEARTBEAT_INTERVAL = 41250
BACKLOG_LIMIT = 2000

# Intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16

_GUILDS_EVENTS = {
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_DELETE",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "CHANNEL_PINS_UPDATE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
    "THREAD_LIST_SYNC",
    "THREAD_MEMBER_UPDATE",
}
_MEMBER_EVENTS = {
    "GUILD_MEMBER_ADD",
    "GUILD_MEMBER_UPDATE",
    "GUILD_MEMBER_REMOVE",
    "THREAD_MEMBERS_UPDATE",
}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"}
_EVENT_EVENTS = {
    "GUILD_SCHEDULED_EVENT_CREATE",
    "GUILD_SCHEDULED_EVENT_UPDATE",
    "GUILD_SCHEDULED_EVENT_DELETE",
}


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    seq: int = 0
    backlog: list[tuple[int, str]] = field(default_factory=list)
    queue: asyncio.Queue[str | asyncio.Event] | None = None  # set while a socket is attached
    ws: web.WebSocketResponse | None = None
    invalid: bool = False
    # settle(): (sequence, future) resolved when the client's heartbeat says it read that far
    waiting: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)
    shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY; None: every guild

    def hears(self, guild_id: int | None) -> bool:
        """Whether this session's shard gets the events of `guild_id` (None: a DM)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0  # Discord sends direct messages to shard 0
        return (guild_id >> 22) % count == shard_id

    def heard(self, seq: int) -> None:
        """The client read every event up to `seq` (a heartbeat carries its last sequence)."""
        still: list[tuple[int, asyncio.Future[None]]] = []
        for target, future in self.waiting:
            if target <= seq:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((target, future))
        self.waiting = still


class Gateway:
    def __init__(self, world: World, url: Callable[[], str]) -> None:
        self.world = world
        self._url = url
        self.sessions: dict[str, Session] = {}
        self.sockets: set[web.WebSocketResponse] = set()
        self.connections = 0
        self.identifies = 0
        self.resumes = 0
        self.received: list[JSON] = []  # every op the client sent (heartbeats excluded)
        self._connected = asyncio.Event()
        self._resumed = asyncio.Event()
        self.recommended_shards = 1  # what GET /gateway/bot answers

    # ------------------------------------------------------------------ dispatch
    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if not s.invalid]

    def dispatch(self, event: str, data: JSON, guild_id: int | None = None) -> None:
        if guild_id is None and data.get("guild_id") is not None:
            guild_id = int(data["guild_id"])
        for s in self.live_sessions():
            if not s.hears(guild_id):
                continue
            payload = self._filter(s, event, data, guild_id)
            if payload is not None:
                self._send_event(s, event, payload)

    def _send_event(self, s: Session, event: str, data: JSON) -> None:
        s.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": s.seq, "d": data})
        s.backlog.append((s.seq, frame))
        if len(s.backlog) > BACKLOG_LIMIT:
            del s.backlog[: len(s.backlog) - BACKLOG_LIMIT]
        if s.queue is not None:
            s.queue.put_nowait(frame)

    def _filter(self, s: Session, event: str, data: JSON, guild_id: int | None) -> JSON | None:
        i = s.intents
        if event in _GUILDS_EVENTS and not i & GUILDS:
            return None
        if event in _MEMBER_EVENTS and not i & GUILD_MEMBERS:
            # the bot always hears about its own member object
            if not (
                event == "GUILD_MEMBER_UPDATE"
                and data.get("user", {}).get("id") == str(self.world.bot_user.id)
            ):
                return None
        if event in _EVENT_EVENTS and not i & GUILD_SCHEDULED_EVENTS:
            return None
        if event in _MESSAGE_EVENTS:
            in_guild = guild_id is not None or "guild_id" in data
            if in_guild and not i & GUILD_MESSAGES:
                return None
            if not in_guild and not i & DIRECT_MESSAGES:
                return None
            if (
                event in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
                and in_guild
                and not i & MESSAGE_CONTENT
            ):
                bot_id = str(self.world.bot_user.id)
                mentioned = any(u.get("id") == bot_id for u in data.get("mentions", []))
                if data.get("author", {}).get("id") != bot_id and not mentioned:
                    data = {
                        **data,
                        "content": "",
                        "embeds": [],
                        "attachments": [],
                        "components": [],
                    }
        if event == "GUILD_CREATE" and not i & GUILD_MEMBERS:
            bot_id = str(self.world.bot_user.id)
            data = {
                **data,
                "members": [m for m in data.get("members", []) if m["user"]["id"] == bot_id],
            }
        return data

    # ------------------------------------------------------------------ control
    async def wait_until_connected(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    def events_sent(self) -> int:
        """How many events the gateway has sent, all sessions together."""
        return sum(s.seq for s in self.sessions.values())

    async def settle(self, timeout: float = 10) -> None:
        """Wait until every connected client has read, and handed to its event handlers, every
        event sent so far. The gateway asks for a heartbeat (op 1); discord.py answers it in
        order, after the events before it, with the last sequence it read (op 1, d=seq)."""
        waits: list[asyncio.Future[None]] = []
        loop = asyncio.get_running_loop()
        for s in self.live_sessions():
            if s.queue is None or s.seq == 0:
                continue
            future: asyncio.Future[None] = loop.create_future()
            s.waiting.append((s.seq, future))
            s.queue.put_nowait(json.dumps({"op": 1, "d": None}))
            waits.append(future)
        if waits:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)

    async def wait_until_resumed(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._resumed.wait(), timeout)

    async def drop(self, code: int = 4000) -> None:
        """Close every socket with a resumable close code."""
        self._resumed.clear()
        for ws in list(self.sockets):
            await ws.close(code=code, message=b"fake discord dropped the connection")

    async def expire(self, code: int = 4000) -> None:
        """The connection drops and Discord forgets the session meanwhile (it was away too
        long): the client's RESUME is answered with op 9 (not resumable) and it must IDENTIFY
        again. Events until then reach no session, as on Discord."""
        self._connected.clear()
        for s in self.live_sessions():
            s.invalid = True
        await self.drop(code)

    async def invalidate(self) -> None:
        """Send op 9 (not resumable) on every socket: the client must IDENTIFY again."""
        self._connected.clear()
        for s in self.live_sessions():
            s.invalid = True
            if s.queue is not None:
                s.queue.put_nowait(json.dumps({"op": 9, "d": False}))

    async def close_all(self) -> None:
        for ws in list(self.sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"fake discord stopping")

    # ------------------------------------------------------------------ socket handler
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        self.sockets.add(ws)
        queue: asyncio.Queue[str | asyncio.Event] = asyncio.Queue()
        sender = asyncio.create_task(self._sender(ws, queue))
        session: Session | None = None
        try:
            await ws.send_str(
                json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL}})
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type == WSMsgType.BINARY:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                try:
                    payload: JSON = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                op = payload.get("op")
                d: Any = payload.get("d")
                if op == 1:
                    if session is not None and isinstance(d, int):
                        session.heard(d)
                    queue.put_nowait(json.dumps({"op": 11}))
                    continue
                self.received.append(payload)
                if op == 2:
                    if session is not None:
                        await ws.close(code=4005, message=b"Already authenticated.")
                        break
                    if not isinstance(d, dict) or not d.get("token"):
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    session = self._identify(d, queue)
                    session.ws = ws
                elif op == 6:
                    if not isinstance(d, dict):
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    resumed = self._resume(d, queue)
                    if resumed is None:
                        queue.put_nowait(json.dumps({"op": 9, "d": False}))
                    else:
                        session = resumed
                        session.ws = ws
                elif op == 8:
                    if session is None:
                        await ws.close(code=4003, message=b"Not authenticated.")
                        break
                    self._request_members(session, d if isinstance(d, dict) else {})
                elif op in (3, 4):
                    pass  # presence / voice state: accepted, ignored
                else:
                    await ws.close(code=4001, message=b"Unknown opcode.")
                    break
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            self.sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                session.queue = None
        return ws

    async def _sender(
        self, ws: web.WebSocketResponse, queue: asyncio.Queue[str | asyncio.Event]
    ) -> None:
        while True:
            item = await queue.get()
            if isinstance(item, asyncio.Event):
                item.set()
                continue
            if ws.closed:
                return
            try:
                await ws.send_str(item)
            except (ConnectionError, RuntimeError):
                return

    def _identify(self, d: JSON, queue: asyncio.Queue[str | asyncio.Event]) -> Session:
        self.identifies += 1
        self._connected.clear()
        s = Session(id=secrets.token_hex(16), intents=int(d.get("intents", 0)))
        shard = d.get("shard")
        if isinstance(shard, list) and len(shard) == 2:
            s.shard = (int(shard[0]), int(shard[1]))
        self.sessions[s.id] = s
        s.queue = queue
        world = self.world
        ready: JSON = {
            "v": 10,
            "user": {
                **world.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [
                {"id": str(g.id), "unavailable": True}
                for g in world.guilds.values()
                if s.hears(g.id)
            ],
            "session_id": s.id,
            "session_type": "normal",
            "resume_gateway_url": self._url(),
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "_trace": ["fake-discord"],
        }
        if d.get("shard"):
            ready["shard"] = d["shard"]
        self._send_event(s, "READY", ready)
        for g in world.guilds.values():
            if not s.hears(g.id):
                continue
            payload = self._filter(s, "GUILD_CREATE", world.guild_create_payload(g), g.id)
            if payload is not None:
                self._send_event(s, "GUILD_CREATE", payload)
        queue.put_nowait(self._connected)
        return s

    def _resume(self, d: JSON, queue: asyncio.Queue[str | asyncio.Event]) -> Session | None:
        s = self.sessions.get(str(d.get("session_id")))
        if s is None or s.invalid:
            return None
        self.resumes += 1
        since = int(d.get("seq") or 0)
        for seq, frame in s.backlog:
            if seq > since:
                queue.put_nowait(frame)
        s.queue = queue
        self._send_event(s, "RESUMED", {"_trace": ["fake-discord"]})
        queue.put_nowait(self._resumed)
        queue.put_nowait(self._connected)
        return s

    def _request_members(self, s: Session, d: JSON) -> None:
        gid = int(d.get("guild_id", 0) or 0)
        g = self.world.guilds.get(gid)
        if g is None or not s.hears(gid):
            return
        members = list(g.members.values())
        query = d.get("query")
        user_ids = d.get("user_ids")
        if user_ids is not None:
            ids = {int(x) for x in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.id in ids]
        elif query:
            members = [m for m in members if m.user.username.lower().startswith(str(query).lower())]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(g.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        self._send_event(s, "GUILD_MEMBERS_CHUNK", chunk)
