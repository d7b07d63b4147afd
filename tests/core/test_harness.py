"""The tests' own tools: the idle barrier (`BotRunner.idle`) that replaces fixed sleeps, the
loopback gateway's settle barrier, and CI's refusal to skip the loopback Discord's tests."""

from __future__ import annotations

import pytest

from tests.conftest import StartBot
from tests.core.probe import probe
from tests.fakediscord import FakeDiscord, pytest_plugin
from tests.fakediscord.spec import SpecNotFound
from tests.harness import Server, busy_tasks

PROBE = ("tests.core.probe",)


async def test_idle_waits_for_events_background_work_and_the_outbox(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    """A member joins: the gateway event reaches a listener, which starts background work
    (0.2 s), which queues a message, which the outbox sends. idle() returns after all of it."""
    runner = await start_bot(features=PROBE, sync=False)
    assert runner.bot is not None
    probe(runner.bot).welcome_channel = server.general.id
    newcomer = fake_discord.create_user("nia")
    await fake_discord.member_join(server.guild, newcomer)
    assert fake_discord.messages_in(server.general.id) == []
    await runner.idle()
    assert [m.content for m in fake_discord.messages_in(server.general.id)] == [
        f"welcome {newcomer.id}"
    ]
    assert busy_tasks() == []
    await runner.idle()  # nothing to do: returns at once


async def test_gateway_settled_means_the_bot_read_every_event(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=(), sync=False)
    bot = runner.bot
    assert bot is not None
    people = [fake_discord.create_user(f"p{i}") for i in range(20)]
    for person in people:
        fake_discord.add_member(server.guild, person)
    await fake_discord.gateway_settled()
    guild = bot.get_guild(server.guild.id)
    assert guild is not None and all(guild.get_member(p.id) for p in people)


def test_under_ci_a_missing_api_description_fails_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing() -> None:
        raise SpecNotFound("Discord OpenAPI description not found")

    monkeypatch.setattr(pytest_plugin, "find_spec_path", missing)

    class Item:
        fixturenames = ("fake_discord", "server")

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match="CI fails rather than skip"):
        pytest_plugin.pytest_collection_modifyitems(None, None, [Item()])  # type: ignore[arg-type]
    with pytest.raises(pytest.fail.Exception, match="under CI"):
        pytest_plugin.spec_or_skip()

    monkeypatch.setenv("CI", "false")
    pytest_plugin.pytest_collection_modifyitems(None, None, [Item()])  # type: ignore[arg-type]
    with pytest.raises(pytest.skip.Exception):
        pytest_plugin.spec_or_skip()
