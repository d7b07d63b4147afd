"""The bot with its health endpoint on a free port of 127.0.0.1 (HEALTH_PORT=0), asked over
real HTTP as a container's HEALTHCHECK or Prometheus would ask it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import pytest

from bot.client import Bot
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, wait_until


class Endpoint:
    """A running bot's health endpoint."""

    def __init__(self, runner: BotRunner, session: aiohttp.ClientSession) -> None:
        self.runner = runner
        self._session = session

    @property
    def bot(self) -> Bot:
        assert self.runner.bot is not None
        return self.runner.bot

    @property
    def base(self) -> str:
        [(host, port)] = self.bot.health.addresses
        return f"http://{host}:{port}"

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        async with self._session.get(f"{self.base}/healthz") as response:
            return response.status, await response.json()

    async def metrics_text(self) -> str:
        async with self._session.get(f"{self.base}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            return await response.text()

    async def metrics(self) -> dict[str, float]:
        """`name{labels}` -> value, as Prometheus would read them."""
        found: dict[str, float] = {}
        for line in (await self.metrics_text()).splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                found[name] = float(value)
        return found


def sample(metrics: dict[str, float], name: str, **labels: str) -> float | None:
    """The value of one series (labels in any order), or None when it is not there."""
    for key, value in metrics.items():
        match = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?", key)
        assert match is not None, key
        if match.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if have == labels:
            return value
    return None


class StartWithHealth(Protocol):
    async def __call__(
        self, features: Iterable[str] | None = ..., *, sync: bool = ..., **settings: Any
    ) -> Endpoint: ...


@pytest.fixture
async def start_with_health(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[StartWithHealth]:
    """Start the real bot (as `python -m bot` builds it) with HEALTH_PORT=0 and the features
    named; `**settings` overrides other settings. Every bot is stopped at the end."""
    started: list[BotRunner] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:

        async def start(
            features: Iterable[str] | None = ("tests.core.probe",),
            *,
            sync: bool = False,
            **settings: Any,
        ) -> Endpoint:
            runner = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock, features=features)
            runner.settings = dataclasses.replace(runner.settings, **{"health_port": 0, **settings})
            started.append(runner)
            await runner.start(sync=sync)
            bot = runner.bot
            assert bot is not None
            await wait_until(bot.is_ready)
            await runner.idle()
            return Endpoint(runner, session)

        try:
            yield start
        finally:
            for runner in reversed(started):
                await runner.stop()
