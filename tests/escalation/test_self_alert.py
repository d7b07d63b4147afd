"""Moderators never handle an alert about themselves: the one it is about can neither claim nor
close it (a kind, private refusal), the alert says who may, and the page goes to the other
moderators by name, never to the one it is about."""

from __future__ import annotations

from tests.escalation.conftest import Community
from tests.escalation.helpers import assert_nothing_public, field, live

TEXT = "I can't do this anymore, I'm going to end my life tonight"


async def test_a_moderator_in_crisis_is_handled_by_another_moderator(
    community: Community,
) -> None:
    c, fake, mod = community, community.fake, community.server.moderator
    other = fake.create_user("noor")
    fake.add_member(c.server.guild, other, roles=[c.server.moderator_role])
    await c.settle()

    await fake.send_message(mod, c.group_channel, TEXT)
    [alert] = await c.wait_for_alerts(1)
    await c.settle()
    assert field(alert, "Member").startswith(f"<@{mod.id}>")
    assert "This alert is about a moderator" in alert.embeds[0]["description"]
    assert "Another moderator or an admin, please take it" in alert.embeds[0]["description"]

    for action in ("escalation:claim:1", "escalation:resolve:1", "escalation:false:1"):
        res = await fake.click(mod, alert, action)
        assert res.ephemeral and res.modal is None, action
        assert "This alert is about you" in res.text
    case = await c.cog.service.case(1)
    assert case is not None and case.status == "open"

    # Unclaimed: the page names the other moderator, never the role (the subject has it).
    c.clock.advance(minutes=5)
    await c.run_job("escalation:tick")
    [page] = c.pages()
    assert page.content.startswith(f"<@{other.id}> Alert #1 has waited 5 minutes")
    assert page.allowed_mentions == {"parse": [], "users": [other.id]}
    assert [u.id for u in page.mentions] == [other.id] and page.mention_roles == []

    # Still unclaimed: the admins, never the subject.
    c.clock.advance(minutes=5)
    await c.run_job("escalation:tick")
    pages = c.pages()
    assert len(pages) == 2 and mod.id not in [u.id for u in pages[1].mentions]

    res = await fake.click(other, alert, "escalation:claim:1")
    assert f"**Claimed** by <@{other.id}>" in res.text  # the alert itself, updated
    await c.settle()
    case = await c.cog.service.case(1)
    assert case is not None and case.claimed_by == other.id
    assert f"**Claimed** by <@{other.id}>" in live(c, alert).text
    assert_nothing_public(c)
