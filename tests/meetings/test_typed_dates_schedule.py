"""A leader types the date of /meeting schedule in Spanish, in a server whose language is
English (a Spanish date is read whatever the server's language): the session lands at the UTC
instant of that wall-clock time in the group's zone; an ambiguous Spanish date gets the kind
ephemeral refusal and nothing is saved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    announcements,
    epoch,
    make_group,
    meetings,
    person,
    schedule,
    settle,
)

# Monday 2027-03-01 09:00 UTC: 10:00 in Madrid (CET), 03:00 in Mexico City.
MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def test_spanish_dates_land_at_the_right_utc_time_in_the_groups_zone(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    lena = person(fake, server, "lena")
    madrid = await make_group(runner, fake, server, "Cuidadores", lena, timezone="Europe/Madrid")
    mexico = await make_group(
        runner, fake, server, "Sobrevivientes", lena, timezone="America/Mexico_City"
    )
    repo = meetings(runner).service.repo

    # Madrid changes to summer time on 28 March: 1 April 18:00 there is 16:00 UTC.
    preview = await schedule(
        fake,
        server,
        lena,
        madrid.id,
        confirm=False,
        title="Círculo",
        when="el jueves 1 de abril a las 6 de la tarde",
    )
    assert preview.ephemeral
    assert f"<t:{epoch(2027, 4, 1, 16)}:F>" in preview.text
    done = await fake.click(lena, preview.message, preview.message.custom_ids()[0])
    assert "is scheduled" in done.text

    # Mexico City (UTC-6): tomorrow, Tuesday 2 March, 18:00 there is 00:00 UTC on the 3rd.
    done = await schedule(fake, server, lena, mexico.id, title="Charla", when="mañana 18 hs")
    assert "is scheduled" in done.text
    await settle(runner)

    starts = {}
    for group in (madrid, mexico):
        [series] = await repo.series_of_group(server.guild.id, group.id)
        session = await repo.upcoming_of_series(series.id)
        assert session is not None
        starts[group.name] = session.starts_at
    assert starts == {"Cuidadores": epoch(2027, 4, 1, 16), "Sobrevivientes": epoch(2027, 3, 3, 0)}
    # The group's Discord event starts at the same instant.
    events = {e.name: e.scheduled_start_time for e in fake.scheduled_events(server.guild)}
    assert datetime.fromisoformat(events["Charla"]) == datetime(2027, 3, 3, 0, tzinfo=UTC)
    assert datetime.fromisoformat(events["Círculo"]) == datetime(2027, 4, 1, 16, tzinfo=UTC)
    assert len(announcements(fake, madrid.channel_id)) == 1
    assert len(announcements(fake, mexico.channel_id)) == 1


@pytest.mark.parametrize(
    ("when", "says"),
    [
        # Said on a Monday, "el próximo martes" is tomorrow to some and in 8 days to others.
        ("el próximo martes a las 18:00", "can mean 2027-03-02 or 2027-03-09"),
        (
            "mañana a las 6",
            "Is that 6 in the morning or in the evening? Please write 06:00 or 18:00",
        ),
        ("mañana a medianoche", "'Midnight' is easy to misread"),
        ("cuando puedan", "2027-03-11 18:00, 21 mar 12:00, mañana 18:00, martes 18:30"),
    ],
)
async def test_an_ambiguous_spanish_date_is_refused_kindly_and_nothing_is_saved(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, when: str, says: str
) -> None:
    fake = fake_discord
    lena = person(fake, server, "lena")
    group = await make_group(runner, fake, server, "Cuidadores", lena, timezone="Europe/Madrid")

    refused = await schedule(fake, server, lena, group.id, title="Círculo", when=when)
    assert refused.ephemeral
    assert says in refused.text
    assert not refused.message.custom_ids()  # no Confirm button: nothing to confirm
    await settle(runner)
    assert await meetings(runner).service.repo.series_of_group(server.guild.id, group.id) == []
    assert announcements(fake, group.channel_id) == []
    assert fake.scheduled_events(server.guild) == []
