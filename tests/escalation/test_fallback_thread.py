"""The private-thread fallback (the member's DMs are closed) gives up after a few tries when
Discord keeps refusing, and the moderators are told the member could not be reached privately."""

from __future__ import annotations

from tests.escalation.conftest import Community
from tests.escalation.helpers import assert_nothing_public, field, live
from tests.harness import wait_until

TEXT = "I can't do this anymore, I'm going to end my life tonight"


async def test_a_thread_refused_with_400s_is_tried_a_few_times_then_moderators_are_told(
    community: Community,
) -> None:
    c, fake, member = community, community.fake, community.server.member
    fake.close_dms(member)
    refused = fake.faults.add(
        "POST",
        rf"^/channels/{c.group_channel.id}/threads$",
        status=400,
        body={"message": "Cannot execute action on this channel type", "code": 50024},
        count=None,
    )
    await fake.send_message(member, c.group_channel, TEXT)
    [alert] = await c.wait_for_alerts(1)
    await c.settle()
    assert refused.hits == 1
    for _ in range(10):  # many ticks: a bounded number of tries, not one per tick forever
        c.clock.advance(seconds=10)
        await c.run_job("escalation:tick")
    assert refused.hits == 5

    case = await c.cog.service.case(1)
    assert case is not None and case.resources_via == "undeliverable"
    await wait_until(
        lambda: any("could not send the crisis resources" in p.content for p in c.pages())
    )
    assert "Could not be delivered privately" in field(live(c, alert), "Crisis resources")
    assert any("could not be delivered privately" in line for line in c.mod_log_lines())
    assert [t for t in fake.threads_in(c.group_channel)] == []
    assert_nothing_public(c)
