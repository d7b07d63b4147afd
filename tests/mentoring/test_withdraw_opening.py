"""`/mentor withdraw` while a pairing is being set up (issue 22): the private thread being made
for it is deleted, not left behind with the other person in it; the other person is told once,
kindly, that the match will not go ahead; nothing names the member any more."""

from __future__ import annotations

from tests.harness import wait_until
from tests.mentoring.conftest import World
from tests.mentoring.test_mentoring import answer, consent_message, propose


def yes_of(w: World, user) -> tuple:  # type: ignore[no-untyped-def]
    message = consent_message(w, user)
    return message, next(c for c in message.custom_ids() if ":yes:" in c)


async def test_a_withdraw_while_the_thread_is_being_made_deletes_it(world: World) -> None:
    w = world
    await propose(w)
    await answer(w, w.mentee, True)
    # Discord makes the thread but is slow to say so: the mentee withdraws meanwhile.
    w.fake.faults.add(
        "POST", rf"^/channels/{w.threads.id}/threads$", delay=2.0, apply_then_delay=True
    )
    message, yes = yes_of(w, w.ana)
    await w.fake.click(w.ana, message, yes)
    await wait_until(lambda: w.fake.threads_in(w.threads) != [])
    [made] = w.fake.threads_in(w.threads)
    res = await w.slash(w.mentee, "mentor withdraw")
    assert res.ephemeral and "deleted" in res.text
    await w.runner.idle()

    assert w.fake.threads_in(w.threads) == []  # deleted, with nobody left in it
    assert any(r.method == "DELETE" and r.path == f"/channels/{made.id}" for r in w.fake.requests)
    assert await w.count("SELECT COUNT(*) FROM mentoring_matches") == 0
    assert (
        await w.count("SELECT COUNT(*) FROM mentoring_profiles WHERE user_id = :u", u=w.mentee.id)
        == 0
    )
    told = [m for m in w.dms(w.ana) if "will not go ahead" in m.text]
    assert len(told) == 1
    assert not any("/support" in m.text for m in w.dms(w.ana) + w.dms(w.mentee))  # no guide
    assert "withdrew" in w.notices_text() and "has started" not in w.notices_text()


async def test_without_leave_to_delete_it_the_thread_is_emptied_and_locked(world: World) -> None:
    w = world
    await propose(w)
    await answer(w, w.mentee, True)
    w.fake.faults.add(
        "POST", rf"^/channels/{w.threads.id}/threads$", delay=2.0, apply_then_delay=True
    )
    w.fake.faults.add("DELETE", r"^/channels/\d+$", status=403)
    message, yes = yes_of(w, w.ana)
    await w.fake.click(w.ana, message, yes)
    await wait_until(lambda: w.fake.threads_in(w.threads) != [])
    await w.slash(w.mentee, "mentor withdraw")
    await w.runner.idle()
    [left] = w.fake.threads_in(w.threads)
    assert left.member_ids == [w.fake.bot_user.id]
    assert left.archived and left.locked
    assert await w.count("SELECT COUNT(*) FROM mentoring_matches") == 0
