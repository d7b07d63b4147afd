"""/support when many members ask at once, and across a restart: every request opens its own
case, alert and resources. The form's id is unique to each opening and nothing of it is kept in
the bot's memory (bot/kit/modals.py), so neither two members at once nor a restart between
opening and sending loses a request."""

from __future__ import annotations

import asyncio

from cogs.escalation.views import NoteModal, SupportModal
from tests.conftest import FakeClock
from tests.escalation.conftest import Community, start_community
from tests.escalation.helpers import (
    assert_nobody_pinged_by_accident,
    assert_nothing_public,
    field,
    live,
)
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
    alerts = await c.wait_for_alerts(MEMBERS)
    for answer in answers:
        assert answer.ephemeral, answer
        # said only once true: at once if the alert was quick, else by an edit when it arrives
        await wait_until(lambda a=answer: "I've told the moderators privately" in a.text)
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
        await c.runner.start(sync=False)
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


async def test_a_note_written_across_a_restart_closes_the_case(community: Community) -> None:
    """The alert's note form (Resolved / False alarm) is the kit's too: two moderators closing
    two alerts at once each close their own, and a note sent after a restart still closes it."""
    c, mod, admin = community, community.server.moderator, community.server.admin
    first, second = members(c, 2)
    for user in (first, second):
        form = await c.fake.slash(user, "support", guild=c.server.guild, channel=c.group_channel)
        await c.fake.submit_modal(user, form, {})
    alerts = await c.wait_for_alerts(2)
    await c.settle()
    notes = await asyncio.gather(
        c.fake.click(mod, alerts[0], "escalation:resolve:1"),
        c.fake.click(admin, alerts[1], "escalation:false:2"),
    )
    assert all(n.modal is not None and n.modal.input_ids() == ["note"] for n in notes)
    await c.runner.stop()
    await c.runner.start(sync=False)
    done = await asyncio.gather(
        c.fake.submit_modal(mod, notes[0], {"note": "Called her; she is with family."}),
        c.fake.submit_modal(admin, notes[1], {"note": "Asked for the wrong group."}),
    )
    assert all(d.error_status is None for d in done), done
    await c.settle()
    one, two = live(c, alerts[0]), live(c, alerts[1])
    assert f"**Resolved** by <@{mod.id}>" in one.text and "with family" in one.text
    assert f"<@{admin.id}>" in two.text and "wrong group" in two.text
    assert "wrong group" not in one.text and "with family" not in two.text
    assert c.runner.db is not None
    rows = await c.runner.db.fetchall("SELECT id, status, closed_by FROM escalation_cases")
    assert sorted(tuple(r) for r in rows) == [(1, "resolved", mod.id), (2, "false_alarm", admin.id)]


def test_forms_opened_before_the_upgrade_are_still_answered() -> None:
    """A form open when the bot was upgraded carries the fixed id of before: still read."""
    assert SupportModal.parse("escalation:support") == {"token": None}
    assert SupportModal.parse("escalation:support:k3j9") == {"token": "k3j9"}
    assert NoteModal.parse("escalation:note:resolve:42") == {
        "token": None,
        "action": "resolve",
        "case_id": 42,
    }
    assert NoteModal.parse("escalation:note:k3j9:false:7") == {
        "token": "k3j9",
        "action": "false",
        "case_id": 7,
    }
    assert NoteModal.parse("escalation:note:k3j9:claim:7") is None
