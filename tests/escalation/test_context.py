"""A member's last few messages are read together: "I can't do this anymore." then "I have the
pills ready" is one signal. The detector's side is in test_detection_context.py; here, the bot's:
whose messages, where, for how long, that they are kept in memory only, and what the moderators
read of why (the C-SSRS level and the cue)."""

from __future__ import annotations

import sqlite3

from bot.i18n import Translate
from cogs.escalation import render
from cogs.escalation.context import CONTEXT_SECONDS, RecentMessages
from cogs.escalation.detection import CONTEXT_MESSAGES, LEVELS
from tests.escalation.conftest import Community
from tests.escalation.helpers import assert_nothing_public, field, live

FIRST = "I can't do this anymore."  # a lower signal (feeling trapped): no alert on its own
SECOND = "I have the pills ready"  # preparing, but weak on its own: no alert either
WHY = "Preparing · “can not do this anymore” + “i have the pills ready”"


async def test_a_members_last_messages_are_read_together(community: Community) -> None:
    c, member, peer = community, community.server.member, community.peer
    await c.fake.send_message(member, c.group_channel, FIRST)
    await c.settle()
    assert c.alerts() == []
    await c.fake.send_message(peer, c.group_channel, SECOND)  # the member's words are not theirs
    await c.settle()
    assert c.alerts() == []

    await c.fake.send_message(member, c.group_channel, SECOND)
    [alert] = await c.wait_for_alerts(1)
    await c.settle()
    assert field(alert, "Category and severity") == "intent or plan · critical"
    assert field(alert, "Why") == WHY
    words = field(alert, "What they wrote")
    assert SECOND in words and "do this anymore" not in words  # the message that alerted
    assert len(c.alerts()) == 1 and len(c.dms(member)) == 1 and c.dms(peer) == []
    cases = await c.bot.db.fetchall("SELECT user_id, level, cue FROM escalation_cases")
    assert [tuple(r) for r in cases] == [
        (member.id, "preparatory", "can not do this anymore + i have the pills ready")
    ]
    rows = await c.bot.db.fetchall("SELECT text, level, cue FROM escalation_case_messages")
    assert [tuple(r) for r in rows] == [
        (SECOND, "preparatory", "can not do this anymore + i have the pills ready")
    ]
    [opened] = [line for line in c.mod_log_lines() if line.startswith("Alert #1")]
    assert "pills" not in opened and "anymore" not in opened  # never the cue in the mod log
    assert_nothing_public(c)


async def test_only_the_last_few_messages_for_30_minutes(community: Community) -> None:
    c, member, peer = community, community.server.member, community.peer
    other = c.fake.create_user("lee")
    c.fake.add_member(c.server.guild, other)
    await c.fake.send_message(member, c.group_channel, FIRST)
    await c.fake.send_message(peer, c.group_channel, FIRST)
    await c.fake.send_message(other, c.group_channel, FIRST)
    for n in range(CONTEXT_MESSAGES):
        await c.fake.send_message(member, c.group_channel, f"sounds good ({n})")
    await c.fake.send_message(member, c.group_channel, SECOND)  # FIRST is no longer read
    await c.settle()
    assert c.alerts() == []

    c.clock.advance(seconds=CONTEXT_SECONDS - 60)
    await c.fake.send_message(peer, c.group_channel, SECOND)  # 29 minutes later: still read
    await c.wait_for_alerts(1)
    c.clock.advance(seconds=61)
    await c.fake.send_message(other, c.group_channel, SECOND)  # 30 minutes later: forgotten
    await c.settle()
    assert len(c.alerts()) == 1


async def test_each_server_and_the_dms_have_their_own(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_dm(member, FIRST)
    await c.fake.send_message(member, c.group_channel, SECOND)
    await c.settle()
    assert c.alerts() == []
    await c.fake.send_dm(member, SECOND)
    [alert] = await c.wait_for_alerts(1)
    assert field(alert, "Where") == "a direct message to the bot"
    assert field(alert, "Why") == WHY


async def test_an_edit_is_read_with_the_messages_before_it(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_message(member, c.group_channel, FIRST)
    message = await c.fake.send_message(member, c.group_channel, "ok")
    await c.fake.edit_message(member, message, SECOND)
    [alert] = await c.wait_for_alerts(1)
    assert field(alert, "Why") == WHY
    assert "the member edited their message" in field(alert, "What they wrote")


async def test_moderators_quoting_a_case_is_not_their_own_context(community: Community) -> None:
    c, mod = community, community.server.moderator
    await c.fake.send_message(mod, c.alerts_channel, FIRST)  # quoting a member, privately
    # (forgotten once the bot has read the server's settings: a moment, as the member's words
    # are kept at once so that messages arriving together are read in order)
    await c.settle()
    await c.fake.send_message(mod, c.group_channel, SECOND)
    await c.settle()
    assert c.alerts() == []


async def test_kept_in_memory_only(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_message(member, c.group_channel, FIRST)
    await c.settle()
    path = c.runner.settings.database_path
    await c.runner.stop()
    with sqlite3.connect(path) as db:  # nothing of the member's words anywhere
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                assert "anymore" not in repr(row), (table, row)
    await c.runner.start(sync=False)
    await c.fake.send_message(member, c.group_channel, SECOND)  # after a restart: forgotten
    await c.settle()
    assert c.alerts() == []


async def test_follow_ups_are_read_with_the_words_before_them(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_message(member, c.group_channel, "I want to die")
    [alert] = await c.wait_for_alerts(1)
    assert field(alert, "Why") == "Wish to be dead · “i want to die”"
    await c.fake.send_message(member, c.group_channel, FIRST)
    await c.fake.send_message(member, c.group_channel, SECOND)
    await c.settle()
    updated = live(c, alert)
    assert len(c.alerts()) == 1 and SECOND in field(updated, "Follow-ups (1)")
    assert field(updated, "Category and severity") == "intent or plan · critical"
    assert field(updated, "Why") == WHY


# ---------------------------------------------------------------------------- the buffer


class Clock:
    def __init__(self) -> None:
        self.now = 1_000

    def __call__(self) -> int:
        return self.now


def test_the_buffer_keeps_a_few_fresh_messages_per_member() -> None:
    clock = Clock()
    recent = RecentMessages(clock, keep=2, seconds=60, members=2)
    assert recent.read((1, 7), "a", message_id=1) == []
    assert recent.read((1, 7), "b", message_id=2) == ["a"]
    assert recent.read((1, 7), "c", message_id=3) == ["a", "b"]
    assert recent.read((1, 7), "d", message_id=4) == ["b", "c"]  # the last two
    assert recent.read((2, 7), "x", message_id=5) == []  # another server
    assert recent.read((None, 7), "y", message_id=6) == []  # DMs
    assert len(recent) == 2  # the member least recently heard from was forgotten
    assert recent.read((1, 7), "e", message_id=7) == []

    clock.now += 30
    assert recent.read((None, 7), "z", message_id=8) == ["y"]
    clock.now += 31
    assert recent.read((None, 7), "w", message_id=9) == ["z"]  # "y" is over a minute old
    clock.now += 61
    assert recent.read((None, 8), "v", message_id=10) == []
    assert len(recent) == 1  # the stale ones are dropped


def test_edits_replace_their_words_and_forget_drops_a_message() -> None:
    recent = RecentMessages(Clock(), keep=3)
    for n, text in enumerate(("a", "b", "c"), start=1):
        recent.read((1, 7), text, message_id=n)
    assert recent.read((1, 7), "B", message_id=2, edited=True) == ["a"]
    assert recent.read((1, 7), "old", message_id=99, edited=True) == ["a", "B", "c"]
    recent.forget((1, 7), 3)
    assert recent.read((1, 7), "d", message_id=4) == ["a", "B"]
    assert recent.read((1, 7), "support words") == ["a", "B", "d"]


# ---------------------------------------------------------------------------- the words


def test_every_level_has_words_and_the_cue_is_quoted() -> None:
    t = Translate("en")
    assert set(render.LEVEL_NAMES) == set(LEVELS)
    assert render.why("attempt", "took an overdose", t) == "Attempt · “took an overdose”"
    assert render.why("plan", "a + b", t) == "Intent with a plan · “a” + “b”"
    assert render.why("nssi", "cutting_myself", t) == "Self-harm · “cutting\\_myself”"
    assert render.why("entrapment", None, t) == "Feeling trapped"  # purged: the level only
    assert render.why(None, "words", t) == ""
