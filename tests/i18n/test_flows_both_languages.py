"""RSVP, /feedback and a report, in two languages at once in one server: a member with Discord in
Spanish (es-ES) and one in English (en-US) run the same flows. What is sent to one person (the
answer to an RSVP button, a form's title and labels, the thanks for feedback or a report, the
reminder and the feedback digest by direct message, sent later through the outbox) is in their
language; what a channel reads (the announcement with its buttons, the reminders, the report's
post for the moderators) is in the server's language.

Spanish here is the pseudo-translation of tests/i18n/conftest.py (`ES·` + the English)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import JSON, Message, User, iter_components
from tests.feedback.conftest import send_feedback
from tests.groups.conftest import create_group, group_named
from tests.harness import BotRunner, Server, wait_until
from tests.i18n.conftest import MARK, assert_english, assert_spanish
from tests.meetings.conftest import (
    START,
    announcements,
    join,
    meetings,
    reminders,
    run_until,
    schedule,
)
from tests.meetings.conftest import settle as settle_meetings

pytestmark = pytest.mark.usefixtures("pseudo_spanish")

FEATURES = ("settings", "groups", "moderation", "meetings", "feedback", "language", "help")
REPORT = "Report to moderators"
Check = Callable[[Message], None]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def runner(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    running = BotRunner(fake_discord, tmp_path / "bot.sqlite3", clock, features=FEATURES)
    bot = await running.start()
    s = server
    await bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    await bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)
    try:
        yield running
    finally:
        await running.stop()


def person(fake: FakeDiscord, server: Server, name: str, locale: str) -> User:
    user = fake.create_user(name, locale=locale)
    fake.add_member(server.guild, user)
    return user


def labels(components: list[JSON]) -> list[str]:
    """What a person reads on buttons and in a form: each label and placeholder."""
    found: list[str] = []
    for c in iter_components(components):
        found += [str(c[k]) for k in ("label", "placeholder") if c.get(k)]
    return found


def spanish_labels(components: list[JSON]) -> None:
    shown = labels(components)
    assert shown
    assert all(MARK in text for text in shown), shown


def english_labels(components: list[JSON]) -> None:
    shown = labels(components)
    assert shown
    assert not any(MARK in text for text in shown), shown


def form_check(form: InteractionResult, spanish: bool) -> None:
    assert form.modal is not None, form
    if spanish:
        assert form.modal.title.startswith(MARK), form.modal.title
        spanish_labels(form.modal.components)
    else:
        assert MARK not in form.modal.title
        english_labels(form.modal.components)


async def make_group(runner: BotRunner, fake: FakeDiscord, s: Server, leader: User) -> int:
    made = await create_group(fake, s, "Survivors", leader, timezone="America/New_York")
    assert made.ephemeral and "is ready" in made.text, made.text  # the admin reads English
    group = await group_named(runner, s, "Survivors")
    return group.id


@pytest.mark.parametrize("server_language", ["en", "es"])
async def test_rsvp_answers_and_reminders_each_in_their_language(
    runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    clock: FakeClock,
    server_language: str,
) -> None:
    fake, s = fake_discord, server
    assert runner.bot is not None
    await runner.bot.guild_settings.set_language(s.guild.id, server_language, 0)
    channel_check: Check = assert_spanish if server_language == "es" else assert_english
    channel_labels = spanish_labels if server_language == "es" else english_labels
    leader = person(fake, s, "lena", "en-US")
    ana, ben = person(fake, s, "ana", "es-ES"), s.member
    group_id = await make_group(runner, fake, s, leader)
    group = await group_named(runner, s, "Survivors")
    for who in (ana, ben):
        await join(fake, s, who, group_id)
    set_up = await fake.slash(
        leader,
        "meeting settings reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group_id), "times": "2h", "remind_going": True},
    )
    assert set_up.ephemeral and "2 hours" in set_up.text
    done = await schedule(
        fake, s, leader, group_id, title="Weekly circle", when="2027-03-02 18:00", repeat="weekly"
    )
    assert "is scheduled" in done.text
    await settle_meetings(runner)

    # the announcement and its buttons: the server's language (the title is the leader's own)
    [post] = announcements(fake, group.channel_id)
    embed = post.embeds[0]
    assert embed["title"] == "Weekly circle"
    for text in [str(embed["description"])] + [f["name"] + f["value"] for f in embed["fields"]]:
        assert (MARK in text) == (server_language == "es"), text
    channel_labels(post.components)

    # each member's answer to their own press: their language
    for who, answer, check in ((ana, "going", assert_spanish), (ben, "going", assert_english)):
        live = fake.message(post.id)
        button = next(c for c in live.custom_ids() if c.endswith(f":{answer}"))
        pressed = await fake.click(who, live, button)
        await pressed.wait_for(lambda r: bool(r.followups))
        [answered] = pressed.followups
        assert answered.flags & 64  # ephemeral
        check(answered)
    # the counts the announcement shows after a press are still in the server's language
    channel_labels(fake.message(post.id).components)
    # who is coming: leaders only; the refusal to a member, and the list, in the reader's
    who_id = next(c for c in post.custom_ids() if c.startswith("meetings:who:"))
    for who, check in ((ana, assert_spanish), (ben, assert_english), (leader, assert_english)):
        shown = await fake.click(who, fake.message(post.id), who_id)
        assert shown.ephemeral
        check(shown.message)

    await run_until(runner, clock, datetime(2027, 3, 2, 23, 0, tzinfo=UTC))
    posted = reminders(fake, group.channel_id)
    assert len(posted) == 1
    channel_check(posted[0])
    # the private reminder to those going, sent later through the outbox: each in theirs
    await wait_until(lambda: bool(fake.dm_messages(ana)) and bool(fake.dm_messages(ben)))
    [to_ana] = [m for m in fake.dm_messages(ana) if "A reminder" in m.text]
    [to_ben] = [m for m in fake.dm_messages(ben) if "A reminder" in m.text]
    assert_spanish(to_ana)
    assert_english(to_ben)

    # the series is cancelled: those going are told privately, each in their language, and a
    # press on the old announcement is answered kindly in the presser's
    [series] = await meetings(runner).service.repo.series_of_group(s.guild.id, group_id)
    await run_until(runner, clock, datetime(2027, 3, 4, tzinfo=UTC))  # the next is announced
    latest = announcements(fake, group.channel_id)[-1]
    assert latest.id != post.id
    for who in (ana, ben):
        going = next(c for c in latest.custom_ids() if c.endswith(":going"))
        await fake.click(who, fake.message(latest.id), going)
    cancelled = await fake.slash(
        leader,
        "meeting cancel",
        guild=s.guild,
        channel=s.general,
        options={"series": str(series.id)},
    )
    assert cancelled.ephemeral and "is cancelled" in cancelled.text
    await settle_meetings(runner)
    [to_ana] = [m for m in fake.dm_messages(ana) if "is cancelled" in m.text]
    [to_ben] = [m for m in fake.dm_messages(ben) if "is cancelled" in m.text]
    assert_spanish(to_ana)
    assert_english(to_ben)
    for who, check in ((ana, assert_spanish), (ben, assert_english)):
        late = await fake.click(who, latest, latest.custom_ids()[0])
        assert late.ephemeral and "cancelled" in late.text
        check(late.message)


def first_embed_marked(message: Message) -> list[bool]:
    """For a digest: whether its own words (the first embed's title and description) carry the
    Spanish mark. The embeds after it are the members' words, never translated."""
    embed = message.embeds[0]
    return [MARK in str(embed[k]) for k in ("title", "description")]


def digests_in(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.embeds and "anonymous message" in str(m.embeds[0]["title"])]


async def feedback_form(
    fake: FakeDiscord, who: User, s: Server, text: str, group_id: int | None, spanish: bool
) -> None:
    options = {"group": str(group_id)} if group_id is not None else {}
    form = await fake.slash(who, "feedback", guild=s.guild, channel=s.general, options=options)
    form_check(form, spanish)
    thanks = await fake.submit_modal(who, form, {"feedback:text:body": text})
    assert thanks.ephemeral
    (assert_spanish if spanish else assert_english)(thanks.message)


@pytest.mark.parametrize("server_language", ["en", "es"])
async def test_feedback_and_a_report_each_in_their_language(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, server_language: str
) -> None:
    fake, s = fake_discord, server
    assert runner.bot is not None
    await runner.bot.guild_settings.set_language(s.guild.id, server_language, 0)
    in_server = server_language == "es"
    lena = person(fake, s, "lena", "es-ES")  # leads the group, reads Spanish
    leo = person(fake, s, "leo", "en-US")  # leads it with her, reads English
    ana, ben, cy = person(fake, s, "ana", "es-ES"), s.member, person(fake, s, "cy", "en-US")
    group_id = await make_group(runner, fake, s, lena)
    added = await fake.slash(
        s.moderator,
        "group leaders add",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group_id), "member": leo.id},
    )
    assert "now leads" in added.text
    for who in (ana, ben, cy):
        await join(fake, s, who, group_id)
    # Discord tells a bot a member's locale only in their interactions: the leaders have used
    # the bot once (a DM to someone who never has follows the server's language).
    for leader in (lena, leo):
        assert (await fake.slash(leader, "help", guild=s.guild, channel=s.general)).ephemeral
    await runner.idle()
    before = {who.id: len(fake.dm_messages(who)) for who in (lena, leo, ana, ben)}

    # /feedback to the group's leaders: the form and the thanks in each sender's language
    await feedback_form(fake, ana, s, "Gracias por el grupo", group_id, spanish=True)
    await feedback_form(fake, ben, s, "Thanks for the group", group_id, spanish=False)
    await send_feedback(fake, cy, s, "The room is too cold", group=group_id)
    # the batch of three reaches each leader by direct message, in each leader's language
    await wait_until(
        lambda: all(digests_in(fake.dm_messages(leader)) for leader in (lena, leo)), timeout=10
    )
    [to_lena], [to_leo] = digests_in(fake.dm_messages(lena)), digests_in(fake.dm_messages(leo))
    assert first_embed_marked(to_lena) == [True, True]
    assert first_embed_marked(to_leo) == [False, False]
    assert sorted(e["description"] for e in to_lena.embeds[1:]) == sorted(
        ["Gracias por el grupo", "Thanks for the group", "The room is too cold"]
    )

    # /feedback to the moderators: their digest, in a channel, reads the server's language
    await feedback_form(fake, ana, s, "Más grupos, por favor", None, spanish=True)
    await feedback_form(fake, ben, s, "More groups, please", None, spanish=False)
    await send_feedback(fake, cy, s, "Evening sessions?")
    await wait_until(lambda: bool(digests_in(fake.messages_in(s.private.id))), timeout=10)
    [to_mods] = digests_in(fake.messages_in(s.private.id))
    assert first_embed_marked(to_mods) == [in_server, in_server]

    # a report: the form and the answer to the reporter in the reporter's language
    channel_id = (await group_named(runner, s, "Survivors")).channel_id
    assert channel_id is not None
    room = fake.channel(channel_id)
    by_ben = await fake.send_message(ben, room, "You should stop your treatment")
    by_ana = await fake.send_message(ana, room, "Deja el tratamiento")
    for reporter, message, spanish in ((ana, by_ben, True), (ben, by_ana, False)):
        form = await fake.message_command(reporter, REPORT, message)
        form_check(form, spanish)
        done = await fake.submit_modal(reporter, form, {"reason": "dangerous advice"})
        assert done.ephemeral
        (assert_spanish if spanish else assert_english)(done.message)
    await runner.idle()
    # the moderators' copies, in the private channel: the server's language (the bot's own
    # words: the title and each field's name; the reported text and the reason are theirs)
    posts = [
        m
        for m in fake.messages_in(s.private.id)
        if m.embeds and "Report #" in str(m.embeds[0].get("title"))
    ]
    assert len(posts) == 2
    for post in posts:
        names = [str(post.embeds[0]["title"])] + [f["name"] for f in post.embeds[0]["fields"]]
        assert all((MARK in name) == in_server for name in names), names
        (spanish_labels if in_server else english_labels)(post.components)
    # a moderator (English) claims and resolves one: the post follows the server's language
    claimed = await fake.click(s.moderator, posts[0], posts[0].custom_ids()[0])
    assert (MARK in str(claimed.message.embeds[0]["title"])) == in_server
    live = fake.message(posts[0].id)
    resolved = await fake.click(s.moderator, live, live.custom_ids()[1])
    assert (MARK in str(resolved.message.embeds[0]["title"])) == in_server
    await runner.idle()
    # nobody is told anything privately about a report: no new direct message to anyone
    after = {who.id: len(fake.dm_messages(who)) for who in (lena, leo, ana, ben)}
    assert after == {
        lena.id: before[lena.id] + 1,  # the digest
        leo.id: before[leo.id] + 1,
        ana.id: before[ana.id],
        ben.id: before[ben.id],
    }
