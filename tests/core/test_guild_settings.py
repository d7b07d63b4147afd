import pytest

from bot.db import Database
from bot.errors import UserError
from bot.guild_settings import (
    CHANNEL_CONFIRMED,
    GuildSettingsService,
    search_regions,
    search_timezones,
    validate_region,
    validate_timezone,
)
from bot.outbox import Outbox
from tests.conftest import FakeClock


@pytest.fixture
def service(db: Database, clock: FakeClock) -> GuildSettingsService:
    return GuildSettingsService(db, clock, Outbox(db, clock))


async def test_defaults_before_setup(service: GuildSettingsService) -> None:
    settings = await service.get(42)
    assert settings.effective_timezone == "UTC"
    assert settings.effective_region == "INTL"
    assert settings.language == "en"
    assert settings.escalation_channel_id is None


async def test_settings_are_kept_per_server(service: GuildSettingsService) -> None:
    await service.set_timezone(1, "america/new_york", by=7)
    await service.set_region(1, "united kingdom", by=7)
    await service.set_moderator_role(1, 555, by=7)
    await service.set_timezone(2, "Australia/Sydney", by=8)
    one, two = await service.get(1), await service.get(2)
    assert (one.timezone, one.region, one.moderator_role_id) == ("America/New_York", "GB", 555)
    assert one.updated_by == 7
    assert two.timezone == "Australia/Sydney" and two.region is None


async def test_choosing_a_private_channel_queues_a_note_in_it(
    service: GuildSettingsService, db: Database
) -> None:
    await service.set_private_channel(1, "escalation", 900, by=7)
    assert (await service.get(1)).escalation_channel_id == 900
    row = await db.fetchone("SELECT kind, destination_id, payload FROM outbox")
    assert row is not None
    assert (row["kind"], row["destination_id"]) == (CHANNEL_CONFIRMED, 900)


async def test_test_alert_needs_an_escalation_channel(
    service: GuildSettingsService, db: Database
) -> None:
    with pytest.raises(UserError, match="no escalation channel"):
        await service.queue_test_alert(1, by=7)
    assert await db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_everyone_role_cannot_be_the_moderator_role(service: GuildSettingsService) -> None:
    with pytest.raises(UserError, match="@everyone"):
        await service.set_moderator_role(1, 1, by=7)


@pytest.mark.parametrize("name", ["EST", "Etc/GMT+5", "US/Eastern", "Mars/Olympus", "+05:00"])
def test_fixed_offsets_and_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(UserError):
        validate_timezone(name)


def test_typo_in_zone_gets_suggestions() -> None:
    with pytest.raises(UserError) as caught:
        validate_timezone("America/New_Yrok")
    assert "America/New_York" in caught.value.params["suggestions"]


def test_timezone_search() -> None:
    assert search_timezones("")[0].value == "America/New_York"
    assert "Europe/London" in [c.value for c in search_timezones("lond")]
    assert "America/New_York" in [c.value for c in search_timezones("new york")]
    assert len(search_timezones("a")) == 25


def test_regions() -> None:
    assert validate_region("es") == "ES"
    assert validate_region("Spain") == "ES"
    assert validate_region("international") == "INTL"
    with pytest.raises(UserError):
        validate_region("Atlantis")
    assert search_regions("")[0].value == "INTL"
    assert [c.value for c in search_regions("united k")] == ["GB"]
