"""The database is slow, so the member's resources go out directly (cogs/escalation/intake.py);
the case is written while that DM is still on its way, and the bot is killed before Discord
answers it. Whether the DM reached Discord or not, the member gets their resources exactly once
after the restart: the case queues them too, with the direct DM's nonce (Discord keeps one).

Found by benchmarks/two_processes.py under load: the case counted a DM still on its way as given,
queued nothing, and a kill mid-send lost the member's resources for good."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.escalation.conftest import configure, private_overwrites
from tests.escalation.test_reliability import TEXT, pending_sends
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until
from tests.subprocesses import bot_env, run_cli, start_bot_process


def cases(database: Path) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute("SELECT resources_via, resources_outbox_id FROM escalation_cases"))


@pytest.mark.sqlite_only
@pytest.mark.parametrize("reached", [False, True], ids=["dm-never-reached", "dm-answer-lost"])
async def test_killed_while_the_direct_resources_dm_is_on_its_way(
    tmp_path: Path, fake_discord: FakeDiscord, server: Server, reached: bool
) -> None:
    fake, member = fake_discord, server.member
    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    group = fake.create_text_channel(server.guild, "support-circle")
    env = bot_env(tmp_path, fake)
    synced = await run_cli(tmp_path, env, "sync")
    assert synced.code == 0, synced.stderr
    database = tmp_path / "bot.sqlite3"
    dm = rf"^/channels/{fake.get_or_create_dm(member).id}/messages$"

    proc = await start_bot_process(tmp_path, env)
    try:
        await fake.wait_until_connected(timeout=20)
        await configure(fake, server, mod_log, "US")
        await wait_until(lambda: len(fake.messages_in(server.private)) == 1, timeout=10)
        await wait_until(lambda: pending_sends(database) == 0, timeout=10)

        # Another program holds the write lock: the case waits, the resources go directly,
        # and Discord never answers that DM (it never got it, or its answer is lost).
        other = sqlite3.connect(database, timeout=10, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            if reached:
                fake.faults.add("POST", dm, delay=120, apply_then_delay=True, count=1)
            else:
                fake.faults.add("POST", dm, delay=120, status=503, count=1)
            await fake.send_message(member, group, TEXT)
            await wait_until(lambda: len(fake.requests_to("POST", dm)) == 1, timeout=15)
        finally:
            other.rollback()
            other.close()
        # The case is written while the DM is on its way; then the bot is killed.
        await wait_until(lambda: len(cases(database)) == 1, timeout=15)
        await asyncio.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    [case] = cases(database)
    assert case["resources_outbox_id"] is not None, "a DM still on its way was counted as given"
    fake.faults.clear()

    proc = await start_bot_process(tmp_path, env)
    try:
        await fake.wait_until_connected(timeout=20)
        await wait_until(lambda: pending_sends(database) == 0, timeout=20)
        await wait_until(lambda: len(fake.dm_messages(member)) >= 1, timeout=10)
        await asyncio.sleep(1.0)  # a second one would come now
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)

    [resources] = fake.dm_messages(member)
    assert "988" in resources.text  # the server's region is US
    posts = fake.requests_to("POST", dm)
    assert len({p.json["nonce"] for p in posts}) == 1  # the direct DM and its row: one message
    alerts = [m for m in fake.messages_in(server.private) if m.embeds]
    assert len([m for m in alerts if "may need help" in str(m.embeds[0].get("title"))]) == 1
