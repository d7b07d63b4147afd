"""/metrics in Prometheus' text format, read over HTTP: gateway events and latency, the outbox's
queued sends by kind and priority and the age of the oldest crisis send, crisis alerts nobody
claimed (offered by the escalation feature, a core interface), the scheduler, the database, and
errors by kind. Numbers only: no member's id nor words."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.metrics import HEARTBEAT_ID
from tests.conftest import FakeClock
from tests.core.probe import BUTTONS, TEXT, URGENT_TEXT
from tests.escalation.conftest import FEATURES, configure, private_overwrites
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until
from tests.health.conftest import StartWithHealth, sample

CRISIS = "I can't do this anymore, I'm going to end my life tonight"


async def test_queued_sends_errors_and_the_gateway_are_counted(
    start_with_health: StartWithHealth, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    endpoint = await start_with_health()
    bot = endpoint.bot
    before = await endpoint.metrics()
    assert sample(before, "peer_support_gateway_connected", shard="0") == 1
    assert sample(before, "peer_support_gateway_latency_seconds", shard="0") is not None
    assert sample(before, "peer_support_gateway_events_total", type="READY") == 1
    assert sample(before, "peer_support_gateway_events_total", type="GUILD_CREATE") == 1
    assert sample(before, "peer_support_database_up") == 1
    assert 0 < (sample(before, "peer_support_database_latency_seconds") or 0) < 2
    assert sample(before, "peer_support_scheduler_running") == 1
    assert sample(before, "peer_support_scheduler_lag_seconds") is not None
    assert bot.scheduler.get_job(HEARTBEAT_ID) is not None
    assert sample(before, "peer_support_outbox_oldest_pending_crisis_seconds") == 0
    assert sample(before, "peer_support_crisis_alerts_unclaimed") is None  # no escalation: unknown

    # Two sends held by Discord (429 without Via: the outbox retries them later).
    refusal = fake_discord.faults.add(
        "POST", rf"^/channels/{server.general.id}/messages$", status=429, count=None
    )
    async with bot.db.transaction() as tx:
        for kind in (URGENT_TEXT, TEXT):
            await bot.outbox.enqueue(
                tx, kind=kind, guild_id=server.guild.id, channel_id=server.general.id,
                payload={"text": "held"},
            )  # fmt: skip
    await wait_until(lambda: refusal.hits >= 1)
    clock.advance(seconds=42)
    held = await endpoint.metrics()
    assert sample(held, "peer_support_outbox_pending", kind=URGENT_TEXT, priority="urgent") == 1
    assert sample(held, "peer_support_outbox_pending", kind=TEXT, priority="normal") == 1
    assert sample(held, "peer_support_outbox_oldest_pending_crisis_seconds") == 42
    assert sample(held, "peer_support_outbox_oldest_pending_ordinary_seconds") == 42
    fake_discord.faults.remove(refusal)
    bot.dispatcher.wake()
    await endpoint.runner.idle()

    # A member presses a button whose code fails: the tree's handler logs it, and it is counted.
    async with bot.db.transaction() as tx:
        await bot.outbox.enqueue(
            tx, kind=BUTTONS, guild_id=server.guild.id, channel_id=server.general.id,
            payload={"n": 1, "owner": server.member.id, "group": 1},
        )  # fmt: skip
    await endpoint.runner.idle()
    message = fake_discord.messages_in(server.general.id)[-1]
    await fake_discord.click(server.member, message, "probe:press:1:oops")
    await endpoint.runner.idle()

    after = await endpoint.metrics()
    assert sample(after, "peer_support_outbox_pending", kind=URGENT_TEXT, priority="urgent") is None
    assert sample(after, "peer_support_outbox_oldest_pending_crisis_seconds") == 0
    assert sample(after, "peer_support_errors_total", kind="RuntimeError", where="bot.tree") == 1
    assert (sample(after, "peer_support_gateway_events_total", type="INTERACTION_CREATE") or 0) >= 1
    assert "# TYPE peer_support_errors_total counter" in await endpoint.metrics_text()
    text = await endpoint.metrics_text()
    for private in (server.member.id, server.guild.id, server.general.id):
        assert str(private) not in text


async def test_an_alert_nobody_claimed_is_counted_until_a_moderator_claims_it(
    start_with_health: StartWithHealth, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    group_channel = fake.create_text_channel(server.guild, "breast-cancer-circle")
    endpoint = await start_with_health(FEATURES, sync=True)
    await configure(fake, server, mod_log, "GB")
    await endpoint.runner.idle()
    assert sample(await endpoint.metrics(), "peer_support_crisis_alerts_unclaimed") == 0

    await fake.send_message(server.member, group_channel, CRISIS)
    await endpoint.runner.idle()
    alerts = [m for m in fake.messages_in(server.private.id) if m.embeds]
    assert len(alerts) == 1
    clock.advance(minutes=4)
    metrics = await endpoint.metrics()
    assert sample(metrics, "peer_support_crisis_alerts_unclaimed") == 1
    assert sample(metrics, "peer_support_crisis_alerts_oldest_unclaimed_seconds") == 240
    assert (sample(metrics, "peer_support_gateway_events_total", type="MESSAGE_CREATE") or 0) >= 1
    # Delivered: neither the alert nor the member's resources wait.
    assert sample(metrics, "peer_support_outbox_oldest_pending_crisis_seconds") == 0
    status, _ = await endpoint.healthz()
    assert status == 200  # an unclaimed alert is for the moderators, not a sick bot

    await fake.click(server.moderator, alerts[0], "escalation:claim:1")
    await endpoint.runner.idle()
    metrics = await endpoint.metrics()
    assert sample(metrics, "peer_support_crisis_alerts_unclaimed") == 0
    assert sample(metrics, "peer_support_crisis_alerts_oldest_unclaimed_seconds") == 0
    text = await endpoint.metrics_text()
    assert CRISIS not in text and str(server.member.id) not in text


async def test_the_scheduler_heartbeat_measures_lag_and_stays_out_of_the_log(
    start_with_health: StartWithHealth, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = await start_with_health()
    bot = endpoint.bot
    watch = bot.metrics.scheduler
    # The heartbeat due a second ago: the scheduler runs it at once, a second late.
    due = datetime.now(UTC) - timedelta(seconds=1)
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        bot.scheduler.modify_job(HEARTBEAT_ID, next_run_time=due)
        bot.scheduler.wakeup()
        await wait_until(lambda: watch.beats == 1)
    assert 1.0 <= watch.last_lag < 5.0
    lag = sample(await endpoint.metrics(), "peer_support_scheduler_lag_seconds")
    assert lag is not None and lag >= 1.0
    assert not [r for r in caplog.records if "_beat" in r.getMessage()]
