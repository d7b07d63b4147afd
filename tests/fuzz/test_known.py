"""The two inputs issue 19 names, typed exactly: each must get a clear refusal, not the generic
apology (the fuzz draws them among others; here they are asked every run). `times: inf` is
is refused kindly; so is the year 9999 ("more than 2 years ahead")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fuzz.observe import Observer
from tests.fuzz.test_commands import Fuzz
from tests.fuzz.world import build_world
from tests.harness import Server


async def refusal_for(
    fake: FakeDiscord,
    start_bot: StartBot,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    options: dict[str, Any],
) -> tuple[InteractionResult | None, list[str]]:
    stranger = fake.create_user("stranger")
    other = fake.create_guild("Elsewhere", owner=stranger)
    fake.create_text_channel(other, "lobby")
    runner = await start_bot()
    world = await build_world(fake, runner, server, other)
    observer = Observer()
    observer.attach(monkeypatch)
    fuzz = Fuzz(fake, runner, world, observer, asyncio.get_running_loop())
    group = str(world.groups["Open Circle"])
    try:
        return await fuzz.call(
            lambda: fake.slash(
                world.leader,
                command,
                guild=world.guild,
                channel=server.general,
                options={"group": group, **options},
            )
        )
    finally:
        observer.detach()


async def test_a_meeting_in_the_year_9999_is_refused_kindly(
    fake_discord: FakeDiscord, start_bot: StartBot, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, found = await refusal_for(
        fake_discord,
        start_bot,
        server,
        monkeypatch,
        "meeting schedule",
        {"title": "Check-in", "when": "9999-12-31 23:59"},
    )
    assert result is not None and not found, found
    assert result.ephemeral and result.text


async def test_reminder_times_of_inf_are_refused_kindly(
    fake_discord: FakeDiscord, start_bot: StartBot, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, found = await refusal_for(
        fake_discord,
        start_bot,
        server,
        monkeypatch,
        "meeting settings reminders",
        {"times": "inf"},
    )
    assert result is not None and not found, found
    assert result.ephemeral and result.text


async def test_a_nul_character_in_an_option_is_refused_kindly(
    fake_discord: FakeDiscord, start_bot: StartBot, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the fuzz on PostgreSQL (2026-12-08): a NUL character in a text option (here the
    group, as /group edit's autocomplete would never give it) ended in the generic apology, as
    PostgreSQL's text cannot hold one (CharacterNotInRepertoireError). On either backend it is
    refused kindly (bot/db_postgres.py keeps it as U+FFFD)."""
    result, found = await refusal_for(
        fake_discord,
        start_bot,
        server,
        monkeypatch,
        "group edit",
        {"group": "4\x00", "description": "31/12/2027"},
    )
    assert result is not None and not found, found
    assert result.ephemeral and result.text
