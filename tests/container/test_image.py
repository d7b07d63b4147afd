"""The container image (Dockerfile) run as an admin would run it: the bot in its container,
talking to the loopback Discord, with its SQLite file in a volume or on PostgreSQL. A member says
they are in danger; the moderators get the alert and the member the resources, privately. The
image's promises are checked from outside: an unprivileged user, the time zones and the Spanish
catalogues inside, its HEALTHCHECK command healthy, a clean stop on SIGTERM.

Needs a Docker engine and a built image, named by CONTAINER_IMAGE:

    docker build -t peer-support-bot:local .
    CONTAINER_IMAGE=peer-support-bot:local .venv/bin/python -m pytest tests/container -n 0

Skipped without CONTAINER_IMAGE (CI's machines run no Docker engine; docs/CONTAINER.md). The
container shares the host's network (`--network host`) so it reaches the loopback Discord on
127.0.0.1, as the bot reaches the real one through the host's network in production.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.escalation.conftest import configure, private_overwrites
from tests.fakediscord import FakeDiscord
from tests.harness import TEST_ANON_SECRET, TEST_TOKEN, Server, wait_until
from tests.postgres import PostgresServer

IMAGE = os.environ.get("CONTAINER_IMAGE", "")
pytestmark = pytest.mark.skipif(
    not IMAGE,
    reason="needs a Docker engine and CONTAINER_IMAGE=<a built image> (docs/CONTAINER.md)",
)

TEXT = "I can't do this anymore, I'm going to end my life tonight"


async def docker(*args: str, timeout: float = 300) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "docker", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings(fake: FakeDiscord, **extra: str) -> list[str]:
    """`-e` options: what an admin puts in .env, pointed at the loopback Discord."""
    env = {
        "DISCORD_TOKEN": TEST_TOKEN,
        "ANON_SECRET": TEST_ANON_SECRET,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "LOG_LEVEL": "INFO",
        **extra,
    }
    return [option for key, value in env.items() for option in ("-e", f"{key}={value}")]


@pytest.fixture
async def container_name() -> AsyncIterator[str]:
    name = f"psb-test-{secrets.token_hex(4)}"
    volume = f"{name}-data"
    yield name
    await docker("rm", "-f", name)
    await docker("volume", "rm", "-f", volume)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    yield from postgres.needed_server()


async def run_bot_in_container(
    fake: FakeDiscord, server: Server, name: str, extra: list[str], **env: str
) -> None:
    """`python -m bot sync`, then the bot, then what a member and the moderators see."""
    port = free_port()
    options = settings(fake, HEALTH_PORT=str(port), **env)
    volume = ["-v", f"{name}-data:/data"]
    code, out = await docker(
        "run",
        "--rm",
        "--network",
        "host",
        *volume,
        *extra,
        *options,
        IMAGE,
        "python",
        "-m",
        "bot",
        "sync",
    )
    assert code == 0, out
    code, out = await docker(
        "run", "-d", "--name", name, "--network", "host", *volume, *extra, *options, IMAGE
    )
    assert code == 0, out
    await fake.wait_until_connected(timeout=60)

    # Inside: an unprivileged user, the IANA time zones, the Spanish catalogue.
    code, out = await docker("exec", name, "id", "-u")
    assert (code, out.strip()) == (0, "10001")
    code, out = await docker(
        "exec",
        name,
        "python",
        "-c",
        "import zoneinfo, pathlib, bot; "
        "zoneinfo.ZoneInfo('America/New_York'); "
        "print(pathlib.Path('/usr/share/zoneinfo/America/Bogota').exists(), "
        "sorted({p.parent.parent.name for p in "
        "pathlib.Path(bot.__file__).parent.glob('locales/*/LC_MESSAGES/*.mo')}))",
    )
    assert code == 0 and out.strip() == "True ['es']", out

    # The image's HEALTHCHECK command: healthy once the bot is ready.
    async def healthy() -> bool:
        return (await docker("exec", name, "python", "-m", "bot", "health"))[0] == 0

    async with asyncio.timeout(60):
        while not await healthy():
            await asyncio.sleep(1)

    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    support = fake.create_text_channel(server.guild, "support-circle")
    await configure(fake, server, mod_log, "US")
    await fake.send_message(server.member, support, TEXT)
    await wait_until(lambda: any(m.embeds for m in fake.messages_in(server.private)), timeout=30)
    await wait_until(lambda: len(fake.dm_messages(server.member)) == 1, timeout=30)
    assert "988" in fake.dm_messages(server.member)[0].text  # the region is US
    assert not [m for m in fake.messages_in(support) if m.author.id == fake.bot_user.id]

    code, out = await docker("stop", "-t", "30", name)
    assert code == 0, out
    code, out = await docker("inspect", "-f", "{{.State.ExitCode}}", name)
    assert out.strip() == "0", out
    _, logs = await docker("logs", name)
    assert "connected as" in logs and "Traceback" not in logs, logs[-3000:]


async def test_the_image_runs_the_bot_on_its_sqlite_volume(
    fake_discord: FakeDiscord, server: Server, container_name: str
) -> None:
    await run_bot_in_container(fake_discord, server, container_name, [])
    # The database is the volume's file, owned by the unprivileged user.
    code, out = await docker(
        "run",
        "--rm",
        "-v",
        f"{container_name}-data:/data",
        "--entrypoint",
        "ls",
        IMAGE,
        "-ln",
        "/data",
    )
    assert code == 0 and "peer-support-bot.sqlite3" in out and " 10001 " in out, out


async def test_the_image_runs_the_bot_on_postgresql(
    fake_discord: FakeDiscord, server: Server, container_name: str, pg_server: PostgresServer
) -> None:
    url = await pg_server.create_database()
    try:
        # The server listens on a unix socket in a folder of the host: the container sees it
        # at the same path.
        socket_dir = str(Path(pg_server.socket))
        await run_bot_in_container(
            fake_discord,
            server,
            container_name,
            ["-v", f"{socket_dir}:{socket_dir}"],
            DATABASE_URL=url,
        )
    finally:
        await pg_server.drop_database(url)
