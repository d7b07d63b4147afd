"""Crash points of /support (issue 19), the member's call for help: the flow is run once to
count its steps (every request to Discord, every commit), then killed at every step, restarted
on the same database and checked (tests/crashpoints.py). Every point, no sampling: a call for
help must never be lost.

What must hold after any crash, once the restarted bot is idle:
- the alert reached the moderators exactly once (one alert message, its case marked delivered),
  or, when the bot died before the call was written, nothing was recorded and the bot told the
  member nothing false (Discord itself shows them that the command failed);
- the member is told the truth once: one direct message with their crisis resources, which says
  the moderators have been told; an answer to the command, if any, never says "the moderators
  know" before they do;
- nothing doubled (one case, one alert, one resources message) and nothing public.
"""

from __future__ import annotations

import pytest

from tests.crashpoints import Flow, World, report, sweep
from tests.escalation.conftest import configure, private_overwrites
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User

pytestmark = pytest.mark.slow


FEATURES = ("settings", "moderation", "escalation")
WORDS = "I'm struggling after my scan news and I can't stop crying"
TOLD = "I've told the moderators privately"
SOUGHT = "I'm getting your message to the moderators"
DM_TOLD = "have been told, privately"


def replies_to(world: World, user: User) -> list[str]:
    """Every message the bot showed `user` in answer to their interactions (ephemeral ones
    included), once each, as it reads last (an edited message counts once)."""
    shown: dict[int, str] = {}
    for pending in world.fake.pending.values():
        if pending.result.user.id == user.id:
            for m in pending.result.messages:
                shown[m.id] = m.text
    return list(shown.values())


def bot_messages(world: World, channel_id: int) -> list[Message]:
    fake = world.fake
    return [
        m
        for m in fake.messages_in(channel_id, include_system=False)
        if m.author.id == fake.bot_user.id
    ]


def dms(world: World, user: User) -> list[Message]:
    fake = world.fake
    return [m for m in fake.dm_messages(user) if m.author.id == fake.bot_user.id]


class Support(Flow):
    """A member sends the /support form (opened before the sweep counts: the flow is what
    the bot does with her call)."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        fake, s = world.fake, world.server
        mod_log = fake.create_text_channel(s.guild, "mod-log", overwrites=private_overwrites(s))
        world.state["mod_log"] = mod_log.id
        await configure(fake, s, mod_log, "GB")
        await world.idle()
        world.state["before"] = {
            channel.id: len(bot_messages(world, channel.id))
            for channel in s.guild.channels.values()
        }
        opened = await fake.slash(s.member, "support", guild=s.guild, channel=s.general)
        assert opened.modal is not None, opened
        world.state["form"] = opened

    async def act(self, world: World) -> None:
        form: InteractionResult = world.state["form"]
        await world.fake.submit_modal(world.server.member, form, {"words": WORDS})

    async def check(self, world: World, point: int | None) -> None:
        s, member = world.server, world.server.member
        db = world.bot.db
        cases = await db.fetchall(
            "SELECT id, alert_delivered_at FROM escalation_cases WHERE user_id = :u",
            {"u": member.id},
        )
        alerts = [m for m in bot_messages(world, s.private.id) if m.embeds]
        answers = replies_to(world, member)
        resources = dms(world, member)
        # Nothing public: the member's words only where moderators read.
        for channel in s.guild.channels.values():
            if channel.id in (s.private.id, world.state["mod_log"]):
                continue
            new = bot_messages(world, channel.id)[world.state["before"].get(channel.id, 0) :]
            assert new == [], (point, [m.text for m in new])
        assert len(answers) <= 1, (point, answers)
        if not cases:
            # Killed before the call was written: nothing anywhere, and nothing false said.
            assert alerts == [] and resources == [], (point, alerts, resources)
            assert not any(TOLD in a for a in answers), (point, answers)
            return
        (case,) = cases
        # The moderators have it, once.
        assert len(alerts) == 1, (point, [a.text for a in alerts])
        assert alerts[0].embeds[0]["title"] == f"Alert #{case['id']}: a member asked for a human"
        assert WORDS in alerts[0].text
        assert case["alert_delivered_at"] is not None, point
        assert [m for m in dms(world, s.moderator) if "Alert #" in m.text] == []
        # The member: one resources message, which says (by now) that the moderators know.
        assert len(resources) == 1, (point, [m.text for m in resources])
        assert DM_TOLD in resources[0].text, (point, resources[0].text)
        for answer in answers:
            assert TOLD in answer or SOUGHT in answer, (point, answer)
        # Nothing lost: a moderator can take it on from the alert (its buttons work).
        claimed = await world.fake.click(s.moderator, alerts[0], f"escalation:claim:{case['id']}")
        assert f"**Claimed** by <@{s.moderator.id}>" in claimed.message.text, (point, claimed)


async def test_support_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Support(), tmp_path)
    report(result)
    assert result.chosen == list(range(result.steps + 1))  # every point
    assert result.steps >= 4  # the case, the alert, its delivery, the answer, the DM
