"""Slash commands under load: our bot against a bare discord.py bot, one at a time and 50 at
once from 50 different members, against the same loopback Discord, in one run.

    .venv/bin/python -m benchmarks.slash_commands [--rounds 20] [--concurrency 50]
    .venv/bin/python -m benchmarks.slash_commands --profile /tmp/slash.prof  # cProfile ours
    .venv/bin/python -m benchmarks.slash_commands --profile-bare /tmp/bare.prof  # the bare bot

Round trip = the fake sends INTERACTION_CREATE over the gateway -> the bot answers with its
interaction callback -> the fake has the response (benchmarks/roundtrip.py). The bare bot
(`BareBot`) answers /ping with a fixed ephemeral text. Ours runs every feature, as production
does, in a server with a moderator role, three groups with weekly sessions, and the members in
them (half of them with Spanish as their Discord language), and answers commands that read the
database and answer ephemerally: /help (the caller's role: settings and leadership), /group
list, /meeting list (the caller's groups and their sessions), and /language (a write: the
member's choice, in a transaction).

"One at a time": `--rounds` x `--concurrency` commands in a row, by the members in turn.
"50 at once": `--rounds` rounds; in each, every member sends the command at the same moment;
each one's round trip counts. Both bots run in this process on one event loop with the fake,
so the fake's own cost is in both figures; on one loop, 50 at once measures what one command
costs the process (the 50th waits for the 49 before it). The fake's check of each request
against Discord's OpenAPI description (jsonschema: a few milliseconds for an embed, far more
than a bot spends on it) is off here unless `--validate`: the tests check every request, and
here it would charge the fake's own work to whichever bot sends the larger answer.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import logging
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from benchmarks.roundtrip import BareBot, summary
from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.fakediscord.models import User
from tests.fakediscord.routing import Req
from tests.harness import BotRunner, Server, build_server
from tests.subprocesses import REPO, bot_env, run_cli, start_bot_process

Command = tuple[str, dict[str, object]]  # the command and its options
COMMANDS: dict[str, Command] = {
    "help": ("help", {}),
    "group list": ("group list", {}),
    "meeting list": ("meeting list", {}),
    "language": ("language", {"language": "discord"}),
}


class UncheckedDiscord(FakeDiscord):
    """The loopback Discord without its check of request bodies against the spec."""

    def _validate(self, req: Req) -> None:
        return None


def new_fake(validate: bool) -> FakeDiscord:
    return FakeDiscord() if validate else UncheckedDiscord()


@dataclass
class World:
    fake: FakeDiscord
    server: Server
    members: list[User]


def make_world(fake: FakeDiscord, members: int) -> World:
    server = build_server(fake)
    people = []
    for i in range(members):
        user = fake.create_user(f"member{i:02}", locale="es-ES" if i % 2 else "en-US")
        fake.add_member(server.guild, user)
        people.append(user)
    return World(fake, server, people)


async def run_one(world: World, user: User, command: Command, expect: str | None) -> float:
    name, options = command
    start = time.perf_counter()
    res = await world.fake.slash(
        user, name, guild=world.server.guild, channel=world.server.general, options=options
    )
    elapsed = (time.perf_counter() - start) * 1000
    assert res.acknowledged and res.ephemeral, res
    if expect is not None:
        assert expect in res.text, res
    return elapsed


async def one_at_a_time(world: World, command: Command, expect: str | None) -> list[float]:
    """Each member in turn, one command at a time."""
    return [await run_one(world, user, command, expect) for user in world.members]


async def all_at_once(world: World, command: Command, expect: str | None) -> list[float]:
    """Every member at the same moment."""
    return list(
        await asyncio.gather(*(run_one(world, user, command, expect) for user in world.members))
    )


class HopCounter:
    """Counts the calls aiosqlite hands to its database threads (each one a round trip from the
    event loop to a thread and back: an execute, a fetch, a cursor's close)."""

    def __init__(self) -> None:
        self.count = 0
        self._original = aiosqlite.Connection._execute  # pyright: ignore[reportPrivateUsage]

    def install(self) -> None:
        original, counter = self._original, self

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return await original(self, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # pyright: ignore[reportPrivateUsage]

    def uninstall(self) -> None:
        aiosqlite.Connection._execute = self._original  # pyright: ignore[reportPrivateUsage]


HOPS = HopCounter()
Round = Callable[[World, Command, str | None], Awaitable[list[float]]]


@dataclass
class Side:
    """One bot and its loopback Discord, and what its rounds measured."""

    world: World
    command: Command
    expect: str | None
    samples: list[float] = field(default_factory=list)
    cpu: float = 0.0  # seconds of CPU time (`cpu_clock`) during its kept rounds
    hops: int = 0  # calls handed to a database thread during its kept rounds (in this process)
    profiler: cProfile.Profile | None = None  # on during its kept rounds
    cpu_clock: Callable[[], float] = time.process_time  # the bot's CPU time so far

    async def round(self, run: Round, *, keep: bool) -> None:
        Route.BASE = self.world.fake.api_base  # each bot's requests go to its own Discord
        # The fakes keep every message and request, a heap growing through the run that the
        # garbage collector's full passes would walk, in whichever bot's round they fall.
        gc.freeze()
        cpu, hops = self.cpu_clock(), HOPS.count
        if keep and self.profiler is not None:
            self.profiler.enable()
        try:
            got = await run(self.world, self.command, self.expect)
        finally:
            if self.profiler is not None:
                self.profiler.disable()
        if keep:
            self.samples.extend(got)
            self.cpu += self.cpu_clock() - cpu
            self.hops += HOPS.count - hops


@dataclass
class Result:
    floor: dict[str, float]
    ours: dict[str, float]
    floor_cpu: float  # ms of CPU per command
    ours_cpu: float
    ours_hops: float  # database round trips (calls into aiosqlite's thread) per command


async def compare(floor: Side, ours: Side, run: Round, rounds: int) -> Result:
    """Rounds of the bare bot and of ours, taking turns (a busy moment of the machine falls on
    both), after one round each to warm up."""
    for i in range(rounds + 1):
        await floor.round(run, keep=i > 0)
        await ours.round(run, keep=i > 0)
    n = len(ours.samples)
    return Result(
        summary(floor.samples),
        summary(ours.samples),
        floor.cpu * 1000 / n,
        ours.cpu * 1000 / n,
        ours.hops / n,
    )


@asynccontextmanager
async def bare_bot(world: World) -> AsyncIterator[BareBot]:
    Route.BASE = world.fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(world.fake.gateway_url)
    client = BareBot()
    task = asyncio.create_task(client.start("bare-token"))
    try:
        await world.fake.wait_until_connected()
        while client.get_guild(world.server.guild.id) is None:
            await asyncio.sleep(0.01)
        await client.tree.sync()
        yield client
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)


async def prepare(world: World) -> None:
    """A moderator role, three groups led by the moderator with weekly sessions, and every
    member in one of them (the confidentiality agreement accepted)."""
    fake, server = world.fake, world.server

    async def slash(user: User, command: str, **options: object) -> str:
        res = await fake.slash(
            user, command, guild=server.guild, channel=server.general, options=options
        )
        return res.text

    await slash(server.admin, "setup moderator-role", role=server.moderator_role.id)
    group_ids = []
    for name in ("Breast cancer circle", "Carers", "Young adults"):
        said = await slash(server.admin, "group create", name=name, leader=server.moderator.id)
        assert "is ready" in said, said
        choices = await fake.autocomplete(
            server.moderator,
            "meeting schedule",
            focused="group",
            value=name,
            guild=server.guild,
            channel=server.general,
        )
        group_ids.append(str(choices[0]["value"]))
    for group_id in group_ids:
        preview = await fake.slash(
            server.moderator,
            "meeting schedule",
            guild=server.guild,
            channel=server.general,
            options={
                "group": group_id,
                "title": "Circle",
                "when": "2027-03-02 18:00",
                "repeat": "weekly",
            },
        )
        done = await fake.click(server.moderator, preview.message, preview.message.custom_ids()[0])
        assert "is scheduled" in done.text, done.text
    for i, user in enumerate(world.members):
        res = await fake.slash(
            user,
            "group join",
            guild=server.guild,
            channel=server.general,
            options={"group": group_ids[i % len(group_ids)]},
        )
        agree = [c for c in res.message.custom_ids() if ":agree:" in c]
        if agree:
            await fake.click(user, res.message, agree[0])
    for user in world.members:  # each one's role given: they are in their group
        await fake.wait_until(lambda user=user: bool(fake.member(server.guild, user).roles), 30)


async def run(args: argparse.Namespace) -> dict[str, Result]:
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    bare_fake, our_fake = new_fake(args.validate), new_fake(args.validate)
    await bare_fake.start()
    await our_fake.start()
    bare_world = make_world(bare_fake, args.concurrency)
    our_world = make_world(our_fake, args.concurrency)
    results: dict[str, Result] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            runner = BotRunner(our_fake, Path(folder) / "bench.sqlite3")
            await runner.start()
            try:
                await prepare(our_world)
                await runner.idle(timeout=60)
                async with bare_bot(bare_world):
                    profiler = cProfile.Profile() if args.profile else None
                    bare_profiler = cProfile.Profile() if args.profile_bare else None
                    for name in args.commands:
                        for label, way in (
                            ("1 at a time", one_at_a_time),
                            ("at once", all_at_once),
                        ):
                            floor = Side(bare_world, ("ping", {}), "pong", profiler=bare_profiler)
                            ours = Side(our_world, COMMANDS[name], None, profiler=profiler)
                            if way is all_at_once:
                                label = f"{args.concurrency} at once"
                            results[f"/{name} {label}"] = await compare(
                                floor, ours, way, args.rounds
                            )
                    if profiler is not None:
                        profiler.dump_stats(args.profile)
                    if bare_profiler is not None:
                        bare_profiler.dump_stats(args.profile_bare)
                    Route.BASE = our_fake.api_base
            finally:
                await runner.stop()
    finally:
        await bare_fake.stop()
        await our_fake.stop()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
    return results


# ---------------------------------------------------------------- each bot in its own process


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


async def run_processes(args: argparse.Namespace) -> dict[str, Result]:
    """Each bot in its own process (`python -m bot` and `--bare-child`), the fakes here: the
    bots' CPU is theirs alone, and the fakes' work goes on beside it, as Discord's would."""
    bare_fake, our_fake = new_fake(args.validate), new_fake(args.validate)
    await bare_fake.start()
    await our_fake.start()
    bare_world = make_world(bare_fake, args.concurrency)
    our_world = make_world(our_fake, args.concurrency)
    results: dict[str, Result] = {}
    procs: list[asyncio.subprocess.Process] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            ours_dir, bare_dir = Path(folder) / "ours", Path(folder) / "bare"
            ours_dir.mkdir()
            bare_dir.mkdir()
            env = child_env(our_fake, ours_dir)
            synced = await run_cli(ours_dir, env, "sync")
            assert synced.code == 0, synced.stderr
            procs.append(await start_bot_process(ours_dir, env))
            await our_fake.wait_until_connected(timeout=30)
            await answering(our_world, COMMANDS["help"], None)
            await prepare(our_world)
            log = (bare_dir / "bare.log").open("ab")
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "benchmarks.slash_commands",
                    "--bare-child",
                    cwd=REPO,
                    env=child_env(bare_fake, bare_dir),
                    stdout=log,
                    stderr=log,
                )
            )
            await bare_fake.wait_until_connected(timeout=30)
            await answering(bare_world, ("ping", {}), "pong")
            ours_cpu, bare_cpu = cpu_of(procs[0].pid), cpu_of(procs[1].pid)
            for name in args.commands:
                for label, way in (
                    ("1 at a time", one_at_a_time),
                    (f"{args.concurrency} at once", all_at_once),
                ):
                    floor = Side(bare_world, ("ping", {}), "pong", cpu_clock=bare_cpu)
                    ours = Side(our_world, COMMANDS[name], None, cpu_clock=ours_cpu)
                    results[f"/{name} {label}"] = await compare(floor, ours, way, args.rounds)
    finally:
        for proc in procs:
            await stop_process(proc)
        await bare_fake.stop()
        await our_fake.stop()
    return results


def show(name: str, result: Result) -> None:
    floor, ours = result.floor, result.ours
    hops = f" | DB round trips/cmd {result.ours_hops:.1f}" if result.ours_hops else ""
    print(
        f"{name:<25} bare p50 {floor['p50']:6.2f} p99 {floor['p99']:7.2f} | "
        f"ours p50 {ours['p50']:6.2f} p99 {ours['p99']:7.2f} ms | "
        f"x{ours['p50'] / floor['p50']:.2f} p50 x{ours['p99'] / floor['p99']:.2f} p99 | "
        f"CPU/cmd {result.floor_cpu:.2f} -> {result.ours_cpu:.2f} ms "
        f"(x{result.ours_cpu / max(result.floor_cpu, 1e-9):.2f}){hops}"
    )


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Slash commands: our bot vs bare discord.py")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--commands", nargs="*", default=list(COMMANDS), choices=list(COMMANDS))
    parser.add_argument("--validate", action="store_true", help="the fake checks every request")
    parser.add_argument("--profile", type=Path, help="write a cProfile of our bot's rounds")
    parser.add_argument("--profile-bare", type=Path, help="the same of the bare bot's rounds")
    parser.add_argument(
        "--in-process", action="store_true", help="both bots in this process (with --profile)"
    )
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.bare_child:
        await bare_child()
        return
    HOPS.install()
    try:
        if args.in_process or args.profile or args.profile_bare:
            results = await run(args)
        else:
            results = await run_processes(args)
    finally:
        HOPS.uninstall()
    print(
        f"slash commands: bare discord.py /ping vs ours, {args.rounds * args.concurrency} "
        "round trips each per line, taking turns, "
        + (
            "both bots and the fakes in this process"
            if args.in_process
            else "each bot in its own process"
        )
    )
    for name, result in results.items():
        show(name, result)


if __name__ == "__main__":
    asyncio.run(main())
