"""/support when many members ask at once, and across a restart: every request opens its own
case, alert and resources. The form's id is unique to each opening and nothing of it is kept in
the bot's memory (bot/kit/modals.py), so neither two members at once nor a restart between
opening and sending loses a request."""

from __future__ import annotations

import asyncio

from tests.conftest import FakeClock
from tests.escalation.conftest import Community, start_community
from tests.escalation.helpers import assert_nobody_pinged_by_accident, assert_nothing_public, field
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.harness import BotRunner, Server, wait_until

MEMBERS = 10


def members(c: Community, n: int) -> list[User]:
    found = []
    for i in range(n):
        user = c.fake.create_user(f"member{i}")
        c.fake.add_member(c.server.guild, user)
        found.append(user)
    return found


async def cases(runner: BotRunner) -> list[tuple[int, str]]:
    assert runner.db is not None
    rows = await runner.db.fetchall("SELECT user_id, source FROM escalation_cases ORDER BY id")
    return [(row[0], row[1]) for row in rows]


async def test_ten_members_submit_support_at_once(community: Community) -> None:
    """Ten open the form together and send it together."""
    c = community
    people = members(c, MEMBERS)
    forms = await asyncio.gather(
        *(c.fake.slash(u, "support", guild=c.server.guild, channel=c.group_channel) for u in people)
    )
    assert all(form.modal is not None for form in forms)
    ids = {form.modal.custom_id for form in forms if form.modal is not None}
    assert len(ids) == MEMBERS  # one form each, none shared

    answers = await asyncio.gather(
        *(
            c.fake.submit_modal(u, form, {"words": f"words of {u.username}"})
            for u, form in zip(people, forms, strict=True)
        )
    )
    for answer in answers:
        assert answer.ephemeral and "I've told the moderators privately" in answer.text, answer
    alerts = await c.wait_for_alerts(MEMBERS)
    await c.settle()

    assert sorted(await cases(c.runner)) == sorted((u.id, "support") for u in people)
    assert len(c.alerts()) == MEMBERS
    # each alert carries the words of the member it is about, never another's
    for alert in alerts:
        words = field(alert, "What they wrote")
        [user] = [u for u in people if f"<@{u.id}>" in str(alert.embeds)]
        assert f"words of {user.username}" in words
        assert not any(f"words of {o.username}" in words for o in people if o is not user)
    for user in people:
        [dm] = c.dms(user)
        assert "you asked for someone to talk to" in dm.content
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_support_sent_after_a_restart_still_opens_its_case(
    fake_discord: FakeDiscord, server: Server, tmp_path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        member = server.member
        form = await c.fake.slash(member, "support", guild=server.guild, channel=c.group_channel)
        assert form.modal is not None
        await c.settle()
        assert c.alerts() == []
        # the bot restarts while the member is still writing
        await c.runner.stop()
        await c.runner.start()
        answer = await c.fake.submit_modal(member, form, {"words": "written across a restart"})
        assert answer.ephemeral and "I've told the moderators privately" in answer.text, answer
        [alert] = await c.wait_for_alerts(1)
        assert "written across a restart" in field(alert, "What they wrote")
        await wait_until(lambda: len(c.dms(member)) == 1)
        await c.settle()
        assert await cases(c.runner) == [(member.id, "support")]
        assert len(c.alerts()) == 1 and len(c.dms(member)) == 1


async def test_members_who_opened_together_send_one_after_another(community: Community) -> None:
    """The usual case: they open the form together and take different times to write. Each
    sending is its own request (a form id shared by all would be answered once, then refused)."""
    c = community
    people = members(c, 4)
    forms = await asyncio.gather(
        *(c.fake.slash(u, "support", guild=c.server.guild, channel=c.group_channel) for u in people)
    )
    for user, form in zip(people, forms, strict=True):
        answer = await c.fake.submit_modal(user, form, {"words": f"words of {user.username}"})
        assert answer.ephemeral and "I've told the moderators privately" in answer.text, answer
        await c.settle()
    assert sorted(await cases(c.runner)) == sorted((u.id, "support") for u in people)
    assert len(c.alerts()) == len(people)
    assert all(len(c.dms(u)) == 1 for u in people)
