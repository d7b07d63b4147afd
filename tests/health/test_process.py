"""`python -m bot` as a real process serves its health endpoint where the settings say, and
`python -m bot health` (the container's HEALTHCHECK) asks it: healthy once the bot is ready."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import aiohttp

from tests.fakediscord import FakeDiscord
from tests.harness import Server
from tests.subprocesses import bot_env, run_cli, start_bot_process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_process_serves_healthz_and_its_own_probe_reads_it(
    tmp_path: Path, fake_discord: FakeDiscord, server: Server
) -> None:
    port = free_port()
    env = bot_env(tmp_path, fake_discord, HEALTH_PORT=str(port))
    before = await run_cli(tmp_path, env, "health")
    assert before.code == 1 and "is the bot running?" in before.stdout

    proc = await start_bot_process(tmp_path, env)
    try:
        await fake_discord.wait_until_connected(timeout=20)
        async with asyncio.timeout(30):
            while (result := await run_cli(tmp_path, env, "health")).code != 0:
                await asyncio.sleep(0.5)  # ready comes guild_ready_timeout after the guilds
        assert result.stdout.strip() == f"Healthy (http://127.0.0.1:{port}/healthz)."
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            assert response.status == 200
            assert 'peer_support_gateway_connected{shard="0"} 1.0' in await response.text()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 15)
    log = (tmp_path / "bot.log").read_text()
    assert f"health endpoint: http://127.0.0.1:{port}/healthz" in log
    assert "Traceback" not in log
