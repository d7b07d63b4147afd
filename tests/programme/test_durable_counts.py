"""The programme counts from durable events (issue 21): a join, a leave or a place on a waitlist
is counted once, even when the programme hears of it only after a crash or a restart, and never
twice; everyone waitlisted in a period is counted, also those who got a seat since."""

from __future__ import annotations

from tests.conftest import FakeClock, StartBot
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


async def test_the_report_counts_everyone_waitlisted_not_only_those_still_waiting(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna, bea, cai = (person(fake, s, n) for n in ("lena", "anna", "bea", "cai"))
    group = await make_group(runner, fake, s, "Caregivers", lena, capacity=1)
    await join(fake, s, anna, group.id)
    for user, place in ((bea, 1), (cai, 2)):
        res = await fake.slash(
            user, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
        )
        assert f"you are number {place}" in res.text, res.text
    # Anna leaves; the seat is offered to Bea, who takes it: her waitlist place is gone.
    await fake.slash(
        anna, "group leave", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    await runner.idle()
    offer = next(m for m in fake.dm_messages(bea) if "A seat is free" in m.text)
    accept = next(c for c in offer.custom_ids() if c.startswith("groups:offer:accept:"))
    assert "Welcome to Caregivers" in (await fake.click(bea, offer, accept)).text
    await runner.idle()
    bot = runner.bot
    assert bot is not None
    assert await bot.db.fetchval("SELECT COUNT(*) FROM group_waitlist") == 1  # Cai still waits
    # Nobody is named in what is kept of a waitlist place.
    assert await bot.db.fetchval("SELECT COUNT(*) FROM programme_waitlisted") == 2

    clock.advance(minutes=1)  # a report covers up to now
    for command, options in (
        ("report group", {"group": str(group.id), "last": 1}),
        ("report programme", {"last": 1}),
    ):
        who = lena if command == "report group" else s.moderator
        res = await fake.slash(who, command, guild=s.guild, channel=s.general, options=options)
        assert res.ephemeral
        await runner.idle()
        [data] = [r.file_data["report.csv"] for r in fake.requests if "report.csv" in r.file_data][
            -1:
        ]
        table = {
            (r[0], r[1]): r[2]
            for r in (line.split(",") for line in data.decode().strip().splitlines()[1:])
        }
        assert table["members", "waitlisted"] == "2", command
        assert (table["members", "joined"], table["members", "left"]) == ("2", "1"), command
