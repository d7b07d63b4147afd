"""/privacy export and /privacy delete through the loopback Discord: the member gets a file of
everything kept about them, privately; the erasure asks first, runs once, and says what it
erased, what it kept and why."""

from __future__ import annotations

import pytest

from tests.fakediscord.errors import InteractionRefused
from tests.privacy.conftest import World


async def test_a_member_exports_everything_kept_about_them_privately(world: World) -> None:
    w, anna = world, world.anna
    res = await w.slash(anna, "privacy export")
    assert res.ephemeral and "direct message" in res.text, res
    [dm] = [m for m in w.fake.dm_messages(anna) if m.attachments]
    assert dm.attachments[0]["filename"] == f"my-data-{w.server.guild.id}.json"
    doc = w.exported(anna)
    data = doc["data"]
    assert [g["name"] for g in data["Groups"]["Your groups"]] == ["Survivors"]
    assert [g["name"] for g in data["Groups"]["Your waitlist places"]] == ["Caregivers"]
    assert [r["name"] for r in data["Groups"]["Your join requests"]] == ["Young adults"]
    [rsvp] = data["Meetings"]["Your RSVPs"]
    assert rsvp["session"] == "Circle" and rsvp["your_answer"] == "going"
    accepted = data["Confidentiality"]["Agreements you accepted"]
    assert {a["group_id"] for a in accepted} == {w.survivors, *(a["group_id"] for a in accepted)}
    assert data["Confidentiality"]["Groups you have posted in"][0]["group_id"] == w.survivors
    [warning] = data["Moderation"]["Warnings about you"]
    assert warning["reason"] == "Please keep it kind" and warning["counts"] is True
    [made] = data["Moderation"]["Reports you made"]
    assert made["your_reason"] == "Unkind to me" and made["outcome"] == "open"
    # An open report about her is the moderators' business until they decide.
    assert "Closed reports about your messages" not in data["Moderation"]
    [case] = data["Escalation"]["Support cases about you"]
    assert case["started_by"] == "support" and case["status"] == "open"
    assert case["opened_at"].startswith("2027-02-20")
    entries = data["Privacy"]["Mod-log entries about you"]
    assert "warn" in {e["action"] for e in entries}
    # Anonymous votes and feedback: said, not exported; no one else's words, no notes.
    assert "cannot be exported" in doc["anonymous_votes_and_feedback"]
    assert "votes and feedback" in data["Feedback"]
    raw = str(doc)
    assert "I feel so alone" not in raw  # the words that opened the case
    assert "Spam?" not in raw and str(w.bea.id) not in raw  # who reported her, and why
    # Someone else's export holds nothing of hers.
    await w.slash(w.bea, "privacy export")
    assert "Survivors" in str(w.exported(w.bea)) and str(anna.id) not in str(w.exported(w.bea))


async def test_with_dms_closed_the_file_comes_as_a_private_reply(world: World) -> None:
    w, anna = world, world.anna
    w.fake.close_dms(anna)
    res = await w.slash(anna, "privacy export")
    assert res.ephemeral and "couldn't send you a direct message" in res.text, res
    reply = res.messages[-1]
    assert reply.attachments and reply.attachments[0]["filename"].endswith(".json")
    assert w.exported(anna)["data"]["Groups"]["Your groups"][0]["name"] == "Survivors"


async def test_delete_asks_runs_once_and_says_what_it_kept_and_why(world: World) -> None:
    w, anna, guild = world, world.anna, world.server.guild.id
    res = await w.slash(anna, "privacy delete")
    assert res.ephemeral and "cannot be undone" in res.text, res
    [button] = res.message.custom_ids()
    # Nothing happened yet (the question is hers alone: an ephemeral reply).
    assert await w.count("SELECT COUNT(*) FROM group_members WHERE user_id = :u", u=anna.id)

    done = await w.fake.click(anna, res.message, button)
    await w.runner.idle()
    text = done.messages[-1].content
    assert "Erased:" in text and "Your groups: 1" in text and "Your RSVPs: 1" in text
    assert "Agreements you accepted" in text
    assert "Kept, and why:" in text
    assert "Your open support case" in text and "until they close it" in text
    assert "Warnings about you (1)" in text and "counts for 180 days" in text
    assert "Mod-log entries about you (2)" in text and "case number and action" in text
    assert done.messages[-1].custom_ids() == []  # the button is gone
    for table in (
        "group_members",
        "group_waitlist",
        "group_join_requests",
        "meeting_rsvps",
        "confidentiality_acceptances",
        "confidentiality_first_posts",
    ):
        n = await w.count(f"SELECT COUNT(*) FROM {table} WHERE user_id = :u", u=anna.id)
        assert n == 0, table
    # She is out of the group's channel too.
    survivors = await w.bot.groups.get(guild, w.survivors)
    assert (
        survivors is not None and survivors.role_id not in w.fake.member(w.server.guild, anna).roles
    )
    # Kept for safety, marked to go.
    assert await w.count(
        "SELECT COUNT(*) FROM escalation_cases WHERE user_id = :u AND forget_requested = 1",
        u=anna.id,
    )
    assert await w.count(
        "SELECT COUNT(*) FROM warnings WHERE user_id = :u AND forget_at IS NOT NULL", u=anna.id
    )
    # The mod log says a member's data was erased, without naming her.
    last = await w.bot.db.fetchone(
        "SELECT action, actor_id, target_id FROM mod_log ORDER BY id DESC LIMIT 1"
    )
    assert last is not None and tuple(last) == ("privacy_erased", 0, None)
    posted = [m for m in w.fake.messages_in(w.mod_log) if m.embeds]
    assert posted[-1].embeds[0]["title"].endswith("· Data erased")
    assert "the bot erased a member's data at their request." in posted[-1].text
    assert str(anna.id) not in posted[-1].text

    # Once only: the button is gone, and the request with it.
    with pytest.raises(InteractionRefused):
        await w.fake.click(anna, res.message, button)
    assert not await w.count("SELECT COUNT(*) FROM privacy_requests")
    erased = await w.count("SELECT COUNT(*) FROM mod_log WHERE action = 'privacy_erased'")
    assert erased == 1


async def test_a_confirmation_left_too_long_runs_nothing(world: World) -> None:
    w, anna = world, world.anna
    res = await w.slash(anna, "privacy delete")
    [button] = res.message.custom_ids()
    w.clock.advance(minutes=16)
    late = await w.fake.click(anna, res.message, button)
    assert late.ephemeral and "ran out after 15 minutes" in late.text, late
    assert await w.count("SELECT COUNT(*) FROM group_members WHERE user_id = :u", u=anna.id)
    assert not await w.count("SELECT COUNT(*) FROM mod_log WHERE action = 'privacy_erased'")


async def test_only_admins_erase_another_member(world: World) -> None:
    w, anna, s = world, world.anna, world.server
    listed = (await w.slash(anna, "help")).message.embeds[0]
    commands = str(listed)
    assert "/privacy export" in commands and "/privacy delete`" in commands
    assert "/privacy delete-member" not in commands
    for someone in (w.bea, s.moderator, w.lena):
        res = await w.slash(someone, "privacy delete-member", member=anna.id)
        assert res.ephemeral and "Only server admins" in res.text, res
        assert res.message.custom_ids() == []
    res = await w.slash(s.admin, "privacy delete-member", member=anna.id)
    assert res.ephemeral and f"<@{anna.id}>" in res.text
    [button] = res.message.custom_ids()
    assert button.endswith(f":{s.admin.id}")  # only the admin who asked may confirm it
    done = await w.fake.click(s.admin, res.message, button)
    await w.runner.idle()
    assert f"Done for <@{anna.id}>" in done.messages[-1].content
    assert not await w.count("SELECT COUNT(*) FROM group_members WHERE user_id = :u", u=anna.id)
    last = await w.bot.db.fetchone(
        "SELECT actor_id FROM mod_log WHERE action = 'privacy_erased' ORDER BY id DESC"
    )
    assert last is not None and last["actor_id"] == s.admin.id
