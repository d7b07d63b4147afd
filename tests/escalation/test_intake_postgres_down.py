"""Intake that never drops, on PostgreSQL (issues 17 and 23): the database server goes away
while the bot runs (restarted for an upgrade, a failover) and comes back. A member who writes
in crisis meanwhile gets their resources at once, straight from the bot (neither the server's
own phrases nor its settings can be read: the lexicon and the last settings read serve); the
case, its alert and the mod-log line are written once the server is back, once, and the bot
goes on working on new connections (the connection that writes is opened again).

Also: a crisis message with a NUL character in it, which PostgreSQL's text cannot hold.

The server is stopped for real (`pg_ctl stop -m fast`, as for an upgrade) and started again on
the same data. Runs when the suite runs on PostgreSQL (TEST_DATABASE=postgresql)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests import postgres
from tests.escalation.conftest import Community
from tests.harness import wait_until

TEXT = "I can't do this anymore, I'm going to end my life tonight"
LATER = "I have all my morphine saved up and I'm taking it tonight"
RESOURCES_TITLE = "People you can talk to"
DOWN_SECONDS = 8.0

pytestmark = pytest.mark.skipif(
    not postgres.enabled(), reason="the PostgreSQL server itself: TEST_DATABASE=postgresql"
)


async def count(c: Community, sql: str) -> int:
    assert c.bot.db is not None
    return int(await c.bot.db.fetchval(sql))


async def test_a_restarted_postgresql_drops_nothing(community: Community) -> None:
    c, fake, member, peer = community, community.fake, community.server.member, community.peer
    server = postgres.running_server()
    assert server is not None
    # Every connection of the bot is cut (`fast`: what the bot committed stays; the tests'
    # server does not wait for the disk, so a crash could lose the set-up just written).
    await asyncio.to_thread(server.stop, "fast")
    down_at = time.monotonic()
    try:
        await fake.send_message(member, c.group_channel, TEXT)
        await wait_until(lambda: len(c.dms(member)) == 1, timeout=6)
        assert time.monotonic() - down_at < 6  # at once, not when the server is back
        [dm] = c.dms(member)
        assert dm.embeds[0]["title"] == RESOURCES_TITLE
        assert dm.custom_ids() == []  # no case yet for a "contact me" button to name
        await asyncio.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_at)))
        assert c.alerts() == []
        assert len(c.cog.intake.waiting) == 1
    finally:
        await asyncio.to_thread(server.resume)

    await wait_until(lambda: not c.cog.intake.waiting, timeout=30)
    await c.settle()
    [alert] = c.alerts()
    assert "end my life" in str(alert.embeds)
    assert await count(c, "SELECT COUNT(*) FROM escalation_cases") == 1
    assert len([line for line in c.mod_log_lines() if "opened for" in line]) == 1
    assert await count(c, "SELECT COUNT(*) FROM outbox WHERE status != 'sent'") == 0
    assert len(c.dms(member)) == 1  # no second resources message

    # The bot goes on, on new connections: another member in crisis is handled as usual.
    await fake.send_message(peer, c.group_channel, LATER)
    await c.wait_for_alerts(2, timeout=15)
    await c.settle()
    assert await count(c, "SELECT COUNT(*) FROM escalation_cases") == 2
    assert len(c.dms(peer)) == 1 and len(c.dms(member)) == 1


async def test_a_crisis_message_with_a_nul_character_is_recorded(community: Community) -> None:
    """PostgreSQL's text cannot hold NUL: the member's words were refused by the server, so the
    case was never written (retried for ever) and the moderators never alerted."""
    c, fake, member = community, community.fake, community.server.member
    await fake.send_message(member, c.group_channel, TEXT + "\x00")
    await c.wait_for_alerts(1, timeout=10)
    await c.settle()
    assert await count(c, "SELECT COUNT(*) FROM escalation_cases") == 1
    assert c.cog.intake.waiting == set() and len(c.dms(member)) == 1
