"""Each bot in its own process, for benchmarks/slash_commands.py: `python -m bot` from a
checkout (this one, or another to compare with), the bare bot (`--bare-child`), the fakes in
the benchmark's own process."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from benchmarks.roundtrip import BareBot
from benchmarks.slash_world import (
    COMMANDS,
    Command,
    Result,
    Side,
    World,
    chosen_ways,
    compare,
    make_world,
    new_fake,
    prepare,
    run_one,
)
from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.subprocesses import REPO, bot_env, run_cli, start_bot_process


def cpu_of(pid: int) -> Callable[[], float]:
    """A process's CPU time so far (user + system, from /proc; Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return read


EXTRA_ENV: dict[str, str] = {}


def child_env(fake: FakeDiscord, folder: Path) -> dict[str, str]:
    env = bot_env(folder, fake)
    env["LOG_LEVEL"] = "WARNING"
    env.update(EXTRA_ENV)
    return env


async def bare_child() -> None:
    """`--bare-child`: the bare bot alone in this process, against DISCORD_API_BASE."""
    Route.BASE = os.environ["DISCORD_API_BASE"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    client = BareBot()
    async with client:
        await client.login(os.environ["DISCORD_TOKEN"])
        await client.tree.sync()
        await client.connect()


async def answering(world: World, command: Command, expect: str | None) -> None:
    """Until the bot in its process answers (it has read its server)."""
    async with asyncio.timeout(60):
        while True:
            try:
                await run_one(world, world.members[0], command, expect)
                return
            except (AssertionError, InteractionRefused):
                await asyncio.sleep(0.2)


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def workdir(parent: str, name: str) -> Path:
    path = Path(parent) / name
    path.mkdir()
    return path


async def start_ours(fake: FakeDiscord, folder: Path, tree: Path) -> asyncio.subprocess.Process:
    """`python -m bot` from the checkout `tree`, its commands synced first."""
    env = child_env(fake, folder)
    env["PYTHONPATH"] = str(tree)
    synced = await run_cli(folder, env, "sync")
    assert synced.code == 0, synced.stderr
    proc = await start_bot_process(folder, env)
    await fake.wait_until_connected(timeout=30)
    return proc


async def run_processes(args: argparse.Namespace) -> dict[str, Result]:
    """Each bot in its own process (`python -m bot` and `--bare-child`), the fakes here: a bot's
    CPU is its own, and the fakes' work goes on beside it, as Discord's would. With `--against
    TREE...`, a bot of ours from each of those checkouts too, in the same turns."""
    trees = [REPO, *args.against]
    fakes = [new_fake(args.validate) for _ in range(len(trees) + 1)]
    for fake in fakes:
        await fake.start()
    worlds = [make_world(fake, args.concurrency) for fake in fakes]
    bare_world, our_worlds = worlds[0], worlds[1:]
    results: dict[str, Result] = {}
    procs: list[asyncio.subprocess.Process] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for i, (tree, world) in enumerate(zip(trees, our_worlds, strict=True)):
                procs.append(await start_ours(world.fake, workdir(folder, f"ours{i}"), tree))
                await answering(world, COMMANDS["help"], None)
                await prepare(world)
            bare_dir = workdir(folder, "bare")
            log = (bare_dir / "bare.log").open("ab")
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "benchmarks.slash_commands",
                    "--bare-child",
                    cwd=REPO,
                    env=child_env(bare_world.fake, bare_dir),
                    stdout=log,
                    stderr=log,
                )
            )
            await bare_world.fake.wait_until_connected(timeout=30)
            await answering(bare_world, ("ping", {}), "pong")
            clocks = [cpu_of(proc.pid) for proc in procs]
            for name in args.commands:
                for label, way in chosen_ways(args.ways, args.concurrency):
                    floor = Side(bare_world, ("ping", {}), "pong", cpu_clock=clocks[-1])
                    ours = [
                        Side(world, COMMANDS[name], None, cpu_clock=clock)
                        for world, clock in zip(our_worlds, clocks, strict=False)
                    ]
                    results[f"/{name} {label}"] = await compare(floor, ours, way, args.rounds)
    finally:
        for proc in procs:
            await stop_process(proc)
        for fake in fakes:
            await fake.stop()
    return results
