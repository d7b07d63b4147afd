"""Two bot processes, one per Discord shard, on one PostgreSQL database and one loopback
Discord (issue 23): each hears only its shard's servers and sends only their messages; one is
killed (SIGKILL) mid-run and started again; every meeting reminder, crisis alert and resources
DM arrives exactly once."""

from __future__ import annotations

import asyncio
import signal
import socket
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from bot.shards import ShardSet
from tests.escalation.conftest import configure, private_overwrites
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.harness import Server, wait_until
from tests.scale.conftest import spread_servers
from tests.subprocesses import bot_env, run_cli, start_bot_process

pytestmark = pytest.mark.slow  # a reminder is at least 5 minutes ahead: about two minutes here

TEXT = "I can't do this anymore, I'm going to end my life tonight"
ZONE = "Europe/London"
SHARDS = 2


class Community:
    """One server of the test: its people and channels, and what the bot posted there."""

    def __init__(self, fake: FakeDiscord, server: Server) -> None:
        self.fake, self.server = fake, server
        self.mod_log = fake.create_text_channel(
            server.guild, "mod-log", overwrites=private_overwrites(server)
        )
        self.support = fake.create_text_channel(server.guild, "support-circle")
        self.leader = fake.create_user("lena")
        fake.add_member(server.guild, self.leader)
        self.group_id: int | None = None  # the group, once created
        self.room: int | None = None  # its channel

    def alerts(self) -> list[Message]:
        return [m for m in self.fake.messages_in(self.server.private) if m.embeds]

    def resources(self) -> list[Message]:
        return self.fake.dm_messages(self.server.member)

    def reminders(self) -> list[Message]:
        if self.room is None:
            return []
        return [
            m
            for m in self.fake.messages_in(self.room, include_system=False)
            if "Reminder:" in m.content
        ]


async def prepare(fake: FakeDiscord, c: Community, url: str, starts: datetime) -> None:
    """/setup, a group with a 5-minute reminder, and a session at `starts` (as people do)."""
    s = c.server
    await configure(fake, s, c.mod_log, "US")
    made = await fake.slash(
        s.admin,
        "group create",
        guild=s.guild,
        channel=s.general,
        options={"name": "Caregivers", "leader": c.leader.id, "timezone": ZONE},
        timeout=20,
    )
    assert "is ready" in made.text, made.text
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT id, channel_id FROM groups WHERE guild_id = $1 AND name = 'Caregivers'",
            s.guild.id,
        )
    finally:
        await conn.close()
    assert row is not None
    group_id = c.group_id = row["id"]
    c.room = row["channel_id"]
    done = await fake.slash(
        c.leader,
        "meeting settings reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group_id), "times": "5m"},
    )
    assert done.ephemeral, done.text
    preview = await fake.slash(
        c.leader,
        "meeting schedule",
        guild=s.guild,
        channel=s.general,
        options={
            "group": str(group_id),
            "title": "Circle",
            "when": starts.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M"),
        },
    )
    scheduled = await fake.click(c.leader, preview.message, preview.message.custom_ids()[0])
    assert "is scheduled" in scheduled.text, scheduled.text


async def outbox_rows(url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch("SELECT guild_id, kind, status, lease_owner FROM outbox")
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(workdir: Path) -> bool:
    return "connected as" in (workdir / "bot.log").read_text()


def connected_shards(fake: FakeDiscord) -> set[tuple[int, int] | None]:
    return {s.shard for s in fake.gateway.live_sessions() if s.ws is not None}


async def test_two_shard_processes_one_killed_send_everything_exactly_once(
    tmp_path: Path, fake_discord: FakeDiscord, pg_url: str
) -> None:
    fake = fake_discord
    spread = spread_servers(fake, SHARDS, each=2)
    communities = {shard: [Community(fake, s) for s in found] for shard, found in spread.items()}
    everyone = [c for cs in communities.values() for c in cs]
    dirs = {shard: tmp_path / f"shard{shard}" for shard in range(SHARDS)}
    envs = {}
    for shard, workdir in dirs.items():
        workdir.mkdir()
        envs[shard] = bot_env(
            workdir, fake, DATABASE_URL=pg_url, SHARD_COUNT=str(SHARDS), SHARD_IDS=str(shard)
        )
    health_port = free_port()
    envs[1]["HEALTH_PORT"] = str(health_port)  # its /healthz names its own shard
    synced = await run_cli(dirs[0], envs[0], "sync")  # the migrations, then the commands
    assert synced.code == 0, synced.stderr

    procs = {shard: await start_bot_process(dirs[shard], envs[shard]) for shard in dirs}
    try:
        await wait_until(lambda: connected_shards(fake) == {(0, 2), (1, 2)}, timeout=30)
        identified = [p["d"]["shard"] for p in fake.gateway.received if p.get("op") == 2]
        assert sorted(identified) == [[0, 2], [1, 2]]
        # Each process ready (its start-up work done) before people use it.
        await wait_until(lambda: all(ready(d) for d in dirs.values()), timeout=30)
        # The session starts at a whole minute, more than 5 minutes ahead: its reminder falls
        # due within the next one or two minutes.
        now = datetime.now(ZoneInfo(ZONE))
        starts = (now + timedelta(minutes=5, seconds=20)).replace(second=0, microsecond=0)
        starts += timedelta(minutes=1)
        for c in everyone:
            await prepare(fake, c, pg_url, starts)

        # A member of each server says they are in danger. Shard 1's first alert reaches
        # Discord, but its answer never comes back before that process is killed.
        victim = communities[1][0]
        alerts = rf"^/channels/{victim.server.private.id}/messages$"
        fake.faults.add("POST", alerts, delay=60, apply_then_delay=True, count=1)
        for c in everyone:
            await fake.send_message(c.server.member, c.support, TEXT)
        await wait_until(lambda: len(victim.alerts()) == 1, timeout=20)
        await wait_until(lambda: all(len(c.alerts()) == 1 for c in communities[0]), timeout=20)
    except BaseException:
        for proc in procs.values():
            proc.send_signal(signal.SIGKILL)
        raise
    procs[1].send_signal(signal.SIGKILL)
    await procs[1].wait()
    fake.faults.clear()

    try:
        # While shard 1's process is away, the other sends nothing of its servers: their
        # reminders (fired by whichever process found them due) wait for it.
        await wait_until(
            lambda: all(len(c.reminders()) == 1 for c in communities[0]),
            timeout=(starts - datetime.now(ZoneInfo(ZONE))).total_seconds() + 30,
        )
        assert all(c.reminders() == [] for c in communities[1])
        procs[1] = await start_bot_process(dirs[1], envs[1])
        await wait_until(
            lambda: all(
                len(c.alerts()) >= 1 and len(c.resources()) >= 1 and len(c.reminders()) >= 1
                for c in everyone
            ),
            timeout=45,
        )

        async def settled() -> bool:
            rows = await outbox_rows(pg_url)
            return all(r["status"] == "sent" for r in rows)

        async with asyncio.timeout(30):
            while not await settled():  # a double would be a send still to make
                await asyncio.sleep(0.2)
        # The restarted process's /healthz names its own shard only, connected once ready.
        async with aiohttp.ClientSession() as http, asyncio.timeout(30):
            while True:
                async with http.get(f"http://127.0.0.1:{health_port}/healthz") as answer:
                    shards = (await answer.json())["checks"]["gateway"]["shards"]
                assert list(shards) == ["1"]
                if shards["1"]["connected"]:
                    break
                await asyncio.sleep(0.2)
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            await asyncio.wait_for(proc.wait(), 15)

    for c in everyone:
        assert len(c.alerts()) == 1, c.server.guild.id
        assert c.alerts()[0].embeds[0]["title"].endswith(": a member may need help")
        assert len(c.resources()) == 1 and "988" in c.resources()[0].text
        assert len(c.reminders()) == 1
        assert len(fake.scheduled_events(c.server.guild)) == 1  # the session's Discord event
    # The killed process's alert was sent again after the restart, with its nonce: Discord
    # dropped the repeat.
    posts = [r for r in fake.requests_to("POST", alerts) if (r.json or {}).get("embeds")]
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]
    # Every row went out from the process of its server's shard.
    for row in await outbox_rows(pg_url):
        if row["guild_id"] is not None and row["status"] == "sent":
            owner = ShardSet(SHARDS, (ShardSet(SHARDS).shard_of(row["guild_id"]),)).owner
            assert row["lease_owner"] == owner, dict(row)
    for workdir in dirs.values():
        log = (workdir / "bot.log").read_text()
        assert "Traceback" not in log, log[-3000:]
        assert "end my life" not in log
