"""Crash points of a withdrawal while the pairing is being set up (tests/crashpoints.py): Ana
says the second "yes", Discord makes the private thread but is slow to answer, and the mentee
runs `/mentor withdraw` meanwhile. Killed at every step and restarted (the mentee withdraws
again if her withdrawal was not written): nothing names her, no match is left, a thread made
for a withdrawn pairing is deleted (one that was finished before her withdrawal is archived and
locked, as any ended match's), and Ana is told once."""

from __future__ import annotations

import pytest

from tests.crashpoints import World, report, sweep
from tests.harness import wait_until
from tests.mentoring.test_crash_points import SecondYes, consent, slash

pytestmark = pytest.mark.slow


class WithdrawWhileOpening(SecondYes):
    async def prepare(self, world: World) -> None:
        await super().prepare(world)
        threads = world.state["threads"]
        world.fake.faults.add(
            "POST", rf"^/channels/{threads.id}/threads$", delay=2.0, apply_then_delay=True
        )

    async def act(self, world: World) -> None:
        ana = world.state["ana"]
        message, yes = await consent(world, ana)
        await world.fake.click(ana, message, yes)
        await wait_until(lambda: world.fake.threads_in(world.state["threads"]) != [], timeout=10)
        await slash(world, world.server.member, "mentor withdraw")

    async def check(self, world: World, point: int | None) -> None:
        s, fake, db = world.server, world.fake, world.bot.db
        mia = s.member
        mine = "SELECT COUNT(*) FROM mentoring_profiles WHERE user_id = :u"
        withdrawn = await db.fetchval(mine, {"u": mia.id}) == 0
        if not withdrawn:  # killed before her withdrawal was written: she withdraws again
            await slash(world, mia, "mentor withdraw")
        assert await db.fetchval(mine, {"u": mia.id}) == 0
        assert await db.fetchval("SELECT COUNT(*) FROM mentoring_matches") == 0
        threads = fake.threads_in(world.state["threads"])
        if withdrawn:
            assert threads == [], "a thread was left behind"
        else:
            assert all(t.archived and t.locked for t in threads), "a thread is still open"
        told = [
            m
            for m in fake.dm_messages(world.state["ana"])
            if "will not go ahead" in m.text or "nobody's fault" in m.text
        ]
        assert len(told) == 1, f"Ana was told {len(told)} times"


async def test_a_withdrawal_while_the_pairing_opens_survives_a_crash_at_every_step(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    result = await sweep(WithdrawWhileOpening(), tmp_path)
    report(result)
    assert any(step.startswith("DELETE /channels/") for step in result.kinds)
