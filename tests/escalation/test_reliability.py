"""Nothing lost, nothing doubled: Discord failing for a while, or the bot killed between
detecting a message and sending its alert. Every case gets exactly one alert and the member
exactly one resources message (the outbox resends with the same nonce; Discord drops repeats)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.conftest import FakeClock
from tests.escalation.conftest import Community, configure, private_overwrites, start_community
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until
from tests.subprocesses import bot_env, run_cli, start_bot_process

TEXT = "I can't do this anymore, I'm going to end my life tonight"


def pending_sends(database: Path) -> int:
    """The outbox rows a bot running in a subprocess has still to send (read-only)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


async def test_discord_failing_for_a_minute_loses_and_doubles_nothing(
    community: Community,
) -> None:
    c, member, fake = community, community.server.member, community.fake
    alerts_path = rf"^/channels/{c.alerts_channel.id}/messages$"
    dm_path = rf"^/channels/{fake.get_or_create_dm(member).id}/messages$"
    # A 500 first (discord.py retries it itself), then rate limits until Discord recovers.
    fake.faults.add("POST", alerts_path, status=500, count=1)
    fake.faults.add("POST", dm_path, status=500, count=1)
    limited = [
        fake.faults.add("POST", alerts_path, status=429, retry_after=0.1, count=None),
        fake.faults.add("POST", dm_path, status=429, retry_after=0.1, count=None),
    ]
    await fake.send_message(member, c.group_channel, TEXT)
    await wait_until(lambda: all(f.hits >= 1 for f in limited), timeout=10)
    for _ in range(12):  # a minute of backoff and retries while Discord still refuses
        c.clock.advance(seconds=5)
        c.bot.dispatcher.wake()
        await c.settle()  # every retry due by now was tried (and refused)
    assert all(f.hits >= 4 for f in limited), [f.hits for f in limited]
    assert c.alerts() == [] and c.dms(member) == []
    for fault in limited:
        fake.faults.remove(fault)
    c.clock.advance(seconds=400)  # past the longest backoff
    c.bot.dispatcher.wake()
    await c.settle()  # sent; a double would be a send still to make, which settle waits for

    assert len(c.alerts()) == 1 and len(c.dms(member)) == 1
    for path in (alerts_path, dm_path):
        # (the alert channel also holds /setup's note, a message without embeds)
        posts = [r for r in fake.requests_to("POST", path) if (r.json or {}).get("embeds")]
        assert len(posts) >= 7
        assert len({p.json["nonce"] for p in posts}) == 1  # every retry the same message
    counts = await c.bot.outbox.repository.counts()
    assert counts.pending == 0 and counts.failed == 0
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 1


async def test_killed_between_detection_and_alert_sends_each_once_after_restart(
    tmp_path: Path, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, member = fake_discord, server.member
    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    group = fake.create_text_channel(server.guild, "support-circle")
    env = bot_env(tmp_path, fake)
    synced = await run_cli(tmp_path, env, "sync")
    assert synced.code == 0, synced.stderr

    proc = await start_bot_process(tmp_path, env)
    try:
        await fake.wait_until_connected(timeout=20)
        await configure(fake, server, mod_log, "US")
        await wait_until(lambda: len(fake.messages_in(server.private)) == 1, timeout=10)
        # the mod log's confirmation, then /setup's records (settings changes) come
        await wait_until(lambda: len(fake.messages_in(mod_log)) >= 1, timeout=10)

        alerts = rf"^/channels/{server.private.id}/messages$"
        dm = rf"^/channels/{fake.get_or_create_dm(member).id}/messages$"
        # The alert never reaches Discord before the kill; the DM reaches it but its answer
        # never comes back (the bot cannot know it was delivered).
        fake.faults.add("POST", alerts, delay=60, status=503, count=1)
        fake.faults.add("POST", dm, delay=60, apply_then_delay=True, count=1)
        await fake.send_message(member, group, TEXT)
        await wait_until(lambda: len(fake.requests_to("POST", alerts)) == 1, timeout=10)
        await wait_until(lambda: len(fake.dm_messages(member)) == 1, timeout=10)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert len(fake.messages_in(server.private)) == 1  # only /setup's note: no alert yet
    fake.faults.clear()

    proc = await start_bot_process(tmp_path, env)
    try:
        await wait_until(lambda: len(fake.messages_in(server.private)) >= 2, timeout=20)
        await wait_until(
            lambda: any("opened for" in m.content for m in fake.messages_in(mod_log)), timeout=20
        )
        # Outside the test's barrier: wait until the bot has nothing left to send. A double
        # would be a send still to make.
        await wait_until(lambda: pending_sends(tmp_path / "bot.sqlite3") == 0, timeout=20)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)

    posted = fake.messages_in(server.private)
    assert len(posted) == 2
    assert posted[1].embeds[0]["title"] == "Alert #1: a member may need help"
    [resources] = fake.dm_messages(member)
    assert "988" in resources.text  # the server's region is US
    dm_posts = fake.requests_to("POST", rf"^/channels/{fake.dm_channel(member).id}/messages$")  # type: ignore[union-attr]
    assert len(dm_posts) == 2 and dm_posts[0].json["nonce"] == dm_posts[1].json["nonce"]
    assert [m.content for m in fake.messages_in(mod_log)].count(
        next(m.content for m in fake.messages_in(mod_log) if "opened for" in m.content)
    ) == 1
    assert fake.messages_in(group, include_system=False)[-1].author.id == member.id
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log
    assert "end my life" not in log  # LOG_LEVEL=INFO: never the member's words


async def test_an_alert_channel_that_refuses_sends_the_alert_to_the_mod_log(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        # the bot lost access to the escalation channel after /setup
        fake_discord.faults.add(
            "POST",
            rf"^/channels/{c.alerts_channel.id}/messages$",
            status=403,
            body={"message": "Missing Access", "code": 50001},
            count=None,
        )
        await fake_discord.send_message(server.member, c.group_channel, "I want to die")

        # the mod log also holds the moderation record of /setup; pick out the alert
        def alerts() -> list[Any]:
            return [
                m
                for m in c.bot_messages(c.mod_log)
                if m.embeds and "may need help" in str(m.embeds[0].get("title", ""))
            ]

        await wait_until(lambda: bool(alerts()), timeout=10)
        [alert] = alerts()
        assert alert.embeds[0]["title"] == "Alert #1: a member may need help"
        await c.settle()
        assert any("refused the alert" in line for line in c.mod_log_lines())
