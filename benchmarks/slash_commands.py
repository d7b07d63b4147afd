"""Slash commands under load: our bot against a bare discord.py bot, one at a time and 50 at
once from 50 different members, each against its own loopback Discord, in one run.

    .venv/bin/python -m benchmarks.slash_commands [--rounds 20] [--concurrency 50]
    .venv/bin/python -m benchmarks.slash_commands --against /tmp/other-checkout  # A/B
    .venv/bin/python -m benchmarks.slash_commands --rounds 100 --ways all  # the p99 target
    .venv/bin/python -m benchmarks.slash_commands --in-process
    .venv/bin/python -m benchmarks.slash_commands --profile /tmp/o.prof --profile-bare /tmp/b.prof

Round trip = the fake sends INTERACTION_CREATE over the gateway -> the bot answers with its
interaction callback -> the fake has the response (benchmarks/roundtrip.py). The bare bot
(`BareBot`) answers /ping with a fixed ephemeral text. Ours runs every feature, as production
does, in a server with a moderator role, three groups with weekly sessions, and the members in
them (half of them with Spanish as their Discord language), and answers commands that read the
database and answer ephemerally: /help (the caller's role: settings and leadership), /group
list, /meeting list (the caller's groups and their sessions), and /language (a write: the
member's choice, in a transaction).

"1 at a time": the members in turn, one command after the other. "50 at once": every member
sends the command at the same moment; each one's round trip counts. `--rounds` of each; the
bots take turns round by round (after a round each to warm up), so a busy moment of a shared
machine falls on all of them. Latency: p50 and p99 in ms, and the ratio to the bare bot's in the
same turns. CPU/cmd: the bot process's CPU time (its database threads included) per command.

On a shared machine a burst of other work spoils whole rounds, and the pooled p99 of 50 at once
(the 1% slowest of every round together) is made by the few worst rounds: it moves by a factor
of two from run to run even with 100 rounds. "Round by round" is steadier: each round of ours
against the bare bot's round just before it, the median of those ratios and its quartiles (a
spoiled pair moves a quartile, not the median). Compare trees with `--against` in one run, and
read CPU/cmd beside the latencies: it is the figure least moved by the machine.

By default each bot runs in its own process (`python -m bot` from this checkout and from each
`--against` checkout, and the bare bot), the fakes in this one: a bot's CPU is its own, and the
fakes' work goes on beside it, as Discord's would; at 50 at once the fakes' process is then a
shared bottleneck, which evens latencies out. `--in-process` (and the profiles) run the bots and
the fakes on this process's one event loop, as benchmarks/roundtrip.py does: there 50 at once
measures what one command costs the whole process, the fake's share included, and DB round
trips per command (calls into aiosqlite's threads) are counted too. The fake's check of each
request against Discord's OpenAPI description (jsonschema: a few ms for an embed, far more than
a bot spends on it) is off unless `--validate`: the tests check every request, and here it would
charge the fake's own work to whichever bot sends the larger answer.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

from discord.gateway import DiscordWebSocket
from discord.http import Route

from benchmarks.slash_processes import (
    bare_child,
    run_processes,
)
from benchmarks.slash_world import (
    COMMANDS,
    HOPS,
    WAYS,
    Result,
    Side,
    bare_bot,
    chosen_ways,
    compare,
    make_world,
    new_fake,
    paired,
    prepare,
)
from tests.harness import BotRunner


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
                        for label, way in chosen_ways(args.ways, args.concurrency):
                            floor = Side(bare_world, ("ping", {}), "pong", profiler=bare_profiler)
                            ours = Side(our_world, COMMANDS[name], None, profiler=profiler)
                            results[f"/{name} {label}"] = await compare(
                                floor, [ours], way, args.rounds
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


def show(name: str, result: Result, trees: Sequence[str]) -> None:
    floor = result.floor
    print(
        f"{name:<25} bare    p50 {floor.latency['p50']:6.2f} p99 {floor.latency['p99']:7.2f} ms"
        f" | CPU/cmd {floor.cpu:.2f} ms"
    )
    for tree, ours in zip(trees, result.ours, strict=True):
        hops = (
            f" | DB round trips/cmd {ours.hops:.1f}, queries/cmd {ours.queries:.1f}"
            if ours.hops
            else ""
        )
        print(
            f"{'':<25} {tree:<7} p50 {ours.latency['p50']:6.2f} p99 {ours.latency['p99']:7.2f} ms"
            f" | CPU/cmd {ours.cpu:.2f} ms | x{ours.latency['p50'] / floor.latency['p50']:.2f} p50"
            f" x{ours.latency['p99'] / floor.latency['p99']:.2f} p99"
            f" x{ours.cpu / max(floor.cpu, 1e-9):.2f} CPU{hops}"
        )
        p50, p99 = paired(ours, floor, "p50"), paired(ours, floor, "p99")
        print(
            f"{'':<33} round by round: x{p50[1]:.2f} p50 [{p50[0]:.2f}-{p50[2]:.2f}]"
            f" x{p99[1]:.2f} p99 [{p99[0]:.2f}-{p99[2]:.2f}] (median [quartiles])"
        )


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Slash commands: our bot vs bare discord.py")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--commands", nargs="*", default=list(COMMANDS), choices=list(COMMANDS))
    parser.add_argument(
        "--ways",
        nargs="*",
        default=list(WAYS),
        choices=list(WAYS),
        help="one at a time, all at once, or both (the default)",
    )
    parser.add_argument("--validate", action="store_true", help="the fake checks every request")
    parser.add_argument("--profile", type=Path, help="write a cProfile of our bot's rounds")
    parser.add_argument("--profile-bare", type=Path, help="the same of the bare bot's rounds")
    parser.add_argument(
        "--in-process", action="store_true", help="both bots in this process (with --profile)"
    )
    parser.add_argument(
        "--against",
        nargs="*",
        type=Path,
        default=[],
        help="other checkouts whose bot runs in the same turns (each in its own process)",
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
    trees = ["ours", *(f"ours{i + 1}" for i in range(len(args.against)))]
    for i, tree in enumerate(args.against):
        print(f"ours{i + 1} = {tree}")
    for name, result in results.items():
        show(name, result, trees)


if __name__ == "__main__":
    asyncio.run(main())
