"""Who came to a session (issue 21): when it ends the leaders are asked privately, with the
group's members to choose from, pre-filled from those seen in the group's voice channel during
the session; or they skip it. Kept per session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import NotAllowed
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, run_until, schedule, settle
from tests.programme.conftest import join_voice, programme, prompts


async def test_the_leaders_record_who_came_prefilled_from_the_voice_channel(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena = person(fake, s, "lena")
    anna, bea, cai = (person(fake, s, n) for n in ("anna", "bea", "cai"))
    group = await make_group(runner, fake, s, "Survivors", lena, voice=True)
    voice = fake.channel(group.voice_channel_id or 0)
    for member in (anna, bea, cai):
        await join(fake, s, member, group.id)
    done = await schedule(
        fake, s, lena, group.id, title="Evening circle", when="2027-03-02 18:00", minutes=90
    )
    assert "is scheduled" in done.text
    await settle(runner)

    clock.now = datetime(2027, 3, 2, 22, 55, tzinfo=UTC)
    join_voice(fake, s, anna, voice)  # early: in the channel when the session starts
    await runner.idle()
    await run_until(runner, clock, datetime(2027, 3, 2, 23, 10, tzinfo=UTC))  # started
    join_voice(fake, s, bea, voice)  # during the session
    await runner.idle()
    assert prompts(fake, lena) == []
    await run_until(runner, clock, datetime(2027, 3, 3, 0, 31, tzinfo=UTC))  # ended
    [prompt] = prompts(fake, lena)
    assert "Survivors" in prompt.content and "Who came?" in prompt.content
    assert all(prompts(fake, m) == [] for m in (anna, bea, cai))

    record = next(c for c in prompt.custom_ids() if c.startswith("programme:came:"))
    form = await fake.click(lena, prompt, record)
    assert form.ephemeral
    select = form.message.component("programme:form:0")
    assert select is not None
    options = {o["value"]: o.get("default", False) for o in select["options"]}
    assert options == {
        str(lena.id): False,
        str(anna.id): True,
        str(bea.id): True,
        str(cai.id): False,
    }

    await fake.select(
        lena, form.message, "programme:form:0", [str(anna.id), str(bea.id), str(cai.id)]
    )
    saved = await fake.click(lena, form.message, "programme:form:save")
    assert saved.ephemeral and "Saved: 3 people came." in saved.text
    await runner.idle()

    bot = runner.bot
    assert bot is not None
    row = await bot.db.fetchone(
        "SELECT status, attendance, attended FROM programme_sessions WHERE group_id = :g",
        {"g": group.id},
    )
    assert row is not None and tuple(row) == ("held", "recorded", 3)
    names = await bot.db.fetchall(
        "SELECT user_id, source FROM programme_attendance ORDER BY user_id"
    )
    assert sorted((r["user_id"], r["source"]) for r in names) == sorted(
        (m.id, "recorded") for m in (anna, bea, cai)
    )

    # Opening the form again shows what was recorded; the ended event heard again asks nobody.
    again = await fake.click(lena, prompt, record)
    select = again.message.component("programme:form:0")
    assert select is not None
    assert {o["value"] for o in select["options"] if o.get("default")} == {
        str(anna.id),
        str(bea.id),
        str(cai.id),
    }
    occurrence = await bot.db.fetchval("SELECT occurrence FROM programme_sessions")
    assert await programme(runner).service.session_ended(s.guild.id, group.id, occurrence) == 0


async def test_a_leader_may_skip_and_only_leaders_may_record(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await join(fake, s, anna, group.id)
    done = await schedule(
        fake, s, lena, group.id, title="Evening circle", when="2027-03-02 18:00", minutes=90
    )
    assert "is scheduled" in done.text
    await settle(runner)
    await run_until(runner, clock, datetime(2027, 3, 3, 0, 31, tzinfo=UTC))
    [prompt] = prompts(fake, lena)
    occurrence = await runner.bot.db.fetchval("SELECT occurrence FROM programme_sessions")  # type: ignore[union-attr]

    # Anna is not a leader: the service refuses her, kindly, whatever she sends.
    service = programme(runner).service
    with pytest.raises(NotAllowed, match="Only this group's leaders"):
        await service.record(s.guild.id, occurrence, anna.id, [anna.id])

    skip = next(c for c in prompt.custom_ids() if c.startswith("programme:skip:"))
    skipped = await fake.click(lena, prompt, skip)
    assert skipped.ephemeral and "Skipped" in skipped.text
    row = await runner.bot.db.fetchone(  # type: ignore[union-attr]
        "SELECT attendance, attended FROM programme_sessions WHERE group_id = :g", {"g": group.id}
    )
    assert row is not None and tuple(row) == ("skipped", None)


async def test_names_go_after_the_retention_period_and_on_request_the_counts_stay(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna, bea = person(fake, s, "lena"), person(fake, s, "anna"), person(fake, s, "bea")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await join(fake, s, anna, group.id)
    await join(fake, s, bea, group.id)
    done = await schedule(
        fake, s, lena, group.id, title="Evening circle", when="2027-03-02 18:00", minutes=90
    )
    assert "is scheduled" in done.text
    await settle(runner)
    await run_until(runner, clock, datetime(2027, 3, 3, 0, 31, tzinfo=UTC))
    [prompt] = prompts(fake, lena)
    form = await fake.click(lena, prompt, prompt.custom_ids()[0])
    await fake.select(lena, form.message, "programme:form:0", [str(anna.id), str(bea.id)])
    await fake.click(lena, form.message, "programme:form:save")
    await runner.idle()
    bot = runner.bot
    assert bot is not None

    async def count(sql: str, **params: int) -> int:
        return int(await bot.db.fetchval(sql, params) or 0)

    # Anna asks for her data, then to be erased: her attendance and joins go, the count stays.
    exported = await bot.data_export.export_user(s.guild.id, anna.id)
    sections = {name for part in exported.data.values() for name in part}
    assert {"Sessions you came to", "Groups you joined or left"} <= sections
    await bot.data_deletion.delete_user(s.guild.id, anna.id)
    assert (
        await count("SELECT COUNT(*) FROM programme_attendance WHERE user_id = :u", u=anna.id) == 0
    )
    assert (
        await count("SELECT COUNT(*) FROM programme_membership WHERE user_id = :u", u=anna.id) == 0
    )
    assert await count("SELECT attended FROM programme_sessions") == 2

    # The retention period (90 days by default) later, Bea's name goes too; the counts stay.
    clock.advance(days=91)
    await programme(runner).forget_old()
    assert await count("SELECT COUNT(*) FROM programme_attendance") == 0
    assert await count("SELECT COUNT(*) FROM programme_membership WHERE user_id IS NOT NULL") == 0
    assert await count("SELECT COUNT(*) FROM programme_membership WHERE change = 'joined'") == 2
    assert await count("SELECT attended FROM programme_sessions") == 2
