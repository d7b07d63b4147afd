"""The programme report to the organisation on a schedule (issue 21): admins only, a private
channel only; a quarterly report posted exactly once across restarts and offline hours; each
group's leaders get their group's report with the check-in, whose answer goes into the next
programme report under the group's name (never to the members)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, settle
from tests.programme.conftest import programme

WORDS = "Going well: two newcomers **settling in**"


def posted_csvs(fake: FakeDiscord, channel: Channel) -> list[dict[tuple[str, str], str]]:
    """The report.csv of each post in `channel`, as {(section, item): value}."""
    found = []
    for r in fake.requests:
        if "report.csv" in r.file_data and r.path == f"/channels/{channel.id}/messages":
            rows = list(csv.reader(io.StringIO(r.file_data["report.csv"].decode())))[1:]
            found.append({(row[0], row[1]): row[2] for row in rows})
    return found


async def sweep(runner: BotRunner) -> int:
    assert runner.bot is not None
    cog = runner.bot.get_cog("Programme reports")
    assert cog is not None
    queued = await cog.sweep()  # type: ignore[attr-defined]
    await settle(runner)
    return queued


async def test_who_may_schedule_and_where(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    lena = person(fake, s, "lena")
    await make_group(runner, fake, s, "Survivors", lena)

    async def ask(user, channel: Channel, interval: int = 3) -> str:
        res = await fake.slash(
            user,
            "programme schedule-reports",
            guild=s.guild,
            channel=s.general,
            options={"channel": channel.id, "interval": interval},
        )
        assert res.ephemeral
        return res.text

    for user, channel in ((lena, s.general), (s.member, s.general), (s.moderator, s.private)):
        assert "admin" in (await ask(user, channel)).lower()
    text = await ask(s.admin, s.general)
    assert "can be read by people who are not moderators" in text
    assert programme(runner).scheduled is not None
    assert await programme(runner).scheduled.schedule(s.guild.id) is None  # nothing written
    text = await ask(s.admin, s.private)
    assert "every quarter" in text and f"<#{s.private.id}>" in text
    assert "no longer posted" in await ask(s.admin, s.private, 0)
    assert await programme(runner).scheduled.schedule(s.guild.id) is None


async def test_a_quarterly_report_once_across_restarts_and_the_leaders_check_in(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna = person(fake, s, "lena"), person(fake, s, "anna")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await join(fake, s, anna, group.id)
    res = await fake.slash(
        s.admin,
        "programme schedule-reports",
        guild=s.guild,
        channel=s.general,
        options={"channel": s.private.id, "interval": 3},
    )
    assert "every quarter" in res.text, res.text
    assert await sweep(runner) == 0  # the quarter has not ended
    assert posted_csvs(fake, s.private) == []

    # Offline over the end of the quarter: the report goes once the bot is back, once.
    await runner.stop()
    clock.now = datetime(2027, 4, 1, 6, 0, tzinfo=UTC)
    await runner.start()
    await settle(runner)
    assert await sweep(runner) == 0
    await runner.stop()
    await runner.start()
    await settle(runner)
    assert len(posted_csvs(fake, s.private)) == 1
    [post] = [m for m in fake.messages_in(s.private) if "programme's report" in m.content]
    assert "2027-01-01 00:00 to 2027-04-01 00:00" in post.content

    # The leader's DM: the group's report and the check-in; the member gets nothing.
    dms = [m for m in fake.dm_messages(lena) if "How is the group going?" in m.content]
    assert len(dms) == 1
    [dm] = dms
    assert not [m for m in fake.dm_messages(anna) if "How is the group going?" in m.content]
    buttons = [c for c in dm.custom_ids() if c.startswith("programme:checkin:")]
    assert len(buttons) == 5
    # Only the group's leaders may answer for it.
    refused = await fake.click(s.member, dm, buttons[3])
    assert refused.ephemeral and "Only this group's leaders" in refused.text

    clock.now = datetime(2027, 4, 3, 9, 0, tzinfo=UTC)
    await runner.stop()  # the buttons and the form work after a restart
    await runner.start()
    await settle(runner)
    form = await fake.click(lena, dm, buttons[3])
    assert form.modal is not None, form.text
    thanks = await fake.submit_modal(lena, form, {"words": WORDS})
    assert thanks.ephemeral and "next programme report" in thanks.text

    # The next quarter's report carries the answer, under the group's name.
    clock.now = datetime(2027, 7, 1, 0, 30, tzinfo=UTC)
    assert await sweep(runner) == 1
    assert await sweep(runner) == 0
    reports = posted_csvs(fake, s.private)
    assert len(reports) == 2
    assert reports[1]["leaders' check-in", "Survivors"] == "4.00"
    assert reports[1]["check-in answers", "Survivors"] == "1"
    assert ("leaders' check-in", "Survivors") not in reports[0]
    second_period = "2027-04-01 00:00 to 2027-07-01 00:00"
    [second] = [m for m in fake.messages_in(s.private) if second_period in m.content]
    assert "Going well: two newcomers \\*\\*settling in\\*\\*" in second.content
    # Never to the members: nothing of it in any member's DMs or in the group's room.
    room = fake.messages_in(fake.channel(group.channel_id))  # type: ignore[arg-type]
    assert all("Going well" not in m.content for m in room + fake.dm_messages(anna))

    # Lena asks for her data: her answer is there.
    bot = runner.bot
    assert bot is not None
    exported = await bot.data_export.export_user(s.guild.id, lena.id)
    title = "Your check-ins about your groups"
    [mine] = [part[title] for part in exported.data.values() if title in part]
    assert mine[0]["rating"] == 4 and mine[0]["words"] == " ".join(WORDS.split())
    # The retention period (90 days by default) after her answer: her words and name go, the
    # group's rating stays.
    clock.now = datetime(2027, 7, 5, 0, 0, tzinfo=UTC)
    cog = bot.get_cog("Programme reports")
    assert cog is not None
    assert await cog.forget_old() == 1  # type: ignore[attr-defined]
    rows = await bot.db.fetchall("SELECT leader_id, words, rating FROM programme_checkins")
    assert [tuple(r) for r in rows] == [(None, None, 4)]
    # She answers again, then asks to be erased: the same.
    form = await fake.click(lena, dm, buttons[1])
    await fake.submit_modal(lena, form, {"words": "Harder this month"})
    await bot.data_deletion.delete_user(s.guild.id, lena.id)
    rows = await bot.db.fetchall("SELECT leader_id, words, rating FROM programme_checkins")
    assert sorted(tuple(r) for r in rows) == [(None, None, 2), (None, None, 4)]
