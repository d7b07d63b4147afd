"""Crash points: run a flow once to count its steps, then kill the bot at every step and check
what is left after a restart.

A *step* is one effect the bot has on the world: a request the loopback Discord receives
(Discord may act on it) or a database COMMIT. Crash point k (0 <= k <= K, the flow's K steps)
lets exactly the first k steps take effect; from step k+1 on the bot is dead: every request is
refused without being acted on and every commit is rolled back instead. Whatever the dead bot
still tries (its error handlers, its outbox) therefore changes nothing, exactly as if the
process had been killed between step k and step k+1. It is then stopped, a new bot starts on
the same database file and the same Discord, and the flow's `check` looks for what must hold:
nothing half-done visible to anyone, nothing lost, nothing doubled, the person told once.

Each crash point runs in a world of its own (a fresh loopback Discord, server and database),
so the points are independent. Usage (tests/groups/test_crash_points.py):

    class Create(Flow):
        features = ("settings", "groups", "moderation")
        async def prepare(self, world): ...        # not counted: the state before the flow
        async def act(self, world): ...            # the flow, as a person drives it
        async def check(self, world, point): ...   # after the restart and `idle()`

    report = await sweep(Create(), tmp_path)
    assert report.points == report.steps + 1

A step's kind is recorded (`"POST /guilds/1/roles"`, `"commit"`), so a failing point says
where the bot died.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.client import Bot
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.faults import Fault
from tests.harness import BotRunner, Server, build_server, busy_tasks

log = logging.getLogger(__name__)

REFUSED = {"message": "the bot was killed before this request (crash point)", "code": 0}


class Killed(Exception):
    """Raised to the dead bot by a commit it can no longer make."""


class StepGate:
    """Counts steps once armed; with a budget, kills the bot at the step after it."""

    def __init__(self, budget: int | None = None) -> None:
        self.budget = budget
        self.armed = False
        self.steps: list[str] = []
        self.killed = asyncio.Event()

    def allow(self, what: str) -> bool:
        if not self.armed:
            return True
        if self.killed.is_set():
            return False
        if self.budget is not None and len(self.steps) >= self.budget:
            self.killed.set()
            log.info("crash point %d: killed before %s", self.budget, what)
            return False
        self.steps.append(what)
        return True

    def request(self, method: str, path: str) -> Fault | None:
        """The loopback Discord's gate (`fake.faults.gate`)."""
        if self.allow(f"{method} {path}"):
            return None
        return Fault(method=None, path=re.compile(".*"), status=400, count=None, body=REFUSED)


class GatedConnection:
    """The bot's aiosqlite connection with its COMMITs counted (and refused once killed).
    `Database` runs every transaction's COMMIT through `execute("COMMIT")`."""

    def __init__(self, conn: Any, gate: StepGate) -> None:
        self._conn = conn
        self._gate = gate

    def execute(self, sql: str, parameters: Any = None) -> Any:
        if sql.strip().upper() == "COMMIT":
            return self._commit()
        return self._conn.execute(sql, parameters)

    async def _commit(self) -> Any:
        if self._gate.allow("commit"):
            return await self._conn.execute("COMMIT")
        await self._conn.execute("ROLLBACK")
        raise Killed("the bot was killed before this commit (crash point)")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


@dataclass
class World:
    """One crash point's world: its loopback Discord, server, clock, database and bot."""

    fake: FakeDiscord
    server: Server
    clock: FakeClock
    database: Path
    features: tuple[str, ...]
    runner: BotRunner | None = None
    before_start: Callable[[Bot], None] | None = None  # Flow.before_start
    state: dict[str, Any] = field(default_factory=dict)  # what prepare() hands to check()

    @property
    def bot(self) -> Bot:
        assert self.runner is not None and self.runner.bot is not None
        return self.runner.bot

    async def idle(self) -> None:
        assert self.runner is not None
        await self.runner.idle()


class Flow:
    """A multi-step flow to sweep. Subclasses set `features` and write the three steps."""

    features: tuple[str, ...] = ()
    # Register the bot's commands with Discord once per sweep, in the counting run, and give
    # each crash point's fresh Discord the same registrations instead of syncing again (about
    # half a second a point on two busy cores). The commands are the same in every world.
    sync_once: bool = False

    async def prepare(self, world: World) -> None:
        """The state before the flow (not counted), e.g. a group and a member waiting."""

    async def act(self, world: World) -> None:
        """The flow, driven as people drive it. The bot's background work (the outbox) that
        follows it is counted too: the sweep waits for `idle()` after it."""
        raise NotImplementedError

    async def check(self, world: World, point: int | None) -> None:
        """The invariants, after a restart on the same database. `point` is the crash point
        (None: the run that counted the steps, restarted after it finished)."""
        raise NotImplementedError

    def before_start(self, bot: Bot) -> None:
        """Runs on each bot of the sweep before it connects (every start, the restart too):
        for what a test does to every bot alike (tests/feedback/test_crash_points.py: a
        stand-in groups directory). What is slow to build and the same for every bot (the
        distress detector's lexicon) is built once per process by the harness already
        (tests/reuse.py)."""


@dataclass
class SweepReport:
    flow: str
    steps: int
    points: int
    seconds: float
    kinds: list[str]
    chosen: list[int] = field(
        default_factory=list
    )  # the crash points run (k: killed before step k)


async def _open_world(tmp_path: Path, name: str, features: Iterable[str]) -> World:
    fake = FakeDiscord()
    await fake.start()
    # Discord's snowflakes carry real time: the bot's clock starts at real time too, so what
    # the bot recorded and what Discord made can be compared (a setup's leftovers).
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    return World(fake, build_server(fake), clock, tmp_path / f"{name}.sqlite3", tuple(features))


async def _start(world: World, gate: StepGate | None, *, sync: bool) -> BotRunner:
    def prepare(bot: Bot) -> None:
        if world.before_start is not None:
            world.before_start(bot)
        if gate is not None:
            # Test-only: every COMMIT of this bot passes through the gate.
            bot.db._conn = GatedConnection(bot.db._conn, gate)  # type: ignore[attr-defined]

    runner = BotRunner(world.fake, world.database, world.clock, features=world.features)
    await runner.start(sync=sync, prepare=prepare)
    world.runner = runner
    return runner


async def _close_world(world: World) -> None:
    if world.runner is not None:
        await world.runner.stop()
        world.runner = None
    world.fake.faults.gate = None
    await world.fake.stop()
    if world.fake.problems:
        listing = "\n\n".join(f"- {p}" for p in world.fake.problems)
        raise AssertionError(f"the loopback Discord recorded problems:\n{listing}")


async def _bury_leftovers() -> None:
    """A killed process runs nothing more: the dead bot's handlers still awaiting something
    (a command waiting for its alert, a retry's sleep) are cancelled, so they neither hold up
    the restarted bot's `idle()` nor act after the restart."""
    leftovers = busy_tasks()
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


async def run_point(
    flow: Flow, tmp_path: Path, budget: int | None, registered: dict[int, Any] | None = None
) -> list[str]:
    """One crash point (budget k; None: no crash, to count). Returns the steps taken.
    `registered` (Flow.sync_once): empty, the commands the bot syncs are copied into it; else
    they are given to this world's Discord and the bot does not sync."""
    name = f"{type(flow).__name__}-{'count' if budget is None else budget}"
    world = await _open_world(tmp_path, name, flow.features)
    world.before_start = flow.before_start
    gate = StepGate(budget)
    try:
        if registered:
            app = str(world.fake.application_id)
            for key, command in copy.deepcopy(registered).items():
                world.fake.global_commands[key] = {**command, "application_id": app}
        runner = await _start(world, gate, sync=not registered)
        if registered is not None and not registered:
            registered.update(copy.deepcopy(world.fake.global_commands))
        await flow.prepare(world)
        await runner.idle()
        world.fake.faults.gate = gate.request
        gate.armed = True

        async def drive() -> None:
            await flow.act(world)
            await runner.idle()

        driving = asyncio.create_task(drive(), name="crashpoints: the flow")
        killed = asyncio.create_task(gate.killed.wait(), name="crashpoints: the kill")
        await asyncio.wait({driving, killed}, return_when=asyncio.FIRST_COMPLETED)
        killed.cancel()
        if gate.killed.is_set():
            driving.cancel()
            await asyncio.gather(driving, return_exceptions=True)
        else:
            driving.result()  # the flow itself failed: that is the test's failure
        # The process is dead (everything refused); stop what is left of it, then restart.
        async with asyncio.timeout(30):
            await runner.stop()
            await _bury_leftovers()
        world.runner = None
        world.fake.faults.gate = None
        runner = await _start(world, None, sync=False)
        await runner.idle()
        await flow.check(world, budget)
        return gate.steps
    finally:
        await _close_world(world)


Points = Iterable[int] | Callable[[list[str]], Iterable[int]]


def report(result: SweepReport) -> None:
    """One line a sweep: its steps, the points it killed (all, or the sample) and its time, in
    the log and on the terminal (`-s`): the figures a stop's note reports."""
    which = "all" if result.points == result.steps + 2 else f"sampled {result.chosen}"
    line = (
        f"{result.flow}: {result.steps} steps, {result.points} crash points ({which}), "
        f"{len(set(map(kind_of, result.kinds)))} kinds of step, {result.seconds:.1f} s"
    )
    log.warning("%s", line)
    print(line)


def kind_of(step: str) -> str:
    """A step's kind, without its ids and tokens: "POST /channels/{id}/messages", "commit"."""
    parts = []
    for part in step.split("/"):
        if part.isdigit():
            part = "{id}"
        elif len(part) > 30 and re.fullmatch(r"[A-Za-z0-9_.-]+", part):
            part = "{token}"
        parts.append(part)
    return "/".join(parts)


def every_kind(steps: list[str]) -> list[int]:
    """A deterministic sample of crash points for a flow too long to kill at every step: for
    each kind of step, just before its first and its last step of that kind, then after the
    last step. Every kind of step is interrupted at least once, the flow's first and last
    steps too. (`sweep(flow, tmp_path, points=every_kind)`.)"""
    chosen = {len(steps)}
    for kind in {kind_of(step) for step in steps}:
        at = [k for k, step in enumerate(steps) if kind_of(step) == kind]
        chosen |= {at[0], at[-1]}
    return sorted(chosen)


async def sweep(flow: Flow, tmp_path: Path, points: Points | None = None) -> SweepReport:
    """Count the flow's steps, then kill it at every crash point 0..K, or at those given: a
    list, or a function of the counted steps (a long flow sampled deterministically, e.g.
    `every_kind`). With CRASH_POINTS=all in the environment (CI sets it), every point 0..K
    whatever the flow samples."""
    started = time.monotonic()
    registered: dict[int, Any] | None = {} if flow.sync_once else None
    steps = await run_point(flow, tmp_path, None, registered)
    if os.environ.get("CRASH_POINTS") == "all":
        points = None
    if callable(points):
        points = points(steps)
    chosen = list(range(len(steps) + 1) if points is None else points)
    for k in chosen:
        try:
            await run_point(flow, tmp_path, k, registered)
        except BaseException as e:
            where = steps[k] if k < len(steps) else "the end"
            e.add_note(f"crash point {k} of {len(steps)}: killed before {where}")
            raise
    return SweepReport(
        flow=type(flow).__name__,
        steps=len(steps),
        points=len(chosen) + 1,  # the counting run is checked after a restart too
        seconds=time.monotonic() - started,
        kinds=steps,
        chosen=chosen,
    )
