"""/healthz: 200 when the gateway is connected, the database answers, the scheduler wakes on time
and no send is stuck; 503 naming what is wrong otherwise. Bound to 127.0.0.1 unless asked,
never a word about a member, and a port already taken does not stop the bot."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from dataclasses import replace

import pytest

from bot import health
from bot.config import load_settings
from tests.conftest import FakeClock
from tests.core.probe import TEXT, URGENT_TEXT
from tests.fakediscord import FakeDiscord
from tests.harness import TEST_ANON_SECRET, TEST_TOKEN, Server, wait_until
from tests.health.conftest import StartWithHealth


async def test_a_healthy_bot_answers_200_from_127_0_0_1_only(
    start_with_health: StartWithHealth, server: Server
) -> None:
    endpoint = await start_with_health()
    [(host, port)] = endpoint.bot.health.addresses
    assert host == "127.0.0.1" and port > 0  # the loopback interface, never 0.0.0.0

    status, body = await endpoint.healthz()
    assert status == 200, body
    assert body["status"] == "ok" and body["problems"] == []
    checks = body["checks"]
    assert checks["gateway"]["ok"] and checks["gateway"]["shards"]["0"]["connected"] is True
    assert checks["database"]["ok"] and checks["database"]["latency_seconds"] < 2
    assert checks["scheduler"] == {
        "ok": True,
        "state": "running",
        "lag_seconds": checks["scheduler"]["lag_seconds"],
        "lag_limit_seconds": health.SCHEDULER_LAG_LIMIT_SECONDS,
    }
    assert checks["outbox"]["ok"] and checks["outbox"]["pending"] == 0
    text = json.dumps(body)
    for private in (server.member.id, server.admin.id, server.guild.id, server.general.id):
        assert str(private) not in text


async def test_a_closed_database_is_named(start_with_health: StartWithHealth) -> None:
    endpoint = await start_with_health()
    assert endpoint.runner.db is not None
    await endpoint.runner.db.close()

    status, body = await endpoint.healthz()
    assert status == 503
    assert body["status"] == "unhealthy"
    assert [p for p in body["problems"] if p.startswith("database:")] == body["problems"]
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"]  # the error's class, never its message
    assert body["checks"]["outbox"]["ok"] is None  # not known without the database


async def test_a_crisis_send_stuck_for_minutes_makes_it_unhealthy_until_it_goes(
    start_with_health: StartWithHealth, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    endpoint = await start_with_health()
    bot = endpoint.bot
    # Discord keeps refusing the channel (429 without Via: the bot's own retries handle it).
    refusal = fake_discord.faults.add(
        "POST", rf"^/channels/{server.general.id}/messages$", status=429, count=None
    )
    async with bot.db.transaction() as tx:
        for kind in (URGENT_TEXT, TEXT):
            await bot.outbox.enqueue(
                tx, kind=kind, guild_id=server.guild.id, channel_id=server.general.id,
                payload={"text": f"held {kind}"},
            )  # fmt: skip
    await wait_until(lambda: refusal.hits >= 1)
    status, body = await endpoint.healthz()
    assert status == 200, body  # waiting a moment is not stuck
    assert body["checks"]["outbox"]["pending"] == 2

    clock.advance(minutes=3)
    status, body = await endpoint.healthz()
    assert status == 503
    assert body["problems"] == [
        f"outbox: a crisis send has waited 180 s (limit {health.CRISIS_STUCK_SECONDS} s)"
    ]
    assert body["checks"]["outbox"]["oldest_pending_crisis_seconds"] == 180
    assert body["checks"]["outbox"]["oldest_pending_other_seconds"] == 180  # under its limit

    clock.advance(minutes=30)
    status, body = await endpoint.healthz()
    assert status == 503 and len(body["problems"]) == 2
    assert body["problems"][1].startswith("outbox: a send has waited 1980 s")

    fake_discord.faults.remove(refusal)  # Discord answers again: both go, all is well
    bot.dispatcher.wake()
    await endpoint.runner.idle()
    await wait_until(lambda: len(fake_discord.messages_in(server.general.id)) >= 2)
    status, body = await endpoint.healthz()
    assert status == 200, body


async def test_a_paused_scheduler_is_named(start_with_health: StartWithHealth) -> None:
    endpoint = await start_with_health()
    endpoint.bot.scheduler.pause()
    status, body = await endpoint.healthz()
    assert status == 503 and body["problems"] == ["scheduler: paused"]
    endpoint.bot.scheduler.resume()
    status, body = await endpoint.healthz()
    assert status == 200, body


async def test_python_m_bot_health_asks_the_running_bot(
    start_with_health: StartWithHealth, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = await start_with_health()
    [(_, port)] = endpoint.bot.health.addresses
    settings = endpoint.runner.settings
    assert await health.probe(replace(settings, health_port=port)) == 0
    assert "Healthy" in capsys.readouterr().out
    endpoint.bot.scheduler.pause()
    assert await health.probe(replace(settings, health_port=port)) == 1
    assert "  - scheduler: paused" in capsys.readouterr().out


async def test_a_port_already_taken_leaves_the_bot_running_without_it(
    start_with_health: StartWithHealth, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with caplog.at_level(logging.WARNING, logger="bot.health"):
            endpoint = await start_with_health(health_port=port)
    assert endpoint.bot.is_ready() and not endpoint.bot.health.running
    assert any("could not listen on 127.0.0.1:" in r.getMessage() for r in caplog.records)


def test_on_by_default_on_this_machine_only() -> None:
    base = {"DISCORD_TOKEN": TEST_TOKEN, "ANON_SECRET": TEST_ANON_SECRET}
    settings = load_settings(base)
    assert (settings.health_host, settings.health_port) == ("127.0.0.1", 8790)
    assert health.probe_url(settings) == "http://127.0.0.1:8790/healthz"
    assert load_settings({**base, "HEALTH_PORT": "off"}).health_port is None
    inside = load_settings({**base, "HEALTH_HOST": "0.0.0.0", "HEALTH_PORT": "9000"})
    assert health.probe_url(inside) == "http://127.0.0.1:9000/healthz"
    for name, value in (
        ("HEALTH_PORT", "eighty"),
        ("HEALTH_PORT", "70000"),
        ("HEALTH_HOST", "a b"),
    ):
        with pytest.raises(Exception, match=name):
            load_settings({**base, name: value})


async def test_a_lost_gateway_session_is_named_until_the_bot_is_back(
    start_with_health: StartWithHealth, fake_discord: FakeDiscord
) -> None:
    endpoint = await start_with_health()
    seen: list[tuple[int, list[str]]] = []

    async def watch() -> None:
        status, body = await endpoint.healthz()
        seen.append((status, body["problems"]))

    await fake_discord.gateway.expire()  # dropped, and Discord forgot the session meanwhile
    async with asyncio.timeout(20):
        while not seen or seen[-1][0] != 503:  # discord.py waits 5 s before it IDENTIFIES
            await asyncio.sleep(0.05)
            await watch()
        assert seen[-1][1] == ["gateway: shard 0 is not connected"]
        while seen[-1][0] != 200:  # it IDENTIFIES again and is ready
            await asyncio.sleep(0.05)
            await watch()
