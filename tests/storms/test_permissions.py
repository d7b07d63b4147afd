"""Who may run /care and press its buttons, checked in our code, with kind private refusals
that write nothing; Cancel posts nothing; a moderator's check-in stops the private reminder."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import channel_messages, join, make_group, person, settle
from tests.storms.conftest import button, mod_log, remember, storms


async def count(runner: BotRunner, table: str) -> int:
    assert runner.bot is not None
    return int(await runner.bot.db.fetchval(f"SELECT COUNT(*) FROM {table}"))


async def test_who_may_remember_and_who_may_see_candidates(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    lena, olga, anna, zoe = (person(fake, s, n) for n in ("lena", "olga", "anna", "zoe"))
    group = await make_group(runner, fake, s, "Caregivers", lena)
    await make_group(runner, fake, s, "Survivors", olga)
    await join(fake, s, anna, group.id)
    await settle(runner)
    refusals = [
        (await remember(fake, s, anna, lena, group.id), "Only this group's leaders"),
        (await remember(fake, s, olga, anna, group.id), "Only this group's leaders"),
        (await remember(fake, s, lena, lena, group.id), "someone else"),
        (await remember(fake, s, lena, zoe, group.id), "isn't in Caregivers"),
        (
            await fake.slash(
                lena,
                "care leaders",
                guild=s.guild,
                channel=s.general,
                options={"group": str(group.id)},
            ),
            "Only moderators",
        ),
    ]
    for res, words in refusals:
        assert res.ephemeral and words in res.text, res
    await settle(runner)
    assert await count(runner, "storms_remembered") == 0
    assert await count(runner, "do_not_contact") == 0
    assert not [m for m in mod_log(fake, s) if "remembered" in m.text]


async def test_cancel_posts_nothing_and_a_check_in_stops_the_reminder(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Caregivers", lena)
    await join(fake, s, anna, group.id)
    await settle(runner)
    in_group = len(channel_messages(fake, group.channel_id))

    res = await remember(fake, s, lena, anna, group.id, why="asked")
    assert "asked to be remembered" in res.text
    cancelled = await fake.click(lena, res.message, button(res.message, "storms:cancel:"))
    assert "Nothing was posted" in cancelled.text
    await settle(runner)
    assert len(channel_messages(fake, group.channel_id)) == in_group
    # Running it again offers the message again (she stays remembered, recorded once).
    again = await remember(fake, s, lena, anna, group.id, why="asked")
    assert "Nothing is posted until you press Post" in again.text
    assert await count(runner, "storms_remembered") == 1
    await settle(runner)
    assert len([m for m in mod_log(fake, s) if "Member remembered" in m.text]) == 1

    # A moderator presses "I've checked in": no reminder follows.
    [note] = [m for m in mod_log(fake, s) if "Please check in" in m.text]
    checked = button(note, "storms:checked_in:")
    done = await fake.click(s.moderator, note, checked)
    await done.wait_for(lambda r: bool(r.followups))
    assert "No reminder will follow" in done.followups[-1].text
    assert f"<@{s.moderator.id}> checked in" in fake.message(note.id).text
    assert not fake.message(note.id).custom_ids()
    await settle(runner)
    assert [m for m in mod_log(fake, s) if "Checked in with leaders" in m.text]
    clock.advance(days=2)
    await storms(runner).run_due()
    await settle(runner)
    assert not [m for m in fake.dm_messages(s.moderator) if "gentle reminder" in m.text]

    # Recorded by mistake: only a moderator can undo it; the bot may write to her again.
    refused = await fake.slash(
        lena, "care undo", guild=s.guild, channel=s.general, options={"member": anna.id}
    )
    assert refused.ephemeral and "Only moderators" in refused.text
    undone = await fake.slash(
        s.moderator, "care undo", guild=s.guild, channel=s.general, options={"member": anna.id}
    )
    assert undone.ephemeral and "no longer remembered" in undone.text
    assert runner.bot is not None
    assert not await runner.bot.do_not_contact.barred(s.guild.id, anna.id)
    assert await count(runner, "storms_remembered") == 0
    await settle(runner)
    assert [m for m in mod_log(fake, s) if "Remembrance undone" in m.text]
    nothing = await fake.slash(
        s.moderator, "care undo", guild=s.guild, channel=s.general, options={"member": anna.id}
    )
    assert nothing.ephemeral and "nothing to undo" in nothing.text


async def test_the_longest_message_previews_and_posts(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    """Found by the fuzz (tests/fuzz/test_forms.py): 1,800 characters of the leader's words
    with the preview's own words beside them were more than Discord takes in one message."""
    fake, s = fake_discord, server
    lena, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Caregivers", lena)
    await join(fake, s, anna, group.id)
    res = await remember(fake, s, lena, anna, group.id)
    opened = await fake.click(lena, res.message, button(res.message, "storms:edit:"))
    assert opened.modal is not None
    longest = "🎗️" * 900  # two code points each: 1,800
    edited = await fake.submit_modal(lena, opened, {opened.modal.input_ids()[0]: longest})
    assert edited.ephemeral and edited.message.content == longest
    posted = await fake.click(lena, edited.message, button(edited.message, "storms:post:"))
    assert "Posted in" in posted.text
    await settle(runner)
    assert [m for m in channel_messages(fake, group.channel_id) if m.content == longest]
