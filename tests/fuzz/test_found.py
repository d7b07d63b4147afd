"""What the fuzz found, typed exactly, every run: each gets a clear, kind, private refusal
(no apology, nothing written, nothing posted), whatever else the fuzz happens to draw.

- A refusal that quotes what the person typed grew past Discord's 2000 characters (a 6000-
  character time zone): Discord refused the answer and the person saw "This interaction
  failed". Quoted text is now clipped (bot/tree.py).
- An id past SQLite's INTEGER (`99999999999999999999999999`) as a meeting series raised
  OverflowError: the generic apology. Ids are now checked before they reach the database, and
  digits that are not ASCII (`²`, which `str.isdigit` accepts and `int` refuses) are read as a
  name, not an id.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.fuzz.observe import Observer
from tests.fuzz.test_commands import Fuzz
from tests.fuzz.world import build_world
from tests.harness import Server

HUGE = "9" * 26
FOUND = [
    ("admin", "setup timezone", {"zone": "🎗️" * 3000}),
    ("admin", "duty timezone", {"zone": "a" * 6000}),
    ("leader", "meeting edit", {"series": HUGE, "when": "now"}),
    ("leader", "meeting cancel", {"series": "9223372036854775808"}),
    ("leader", "meeting skip", {"series": "²"}),
    ("member", "group join", {"group": HUGE}),
    ("member", "group join", {"group": "²"}),
    ("member", "group leave", {"group": "١٢"}),
    ("leader", "poll close", {"poll": HUGE}),
    ("leader", "poll close", {"poll": "²"}),
    ("moderator", "warn", {"member": "member", "reason": "x", "guideline": HUGE}),
    ("moderator", "guidelines show", {"group": HUGE}),
]


async def test_what_the_fuzz_found_is_refused_kindly(
    fake_discord: FakeDiscord, start_bot: StartBot, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_discord
    stranger = fake.create_user("stranger")
    other = fake.create_guild("Elsewhere", owner=stranger)
    fake.create_text_channel(other, "lobby")
    runner = await start_bot()
    world = await build_world(fake, runner, server, other)
    observer = Observer()
    observer.attach(monkeypatch)
    fuzz = Fuzz(fake, runner, world, observer, asyncio.get_running_loop())
    failures: list[str] = []
    try:
        for who, command, options in FOUND:
            user = world.people[who]
            given = {k: world.people[v].id if v in world.people else v for k, v in options.items()}

            async def call(user=user, command=command, given=given):
                return await fake.slash(
                    user, command, guild=world.guild, channel=server.general, options=given
                )

            result, found = await fuzz.call(call)
            assert result is not None, f"/{command}: Discord would not send {options}"
            if found or not (result.ephemeral and result.text):
                failures.append(f"/{command} {str(options)[:80]} as {who}: {found or result!r}")
    finally:
        observer.detach()
    assert not failures, "\n".join(failures)
