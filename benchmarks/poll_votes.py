"""Anonymous poll votes per second with hundreds of members pressing at once, against the
loopback Discord; and, in the same run, the bare discord.py floor from benchmarks/roundtrip.py.

    .venv/bin/python -m benchmarks.poll_votes [--voters 300] [--rounds 3]
    TEST_DATABASE=postgresql .venv/bin/python -m benchmarks.poll_votes   # on PostgreSQL

A vote is two interactions: the option button (the bot answers with a private "confirm your
choice?") and the confirm button (the bot counts the vote in one transaction and edits the
private message; the choice is held in memory until the poll closes, PRIVACY.md). Every member
of a round presses at the same moment. The floor: a bare discord.py bot answering `/ping` to
the same number of members at once, and one `/ping` at a time (its p50 round trip). Everything
runs in this process on one event loop, so the fake's own cost is in every figure. The database
is a real file with synchronous=FULL, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from benchmarks.roundtrip import BareBot, bare_floor
from bot.client import Bot
from tests import postgres
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server, build_server


def patient_discord() -> FakeDiscord:
    """The loopback Discord shares this process's CPU: on a busy machine its own work for
    hundreds of interactions at once can eat Discord's 3 seconds to acknowledge, for the bare
    bot as for ours. Both are measured with the same patience; the latencies say the rest."""
    fake = FakeDiscord()
    fake.interaction_deadline = 120.0
    return fake


def add_members(fake: FakeDiscord, server: Server, count: int) -> list[User]:
    users = []
    for i in range(count):
        user = fake.create_user(f"member{i}")
        fake.add_member(server.guild, user)
        users.append(user)
    return users


async def bare_concurrent(members: int) -> tuple[float, list[float]]:
    """Pings per second when `members` people run /ping at once (bare discord.py), and each
    ping's round trip."""
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    fake = patient_discord()
    await fake.start()
    server = build_server(fake)
    users = add_members(fake, server, members)
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    client = BareBot()
    task = asyncio.create_task(client.start("bare-token"))
    try:
        await fake.wait_until_connected()
        while client.get_guild(server.guild.id) is None:
            await asyncio.sleep(0.01)
        await client.tree.sync()

        async def ping(user: User) -> float:
            start = time.perf_counter()
            res = await fake.slash(user, "ping", guild=server.guild, channel=server.general)
            assert res.text == "pong", res
            return time.perf_counter() - start

        await asyncio.gather(*(ping(u) for u in users[:20]))  # warm up
        start = time.perf_counter()
        took = await asyncio.gather(*(ping(u) for u in users))
        return members / (time.perf_counter() - start), list(took)
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


class Troubles(logging.Handler):
    """Counts what the bot logged at WARNING and above while measuring, and "database is
    locked" among it (the target: none)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.locked = 0
        self.errors = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        self.locked += "database is locked" in text
        self.errors += record.levelno >= logging.ERROR


TROUBLES = Troubles()


async def vote(fake: FakeDiscord, user: User, poll: Message, position: int) -> tuple[float, float]:
    """One member's vote: both presses, and the confirm press alone (from the press to "your
    vote is counted": the vote's acknowledgement)."""
    start = time.perf_counter()
    poll_id = poll.custom_ids()[0].split(":")[2]
    pressed = await fake.click(user, poll, f"feedback:vote:{poll_id}:{position}", timeout=120)
    confirm = pressed.message.custom_ids()[0]
    confirmed = time.perf_counter()
    done = await fake.click(user, pressed.message, confirm, timeout=120)
    assert "your vote is counted" in done.text, done
    end = time.perf_counter()
    return end - start, end - confirmed


@asynccontextmanager
async def community(members: int) -> AsyncIterator[tuple[FakeDiscord, Server, list[User], Bot]]:
    """A fresh loopback Discord and bot (the fake's own bookkeeping grows with every message,
    so each measurement starts clean, as the bare bot's does)."""
    fake = patient_discord()
    await fake.start()
    server = build_server(fake)
    users = add_members(fake, server, members)
    with tempfile.TemporaryDirectory() as folder:
        runner = BotRunner(fake, Path(folder) / "bench.sqlite3")
        bot = await runner.start()
        # A deferred answer's follow-up is waited for as it arrives, not by the tests' barrier:
        # every vote here is answered, and the barrier (a watcher per deferred press that looks
        # at every task of the process, hundreds of presses each looking at hundreds of tasks)
        # is the harness's work, not the bot's; the bare bot, which never defers, never paid it.
        fake.bots_quiet.remove(runner.quiet)
        try:
            await bot.guild_settings.set_moderator_role(
                server.guild.id, server.moderator_role.id, server.admin.id
            )
            yield fake, server, users, bot
        finally:
            await runner.stop()
            await fake.stop()


POLL_NUMBERS = itertools.count(1)  # each poll its own question (the same one is refused)


async def post_poll(fake: FakeDiscord, server: Server, options: int) -> Message:
    asked = await fake.slash(
        server.moderator,
        "poll create",
        guild=server.guild,
        channel=server.general,
        options={"question": f"Which evening suits you best? ({next(POLL_NUMBERS)})"},
    )
    labels = "\n".join(f"Option {i + 1}" for i in range(options))
    before = len(polls_in(fake, server))
    done = await fake.submit_modal(
        server.moderator, asked, {"feedback:poll-options:text": labels}, timeout=60
    )
    assert "Your poll is posted" in done.text, done  # its message is out: the newest poll
    return polls_in(fake, server)[before]


def polls_in(fake: FakeDiscord, server: Server) -> list[Message]:
    return [
        m
        for m in fake.messages_in(server.general.id)
        if any(c.startswith("feedback:vote:") for c in m.custom_ids())
    ]


async def one_round(voters: int, options: int) -> tuple[float, list[tuple[float, float]]]:
    """Everyone presses at once; returns votes per second and each vote's times."""
    async with community(voters) as (fake, server, users, bot):
        poll = await post_poll(fake, server, options)
        warm = await post_poll(fake, server, options)
        await asyncio.gather(*(vote(fake, u, warm, 1) for u in users[:20]))
        start = time.perf_counter()
        took = await asyncio.gather(
            *(vote(fake, u, poll, 1 + i % options) for i, u in enumerate(users))
        )
        elapsed = time.perf_counter() - start
        # None lost, none twice. The choices are written only when the poll closes (PRIVACY.md):
        # until then the files hold the count of voters, and the tally is in memory.
        poll_id = int(poll.custom_ids()[0].split(":")[2])
        counted = await bot.db.fetchval("SELECT voters FROM polls WHERE id = :id", {"id": poll_id})
        assert counted == voters, (counted, voters)
        return voters / elapsed, list(took)


async def one_at_a_time(options: int, count: int = 100) -> float:
    """A vote's p50 time when nobody else is voting."""
    async with community(count) as (fake, server, users, _):
        poll = await post_poll(fake, server, options)
        for user in users[:10]:
            await vote(fake, user, await post_poll(fake, server, options), 1)
        return statistics.median([(await vote(fake, u, poll, 1))[0] for u in users]) * 1000


async def our_votes(voters: int, rounds: int, options: int) -> dict[str, float]:
    rates: list[float] = []
    latencies: list[float] = []
    confirms: list[float] = []
    for _ in range(rounds):
        rate, took = await one_round(voters, options)
        rates.append(rate)
        latencies.extend(whole for whole, _ in took)
        confirms.extend(confirm for _, confirm in took)
    return {
        "votes_per_s": statistics.median(rates),
        "best_votes_per_s": max(rates),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "confirm_p50_ms": percentile(confirms, 0.5) * 1000,
        "confirm_p99_ms": percentile(confirms, 0.99) * 1000,
        "single_p50_ms": await one_at_a_time(options),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def main() -> None:
    parser = argparse.ArgumentParser(description="Anonymous poll votes per second")
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--options", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    floor = await bare_floor(300)
    bare_rate, bare_took = await bare_concurrent(args.voters)
    logging.getLogger().addHandler(TROUBLES)
    ours = await our_votes(args.voters, args.rounds, args.options)
    interactions = 2 * ours["votes_per_s"]
    print(
        f"anonymous poll votes, {args.voters} members pressing at once, "
        f"{args.rounds} rounds (median), loopback Discord"
    )
    best = ours["best_votes_per_s"]
    print(
        f"  peer-support-bot   {ours['votes_per_s']:8.1f} votes/s (best {best:.1f})"
        f" = {interactions:.1f} interactions/s; per vote under load p50 {ours['p50_ms']:.0f} ms,"
        f" p99 {ours['p99_ms']:.0f} ms"
    )
    print(
        f"  acknowledgement    the confirm press to 'your vote is counted': "
        f"p50 {ours['confirm_p50_ms']:.0f} ms, p99 {ours['confirm_p99_ms']:.0f} ms; "
        f"'database is locked' {TROUBLES.locked} times, {TROUBLES.errors} errors logged"
    )
    bare_p50, bare_p99 = percentile(bare_took, 0.5) * 1000, percentile(bare_took, 0.99) * 1000
    print(
        f"  bare discord.py    {bare_rate:8.1f} /ping interactions/s with as many at once; "
        f"each /ping p50 {bare_p50:.0f} ms, p99 {bare_p99:.0f} ms"
    )
    print(
        f"  acknowledgement    confirm p99 / bare /ping p99 at the same concurrency = "
        f"x{ours['confirm_p99_ms'] / bare_p99:.2f}"
    )
    print(
        f"  ratio              bare interactions/s / ours = x{bare_rate / interactions:.2f} "
        f"(each vote is 2 interactions, 2 reads and a transaction)"
    )
    single = ours["single_p50_ms"]
    print(
        f"  one at a time      a vote takes {single:.2f} ms p50; bare /ping round trip "
        f"{floor['p50']:.2f} ms p50 = x{single / (2 * floor['p50']):.2f} of two bare round trips"
    )


def run() -> None:
    """On PostgreSQL with TEST_DATABASE=postgresql: a server of its own, as the tests start one
    (tests/postgres.py; the database of each round is a fresh one from the migrated template)."""
    with contextmanager(postgres.start_session_server)() as backend:
        print(f"database: {'PostgreSQL ' + backend.url() if backend else 'SQLite file'}")
        asyncio.run(main())


if __name__ == "__main__":
    run()
