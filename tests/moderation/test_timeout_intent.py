"""/timeout survives a crash at any step (issue 19): its intent is written before Discord applies
it, and the start-up reconciliation completes it (the case, the mod-log line, the member told
once) when Discord shows the timeout, or drops it when Discord does not."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.moderation.conftest import Community

MEMBER = r"^/guilds/{}/members/{}$"


def timeout_entries(c: Community) -> list:
    return [m for m in c.mod_log_entries() if "· Timeout" in m.embeds[0]["title"]]


async def intents(c: Community) -> int:
    assert c.runner.db is not None
    return await c.runner.db.fetchval("SELECT COUNT(*) FROM pending_timeouts")


async def kill_during_the_timeout(c: Community, *, applied: bool) -> None:
    """/timeout, and the bot dies while Discord's answer is awaited: the timeout reached
    Discord (`applied`) or not."""
    s = c.server
    path = MEMBER.format(s.guild.id, c.peer.id)
    c.fake.faults.add("PATCH", path, delay=60, apply_then_delay=applied, count=1)
    await c.fake.slash(
        s.moderator,
        "timeout",
        guild=s.guild,
        channel=s.general,
        options={"member": c.peer.id, "duration": "1h", "reason": "Cooling off"},
        wait=False,  # its answer waits on Discord, which the bot dies waiting for
    )
    await c.fake.wait_until(lambda: len(c.fake.requests_to("PATCH", path)) == 1)
    assert await intents(c) == 1
    await c.runner.stop()
    c.fake.faults.clear()


async def test_a_kill_after_discord_applied_the_timeout_completes_it_once(
    community: Community,
) -> None:
    c = community
    await kill_during_the_timeout(c, applied=True)
    assert c.fake.member(c.server.guild, c.peer).communication_disabled_until is not None
    assert c.dms(c.peer) == [] and timeout_entries(c) == []

    await c.runner.start(sync=False)
    await c.settle()
    assert await intents(c) == 0
    [told] = c.dms(c.peer)
    assert "paused your messages" in told.text
    [entry] = timeout_entries(c)
    assert "Cooling off" in entry.text

    await c.runner.stop()  # another restart doubles nothing
    await c.runner.start(sync=False)
    await c.settle()
    assert len(c.dms(c.peer)) == 1 and len(timeout_entries(c)) == 1


async def test_a_kill_before_discord_applied_the_timeout_leaves_nothing(
    community: Community,
) -> None:
    c = community
    await kill_during_the_timeout(c, applied=False)
    assert c.fake.member(c.server.guild, c.peer).communication_disabled_until is None

    await c.runner.start(sync=False)
    await c.settle()
    assert await intents(c) == 0
    assert c.dms(c.peer) == [] and timeout_entries(c) == []
    assert await c.bot.modlog.history(c.server.guild.id, c.peer.id) == []


async def test_a_timeout_discord_refuses_leaves_no_intent(community: Community) -> None:
    c, s = community, community.server
    c.fake.faults.add("PATCH", MEMBER.format(s.guild.id, c.peer.id), status=403, count=1)
    res = await c.slash(
        s.moderator, "timeout", member=c.peer.id, duration="1h", reason="Cooling off"
    )
    assert res.ephemeral and "missing a permission" in res.text, res.text
    await c.settle()
    assert await intents(c) == 0
    assert c.dms(c.peer) == [] and timeout_entries(c) == []


async def test_a_timeout_past_discords_28_days_gets_a_clear_answer(
    community: Community, clock: FakeClock
) -> None:
    """The bot's clock runs ahead of Discord's (a machine's clock adrift): 27 days by the bot's
    reckoning end beyond Discord's 28 days. Discord refuses with a 400: the moderator is told
    why and what to do, and nothing is left behind."""
    c = community
    clock.advance(days=2)
    res = await c.slash(
        c.server.moderator, "timeout", member=c.peer.id, duration="27d", reason="Cooling off"
    )
    assert res.ephemeral and "within 28 days" in res.text, res.text
    assert "shorter" in res.text
    await c.settle()
    assert await intents(c) == 0
    assert c.fake.member(c.server.guild, c.peer).communication_disabled_until is None
    assert c.dms(c.peer) == [] and timeout_entries(c) == []
    [refusal] = c.fake.take_problems()  # the loopback Discord's 400, which this test caused
    assert "Timeout cannot be longer than 28 days" in refusal
