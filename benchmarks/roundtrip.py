"""A slash command's round trip: through our bot, and through a bare discord.py bot (the floor),
against the same loopback Discord, in one run.

    .venv/bin/python -m benchmarks.roundtrip [--iterations 300]

Round trip = the fake sends INTERACTION_CREATE over the gateway -> the bot answers with its
interaction callback -> the fake has the response. `bare_message_floor` is the same for a
message: MESSAGE_CREATE over the gateway -> a bare discord.py bot posts a message in another
channel -> the fake has it (the floor of "a member's message -> the alert"). Our bot runs
`/help` (reads the server's settings and the caller's role from the database, builds an embed)
and `/setup show`; the bare bot answers `/ping` with a fixed ephemeral text. Both bots run in
this process on one event loop with the fake, so the fake's own cost is in both figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, build_server


class BareBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="Answer at once")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)


async def measure(run: Callable[[], Awaitable[object]], iterations: int) -> list[float]:
    for _ in range(max(10, iterations // 10)):  # warm up
        await run()
    samples: list[float] = []
    for _ in range(iterations):
        start = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "mean": statistics.fmean(ordered),
    }


async def bare_floor(iterations: int) -> dict[str, float]:
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    client = BareBot()
    task = asyncio.create_task(client.start("bare-token"))
    try:
        await fake.wait_until_connected()
        while client.get_guild(server.guild.id) is None:
            await asyncio.sleep(0.01)
        await client.tree.sync()

        async def ping() -> None:
            res = await fake.slash(
                server.member, "ping", guild=server.guild, channel=server.general
            )
            assert res.text == "pong"

        return summary(await measure(ping, iterations))
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


class BareEcho(discord.Client):
    """Posts a line in another channel for every message it reads: the least a bot can do."""

    def __init__(self, target: int) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.target = target

    async def on_message(self, message: discord.Message) -> None:
        if self.user is None or message.author.id == self.user.id:
            return
        await self.get_partial_messageable(self.target).send(
            "seen", allowed_mentions=discord.AllowedMentions.none()
        )


async def bare_message_floor(iterations: int) -> dict[str, float]:
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    client = BareEcho(server.private.id)
    task = asyncio.create_task(client.start("bare-token"))
    try:
        await fake.wait_until_connected()
        while client.get_guild(server.guild.id) is None:
            await asyncio.sleep(0.01)

        async def message() -> None:
            before = len(fake.messages_in(server.private))
            await fake.send_message(server.member, server.general, "hello")
            while len(fake.messages_in(server.private)) == before:
                await asyncio.sleep(0.001)

        return summary(await measure(message, iterations))
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def our_bot(iterations: int, command: str) -> dict[str, float]:
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    with tempfile.TemporaryDirectory() as folder:
        runner = BotRunner(fake, Path(folder) / "bench.sqlite3")
        await runner.start()
        try:
            await fake.slash(
                server.admin,
                "setup moderator-role",
                guild=server.guild,
                channel=server.general,
                options={"role": server.moderator_role.id},
            )

            async def run() -> None:
                res = await fake.slash(
                    server.admin, command, guild=server.guild, channel=server.general
                )
                assert res.ephemeral

            return summary(await measure(run, iterations))
        finally:
            await runner.stop()
            await fake.stop()


def show(name: str, figures: dict[str, float], floor: dict[str, float] | None) -> None:
    line = (
        f"{name:<28} p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms  "
        f"mean {figures['mean']:7.2f} ms"
    )
    if floor is not None:
        line += (
            f"   x{figures['p50'] / floor['p50']:.2f} p50, x{figures['p99'] / floor['p99']:.2f} p99"
        )
    print(line)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description="Slash command round trip: our bot vs bare discord.py"
    )
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    floor = await bare_floor(args.iterations)
    message_floor = await bare_message_floor(args.iterations)
    help_figures = await our_bot(args.iterations, "help")
    show_figures = await our_bot(args.iterations, "setup show")
    print(f"slash command round trip, {args.iterations} iterations each, loopback Discord")
    show("bare discord.py /ping", floor, None)
    show("bare discord.py message->post", message_floor, None)
    show("peer-support-bot /help", help_figures, floor)
    show("peer-support-bot /setup show", show_figures, floor)


if __name__ == "__main__":
    asyncio.run(main())
