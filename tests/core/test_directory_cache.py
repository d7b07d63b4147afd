"""What every message asks is remembered in memory (bot/directory.py `Remembered`): the group a
channel belongs to (`bot.groups.for_channel`) and a server's settings (`bot.guild_settings`).
A remembered answer must never outlive a change: a crisis message posted after a group was
renamed, archived or lost its channel, or after /setup moved the alerts, is read with what is
true now. Driven through the loopback Discord, as moderators and members would."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.directory import Remembered
from tests.conftest import FakeClock
from tests.escalation.conftest import FEATURES, Community, private_overwrites, start_community
from tests.escalation.helpers import field
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, Message, User
from tests.harness import Server, wait_until

CRISIS = "honestly I want to die"


def newcomer(c: Community, name: str) -> User:
    """Each crisis from a different member, so that each opens its own case and alert."""
    user = c.fake.create_user(name)
    c.fake.add_member(c.server.guild, user)
    return user


async def crisis_alert(
    c: Community, channel: Channel, name: str, group: str | None = None
) -> Message:
    return (await crisis(c, channel, name, group))[1]


async def crisis(
    c: Community, channel: Channel, name: str, group: str | None = None
) -> tuple[User, Message]:
    """A new member (who joins `group` first) in crisis in `channel`, and the alert."""
    before = len(c.alerts())
    member = newcomer(c, name)
    if group is not None:
        joined = await c.fake.slash(
            member,
            "group join",
            guild=c.server.guild,
            channel=c.server.general,
            options={"group": group},
        )
        assert joined.ephemeral, joined
        await c.settle()
    await c.fake.send_message(member, channel, CRISIS)
    alerts = await c.wait_for_alerts(before + 1)
    await c.settle()
    [alert] = [a for a in alerts if f"<@{member.id}>" in field(a, "Member")]
    return member, alert


async def test_the_group_of_a_channel_follows_rename_archive_and_a_deleted_channel(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(
        fake_discord, server, tmp_path, clock, features=(*FEATURES, "groups")
    ) as c:
        g, moderator = c.server.guild, c.server.moderator
        # A channel that is no group's: remembered as such.
        plain = await crisis_alert(c, c.group_channel, "ana")
        assert "group" not in field(plain, "Where")
        assert await c.bot.groups.for_channel(g.id, c.group_channel.id) is None

        res = await c.fake.slash(
            c.server.admin,
            "group create",
            guild=g,
            channel=c.server.general,
            options={"name": "Caregivers", "leader": c.server.member.id},
        )
        assert res.ephemeral, res
        channel = c.fake.find_channel(g, "caregivers")
        assert channel is not None
        first = await crisis_alert(c, channel, "ben", "Caregivers")
        assert f"group Caregivers (<#{channel.id}>)" in field(first, "Where")
        # the plain channel is still no group's (the create forgot every answer, and the
        # answer read again is the same)
        assert await c.bot.groups.for_channel(g.id, c.group_channel.id) is None

        # Renamed: the next alert names the group by its new name.
        res = await c.fake.slash(
            moderator,
            "group edit",
            guild=g,
            channel=c.server.general,
            options={"group": "Caregivers", "name": "Carers"},
        )
        assert res.ephemeral, res
        await c.settle()
        renamed = await crisis_alert(c, channel, "cai", "Carers")
        assert f"group Carers (<#{channel.id}>)" in field(renamed, "Where")

        # Archived: the directory says so at once.
        res = await c.fake.slash(
            moderator,
            "group archive",
            guild=g,
            channel=c.server.general,
            options={"group": "Carers"},
        )
        assert res.ephemeral, res
        await c.settle()
        ref = await c.bot.groups.for_channel(g.id, channel.id)
        assert ref is not None and ref.name == "Carers" and ref.archived
        res = await c.fake.slash(
            moderator,
            "group unarchive",
            guild=g,
            channel=c.server.general,
            options={"group": "Carers"},
        )
        assert res.ephemeral, res
        await c.settle()
        ref = await c.bot.groups.for_channel(g.id, channel.id)
        assert ref is not None and not ref.archived

        # Its channel deleted by hand: that channel is no group's any more; the recreated one
        # is, and a crisis there names the group.
        c.fake.delete_channel(channel)
        await c.settle()
        assert await c.bot.groups.for_channel(g.id, channel.id) is None
        notices = [m for m in c.bot_messages(c.mod_log) if m.custom_ids()]
        [recreate] = [
            cid for m in notices for cid in m.custom_ids() if cid.startswith("groups:recreate")
        ]
        notice = next(m for m in notices if recreate in m.custom_ids())
        clicked = await c.fake.click(moderator, notice, recreate)
        assert clicked.ephemeral, clicked
        await c.settle()
        again = c.fake.find_channel(g, "carers")
        assert again is not None and again.id != channel.id
        recreated = await crisis_alert(c, again, "dee", "Carers")
        assert f"group Carers (<#{again.id}>)" in field(recreated, "Where")
        ref = await c.bot.groups.for_channel(g.id, again.id)
        assert ref is not None and ref.channel_id == again.id


async def test_alerts_and_resources_follow_a_setup_change_at_once(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        g = c.server.guild
        first, alert = await crisis(c, c.group_channel, "eve")
        assert alert.channel_id == c.server.private.id
        [dm] = c.dms(first)
        assert "call 999" in dm.content  # GB

        # /setup moves the alerts to another private channel and the region to the US: the
        # very next crisis uses both (the remembered settings were forgotten).
        desk = c.fake.create_text_channel(g, "crisis-desk", overwrites=private_overwrites(c.server))
        for command, options in (
            ("setup escalation-channel", {"channel": desk.id}),
            ("setup region", {"region": "US"}),
        ):
            res = await c.fake.slash(
                c.server.admin, command, guild=g, channel=c.server.general, options=options
            )
            assert res.ephemeral, (command, res)
        await c.settle()
        member = newcomer(c, "fay")
        await c.fake.send_message(member, c.group_channel, CRISIS)
        await wait_until(lambda: any(m.embeds for m in c.bot_messages(desk)))
        await wait_until(lambda: bool(c.dms(member)))
        await c.settle()
        [moved] = [m for m in c.bot_messages(desk) if m.embeds]
        assert f"<@{member.id}>" in field(moved, "Member")
        assert [a.id for a in c.alerts()] == [alert.id]  # nothing more in the old channel
        [dm] = c.dms(member)
        assert "988" in dm.text  # US


async def test_an_answer_read_while_something_changed_is_not_kept() -> None:
    """The rule the two caches rest on (bot/directory.py): a read that overlapped a write may
    have seen the old rows, so its answer is given but not remembered."""
    remembered: Remembered[str] = Remembered()
    rows = {"channel": "old"}
    reading = asyncio.Event()
    go_on = asyncio.Event()

    async def slow_read() -> str:
        answer = rows["channel"]  # read before the write commits
        reading.set()
        await go_on.wait()
        return answer

    pending = asyncio.create_task(remembered.get("key", slow_read))
    await reading.wait()
    rows["channel"] = "new"
    remembered.changed()  # the write committed meanwhile
    go_on.set()
    assert await pending == "old"

    async def read() -> str:
        return rows["channel"]

    assert await remembered.get("key", read) == "new"  # read again, not the overlapped answer
    rows["channel"] = "newer"  # (changed by hand, without telling: the answer is remembered)
    assert await remembered.get("key", read) == "new"
    remembered.changed()
    assert await remembered.get("key", read) == "newer"
