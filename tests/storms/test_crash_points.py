"""Crash points of /care remember then Post (tests/crashpoints.py): killed at every request and
commit, restarted on the same database. The record is all or nothing (the row, the
do-not-contact entry, the mod-log line and its message, the moderators' note); the group's
message is posted at most once, and exactly once when Post was recorded; nothing ever reaches
the member remembered."""

from __future__ import annotations

import pytest

from tests.crashpoints import Flow, World, sweep
from tests.fakediscord.models import User

pytestmark = pytest.mark.slow

FEATURES = ("settings", "groups", "moderation", "storms")


def person(world: World, name: str) -> User:
    user = world.fake.create_user(name)
    world.fake.add_member(world.server.guild, user)
    world.state[name] = user
    return user


class RememberAndPost(Flow):
    features = FEATURES

    async def prepare(self, world: World) -> None:
        s, fake = world.server, world.fake
        await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
        await world.bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)
        lena, anna = person(world, "lena"), person(world, "anna")
        res = await fake.slash(
            s.admin,
            "group create",
            guild=s.guild,
            channel=s.general,
            options={"name": "Caregivers", "leader": lena.id},
        )
        assert "is ready" in res.text, res
        group = (await world.bot.groups.search(s.guild.id, "Caregivers"))[0]
        world.state["group"] = group
        res = await fake.slash(
            anna, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
        )
        await world.idle()
        assert await world.bot.groups.is_member(s.guild.id, group.id, anna.id)
        world.state["anna_dms"] = len(fake.dm_messages(anna))

    async def act(self, world: World) -> None:
        s, fake = world.server, world.fake
        lena, anna, group = world.state["lena"], world.state["anna"], world.state["group"]
        res = await fake.slash(
            lena,
            "care remember",
            guild=s.guild,
            channel=s.general,
            options={"member": anna.id, "group": str(group.id)},
        )
        if not res.messages:
            return
        post = [c for c in res.message.custom_ids() if c.startswith("storms:post:")]
        if post:
            await fake.click(lena, res.message, post[0])

    async def check(self, world: World, point: int | None) -> None:
        fake, s, anna, group = world.fake, world.server, world.state["anna"], world.state["group"]
        db = world.bot.db
        rows = await db.fetchall("SELECT message FROM storms_remembered")
        listed = await db.fetchval("SELECT COUNT(*) FROM do_not_contact")
        logged = await db.fetchval(
            "SELECT COUNT(*) FROM mod_log WHERE action = 'storms:remembered'"
        )
        assert len(rows) == listed == logged, (len(rows), listed, logged)
        lines = [m for m in fake.messages_in(s.private.id) if "Member remembered" in m.text]
        notes = [m for m in fake.messages_in(s.private.id) if "Please check in" in m.text]
        assert len(lines) == len(notes) == len(rows), (len(lines), len(notes), len(rows))
        posted = [m for m in fake.messages_in(group.channel_id) if "has died" in m.text]
        if rows and rows[0]["message"] == "posted":
            assert len(posted) == 1
        else:
            assert posted == []
        assert len(fake.dm_messages(anna)) == world.state["anna_dms"]


async def test_remember_and_post_survive_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(RememberAndPost(), tmp_path)
    print(f"{result.flow}: {result.steps} steps, {result.points} points, {result.seconds:.1f} s")
    assert result.steps >= 4
