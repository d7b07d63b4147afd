"""One-to-one peer support through the loopback Discord (issue 22)."""

from __future__ import annotations

from tests.fakediscord.models import Message, User
from tests.harness import wait_until
from tests.mentoring.conftest import World, offer, request


def consent_message(w: World, user: User) -> Message:
    return next(
        m
        for m in reversed(w.dms(user))
        if any(c.startswith("mentoring:consent:") for c in m.custom_ids())
    )


def has_consent_message(w: World, user: User) -> bool:
    return any(any(c.startswith("mentoring:consent:") for c in m.custom_ids()) for m in w.dms(user))


async def answer(w: World, user: User, yes: bool) -> None:
    # The consent DM goes through the outbox at the send budget's pace: on a busy machine it may
    # arrive after the bot was last idle (seen in CI), so wait for it rather than for idleness.
    await wait_until(lambda: has_consent_message(w, user), timeout=10)
    message = consent_message(w, user)
    word = ":yes:" if yes else ":no:"
    custom_id = next(c for c in message.custom_ids() if word in c)
    await w.fake.click(user, message, custom_id)
    await w.runner.idle()


async def propose(w: World, *, capacity: int = 1) -> None:
    """A request and two offers, both approved; the coordinator confirms the best."""
    await request(w, w.mentee, would_like="cancer,stage")
    await offer(w, w.ana, capacity=capacity)
    await offer(w, w.ben, cancer_type="Lung", time_zone="America/Los_Angeles")
    mod = w.server.moderator
    for user in (w.ana, w.ben):
        res = await w.slash(mod, "mentor approve", member=user.id)
        assert "is approved as a mentor" in res.text
    res = await w.slash(mod, "mentor suggest", member=w.mentee.id)
    assert res.ephemeral
    lines = res.text.splitlines()
    assert f"<@{w.ana.id}>" in lines[1] and f"<@{w.ben.id}>" in lines[2]  # scored, best first
    assert "same cancer type" in lines[1] and "same cancer type" not in lines[2]  # reasons
    confirm = res.message.custom_ids()[0]
    assert confirm == f"mentoring:confirm:{w.mentee.id}:{w.ana.id}"
    done = await w.fake.click(mod, res.message, confirm)
    await w.runner.idle()
    assert "proposed" in done.text


async def test_a_request_and_two_offers_scored_confirmed_accepted_thread_has_both(
    world: World,
) -> None:
    w = world
    await propose(w)
    await answer(w, w.mentee, True)
    assert not w.fake.threads_in(w.threads)  # one yes is not enough
    await answer(w, w.ana, True)
    [thread] = w.fake.threads_in(w.threads)
    assert thread.type == 12  # private
    assert set(thread.member_ids) == {w.fake.bot_user.id, w.mentee.id, w.ana.id}
    guide = w.fake.messages_in(thread, include_system=False)[-1].text
    assert "/support" in guide and "not a clinician" in guide
    assert await w.count("SELECT COUNT(*) FROM mentoring_matches WHERE status = 'active'") == 1
    assert "has started" in w.notices_text()
    assert w.ben.id not in thread.member_ids


async def test_a_decline_tells_nobody_why(world: World) -> None:
    w = world
    await propose(w)
    await answer(w, w.mentee, True)
    await answer(w, w.ana, False)
    assert not w.fake.threads_in(w.threads)
    told = w.dms(w.mentee)[-1].text
    assert "will not go ahead" in told
    notice = w.fake.messages_in(w.notices)[-1].text
    assert "will not go ahead" in notice
    for text in (told, notice):  # not who declined, nor why
        assert "declin" not in text.lower() and f"<@{w.ana.id}>" not in text
    # the request waits again
    assert await w.count("SELECT COUNT(*) FROM mentoring_matches") == 0
    res = await w.slash(w.server.moderator, "mentor suggest", member=w.mentee.id)
    assert f"<@{w.ana.id}>" in res.text


async def test_check_ins_on_the_tests_clock_and_ending(world: World) -> None:
    w = world
    await propose(w)
    await answer(w, w.mentee, True)
    await answer(w, w.ana, True)
    bot = w.runner.bot
    assert bot is not None
    [match_id] = [r["id"] for r in await bot.db.fetchall("SELECT id FROM mentoring_matches")]
    job = bot.scheduler.get_job(f"mentoring:checkin:{match_id}")
    assert job is not None
    await job.func(*job.args)  # too early: nothing asked
    await w.runner.idle()
    assert await w.count("SELECT COUNT(*) FROM mentoring_checkins") == 0
    w.clock.advance(days=14)
    await job.func(*job.args)
    await w.runner.idle()
    ask = w.dms(w.mentee)[-1]
    rate = next(c for c in ask.custom_ids() if c.startswith("mentoring:rate:") and c.count(":4:"))
    res = await w.fake.click(w.mentee, ask, rate)
    await w.runner.idle()
    assert "4 out of 5" in res.text
    assert await w.count("SELECT COUNT(*) FROM mentoring_checkins WHERE rating = 4") == 1
    # the next one a month later
    w.clock.advance(days=29)
    await bot.scheduler.get_job(f"mentoring:checkin:{match_id}").func(match_id)  # type: ignore[union-attr]
    assert await w.count("SELECT COUNT(*) FROM mentoring_checkins") == 2
    w.clock.advance(days=1)
    await bot.scheduler.get_job(f"mentoring:checkin:{match_id}").func(match_id)  # type: ignore[union-attr]
    await w.runner.idle()
    assert await w.count("SELECT COUNT(*) FROM mentoring_checkins") == 4

    # Ana ends it privately: Mia gets a kind neutral message and a re-match offer.
    res = await w.slash(w.ana, "mentor end")
    assert res.ephemeral and "has ended" in res.text
    [thread] = w.fake.threads_in(w.threads)
    assert thread.archived and thread.locked
    told = w.dms(w.mentee)[-1]
    assert "nobody's fault" in told.text
    assert any(c.startswith("mentoring:rematch:") for c in told.custom_ids())
    assert "has ended" in w.notices_text()
    assert await w.count("SELECT COUNT(*) FROM mentoring_matches") == 0
    stats = await w.slash(w.server.moderator, "mentor stats")
    assert "Matches made: 1" in stats.text and "4★:1" in stats.text
    refused = await w.slash(w.mentee, "mentor stats")
    assert refused.ephemeral and "Only moderators" in refused.text


async def test_capacity_is_respected(world: World) -> None:
    w = world
    await propose(w, capacity=1)
    other = w.fake.create_user("omar")
    w.fake.add_member(w.server.guild, other)
    await request(w, other)
    res = await w.slash(w.server.moderator, "mentor suggest", member=other.id)
    assert f"<@{w.ana.id}>" not in res.text  # Ana has her one mentee (proposed)
    assert f"<@{w.ben.id}>" in res.text


async def test_only_coordinators_suggest(world: World) -> None:
    w = world
    await request(w, w.mentee)
    res = await w.slash(w.ben, "mentor suggest", member=w.mentee.id)
    assert res.ephemeral and "Only mentoring coordinators" in res.text


async def test_a_withdraw_leaves_no_row(world: World) -> None:
    w = world
    await propose(w)
    await answer(w, w.mentee, True)
    await answer(w, w.ana, True)
    res = await w.slash(w.mentee, "mentor withdraw")
    assert "deleted" in res.text
    for table, column in (
        ("mentoring_profiles", "user_id"),
        ("mentoring_matches", "mentee_id"),
        ("mentoring_matches", "mentor_id"),
        ("mentoring_checkins", "user_id"),
    ):
        n = await w.count(f"SELECT COUNT(*) FROM {table} WHERE {column} = :u", u=w.mentee.id)
        assert n == 0, table
    assert "nobody's fault" in w.dms(w.ana)[-1].text


async def test_leader_buddies_use_the_same_machinery(world: World) -> None:
    w = world
    mod, admin = w.server.moderator, w.server.admin
    refused = await w.slash(
        w.mentee, "mentor buddy", language="en", time_zone="Europe/London", frequency="monthly"
    )
    assert refused.ephemeral and "leaders" in refused.text
    for leader in (mod, admin):  # moderators count as leaders here
        res = await w.slash(
            leader, "mentor buddy", language="en", time_zone="Europe/London", frequency="monthly"
        )
        assert res.ephemeral and "leader buddy" in res.text
    res = await w.slash(mod, "mentor suggest", member=admin.id)
    assert f"<@{mod.id}>" in res.text
    await w.fake.click(mod, res.message, res.message.custom_ids()[0])
    await w.runner.idle()
    assert "leader buddy" in consent_message(w, admin).text
    await answer(w, admin, True)
    await answer(w, mod, True)
    [thread] = w.fake.threads_in(w.threads)
    assert set(thread.member_ids) == {w.fake.bot_user.id, mod.id, admin.id}
    kind = await w.count("SELECT COUNT(*) FROM mentoring_matches WHERE kind = 'leader_buddy'")
    assert kind == 1


async def test_words_to_the_coordinator_are_sent_escaped_and_not_kept(world: World) -> None:
    w = world
    nothing = await w.slash(w.mentee, "mentor note")
    assert nothing.modal is not None
    refused = await w.fake.submit_modal(w.mentee, nothing, {"words": "hello"})
    await w.runner.idle()
    assert refused.ephemeral and "no active match" in refused.text
    await propose(w)
    await answer(w, w.mentee, True)
    await answer(w, w.ana, True)
    opened = await w.slash(w.mentee, "mentor note")
    done = await w.fake.submit_modal(w.mentee, opened, {"words": "**fine** @everyone really"})
    await w.runner.idle()
    assert "went to the coordinator" in done.text
    note = w.fake.messages_in(w.notices)[-1].text
    assert "\\*\\*fine\\*\\*" in note and "@everyone" not in note.replace("@\u200beveryone", "")
    kept = await w.count(
        "SELECT COUNT(*) FROM mentoring_profiles WHERE words LIKE '%fine%'"
    ) + await w.count("SELECT COUNT(*) FROM mentoring_checkins")
    assert kept == 0
