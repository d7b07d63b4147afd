"""bot/kit/groups.py and bot/kit/zones.py: group and time-zone options. A value is the
autocomplete's id or a name typed by hand; an unknown one gets one text; the autocomplete offers
what the caller may pick; "the group of this channel" counts a thread as its channel."""

from __future__ import annotations

import pytest

from bot.errors import NotFound
from bot.kit.groups import UNKNOWN_GROUP, choices, find_group
from bot.kit.zones import timezone_choices
from tests.conftest import StartBot
from tests.core.probe import MemoryGroups, install_groups
from tests.fakediscord import FakeDiscord
from tests.harness import Server

PROBE = ("tests.core.probe",)
GUILD = 10


@pytest.fixture
def groups() -> MemoryGroups:
    directory = MemoryGroups()
    directory.add(GUILD, "Caregivers")
    directory.add(GUILD, "Caregivers of teens")
    directory.add(GUILD, "Young adults")
    directory.add(GUILD, "Old circle", archived=True)
    directory.add(GUILD + 1, "Elsewhere")
    return directory


async def test_find_group_by_id_or_name(groups: MemoryGroups) -> None:
    assert (await find_group(groups, GUILD, "3")).name == "Young adults"
    assert (await find_group(groups, GUILD, " caregivers ")).name == "Caregivers"  # exact, any case
    assert (await find_group(groups, GUILD, "young")).name == "Young adults"  # the only match
    for value in ("Caregiv", "nobody", "", "5", "Elsewhere", "4", "Old circle"):
        with pytest.raises(NotFound) as caught:
            await find_group(groups, GUILD, value)
        assert caught.value.message == UNKNOWN_GROUP
        assert caught.value.params == {"name": value.strip()}
    archived = await find_group(groups, GUILD, "4", include_archived=True)
    assert archived.name == "Old circle"
    assert (await find_group(groups, GUILD, "old", include_archived=True)).id == 4


async def test_choices_filter_and_shorten(groups: MemoryGroups) -> None:
    refs = await groups.search(GUILD, "")
    assert [(c.name, c.value) for c in choices(refs, "TEENS")] == [("Caregivers of teens", "2")]
    many = MemoryGroups()
    for i in range(30):
        many.add(GUILD, f"Group {i} " + "x" * 120)
    listed = choices(await many.search(GUILD, "", limit=100), "")
    assert len(listed) == 25 and all(len(c.name) == 100 for c in listed)


def test_time_zone_choices() -> None:
    assert [c.value for c in timezone_choices("new y")] == ["America/New_York"]
    assert "Europe/London" in [c.value for c in timezone_choices("")]
    assert timezone_choices("Europe")[0].name.startswith("Europe/")


async def test_group_options_through_discord(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    g = server.guild
    lee = fake_discord.create_user("lee")
    fake_discord.add_member(g, lee)
    room = fake_discord.create_text_channel(g, "caregivers")
    groups = MemoryGroups()
    care = groups.add(g.id, "Caregivers", channel_id=room.id, leaders=[lee.id])
    groups.add(g.id, "Young adults")
    groups.add(g.id, "Old circle", archived=True)
    await start_bot(features=PROBE, prepare=install_groups(groups))

    offered = await fake_discord.autocomplete(
        server.member, "probe group", focused="group", guild=g
    )
    assert [c["name"] for c in offered] == ["Caregivers", "Young adults"]
    led = await fake_discord.autocomplete(lee, "probe led", focused="group", guild=g)
    assert [(c["name"], c["value"]) for c in led] == [("Caregivers", str(care.id))]
    everyone = await fake_discord.autocomplete(server.admin, "probe led", focused="group", guild=g)
    assert [c["name"] for c in everyone] == ["Caregivers", "Young adults"]  # moderators: all
    old = await fake_discord.autocomplete(server.member, "probe archived", focused="group", guild=g)
    assert [c["name"] for c in old] == ["Old circle"]

    by_id = await fake_discord.slash(server.member, "probe group", options={"group": "2"}, guild=g)
    assert by_id.text == "group Young adults"
    by_name = await fake_discord.slash(
        server.member, "probe group", options={"group": "young"}, guild=g
    )
    assert by_name.text == "group Young adults"
    unknown = await fake_discord.slash(
        server.member, "probe group", options={"group": "Old"}, guild=g
    )
    assert unknown.text == "I couldn't find a group called “Old”. Please pick one from the list."
    assert unknown.ephemeral
    back = await fake_discord.slash(
        server.member, "probe archived", options={"group": "Old"}, guild=g
    )
    assert back.text == "archived Old circle"

    here = await fake_discord.slash(lee, "probe led", channel=room)
    assert here.text == "led Caregivers"
    thread = fake_discord.create_thread(room, "tonight", lee)
    in_thread = await fake_discord.slash(lee, "probe led", channel=thread)
    assert in_thread.text == "led Caregivers"
    elsewhere = await fake_discord.slash(lee, "probe led", channel=server.general)
    assert elsewhere.text == "led none"


async def test_time_zone_option_through_discord(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    g = server.guild
    await start_bot(features=PROBE)
    offered = await fake_discord.autocomplete(
        server.member, "probe zone", focused="zone", value="lond", guild=g
    )
    assert [c["value"] for c in offered] == ["Europe/London"]
    fixed = await fake_discord.slash(
        server.member, "probe zone", options={"zone": "europe/london"}, guild=g
    )
    assert fixed.text == "zone Europe/London"
    wrong = await fake_discord.slash(
        server.member, "probe zone", options={"zone": "Europe/Londn"}, guild=g
    )
    assert "Did you mean Europe/London" in wrong.text and wrong.ephemeral
