"""SIGKILL in the middle of sending: after a restart every acknowledged send arrives once."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until
from tests.subprocesses import bot_env, run_cli, start_bot_process


async def test_killed_bot_resends_pending_outbox_rows_exactly_once(
    tmp_path: Path, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    env = bot_env(tmp_path, fake)
    synced = await run_cli(tmp_path, env, "sync")
    assert synced.code == 0, synced.stderr

    proc = await start_bot_process(tmp_path, env)
    try:
        await fake.wait_until_connected(timeout=20)
        alerts = rf"^/channels/{server.private.id}/messages$"
        # The first message reaches Discord, but its answer never comes back before the kill.
        fake.faults.add("POST", alerts, delay=60, apply_then_delay=True, count=1)
        res = await fake.slash(
            server.admin,
            "setup escalation-channel",
            guild=g,
            channel=ch,
            options={"channel": server.private.id},
            timeout=15,
        )
        assert "Distress alerts will go to" in res.text
        for _ in range(2):  # two more, queued behind the first
            res = await fake.slash(server.admin, "setup test-alert", guild=g, channel=ch)
            assert "A test alert is on its way" in res.text
        await wait_until(lambda: len(fake.messages_in(server.private.id)) == 1, timeout=10)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert len(fake.messages_in(server.private.id)) == 1
    fake.faults.clear()

    proc = await start_bot_process(tmp_path, env)
    try:
        await wait_until(lambda: len(fake.messages_in(server.private.id)) >= 3, timeout=20)
        await asyncio.sleep(0.5)  # anything doubled would show up now
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)

    messages = fake.messages_in(server.private.id)
    assert len(messages) == 3
    assert "chose this channel for distress alerts" in messages[0].content
    assert [m.embeds[0]["title"] for m in messages[1:]] == ["Test alert", "Test alert"]
    assert len({m.nonce for m in messages}) == 3
    posts = fake.requests_to("POST", rf"^/channels/{server.private.id}/messages$")
    first_nonce = messages[0].nonce
    assert [p.json["nonce"] for p in posts].count(first_nonce) == 2  # resent, deduplicated
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log
