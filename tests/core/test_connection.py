"""The bot keeps its connection: a dropped gateway is resumed and nothing is missed."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, wait_until


async def test_gateway_drop_is_resumed_and_missed_events_arrive(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    bot = runner.bot
    assert bot is not None
    identified = fake_discord.gateway.identifies
    await fake_discord.drop_gateway(wait=False)
    newcomer = fake_discord.create_user("nora")
    fake_discord.add_member(server.guild, newcomer)  # happens while the bot is away
    await fake_discord.gateway.wait_until_resumed(timeout=10)
    guild = bot.get_guild(server.guild.id)
    assert guild is not None
    await wait_until(lambda: guild.get_member(newcomer.id) is not None)
    assert fake_discord.gateway.identifies == identified  # RESUMEd, not a fresh session
    res = await fake_discord.slash(
        server.member, "help", guild=server.guild, channel=server.general
    )
    assert res.ephemeral and "What you can do here" in res.text
