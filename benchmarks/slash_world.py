"""The pieces of benchmarks/slash_commands.py: the world (a server, its members, a loopback
Discord), the ways of sending commands (one at a time, all at once), the sides that take turns
and what they measured, and the preparation of our bot's server."""

from __future__ import annotations

import asyncio
import cProfile
import gc
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from benchmarks.roundtrip import BareBot, summary
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.fakediscord.routing import Req
from tests.harness import Server, build_server

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


Round = Callable[[World, Command, str | None], Awaitable[list[float]]]
WAYS = ("one", "all")  # `--ways`: one at a time, all at once


def chosen_ways(names: Sequence[str], concurrency: int) -> list[tuple[str, Round]]:
    """The ways of sending that `--ways` names, with the label each line of figures gets."""
    ways: list[tuple[str, Round]] = []
    if "one" in names:
        ways.append(("1 at a time", one_at_a_time))
    if "all" in names:
        ways.append((f"{concurrency} at once", all_at_once))
    return ways


class HopCounter:
    """Counts the calls aiosqlite hands to its database threads (each one a round trip from the
    event loop to a thread and back: an execute, a fetch, a cursor's close), and the statements
    among them (`queries`: BEGIN and COMMIT included)."""

    STATEMENTS = ("execute", "execute_fetchall", "execute_insert", "executemany")

    def __init__(self) -> None:
        self.count = 0
        self.queries = 0
        self._original = aiosqlite.Connection._execute  # pyright: ignore[reportPrivateUsage]
        self._statements = {name: getattr(aiosqlite.Connection, name) for name in self.STATEMENTS}

    def install(self) -> None:
        original, counter = self._original, self

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return await original(self, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # pyright: ignore[reportPrivateUsage]
        for name, method in self._statements.items():
            setattr(aiosqlite.Connection, name, self._statement(method))

    def _statement(self, method: Any) -> Any:
        counter = self

        def statement(self: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
            counter.queries += 1
            return method(self, *args, **kwargs)

        return statement

    def uninstall(self) -> None:
        aiosqlite.Connection._execute = self._original  # pyright: ignore[reportPrivateUsage]
        for name, method in self._statements.items():
            setattr(aiosqlite.Connection, name, method)


HOPS = HopCounter()


@dataclass
class Side:
    """One bot and its loopback Discord, and what its rounds measured."""

    world: World
    command: Command
    expect: str | None
    samples: list[float] = field(default_factory=list)
    rounds: list[list[float]] = field(default_factory=list)  # the kept rounds' samples, in turn
    cpu: float = 0.0  # seconds of CPU time (`cpu_clock`) during its kept rounds
    hops: int = 0  # calls handed to a database thread during its kept rounds (in this process)
    queries: int = 0  # statements run during its kept rounds (in this process)
    profiler: cProfile.Profile | None = None  # on during its kept rounds
    cpu_clock: Callable[[], float] = time.process_time  # the bot's CPU time so far

    async def round(self, run: Round, *, keep: bool) -> None:
        Route.BASE = self.world.fake.api_base  # each bot's requests go to its own Discord
        # The fakes keep every message and request, a heap growing through the run that the
        # garbage collector's full passes would walk, in whichever bot's round they fall.
        gc.freeze()
        cpu, hops, queries = self.cpu_clock(), HOPS.count, HOPS.queries
        if keep and self.profiler is not None:
            self.profiler.enable()
        try:
            got = await run(self.world, self.command, self.expect)
        finally:
            if self.profiler is not None:
                self.profiler.disable()
        if keep:
            self.samples.extend(got)
            self.rounds.append(got)
            self.cpu += self.cpu_clock() - cpu
            self.hops += HOPS.count - hops
            self.queries += HOPS.queries - queries


@dataclass
class Figures:
    latency: dict[str, float]  # p50, p99, mean in ms
    cpu: float  # ms of the bot's CPU per command
    hops: float  # database round trips (calls into aiosqlite's threads) per command
    rounds: list[dict[str, float]] = field(default_factory=list)  # each kept round's summary
    queries: float = 0.0  # statements per command (BEGIN and COMMIT included)


def paired(ours: Figures, floor: Figures, key: str) -> tuple[float, float, float]:
    """The ratio of ours to the bare bot's round by round (each round of ours against the bare
    round just before it, so both met the same moment of a shared machine): its quartiles.
    A burst of other work on the machine spoils one pair, not the whole figure."""
    ratios = sorted(
        mine[key] / max(bare[key], 1e-9)
        for mine, bare in zip(ours.rounds, floor.rounds, strict=True)
    )
    q1, median, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return q1, median, q3


@dataclass
class Result:
    floor: Figures
    ours: list[Figures]  # one per bot of ours (this checkout, then each --against)


async def compare(floor: Side, ours: Sequence[Side], run: Round, rounds: int) -> Result:
    """Rounds of the bare bot and of ours, taking turns (a busy moment of the machine falls on
    all of them), after one round each to warm up."""
    for i in range(rounds + 1):
        for side in (floor, *ours):
            await side.round(run, keep=i > 0)

    def figures(side: Side) -> Figures:
        n = len(side.samples)
        each = [summary(got) for got in side.rounds]
        return Figures(
            summary(side.samples), side.cpu * 1000 / n, side.hops / n, each, side.queries / n
        )

    return Result(figures(floor), [figures(side) for side in ours])


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
