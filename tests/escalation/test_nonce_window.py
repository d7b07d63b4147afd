"""Exactly once beyond Discord's nonce window (issue 17). Discord drops a repeat of a message
with the same nonce for a few minutes only. The bot sends a crisis alert and the member's
resources, Discord creates them, but the answers never come back: the bot is stopped in the
middle of both requests (as a kill would: the rows stay unsettled) and comes back after the
window has passed. It looks in the escalation channel and the member's DMs first, finds what
the lost attempts created, and sends nothing again; had they not arrived, it sends them once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.escalation.conftest import FEATURES, Community, start_community
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server, wait_until

TEXT = "I can't do this anymore, I'm going to end my life tonight"
HISTORY = r"^/channels/{}/messages$"


async def kill_mid_send(c: Community, *, delivered: bool) -> tuple[str, str]:
    """The member writes in crisis; both sends reach Discord (or not) and their answers never
    come back; the bot is stopped while it waits for them. Returns the two message routes."""
    fake, member = c.fake, c.server.member
    alerts = HISTORY.format(c.alerts_channel.id)
    dm = HISTORY.format(fake.get_or_create_dm(member).id)
    for path in (alerts, dm):
        if delivered:
            fake.faults.add("POST", path, delay=60, apply_then_delay=True, count=1)
        else:
            fake.faults.add("POST", path, delay=60, status=503, count=1)
    await fake.send_message(member, c.group_channel, TEXT)
    await wait_until(
        lambda: (
            sum(r.method == "POST" for r in fake.requests_to("POST", alerts)) >= 2
            and len(fake.requests_to("POST", dm)) == 1
        ),
        timeout=10,
    )  # (the first post in the alert channel is /setup's note)
    await c.runner.stop()  # as a kill: neither send was settled
    fake.faults.clear()
    return alerts, dm


async def restart(c: Community, tmp_path: Path) -> None:
    c.runner = BotRunner(c.fake, tmp_path / "bot.sqlite3", clock=c.clock, features=FEATURES)
    await c.runner.start(sync=False)
    await c.settle()


@pytest.mark.parametrize("history_has_nonces", [True, False])
async def test_a_send_answered_too_late_is_found_and_not_repeated(
    fake_discord: FakeDiscord,
    server: Server,
    tmp_path: Path,
    clock: FakeClock,
    history_has_nonces: bool,
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        alerts, dm = await kill_mid_send(c, delivered=True)
        assert len(c.alerts()) == 1 and len(c.dms(server.member)) == 1  # Discord has both
        # Ten minutes later: Discord no longer drops a repeat of those nonces. Without nonces in
        # its history the bot recognises the alert by its buttons (the case's custom ids) and
        # the resources by their title, among what it posted after the first attempt.
        fake_discord.nonce_window = 0
        fake_discord.history_nonces = history_has_nonces
        clock.advance(minutes=10)
        await restart(c, tmp_path)

        assert len(c.alerts()) == 1 and len(c.dms(server.member)) == 1
        assert len(fake_discord.requests_to("GET", alerts)) >= 1
        assert len(fake_discord.requests_to("GET", dm)) >= 1
        [alert] = c.alerts()
        [resources] = c.dms(server.member)
        # The rows are settled with the messages found, and the alert's id reached the case
        # (the alert's on_sent hook), as if the answers had come back.
        rows = await c.bot.db.fetchall(
            "SELECT kind, status, message_id FROM outbox WHERE kind LIKE 'escalation:%' "
            "AND kind IN ('escalation:alert', 'escalation:resources') ORDER BY id"
        )
        assert [(r["kind"], r["status"], r["message_id"]) for r in rows] == [
            ("escalation:alert", "sent", alert.id),
            ("escalation:resources", "sent", resources.id),
        ]
        stored = await c.bot.db.fetchval("SELECT alert_message_id FROM escalation_cases")
        assert stored == alert.id
        # Nothing more to send: a second restart changes nothing either.
        await c.runner.stop()
        await restart(c, tmp_path)
        assert len(c.alerts()) == 1 and len(c.dms(server.member)) == 1


async def test_a_send_that_never_arrived_is_sent_once_after_the_window(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        alerts, dm = await kill_mid_send(c, delivered=False)
        assert c.alerts() == [] and c.dms(server.member) == []
        fake_discord.nonce_window = 0
        fake_discord.history_nonces = False
        clock.advance(minutes=10)
        await restart(c, tmp_path)

        assert len(fake_discord.requests_to("GET", alerts)) >= 1  # it looked first
        assert len(fake_discord.requests_to("GET", dm)) >= 1
        assert len(c.alerts()) == 1 and len(c.dms(server.member)) == 1
        assert c.alerts()[0].embeds[0]["title"] == "Alert #1: a member may need help"
