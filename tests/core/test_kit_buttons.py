"""bot/kit/buttons.py: persistent buttons built from a typed custom-id template, pressed through
the loopback Discord: they work after a restart, check who presses them, and answer every
error privately through the tree's one handler."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.client import Bot
from bot.kit.buttons import LABEL_MAX, PersistentButton, button_label, one_of
from tests.conftest import StartBot
from tests.core.probe import (
    BUTTONS,
    LeaderButton,
    MemoryGroups,
    OwnerButton,
    PressButton,
    install_groups,
    probe,
)
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.harness import BotRunner, Server

PROBE = ("tests.core.probe",)


def test_custom_ids_are_built_and_parsed_from_the_template() -> None:
    assert PressButton.custom_id_for(n=12, how="ok") == "probe:press:12:ok"
    assert PressButton.parse("probe:press:12:ok") == {"n": 12, "how": "ok"}
    assert PressButton.parse("probe:press:12:maybe") is None
    assert PressButton.parse("probe:press:x:ok") is None
    assert OwnerButton.custom_id_for(owner=5, texts=[3, 7]) == "probe:mine:5:3-7"
    assert OwnerButton.parse("probe:mine:5:3-7") == {"owner": 5, "texts": [3, 7]}
    button = LeaderButton(group=4, label="Lead")
    assert (button.custom_id, button.group, button.item.style) == (
        "probe:lead:4",
        4,
        discord.ButtonStyle.secondary,
    )
    assert OwnerButton(owner=1, texts=[2], label="x").item.style == discord.ButtonStyle.success


def test_values_that_do_not_fit_are_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        PressButton.custom_id_for(n=1, how="nope")
    with pytest.raises(ValueError, match="does not fit"):
        PressButton.custom_id_for(n=-1, how="ok")
    with pytest.raises(TypeError, match="takes the fields"):
        PressButton.custom_id_for(n=1)
    with pytest.raises(ValueError, match="longer than"):
        OwnerButton.custom_id_for(owner=1, texts=list(range(1000, 1030)))
    with pytest.raises(ValueError):
        one_of("a:b")


def test_a_field_cannot_shadow_the_item() -> None:
    with pytest.raises(TypeError, match="cannot be called"):

        class Bad(PersistentButton, prefix="probe:bad", fields={"row": int}):
            pass

    with pytest.raises(TypeError, match="no field"):

        class AlsoBad(PersistentButton, prefix="probe:bad2", fields={"n": int}, owner_field="u"):
            pass


def test_the_label_rule() -> None:
    assert button_label("  Join   Caregivers\n") == "Join Caregivers"
    long = button_label("x" * 200)
    assert len(long) == LABEL_MAX and long.endswith("…")
    with pytest.raises(ValueError):
        button_label("   ")


async def post_buttons(runner: BotRunner, server: Server, *, owner: int, group: int) -> Message:
    bot = runner.bot
    assert bot is not None
    async with bot.db.transaction() as tx:
        await bot.outbox.enqueue(
            tx,
            kind=BUTTONS,
            guild_id=server.guild.id,
            channel_id=server.general.id,
            payload={"n": 1, "owner": owner, "group": group},
        )
    await runner.idle()
    return runner.fake.messages_in(server.general.id)[-1]


async def test_pressing_reaches_the_feature_and_errors_are_answered_kindly(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    groups = MemoryGroups()
    runner = await start_bot(features=PROBE, sync=False, prepare=install_groups(groups))
    message = await post_buttons(runner, server, owner=server.member.id, group=1)
    bot: Any = runner.bot

    pressed = await fake_discord.click(server.member, message, "probe:press:1:ok")
    assert pressed.text == "pressed 1" and pressed.ephemeral
    assert probe(bot).pressed == [(1, server.member.id)]

    refused = await fake_discord.click(server.member, message, "probe:press:1:refuse")
    assert refused.text == "The probe refuses." and refused.ephemeral

    bug = await fake_discord.click(server.member, message, "probe:press:1:oops")
    assert "Sorry, something went wrong" in bug.text and "E-" in bug.text and bug.ephemeral


async def test_who_may_press(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    lee = fake_discord.create_user("lee")  # leads a group; not a moderator
    fake_discord.add_member(server.guild, lee)
    groups = MemoryGroups()
    group = groups.add(server.guild.id, "Caregivers", leaders=[lee.id])
    runner = await start_bot(features=PROBE, sync=False, prepare=install_groups(groups))
    bot: Bot | None = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    message = await post_buttons(runner, server, owner=server.moderator.id, group=group.id)

    member = await fake_discord.click(server.member, message, "probe:mod:1")
    assert member.text == "Only moderators can do this. Please ask one of them for help."
    moderator = await fake_discord.click(server.moderator, message, "probe:mod:1")
    assert moderator.text == "moderated 1"

    not_leader = await fake_discord.click(server.member, message, f"probe:lead:{group.id}")
    assert "Only this group's leaders and the moderators" in not_leader.text
    leader = await fake_discord.click(lee, message, f"probe:lead:{group.id}")
    assert leader.text == f"led {group.id}"

    other = await fake_discord.click(
        server.member, message, f"probe:mine:{server.moderator.id}:3-7"
    )
    assert other.text == "This button is for someone else."
    owner = await fake_discord.click(
        server.moderator, message, f"probe:mine:{server.moderator.id}:3-7"
    )
    assert owner.text == "yours [3, 7]"


async def test_buttons_work_after_a_restart(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    first = await start_bot(features=PROBE, sync=False, database="restart.sqlite3")
    message = await post_buttons(first, server, owner=server.member.id, group=1)
    await first.stop()
    second = await start_bot(features=PROBE, sync=False, database="restart.sqlite3")
    pressed = await fake_discord.click(server.member, message, "probe:press:1:ok")
    assert pressed.text == "pressed 1"
    assert second.bot is not None and probe(second.bot).pressed == [(1, server.member.id)]
