"""Running `python -m bot` as a real subprocess, as a person (or a service manager) would."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.fakediscord import FakeDiscord
from tests.harness import TEST_ANON_SECRET, TEST_TOKEN

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str


def bot_env(workdir: Path, fake: FakeDiscord | None = None, **extra: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's own .env or DISCORD_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.pop("DEV_GUILD_ID", None)
    env["ANON_SECRET"] = TEST_ANON_SECRET
    env["PYTHONPATH"] = str(REPO)
    env["DATABASE_PATH"] = str(workdir / "bot.sqlite3")
    env["LOG_LEVEL"] = "INFO"
    env["HEALTH_PORT"] = "off"  # many bots at once: none takes the machine's health port
    if fake is not None:
        env["DISCORD_TOKEN"] = TEST_TOKEN
        env["DISCORD_API_BASE"] = fake.api_base
        env["DISCORD_GATEWAY_URL"] = fake.gateway_url
    env.update(extra)
    return env


async def run_cli(workdir: Path, env: dict[str, str], *args: str, timeout: float = 60) -> Finished:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return Finished(proc.returncode, out.decode(), err.decode())


async def start_bot_process(workdir: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    log = (workdir / "bot.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=log,
    )
