"""The programme counts from durable events (issue 21): a join or a leave is counted once, even
when the programme hears of it only after a crash or a restart, and never twice."""

from __future__ import annotations

from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person


async def changes(runner: BotRunner) -> list[tuple[int, str, int]]:
    bot = runner.bot
    assert bot is not None
    rows = await bot.db.fetchall("SELECT user_id, change, at FROM programme_membership ORDER BY id")
    return [(r["user_id"], r["change"], r["at"]) for r in rows]


async def test_joins_and_leaves_heard_after_a_restart_are_counted_once(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    # The programme is not running when Anna joins and Bea joins and leaves (as if it crashed
    # between the change and hearing of it).
    runner = await start_bot(("groups",))
    assert runner.bot is not None
    await runner.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    lena, anna, bea = person(fake, s, "lena"), person(fake, s, "anna"), person(fake, s, "bea")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await join(fake, s, anna, group.id)
    await join(fake, s, bea, group.id)
    left = await fake.slash(
        bea, "group leave", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    assert left.ephemeral
    await runner.idle()
    bot = runner.bot
    written = {
        (r["name"], r["created_at"])
        for r in await bot.db.fetchall(
            "SELECT name, created_at FROM events WHERE name LIKE 'group_member_%'"
        )
    }
    await runner.stop()

    # It starts again: every change is counted, at the moment it happened, once.
    runner = await start_bot(("groups", "programme"))
    await runner.idle()
    counted = await changes(runner)
    assert sorted((u, c) for u, c, _ in counted) == sorted(
        [(anna.id, "joined"), (bea.id, "joined"), (bea.id, "left")]
    )
    assert {("group_member_" + c, at) for _, c, at in counted} == written
    await runner.stop()

    # And again: nothing is counted twice.
    runner = await start_bot(("groups", "programme"))
    await runner.idle()
    assert await changes(runner) == counted
