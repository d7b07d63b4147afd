"""The export hook on the feature contract: registered when a feature loads, gone when it
unloads; a feature whose export fails leaves the export marked incomplete, never empty."""

from __future__ import annotations

from typing import Any

from tests.privacy.conftest import World


async def test_export_hooks_follow_the_features_loaded(world: World) -> None:
    bot = world.bot
    exporting = set(bot.data_export.features())
    assert {
        "Groups",
        "Meetings",
        "Confidentiality",
        "Moderation",
        "Feedback",
        "Escalation",
        "Privacy",
    } <= exporting
    await bot.unload_extension("cogs.meetings")
    assert "Meetings" not in bot.data_export.features()
    assert "Meetings" not in bot.data_deletion.features()
    await world.slash(world.anna, "privacy export")
    assert "Meetings" not in world.exported(world.anna)["data"]


async def test_a_failing_export_is_said_and_the_rest_still_sent(world: World) -> None:
    w = world
    groups = w.bot.get_cog("Groups")
    assert groups is not None

    async def broken(guild_id: int, user_id: int) -> Any:
        raise RuntimeError("the disk is on fire")

    groups.privacy.export = broken  # type: ignore[attr-defined]
    res = await w.slash(w.anna, "privacy export")
    assert res.ephemeral and "direct message" in res.text
    doc = w.exported(w.anna)
    assert doc["incomplete"] == ["Groups"]
    [dm] = [m for m in w.fake.dm_messages(w.anna) if m.attachments]
    assert "could not be read just now (Groups)" in dm.content
    assert "Groups" not in doc["data"] and "Your RSVPs" in doc["data"]["Meetings"]
