"""/meeting list reads a member's groups' series and each one's next session in one read
(`upcoming_of_groups`): the same answer as asking series by series, through skips, a
one-off session and a cancelled series."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import epoch, join, make_group, meetings, person, schedule, settle


async def test_meeting_list_shows_each_series_next_session(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    lena, anna = person(fake, s, "lena"), person(fake, s, "anna")
    carers = await make_group(runner, fake, s, "Caregivers", lena)
    young = await make_group(runner, fake, s, "Young adults", lena)
    for group in (carers, young):
        await join(fake, s, anna, group.id)
    for group, title, when, repeat in (
        (carers, "Circle", "2027-03-02 18:00", "weekly"),
        (carers, "Walk", "2027-03-09 10:00", "none"),
        (young, "Talk", "2027-03-04 19:00", "weekly"),
    ):
        done = await schedule(fake, s, lena, group.id, title=title, when=when, repeat=repeat)
        assert "is scheduled" in done.text, done.text
    await settle(runner)
    service = meetings(runner).service
    guild, groups = s.guild.id, [carers.id, young.id]

    async def listed() -> str:
        said = await fake.slash(anna, "meeting list", guild=s.guild, channel=s.general)
        assert said.ephemeral
        # One read answers what asking series by series answers.
        found = await service.upcoming(guild, groups)
        assert [(u.series.id, u.session) for u in found] == [
            (u.series.id, await service.upcoming_session(u.series.id)) for u in found
        ]
        return said.text

    text = await listed()
    circle, walk, talk = (text.index(f"**{title}**") for title in ("Circle", "Walk", "Talk"))
    assert circle < talk < walk  # soonest first
    for when in (epoch(2027, 3, 2, 23), epoch(2027, 3, 5, 0), epoch(2027, 3, 9, 15)):
        assert f"<t:{when}:F>" in text

    by_title = {u.series.title: u.series for u in await service.upcoming(guild, groups)}
    skipped = await fake.slash(
        lena,
        "meeting skip",
        guild=s.guild,
        channel=s.general,
        options={"series": str(by_title["Circle"].id)},
    )
    assert "is skipped" in skipped.text
    await settle(runner)
    text = await listed()
    assert f"<t:{epoch(2027, 3, 2, 23)}:F>" not in text  # the skipped session is not next
    assert f"<t:{epoch(2027, 3, 9, 23)}:F>" in text

    cancelled = await fake.slash(
        lena,
        "meeting cancel",
        guild=s.guild,
        channel=s.general,
        options={"series": str(by_title["Walk"].id)},
    )
    assert "is cancelled" in cancelled.text
    await settle(runner)
    text = await listed()
    assert "**Walk**" not in text and "**Circle**" in text and "**Talk**" in text
