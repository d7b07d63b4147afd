"""Message -> alert-and-DM latency against the loopback Discord, under other chatter, as a ratio
to the bare discord.py round trip measured in the same run (benchmarks/roundtrip.py).

    .venv/bin/python -m benchmarks.escalation_latency [--samples 100] [--chatter 200]
        [--backlog 1500]

Latency = a member's crisis message is created in the fake (MESSAGE_CREATE over the gateway)
-> the fake holds both the alert in the escalation channel and the crisis resources in the
member's DMs (and each of the two alone). With --backlog N, N ordinary sends (a prompt by DM to
each of N other members) are queued in the outbox before the measured crises begin and are still
going out while they are measured (the dispatcher paces ordinary sends, bot/send_budget.py);
crisis sends go ahead of them (issue 17). Meanwhile other members post ordinary messages at
--chatter messages/s (the bot
reads and scans every one). One crisis message every --interval seconds, each from a different
member (so each opens its own case). The bot, the fake and the load all run on one event loop in
this process, as in the round-trip benchmark; a single poller notices the arrivals every
millisecond, so figures carry up to ~1 ms of polling granularity.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.roundtrip import bare_floor, bare_message_floor, show, summary
from bot.client import Bot
from bot.dispatcher import Rendered
from bot.outbox import OutboxMessage
from tests.escalation.conftest import configure, private_overwrites
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, build_server

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "escalation" / "data" / "corpus.jsonl"
CRISIS = "I can't do this anymore, I want to end my life"


def ordinary_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as file:
        rows = [json.loads(line) for line in file if line.strip()]
    return [r["text"] for r in rows if r["label"] == "ordinary"]


BULK = "bench:bulk"


async def render_bulk(message: OutboxMessage) -> Rendered:
    return Rendered(content=message.payload["text"])


async def queue_backlog(bot: Bot, members: list[User]) -> None:
    bot.dispatcher.register(BULK, render_bulk)
    async with bot.db.transaction() as tx:
        for member in members:
            await bot.outbox.enqueue(
                tx,
                kind=BULK,
                guild_id=None,
                user_id=member.id,
                payload={"text": "Your group meets tomorrow at 18:00. See you there?"},
            )


async def escalation_latency(
    samples: int,
    chatter_rate: float,
    interval: float,
    backlog: int = 0,
    database_folder: str | None = None,
) -> tuple[dict[str, dict[str, float]], float, int, dict[str, float]]:
    fake = FakeDiscord()
    await fake.start()
    server = build_server(fake)
    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    group = fake.create_text_channel(server.guild, "support-circle")
    chatterers = [fake.create_user(f"chat{i}") for i in range(20)]
    posters = [fake.create_user(f"poster{i}") for i in range(samples + 10)]
    bulk_members = [fake.create_user(f"bulk{i}") for i in range(backlog)]
    for user in (*chatterers, *posters, *bulk_members):
        fake.add_member(server.guild, user)
    texts = ordinary_texts()
    rng = random.Random(8)
    # How long the fake spends validating each request against Discord's OpenAPI schema (CPU on
    # the shared event loop): measured, not changed, so the bot's own share can be told apart.
    validating: list[tuple[str, float]] = []
    validate = fake._validate  # pyright: ignore[reportPrivateUsage]

    def timed_validate(req: Any) -> None:
        start = time.perf_counter()
        try:
            validate(req)
        finally:
            validating.append((req.path, (time.perf_counter() - start) * 1000))

    fake._validate = timed_validate  # type: ignore[method-assign]

    with tempfile.TemporaryDirectory(dir=database_folder) as folder:
        runner = BotRunner(fake, Path(folder) / "bench.sqlite3")
        await runner.start()
        # When the bot has read each crisis message (its on_message), to tell the gateway's
        # share (a loop busy with chatter reads late) from the bot's own work after reading.
        read_at: dict[int, float] = {}
        poster_ids = {p.id for p in posters}

        async def on_message(message: Any) -> None:
            if message.author.id in poster_ids:
                read_at.setdefault(message.author.id, time.perf_counter())

        assert runner.bot is not None
        runner.bot.add_listener(on_message)
        try:
            await configure(fake, server, mod_log, "US")
            stop = asyncio.Event()
            sent = 0

            async def chatter() -> None:
                nonlocal sent
                started = time.perf_counter()
                while not stop.is_set():
                    due = started + sent / chatter_rate
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    await fake.send_message(rng.choice(chatterers), group, rng.choice(texts))
                    sent += 1

            def bulk_sent() -> int:
                return sum(len(fake.dm_messages(m)) for m in bulk_members)

            pending: dict[int, float] = {}
            alerted: set[int] = set()
            latencies: list[float] = []
            dm_latencies: list[float] = []
            alert_latencies: list[float] = []
            dm_seen: set[int] = set()
            alert_seen: set[int] = set()
            read_latencies: list[float] = []
            after_read: list[float] = []
            seen_alerts = 0

            def alerts_since() -> list[Message]:
                nonlocal seen_alerts
                messages = fake.messages_in(server.private)
                new = messages[seen_alerts:]
                seen_alerts = len(messages)
                return new

            async def poll() -> None:
                while True:
                    for message in alerts_since():
                        for user_id in pending:
                            if message.embeds and f"<@{user_id}>" in message.text:
                                alerted.add(user_id)
                    now = time.perf_counter()
                    for user_id, started in list(pending.items()):
                        if user_id in alerted and user_id not in alert_seen:
                            alert_seen.add(user_id)
                            alert_latencies.append((now - started) * 1000)
                        if user_id not in dm_seen and fake.dm_messages(user_id):
                            dm_seen.add(user_id)
                            dm_latencies.append((now - started) * 1000)
                        if user_id in alerted and fake.dm_messages(user_id):
                            latencies.append((now - started) * 1000)
                            read = read_at.get(user_id, started)
                            read_latencies.append((read - started) * 1000)
                            after_read.append((now - read) * 1000)
                            del pending[user_id]
                    await asyncio.sleep(0.001)

            poller = asyncio.create_task(poll())
            load = asyncio.create_task(chatter())
            began = time.perf_counter()
            for i, poster in enumerate(posters):
                pending[poster.id] = time.perf_counter()
                await fake.send_message(poster, group, CRISIS)
                if i == 9:  # ten warm-up cases, not counted
                    await asyncio.sleep(interval)
                    async with asyncio.timeout(10):
                        while pending:
                            await asyncio.sleep(0.01)
                    latencies.clear()
                    dm_latencies.clear()
                    alert_latencies.clear()
                    read_latencies.clear()
                    after_read.clear()
                    if backlog:
                        assert runner.bot is not None
                        await queue_backlog(runner.bot, bulk_members)
                        async with asyncio.timeout(10):  # the backlog is going out
                            while bulk_sent() < 20:
                                await asyncio.sleep(0.1)  # (counting is not free)
                    began = time.perf_counter()
                    sent_at_start = sent
                    bulk_at_start = bulk_sent()
                await asyncio.sleep(interval)
            async with asyncio.timeout(20):
                while pending:
                    await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - began
            stop.set()
            await load
            poller.cancel()
            rate = (sent - sent_at_start) / elapsed
            dm_paths = {f"/channels/{fake.dm_channel(p).id}/messages" for p in posters}  # type: ignore[union-attr]
            alert_path = f"/channels/{server.private.id}/messages"
            log_path = f"/channels/{mod_log.id}/messages"
            per_case = {
                "alert": statistics.median(ms for path, ms in validating if path == alert_path),
                "resources DM": statistics.median(
                    ms for path, ms in validating if path in dm_paths
                ),
                "mod-log line": statistics.median(
                    ms for path, ms in validating if path == log_path
                ),
            }
            per_case["_backlog_sent"] = bulk_sent() - bulk_at_start
            per_case["_backlog_left"] = backlog - bulk_sent()
            figures = {
                "both": summary(latencies),
                "alert": summary(alert_latencies),
                "dm": summary(dm_latencies),
                "read": summary(read_latencies),
                "after read": summary(after_read),
            }
            return figures, rate, len(latencies), per_case
        finally:
            await runner.stop()
            await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description="Escalation latency under chatter")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--chatter", type=float, default=200.0, help="messages per second")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between crises")
    parser.add_argument("--iterations", type=int, default=300, help="bare round trips")
    parser.add_argument(
        "--backlog", type=int, default=1500, help="ordinary DMs queued ahead of the crises"
    )
    parser.add_argument(
        "--database-folder",
        default=None,
        help="where the bot's database file goes (default: the system's temporary folder, "
        "on disk; /dev/shm shows what the disk's flushes cost: every commit is flushed)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    cpu, wall = time.process_time(), time.perf_counter()
    floor = await bare_floor(args.iterations)
    message_floor = await bare_message_floor(args.iterations)
    figures, rate, count, validation = await escalation_latency(
        args.samples, args.chatter, args.interval, args.backlog, args.database_folder
    )
    print(
        f"message -> alert and resources DM, {count} crises under {rate:.0f} messages/s of "
        f"other chatter and a backlog of {args.backlog} ordinary DMs queued, loopback Discord; "
        f"floors: bare discord.py /ping round trip and message -> post ({args.iterations} "
        f"iterations each, no load), same run; ratios against the message -> post floor"
    )
    show("bare discord.py /ping", floor, None)
    show("bare discord.py message->post", message_floor, None)
    show("crisis -> alert", figures["alert"], message_floor)
    show("crisis -> resources DM", figures["dm"], message_floor)
    show("crisis -> alert + DM", figures["both"], message_floor)
    show("  crisis read by the bot", figures["read"], message_floor)
    show("  read -> alert + DM", figures["after read"], message_floor)
    sent, left = validation.pop("_backlog_sent"), validation.pop("_backlog_left")
    if args.backlog:
        print(
            f"  backlog: {sent:.0f} ordinary DMs went out while the crises were measured, "
            f"{left:.0f} were still queued at the end"
        )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"  machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; this "
        f"process used {cpu:.1f} s of CPU in {wall:.1f} s ({cpu / wall:.0%} of one core)"
    )
    spent = sum(validation.values())
    print(
        "  of which the fake's schema validation (median per request, one event loop): "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in validation.items())
        + f"; {spent:.1f} ms in all, {spent / figures['both']['p50']:.0%} of the p50"
    )


if __name__ == "__main__":
    asyncio.run(main())
