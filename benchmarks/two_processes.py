"""Two bot processes, one per Discord shard, on one PostgreSQL database: N servers (1,000 by
default) over two shards, each set up as people do it (/setup, a group with a 5-minute
reminder, a session); then a member of every server says they are in danger, shard 1's process
is killed (SIGKILL) in the middle of the alerts and started again, and every session's reminder
falls due in the same minute. Counts every alert, resources DM and reminder (exactly once each)
and prints how long each wave took.

    DISCORD_API_SPEC=... python -m benchmarks.two_processes [--servers 1000] [--concurrency 8]

The loopback Discord runs in this process, PostgreSQL is started from its binaries
(tests/postgres.py), the bots are `python -m bot` subprocesses (tests/subprocesses.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from tests.fakediscord import FakeDiscord
from tests.harness import wait_until
from tests.postgres import ROOT_PREFIX, PostgresServer, binaries_present
from tests.scale.conftest import spread_servers
from tests.scale.test_two_processes import (
    TEXT,
    ZONE,
    Community,
    connected_shards,
    outbox_rows,
    ready,
)
from tests.subprocesses import bot_env, run_cli, start_bot_process

SHARDS = 2
# Seconds between looks at what arrived: a look reads every server's messages, in the loopback
# Discord's own process, and looking every 10 ms would starve it.
POLL = 0.5


async def in_parallel(
    items: list[Community], work: Callable[[Community], Awaitable[Any]], limit: int
) -> tuple[float, list[Community]]:
    """`work` for every community, `limit` at a time: seconds taken, and those that failed."""
    gate = asyncio.Semaphore(limit)
    failed: list[Community] = []

    async def one(c: Community) -> None:
        async with gate:
            try:
                await work(c)
            except Exception as error:  # a busy machine: reported, left out of the counts
                print(f"  server {c.server.guild.id}: {type(error).__name__}: {error}"[:300])
                failed.append(c)

    began = time.perf_counter()
    await asyncio.gather(*(one(c) for c in items))
    return time.perf_counter() - began, failed


async def set_up(fake: FakeDiscord, c: Community, url: str) -> None:
    s = c.server
    for command, options in (
        ("setup escalation-channel", {"channel": s.private.id}),
        ("setup region", {"region": "US"}),
    ):
        res = await fake.slash(s.admin, command, guild=s.guild, channel=s.general, options=options)
        assert res.ephemeral, (command, res.error_status, res.text)
    made = await fake.slash(
        s.admin,
        "group create",
        guild=s.guild,
        channel=s.general,
        options={"name": "Caregivers", "leader": c.leader.id, "timezone": ZONE},
        timeout=30,
    )
    assert "is ready" in made.text, ("group create", made.error_status, made.text)
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT id, channel_id FROM groups WHERE guild_id = $1", s.guild.id
        )
    finally:
        await conn.close()
    assert row is not None
    c.group_id, c.room = row["id"], row["channel_id"]
    res = await fake.slash(
        c.leader,
        "meeting settings reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(row["id"]), "times": "5m"},
    )
    assert res.ephemeral, ("meeting settings reminders", res.error_status, res.text)


async def schedule(fake: FakeDiscord, c: Community, starts: datetime) -> None:
    s = c.server
    preview = await fake.slash(
        c.leader,
        "meeting schedule",
        guild=s.guild,
        channel=s.general,
        options={
            "group": str(c.group_id),
            "title": "Circle",
            "when": starts.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert preview.message.custom_ids(), ("meeting schedule", preview.error_status, preview.text)
    done = await fake.click(c.leader, preview.message, preview.message.custom_ids()[0])
    assert "is scheduled" in done.text, ("confirm", done.error_status, done.text)


async def when(done: Callable[[], bool], within: float) -> datetime | None:
    """The moment `done()` first held (looked at every POLL seconds), None if not within."""
    return datetime.now(ZoneInfo(ZONE)) if await arrives(done, within) else None


async def arrives(done: Callable[[], bool], within: float) -> bool:
    try:
        await wait_until(done, within, POLL)
    except TimeoutError:
        return False
    return True


def doubles(cs: list[Community]) -> dict[str, int]:
    return {
        "alerts": sum(len(c.alerts()) > 1 for c in cs),
        "resources": sum(len(c.resources()) > 1 for c in cs),
        "reminders": sum(len(c.reminders()) > 1 for c in cs),
        "Discord events": sum(len(c.fake.scheduled_events(c.server.guild)) > 1 for c in cs),
    }


def missing(cs: list[Community]) -> dict[str, int]:
    return {
        "alerts": sum(not c.alerts() for c in cs),
        "resources": sum(not c.resources() for c in cs),
        "reminders": sum(not c.reminders() for c in cs),
    }


async def run(servers: int, concurrency: int, root: Path) -> int:
    pg_root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))  # the server runs as `postgres`
    (pg_root / "owner.pid").write_text(str(os.getpid()))
    pg = PostgresServer(pg_root)
    pg.start()
    fake = FakeDiscord()
    await fake.start()
    procs: dict[int, asyncio.subprocess.Process] = {}
    try:
        url = await pg.create_database()
        spread = spread_servers(fake, SHARDS, each=servers // SHARDS)
        by_shard = {shard: [Community(fake, s) for s in found] for shard, found in spread.items()}
        everyone = [c for cs in by_shard.values() for c in cs]
        print(f"{len(everyone)} servers over {SHARDS} shards ({servers // SHARDS} each)")
        dirs = {shard: root / f"shard{shard}" for shard in range(SHARDS)}
        envs = {}
        for shard, folder in dirs.items():
            folder.mkdir()
            envs[shard] = bot_env(
                folder, fake, DATABASE_URL=url, SHARD_COUNT=str(SHARDS), SHARD_IDS=str(shard)
            )
        synced = await run_cli(dirs[0], envs[0], "sync", timeout=120)
        assert synced.code == 0, synced.stderr
        began = time.perf_counter()
        procs = {shard: await start_bot_process(dirs[shard], envs[shard]) for shard in dirs}
        await wait_until(lambda: connected_shards(fake) == {(0, 2), (1, 2)}, timeout=120)
        await wait_until(lambda: all(ready(d) for d in dirs.values()), 300, POLL)
        print(f"both processes ready in {time.perf_counter() - began:.1f} s")

        took, failed = await in_parallel(everyone, lambda c: set_up(fake, c, url), concurrency)
        print(f"set up (2 /setup, /group create, reminders): {took:.1f} s, {len(failed)} failed")
        live = [c for c in everyone if c not in failed]
        # Every session at one whole minute, its reminder 5 minutes before, after the rest.
        margin = timedelta(seconds=took / 2 + 90)
        starts = (datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=5) + margin).replace(
            second=0, microsecond=0
        ) + timedelta(minutes=1)
        took, failed = await in_parallel(live, lambda c: schedule(fake, c, starts), concurrency)
        print(f"sessions scheduled: {took:.1f} s, {len(failed)} failed; reminders at "
              f"{(starts - timedelta(minutes=5)).strftime('%H:%M:%S')}")  # fmt: skip
        live = [c for c in live if c not in failed]

        due = starts - timedelta(minutes=5)
        wait = (due - datetime.now(ZoneInfo(ZONE))).total_seconds()
        reminded = asyncio.create_task(when(lambda: all(c.reminders() for c in live), wait + 600))
        # A member of every server says they are in danger; shard 1's process dies midway.
        shard1 = [c for c in live if c in by_shard[1]]
        began = time.perf_counter()
        for c in live:
            await fake.send_message(c.server.member, c.support, TEXT)
        quarter = len(shard1) // 4
        await wait_until(lambda: sum(bool(c.alerts()) for c in shard1) >= quarter, 120, POLL)
        procs[1].send_signal(signal.SIGKILL)
        await procs[1].wait()
        killed_at = time.perf_counter() - began
        sent = sum(bool(c.alerts()) for c in shard1)
        print(f"shard 1 killed {killed_at:.1f} s after the messages, {sent} of its alerts out")
        procs[1] = await start_bot_process(dirs[1], envs[1])
        if await arrives(lambda: all(c.alerts() and c.resources() for c in live), 600):
            print(f"every alert and resources DM out {time.perf_counter() - began:.1f} s after "
                  f"the messages (the restart included)")  # fmt: skip
        else:
            print(f"NOT every alert and resources DM out after 600 s: missing {missing(live)}")

        all_reminded = await reminded
        if all_reminded is not None:
            late = (all_reminded - due).total_seconds()
            print(f"every reminder out {late:.1f} s after they fell due")
        else:
            print(f"NOT every reminder out: missing {missing(live)['reminders']}")
        for _ in range(600):
            if all(r["status"] == "sent" for r in await outbox_rows(url)):
                break
            await asyncio.sleep(0.5)
        rows = await outbox_rows(url)
        pending = sum(r["status"] != "sent" for r in rows)
        print(f"outbox: {len(rows)} rows, {pending} not sent")
        shard0 = [c for c in live if c not in shard1]
        print(f"missing: shard 0 {missing(shard0)}, shard 1 (killed) {missing(shard1)}")
        print(f"doubled: {doubles(live)}")
        ok = not any(missing(live).values()) and not any(doubles(live).values())
        print("exactly once: " + ("yes" if ok else "NO"))
        return 0 if ok else 1
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
        await fake.stop()
        pg.stop()
        shutil.rmtree(pg_root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not binaries_present():
        print("PostgreSQL's server binaries are missing (apt-get install -y postgresql)")
        return 2
    with tempfile.TemporaryDirectory(prefix="two-processes-") as folder:
        return asyncio.run(run(args.servers, args.concurrency, Path(folder)))


if __name__ == "__main__":
    sys.exit(main())
