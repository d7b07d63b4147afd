"""The loopback Discord's shards, as Discord has them, driven by bare discord.py clients: a
client that identifies with `shard: [id, count]` hears only its shard's servers ((guild_id >>
22) % count) and direct messages only on shard 0; GET /gateway/bot recommends a shard count."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.shards import ShardSet
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until
from tests.scale.conftest import spread_servers


def intents() -> discord.Intents:
    value = discord.Intents.default()
    value.members = value.message_content = True
    return value


class Heard(discord.AutoShardedClient):
    def __init__(self, **options: object) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=0.1, **options)  # type: ignore[arg-type]
        self.contents: list[str] = []

    async def on_message(self, message: discord.Message) -> None:
        self.contents.append(message.content)


@pytest.fixture
async def endpoints(fake_discord: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = fake_discord.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake_discord.gateway_url)
    try:
        yield fake_discord
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def test_each_shard_hears_only_its_servers_and_shard_0_the_direct_messages(
    endpoints: FakeDiscord,
) -> None:
    fake = endpoints
    spread = spread_servers(fake, 2, each=1)
    servers: dict[int, Server] = {shard: found[0] for shard, found in spread.items()}
    clients = {shard: Heard(shard_count=2, shard_ids=[shard]) for shard in (0, 1)}
    tasks = [asyncio.create_task(c.start("fake-token")) for c in clients.values()]
    try:
        await wait_until(lambda: all(c.is_ready() for c in clients.values()), timeout=15)
        shards = ShardSet(2)
        for shard, client in clients.items():
            assert client.guilds and {shards.shard_of(g.id) for g in client.guilds} == {shard}
        for shard, server in servers.items():
            await fake.send_message(server.member, server.general, f"hello shard {shard}")
        await fake.send_dm(servers[1].member, "a direct message")
        await wait_until(lambda: len(clients[0].contents) == 2 and len(clients[1].contents) == 1)
        assert clients[0].contents == ["hello shard 0", "a direct message"]
        assert clients[1].contents == ["hello shard 1"]
        identified = sorted(p["d"]["shard"] for p in fake.gateway.received if p.get("op") == 2)
        assert identified == [[0, 2], [1, 2]]
    finally:
        for client in clients.values():
            await client.close()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_the_gateway_recommends_a_shard_count(endpoints: FakeDiscord) -> None:
    fake = endpoints
    fake.gateway.recommended_shards = 3
    client = discord.Client(intents=intents())
    try:
        await client.login("fake-token")
        count, url, _ = await client.http.get_bot_gateway()
        assert count == 3 and url.startswith("ws://127.0.0.1")
    finally:
        await client.close()
