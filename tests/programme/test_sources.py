"""What other features tell the programme through `bot.facts` (bot/facts.py): here stand-in
sources the test controls (the features that will offer them are not what is tested), so the
briefing's and the report's use of them is checked: ids and counts only, ratings only where at
least k answered."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.facts import CaseCounts, GroupNotices, Rating
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import join, make_group, person, schedule, settle
from tests.programme.conftest import briefings, sweep
from tests.programme.test_reports import png_numbers, uploads

T1, T2, T3 = (int(datetime(2027, 3, d, 2, 0, tzinfo=UTC).timestamp()) for d in (3, 10, 17))


class StandIns:
    def __init__(self, waiting: list[int], on_duty: list[int], contact: list[int]) -> None:
        self.waiting, self.duty_ids, self.contact = waiting, on_duty, contact
        self.group = 0

    async def not_accepted(self, guild_id: int, group_id: int) -> list[int]:
        return self.waiting

    async def version(self, guild_id: int, group_id: int) -> str | None:
        return "3"

    async def on_duty(self, guild_id: int, start: int, end: int) -> list[int] | None:
        return self.duty_ids

    async def notices(self, guild_id: int, group_id: int) -> GroupNotices:
        return GroupNotices(open_reports=1, contact_requests=tuple(self.contact))

    async def counts(self, guild_id: int, group_id: int | None, start: int, end: int) -> CaseCounts:
        return CaseCounts(reports=2, crisis_cases=1)

    async def k(self, guild_id: int) -> int:
        return 3

    async def ratings(self, guild_id: int, start: int, end: int) -> list[Rating]:
        return [
            Rating(self.group, T1, 5, 4.2),
            Rating(self.group, T2, 2, 5.0),  # fewer than k answered: never shown
            Rating(self.group, T3, 4, 3.5),
            Rating(self.group + 1000, T3, 9, 1.0),  # another group's
        ]


async def test_the_briefing_and_the_report_use_what_other_features_offer(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake, s = fake_discord, server
    lena, anna, bea = person(fake, s, "lena"), person(fake, s, "anna"), person(fake, s, "bea")
    group = await make_group(runner, fake, s, "Survivors", lena)
    await join(fake, s, anna, group.id)
    await join(fake, s, bea, group.id)
    sources = StandIns(waiting=[bea.id], on_duty=[s.moderator.id], contact=[anna.id])
    sources.group = group.id
    facts = runner.bot.facts  # type: ignore[union-attr]
    facts.agreements = facts.guidelines = facts.duty = facts.cases = sources
    facts.ratings = sources
    done = await schedule(fake, s, lena, group.id, title="Circle", when="2027-03-02 18:00")
    assert "is scheduled" in done.text
    await settle(runner)

    clock.now = datetime(2027, 3, 2, 21, 30, tzinfo=UTC)
    assert await sweep(runner) == 1
    [brief] = briefings(fake, lena)
    text = brief.content
    assert f"Not yet accepted the current agreement: <@{bea.id}>." in text
    assert "Guidelines: version 3." in text
    assert f"Moderators on duty during the session: <@{s.moderator.id}>." in text
    assert "1 open report in the group." in text
    assert f"Asked to be contacted: <@{anna.id}>." in text

    res = await fake.slash(
        lena,
        "report group",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "from": "2027-03-01", "to": "2027-03-31"},
    )
    await runner.idle()
    assert res.ephemeral
    [data] = uploads(fake, "report.csv")
    rows = [line.split(",") for line in data.decode().strip().splitlines()[1:]]
    table = {(r[0], r[1]): r[2] for r in rows}
    assert (table["agreement", "accepted"], table["agreement", "members"]) == ("2", "3")
    assert table["ratings", "k (fewest answers shown)"] == "3"
    shown = [(r[1], r[2]) for r in rows if r[0] == "ratings" and r[1].startswith("2027")]
    assert shown == [("2027-03-02 21:00", "4.20"), ("2027-03-16 22:00", "3.50")]
    answered = [r[2] for r in rows if r[0] == "ratings answered"]
    assert answered == ["5", "4"]
    assert table["ratings", "trend per poll"] == "-0.70"
    assert (table["cases", "reports"], table["cases", "crisis cases"]) == ("2", "1")
    drawn = png_numbers(uploads(fake, "report.png")[0])
    assert ["ratings", "2027-03-02 21:00", "4.20"] in drawn
    assert all(table[(r[0], r[1])] == r[2] for r in drawn)
