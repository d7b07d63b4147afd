"""A crisis DM to the bot goes to one community (issue 17): a member of two servers is asked
privately which one to tell, with their resources at once; without an answer for a minute, the
server where they last wrote is told; a restart between the question and the press changes
nothing; a former member still gets resources, from their last server's region."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.escalation.conftest import Community, configure, start_community
from tests.escalation.helpers import (
    assert_nobody_pinged_by_accident,
    assert_nothing_public,
    field,
    live,
)
from tests.escalation.river import build_river
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Message
from tests.harness import Server, wait_until

CRISIS = "I want to end my life"


@dataclass
class TwoCommunities:
    c: Community  # Hope Circle (GB), the fixture's community
    river: Server  # River Group (US): the same member, its own moderators and alerts channel
    river_mod_log: Channel

    def river_alerts(self) -> list[Message]:
        return [m for m in self.c.bot_messages(self.river.private) if m.embeds]


@pytest.fixture
async def two(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[TwoCommunities]:
    river, river_log = build_river(fake_discord, server.member)
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        await configure(fake_discord, river, river_log, "US")
        await c.settle()
        yield TwoCommunities(c, river, river_log)


def route_buttons(dm: Message) -> dict[int, str]:
    """Server id -> the custom id of its button."""
    return {int(cid.rsplit(":", 1)[1]): cid for cid in dm.custom_ids()}


async def test_the_member_chooses_which_community_is_told(two: TwoCommunities) -> None:
    c, member = two.c, two.c.server.member
    await c.fake.send_dm(member, CRISIS)
    await c.settle()

    # Resources at once, with the question; nobody told yet.
    [dm] = c.dms(member)
    assert "Which community should I tell?" in dm.content
    assert "call 999" in dm.content  # Hope Circle's region (GB): both were joined, none written in
    assert "Samaritans" in dm.text and CRISIS not in dm.text
    buttons = route_buttons(dm)
    assert set(buttons) == {c.server.guild.id, two.river.guild.id}
    labels = {b["label"] for b in dm.components[0]["components"]}
    assert labels == {"Hope Circle", "River Group"}
    assert c.alerts() == [] and two.river_alerts() == []

    result = await c.fake.click(member, dm, buttons[two.river.guild.id])
    await c.settle()
    [alert] = two.river_alerts()
    assert CRISIS in str(alert.embeds[0])
    assert "Sent to the member by direct message." in str(alert.embeds[0])
    assert c.alerts() == []  # only the chosen community
    assert result.original is not None or result.messages
    [dm] = c.dms(member)  # the same message, answered: no second resources
    assert "I've let the moderators of **River Group** know, privately." in dm.content
    assert dm.custom_ids() == []

    # Another crisis DM joins the case there; nothing is asked again.
    await c.fake.send_dm(member, "I have the pills ready")
    await c.settle()
    assert len(c.dms(member)) == 1 and len(two.river_alerts()) == 1 and c.alerts() == []
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 1
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_dm_route_words") == 0
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c, allowed_roles=[two.river.moderator_role.id])


async def test_without_an_answer_the_community_where_they_last_wrote_is_told(
    two: TwoCommunities, clock: FakeClock
) -> None:
    c, member = two.c, two.c.server.member
    await c.fake.send_message(member, c.group_channel, "good luck with the scan tomorrow!")
    await c.settle()
    clock.advance(minutes=5)
    await c.fake.send_message(member, two.river.general, "thank you all for tonight")
    await c.settle()
    clock.advance(hours=2)

    await c.fake.send_dm(member, CRISIS)
    await c.settle()
    [dm] = c.dms(member)
    # River Group's region (US): where they last wrote
    assert "call 911" in dm.content and "988" in dm.text

    clock.advance(seconds=30)
    await c.run_job("escalation:catchup:routes")
    assert c.alerts() == [] and two.river_alerts() == []  # still their minute to choose
    # Another crisis DM meanwhile waits with the first: asked once, resources once.
    await c.fake.send_dm(member, "I have the pills ready")
    await c.settle()
    assert len(c.dms(member)) == 1

    clock.advance(seconds=31)
    await c.run_job("escalation:catchup:routes")
    [alert] = two.river_alerts()
    assert c.alerts() == []
    assert CRISIS in field(alert, "What they wrote")
    assert "I have the pills ready" in field(alert, "Follow-ups (1)")
    [dm] = c.dms(member)
    assert "I've let the moderators of **River Group**, where you last wrote" in dm.content
    assert dm.custom_ids() == []  # nothing left to press
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 1


async def test_a_restart_between_the_question_and_the_press(two: TwoCommunities) -> None:
    c, member = two.c, two.c.server.member
    await c.fake.send_dm(member, CRISIS)
    await c.settle()
    [dm] = c.dms(member)
    await c.runner.stop()
    await c.runner.start(sync=False)
    await c.settle()

    await c.fake.click(member, dm, route_buttons(dm)[c.server.guild.id])
    await c.settle()
    [alert] = await c.wait_for_alerts(1)
    assert CRISIS in str(alert.embeds[0])
    assert two.river_alerts() == []
    assert len(c.dms(member)) == 1
    assert "I've let the moderators of **Hope Circle** know, privately." in c.dms(member)[0].content


async def test_a_former_member_still_gets_resources_and_nobody_is_alerted(
    two: TwoCommunities, clock: FakeClock
) -> None:
    c = two.c
    sam = c.fake.create_user("sam")
    book_club = c.fake.create_guild("Book Club")  # the bot is there, without escalation set up
    c.fake.add_member(book_club, sam)
    await c.fake.member_join(two.river.guild, sam)
    await wait_until(lambda: c.bot.get_guild(book_club.id) is not None)
    await c.settle()
    await c.fake.send_message(sam, two.river.general, "hello everyone")
    await c.settle()
    await c.runner.stop()  # what the bot noted is written when it stops (or every 30 s)
    await c.runner.start(sync=False)
    await c.settle()
    await c.fake.member_leave(two.river.guild, sam)  # sam left River Group
    clock.advance(days=3)
    await c.settle()

    await c.fake.send_dm(sam, CRISIS)
    await c.settle()
    [dm] = c.dms(sam)
    assert "call 911" in dm.content and "988" in dm.text  # River Group's region, their last server
    assert "nobody else has been told" in dm.content
    assert dm.custom_ids() == []
    assert c.alerts() == [] and two.river_alerts() == []
    assert await c.bot.db.fetchval("SELECT COUNT(*) FROM escalation_cases") == 0


async def test_when_the_question_cannot_reach_the_member_a_community_is_told_at_once(
    two: TwoCommunities,
) -> None:
    c, member = two.c, two.c.server.member
    c.fake.close_dms(member)  # they can write to the bot, the bot cannot write back
    await c.fake.send_dm(member, CRISIS)
    await c.settle()
    # No minute to wait for a choice nobody can make: the moderators hear now, and that the
    # resources did not reach the member.
    [alert] = c.alerts()  # Hope Circle: written in neither, joined both in the same second
    assert two.river_alerts() == []
    await wait_until(lambda: "Could not be delivered privately" in live(c, alert).text)
    assert any("could not send the crisis resources" in p.content for p in c.pages())
    assert c.dms(member) == []
