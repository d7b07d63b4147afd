"""compose.yaml run as an admin runs it (docs/CONTAINER.md): a folder with compose.yaml and a
.env, `up -d`, both services healthy, `run --rm bot python -m bot sync`, then the bot on
PostgreSQL against the loopback Discord. A member says they are in danger: the moderators get
the alert and the member the resources, privately, and the case is in PostgreSQL. After
`restart bot` a moderator claims that alert; after `down` and `up -d` (new containers, the same
volumes) the member's next words join that same case: no second alert, no second DM. The
backup docs/CONTAINER.md gives (pg_dump) holds the case; `down -v` removes the volumes.

Needs a Docker engine with compose (the plugin, `docker compose`, or docker-compose 1.29), the
bot's image, and COMPOSE_TEST=1:

    docker build -t peer-support-bot:local .
    COMPOSE_TEST=1 CONTAINER_IMAGE=peer-support-bot:local \\
        .venv/bin/python -m pytest tests/container/test_compose.py -n 0

PostgreSQL is the official postgres:16-alpine unless POSTGRES_IMAGE names another (where Docker
Hub cannot be reached: tests/container/postgres-standin/Dockerfile). COMPOSE chooses the
command (default: `docker compose` if it answers, else `docker-compose`).

The services run on compose's own network, as in production; the loopback Discord listens on
127.0.0.1 and on the Docker bridge's address of this machine (docker0, 172.17.0.1 by default, or
COMPOSE_HOST_ADDRESS), which the containers reach, and .env points the bot there with
DISCORD_API_BASE and DISCORD_GATEWAY_URL, as an admin points it at a REST proxy.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.container.test_image import docker
from tests.escalation.conftest import configure, private_overwrites
from tests.escalation.helpers import field
from tests.fakediscord import FakeDiscord, Message
from tests.fakediscord.core import API_PREFIX
from tests.fakediscord.pytest_plugin import serve
from tests.harness import TEST_ANON_SECRET, TEST_TOKEN, Server, wait_until

IMAGE = os.environ.get("CONTAINER_IMAGE", "")
pytestmark = pytest.mark.skipif(
    os.environ.get("COMPOSE_TEST") != "1" or not IMAGE,
    reason="needs Docker with compose, COMPOSE_TEST=1 and CONTAINER_IMAGE=<the bot's image> "
    "(docs/TESTING.md)",
)

REPO = Path(__file__).resolve().parents[2]
TEXT = "I can't do this anymore, I'm going to end my life tonight"
FOLLOW_UP = "and I've been saving up my pills"


class ReachableDiscord(FakeDiscord):
    """The loopback Discord, also listening on an address of this machine that containers
    reach; the addresses it gives out (the gateway's URL, resume_gateway_url) are that one."""

    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host
        self.outside_port = 0

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.outside_port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.outside_port}/"

    async def start(self, port: int = 0) -> None:
        await super().start(port)
        assert self._runner is not None
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.outside_port = probe.getsockname()[1]
        await web.TCPSite(self._runner, self.host, self.outside_port).start()


async def bridge_address() -> str:
    if address := os.environ.get("COMPOSE_HOST_ADDRESS"):
        return address
    code, out = await docker(
        "network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"
    )
    assert code == 0 and out.strip(), f"no address of Docker's bridge: {out}"
    return out.strip()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """Replaces the plugin's: the same loopback Discord, reachable from the containers."""
    address = await bridge_address()
    async for fake in serve(lambda: ReachableDiscord(address)):
        yield fake


class Project:
    """A folder as an admin makes it: compose.yaml and .env; the compose commands run there."""

    def __init__(self, folder: Path, command: list[str], name: str) -> None:
        self.folder, self.command, self.name = folder, command, name
        self.env = {**os.environ, "COMPOSE_PROJECT_NAME": name, "BOT_IMAGE": IMAGE}

    async def __call__(self, *args: str, timeout: float = 600) -> str:
        proc = await asyncio.create_subprocess_exec(
            *self.command,
            *args,
            cwd=self.folder,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        text = out.decode()
        assert proc.returncode == 0, f"{shlex.join([*self.command, *args])}:\n{text[-4000:]}"
        return text

    async def container(self, service: str) -> str:
        return (await self("ps", "-q", service)).strip()

    async def health(self, service: str) -> str:
        code, out = await docker(
            "inspect", "--format", "{{.State.Health.Status}}", await self.container(service)
        )
        assert code == 0, out
        return out.strip()

    async def wait_healthy(self, *services: str, timeout: float = 240) -> None:
        async with asyncio.timeout(timeout):
            for service in services:
                while (status := await self.health(service)) != "healthy":
                    assert status != "unhealthy", await self("logs", "--tail", "60", service)
                    await asyncio.sleep(2)

    async def psql(self, sql: str) -> str:
        return (
            await self(
                "exec", "-T", "db", "psql", "-U", "peer_support", "-d", "peer_support", "-tAc", sql
            )
        ).strip()


async def compose_command() -> list[str]:
    if chosen := os.environ.get("COMPOSE"):
        return shlex.split(chosen)
    if (await docker("compose", "version"))[0] == 0:
        return ["docker", "compose"]
    assert shutil.which("docker-compose"), "neither `docker compose` nor docker-compose found"
    return ["docker-compose"]


@pytest.fixture
async def project(tmp_path: Path, fake_discord: FakeDiscord) -> AsyncIterator[Project]:
    shutil.copy(REPO / "compose.yaml", tmp_path / "compose.yaml")
    settings = {
        "DISCORD_TOKEN": TEST_TOKEN,
        "ANON_SECRET": TEST_ANON_SECRET,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(32),
        "DISCORD_API_BASE": fake_discord.api_base,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
        "LOG_LEVEL": "INFO",
    }
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    running = Project(tmp_path, await compose_command(), f"psbtest{secrets.token_hex(4)}")
    try:
        yield running
    finally:
        try:
            await running("down", "-v", "--timeout", "30")
        except AssertionError as e:  # not to hide why the test failed, if it did
            print(f"cleaning up failed: {e}")


async def connected_again(fake: FakeDiscord, project: Project, identified: int) -> None:
    """The bot IDENTIFYd anew and says it is ready (its HEALTHCHECK command)."""
    await wait_until(lambda: fake.gateway.identifies > identified, timeout=180)
    async with asyncio.timeout(120):
        while True:
            try:
                await project("exec", "-T", "bot", "python", "-m", "bot", "health", timeout=60)
                return
            except AssertionError:
                await asyncio.sleep(2)


async def assert_clean_logs(project: Project) -> None:
    logs = await project("logs", "--no-color", "bot")
    assert "connected as" in logs and "Traceback" not in logs, logs[-3000:]


def alerts(fake: FakeDiscord, server: Server) -> list[Message]:
    return [m for m in fake.messages_in(server.private) if m.embeds]


async def test_compose_runs_the_bot_on_postgresql_and_keeps_its_data(
    fake_discord: FakeDiscord, server: Server, project: Project
) -> None:
    fake, member, mod = fake_discord, server.member, server.moderator
    await project("up", "-d", "--no-build")
    await project.wait_healthy("db", "bot")
    await project("run", "--rm", "bot", "python", "-m", "bot", "sync")
    assert len(fake.gateway.sockets) == 1  # the bot; `sync` used no gateway

    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    support = fake.create_text_channel(server.guild, "support-circle")
    await configure(fake, server, mod_log, "US")
    await fake.send_message(member, support, TEXT)
    await wait_until(lambda: len(alerts(fake, server)) == 1, timeout=30)
    await wait_until(lambda: len(fake.dm_messages(member)) == 1, timeout=30)
    [alert] = alerts(fake, server)
    assert alert.embeds[0]["title"] == "Alert #1: a member may need help"
    assert "988" in fake.dm_messages(member)[0].text  # the region is US
    assert not [m for m in fake.messages_in(support) if m.author.id == fake.bot_user.id]
    # The case is in PostgreSQL (not in the SQLite file the image would otherwise use).
    assert await project.psql("SELECT count(*) FROM escalation_cases") == "1"

    # A restart of the bot's container: the alert from before is claimed.
    identified = fake.gateway.identifies
    await project("restart", "bot")
    await connected_again(fake, project, identified)
    claimed = await fake.click(mod, alert, "escalation:claim:1")
    assert claimed.message is not None and claimed.message.id == alert.id
    assert f"**Claimed** by <@{mod.id}>" in fake.message_index[alert.id].text

    await assert_clean_logs(project)  # both runs of this container (`down` deletes its logs)

    # New containers on the same volumes: the case is still open, and the member's next words
    # join it (the alert shows them) instead of raising a second alert and a second DM.
    await project("down", "--timeout", "30")
    await wait_until(lambda: not fake.gateway.sockets, timeout=10)
    identified = fake.gateway.identifies
    await project("up", "-d", "--no-build")
    await project.wait_healthy("db")
    await connected_again(fake, project, identified)
    await fake.send_message(member, support, FOLLOW_UP)
    await wait_until(lambda: "Follow-ups (1)" in fake.message_index[alert.id].text, timeout=30)
    assert FOLLOW_UP in field(fake.message_index[alert.id], "Follow-ups (1)")
    await fake.gateway_settled()
    assert len(alerts(fake, server)) == 1 and len(fake.dm_messages(member)) == 1
    assert await project.psql("SELECT count(*), min(status) FROM escalation_cases") == "1|claimed"

    # The backup docs/CONTAINER.md gives holds the case.
    dump = await project("exec", "-T", "db", "pg_dump", "-U", "peer_support", "peer_support")
    assert "CREATE TABLE public.escalation_cases" in dump, dump[-2000:]

    await assert_clean_logs(project)

    # `down -v` (as the fixture ends) removes the volumes with the data.
    await project("down", "-v", "--timeout", "30")
    code, out = await docker("volume", "ls", "-q", "--filter", f"name={project.name}_")
    assert code == 0 and out.strip() == "", out
