"""A member remembered (/care remember): nothing more reaches them privately (a reminder due
later, an agreement to accept again, a waitlist offer), the group's message is posted once,
only when the leader presses Post, with grief resources; the moderators are asked to check in
with the leaders, then reminded privately a day later."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    announcements,
    channel_messages,
    join,
    make_group,
    meetings,
    person,
    reminders,
    run_until,
    schedule,
    settle,
)
from tests.storms.conftest import button, mod_log, remember, storms

NEW_TEXT = "Version two. What is shared here stays here, and that includes the voice room."
WORDS = "We remember **Anna** with love. @everyone <@&1> [a link](https://example.com)"


def dms_of(fake: FakeDiscord, user: User) -> int:
    return len(fake.dm_messages(user))


async def test_a_remembered_member_is_sent_nothing_more_and_the_group_is_told_once(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena = person(fake, s, "lena")
    anna, bea, cleo = (person(fake, s, name) for name in ("anna", "bea", "cleo"))
    group = await make_group(runner, fake, s, "Caregivers", lena)
    other = await make_group(runner, fake, s, "Survivors", s.moderator, capacity=1)
    for user in (anna, bea):
        await join(fake, s, user, group.id)
    await join(fake, s, cleo, other.id)
    waiting = await fake.slash(
        anna, "group join", guild=s.guild, channel=s.general, options={"group": str(other.id)}
    )
    assert "waitlist" in waiting.text
    # A weekly session; reminders privately to those going too; Anna and Bea are going.
    done = await schedule(
        fake, s, lena, group.id, title="Circle", when="2027-03-02 18:00", repeat="weekly"
    )
    assert "is scheduled" in done.text
    await fake.slash(
        lena,
        "meeting settings reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "times": "2h", "remind_going": True},
    )
    await settle(runner)
    [post] = announcements(fake, group.channel_id)
    going = button(post, "meetings:rsvp:")
    going = going.rsplit(":", 1)[0] + ":going"
    for user in (anna, bea):
        await fake.click(user, fake.message(post.id), going)
    await settle(runner)
    before = dms_of(fake, anna)
    in_group = len(channel_messages(fake, group.channel_id))

    # Lena records that Anna died: a private preview, nothing in the group yet.
    assert runner.bot is not None
    last_row = await runner.bot.db.fetchval("SELECT MAX(id) FROM outbox")
    res = await remember(fake, s, lena, anna, group.id, why="died")
    assert res.ephemeral, res
    assert "Nothing is posted until you press Post" in res.text
    assert "that Anna, a member of our group, has died" in res.text and "has died" in res.text
    titles = [e["title"] for e in res.message.embeds]
    assert titles == ["Preview: only you can see this", "Support with grief"]
    assert res.message.content.startswith("It is with great sadness")  # as the group will read
    await settle(runner)
    assert len(channel_messages(fake, group.channel_id)) == in_group
    # Her RSVP is dropped (the durable member_remembered event), without a word to her.
    occurrence = int(going.split(":")[2])
    assert await meetings(runner).service.repo.rsvps(occurrence) == {bea.id: "going"}

    # The mod log: who recorded it, of whom, no words; the moderators' check-in note.
    lines = mod_log(fake, s)
    [logged] = [m for m in lines if "Member remembered" in m.text]
    assert f"<@{lena.id}>" in logged.text and "died" not in logged.text
    [note] = [m for m in lines if "Please check in" in m.text]
    assert "died" not in note.text and note.custom_ids()

    # Edit: the form is prefilled with the draft; the leader's own words come back to preview.
    opened = await fake.click(lena, res.message, button(res.message, "storms:edit:"))
    assert opened.modal is not None
    assert "Anna" in str(opened.modal.inputs()[0].get("value"))
    edited = await fake.submit_modal(lena, opened, {opened.modal.input_ids()[0]: WORDS})
    assert edited.ephemeral and "We remember **Anna** with love" in edited.text
    posted = await fake.click(lena, edited.message, button(edited.message, "storms:post:"))
    assert "Posted in" in posted.text
    # The first preview still has its buttons: pressing Post there posts nothing more.
    again = await fake.click(lena, res.message, button(res.message, "storms:post:"))
    assert "already posted or cancelled" in again.text
    await settle(runner)
    [message] = [m for m in channel_messages(fake, group.channel_id) if "We remember" in m.text]
    assert message.allowed_mentions == {"parse": []}
    # Nobody is pinged: not everyone, not a role, not the member; a masked link shows its address.
    assert "@\u200beveryone" in message.content and not message.mention_everyone
    assert message.mentions == [] and message.mention_roles == []
    assert "\\[a link\\](https://example.com)" in message.content
    assert message.embeds[0]["title"] == "Support with grief"
    assert "Cruse" in str(message.embeds[0]) and "https://" in str(message.embeds[0])
    # The words were posted where the leader chose, nowhere else.
    assert not [m for m in mod_log(fake, s) if "We remember" in m.text]
    entry = int(button(res.message, "storms:post:").split(":")[2])
    row = await storms(runner).service.get(entry)
    assert row.message == "posted" and row.draft is None and row.message_id == message.id

    # A reminder due later goes to the channel and to Bea, never to Anna.
    await run_until(runner, clock, datetime(2027, 3, 2, 23, 30, tzinfo=UTC))
    assert reminders(fake, group.channel_id)  # the group keeps running
    assert [m for m in fake.dm_messages(bea) if "A reminder" in m.text]
    # A new agreement to accept: Bea is asked, Anna is not.
    res = await fake.slash(s.moderator, "confidentiality set", guild=s.guild, channel=s.general)
    assert res.modal is not None
    await fake.submit_modal(s.moderator, res, {res.modal.input_ids()[0]: NEW_TEXT})
    await settle(runner)
    assert [m for m in fake.dm_messages(bea) if "version 2" in m.text]
    # A seat in Survivors frees up: it is offered to Anna, and the offer never reaches her.
    await fake.slash(
        cleo, "group leave", guild=s.guild, channel=s.general, options={"group": str(other.id)}
    )
    await settle(runner)
    assert dms_of(fake, anna) == before
    # What the features wrote for her was dropped unsent by the one central check.
    rows = await runner.bot.db.fetchall(
        "SELECT kind, status, last_error FROM outbox WHERE destination_type = 'user' "
        "AND destination_id = :u AND id > :last",
        {"u": anna.id, "last": last_row},
    )
    kinds = {r["kind"] for r in rows}
    assert {"confidentiality:prompt", "groups:offer"} <= kinds, kinds
    assert all(r["status"] == "failed" and "do not contact" in r["last_error"] for r in rows), [
        dict(r) for r in rows
    ]

    # A day later, nobody has checked in: the moderator is reminded privately, once.
    clock.advance(days=1, seconds=1)
    await storms(runner).run_due()
    await settle(runner)
    reminded = [m for m in fake.dm_messages(s.moderator) if "gentle reminder" in m.text]
    assert len(reminded) == 1 and "died" not in reminded[0].text
    await storms(runner).run_due()
    await settle(runner)
    assert len([m for m in fake.dm_messages(s.moderator) if "gentle reminder" in m.text]) == 1
