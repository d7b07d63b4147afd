"""The groups feature on the feature contract (bot/feature.py): what it declares to core, what
unloading takes back, and buttons posted before the move that must keep working."""

from __future__ import annotations

import discord
import pytest

from bot.directory import NoGroups
from cogs.groups.service_seats import GROUP_REMOVAL, MISSING, NOTICE, OFFER, REQUEST
from cogs.groups.views import (
    PERSISTENT_ITEMS,
    JoinButton,
    OfferButton,
    RecreateButton,
    RequestButton,
)
from tests.conftest import StartBot
from tests.groups.conftest import cog
from tests.harness import Server

# Custom ids exactly as the hand-written DynamicItems wrote them before the kit.
OLD_CUSTOM_IDS = [
    (JoinButton, "groups:join:12", {"group": 12}),
    (OfferButton, "groups:offer:accept:7", {"action": "accept", "entry": 7}),
    (OfferButton, "groups:offer:decline:7", {"action": "decline", "entry": 7}),
    (RequestButton, "groups:request:approve:31", {"action": "approve", "request": 31}),
    (RequestButton, "groups:request:decline:31", {"action": "decline", "request": 31}),
    (RecreateButton, "groups:recreate:4", {"group": 4}),
]


@pytest.mark.parametrize(("button", "custom_id", "fields"), OLD_CUSTOM_IDS)
def test_buttons_already_posted_still_parse(button, custom_id: str, fields: dict) -> None:
    assert button.parse(custom_id) == fields
    assert button.custom_id_for(**fields) == custom_id
    others = [b for b in PERSISTENT_ITEMS if b is not button]
    assert all(other.parse(custom_id) is None for other in others)


def test_buttons_keep_their_styles() -> None:
    assert JoinButton(group=1, label="Join").item.style == discord.ButtonStyle.primary
    assert OfferButton.make("accept", 1, "Accept").item.style == discord.ButtonStyle.success
    assert OfferButton.make("decline", 1, "No").item.style == discord.ButtonStyle.secondary
    assert RequestButton.make("approve", 1, "Approve").item.style == discord.ButtonStyle.success
    assert RequestButton.make("decline", 1, "No").item.style == discord.ButtonStyle.secondary
    assert RecreateButton(group=1, label="Recreate").item.style == discord.ButtonStyle.primary


async def test_the_feature_declares_itself_and_unloading_takes_it_back(
    start_bot: StartBot, server: Server
) -> None:
    runner = await start_bot(features=("groups",), sync=False)
    bot = runner.bot
    assert bot is not None
    assert set(bot.cogs) == {"Groups"}
    assert {NOTICE, OFFER, REQUEST, MISSING} <= set(bot.dispatcher.kinds())
    assert GROUP_REMOVAL in bot.modlog.actions.declared()
    assert bot.data_deletion.features() == ["Groups"]
    assert bot.groups is cog(runner).directory
    assert {"groups:ticket-expiry", "groups:purge"} <= {j.id for j in bot.scheduler.get_jobs()}

    await bot.remove_cog("Groups")
    assert not {NOTICE, OFFER, REQUEST, MISSING} & set(bot.dispatcher.kinds())
    assert GROUP_REMOVAL not in bot.modlog.actions.declared()
    assert bot.data_deletion.features() == []
    assert isinstance(bot.groups, NoGroups)
    assert not [j for j in bot.scheduler.get_jobs() if j.id.startswith("groups:")]
    assert not await bot.access.is_leader(bot.guilds[0].me)
