"""The feature contract (bot/feature.py) and the feature-list factory: a feature's declarations
reach core's registries when it loads and leave them when it unloads; a test starts only the
features it names; the load order cannot drop a join gate."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.client import EXTENSIONS, Bot
from bot.config import Settings
from bot.db import Database
from bot.dispatcher import Rendered, Renderer
from bot.feature import Feature, OutboxKind
from bot.modlog import ActionText
from bot.outbox import OutboxMessage
from bot.scheduler import create_scheduler
from tests.conftest import StartBot
from tests.core.probe import ACTION, ACTION_TEXT, BUTTONS, TEXT, ProbeFeature, probe
from tests.harness import ALL_FEATURES, extensions_for

PROBE = "tests.core.probe"


def test_feature_names_become_extensions() -> None:
    assert extensions_for(None) == EXTENSIONS
    assert extensions_for(("groups", PROBE)) == ("cogs.groups", PROBE)
    assert extensions_for(()) == ()
    assert ALL_FEATURES[0] == "settings" and len(ALL_FEATURES) == len(EXTENSIONS)


async def test_a_feature_registers_its_declarations_and_removes_them(start_bot: StartBot) -> None:
    runner = await start_bot(features=(PROBE,), sync=False)
    bot = runner.bot
    assert bot is not None
    feature = probe(bot)
    assert set(bot.cogs) == {"Probe"}
    assert {TEXT, BUTTONS} <= set(bot.dispatcher.kinds())
    assert bot.modlog.action_text(ACTION) == ACTION_TEXT
    assert list(bot.join_gates) == [feature]
    assert bot.data_deletion.features() == ["Probe"]
    assert feature.rebuilt == 1 and bot.scheduler.get_job("probe:tick") is not None

    await bot.remove_cog("Probe")
    assert not {TEXT, BUTTONS} & set(bot.dispatcher.kinds())
    assert bot.modlog.action_text(ACTION) is None
    assert list(bot.join_gates) == []
    assert bot.data_deletion.features() == []
    assert bot.scheduler.get_job("probe:tick") is None

    # Loaded again after start: its jobs are rebuilt at once, nobody else would.
    again = ProbeFeature(bot)
    await bot.add_cog(again)
    assert again.rebuilt == 1 and bot.scheduler.get_job("probe:tick") is not None
    assert bot.modlog.action_text(ACTION) == ACTION_TEXT


async def test_a_feature_that_fails_to_load_leaves_nothing_behind(start_bot: StartBot) -> None:
    runner = await start_bot(features=(PROBE,), sync=False)
    bot = runner.bot
    assert bot is not None

    async def render(message: OutboxMessage) -> Rendered:
        return Rendered(content="x")

    class Clash(Feature, name="Clash"):
        def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
            return {"clash:own": render, TEXT: render}  # TEXT belongs to the probe

        def mod_log_actions(self) -> Mapping[str, ActionText]:
            return {"clash": ActionText("Clash", "{actor} clashed.")}

    with pytest.raises(Exception, match="already has a renderer"):
        await bot.add_cog(Clash(bot))
    assert "Clash" not in bot.cogs and "clash:own" not in bot.dispatcher.kinds()
    assert TEXT in bot.dispatcher.kinds()  # still the probe's
    assert bot.modlog.action_text("clash") is None


async def test_deletion_hooks_run_for_every_feature(start_bot: StartBot) -> None:
    runner = await start_bot(features=(PROBE,), sync=False)
    bot = runner.bot
    assert bot is not None
    report = await bot.data_deletion.delete_user(1, 2)
    assert report.done == ("Probe",) and report.failed == ()
    assert probe(bot).deleted == [(1, 2)]


async def test_only_the_named_features_load(start_bot: StartBot) -> None:
    runner = await start_bot(features=("groups",))
    bot = runner.bot
    assert bot is not None
    assert set(bot.cogs) == {"Groups"}
    assert {c.name for c in bot.tree.get_commands()} == {"group"}


async def _loaded(tmp_path: Path, extensions: tuple[str, ...]) -> Bot:
    settings = Settings("", tmp_path / "db.sqlite3", None, "INFO", None, None, None)
    db = await Database.open(settings.database_path)
    bot = Bot(
        settings=settings, db=db, scheduler=create_scheduler(), mode="sync", extensions=extensions
    )
    await bot.setup_hook()  # loads the extensions; no network
    return bot


async def test_a_gate_registered_before_the_groups_feature_loads_is_kept(tmp_path: Path) -> None:
    """Confidentiality first, groups second: the agreement still gates joining."""
    bot = await _loaded(tmp_path, ("cogs.confidentiality", "cogs.groups"))
    try:
        gates = getattr(bot.get_cog("Groups"), "gates", None)
        assert gates == [bot.get_cog("Confidentiality")]
    finally:
        await bot.close()
        await bot.db.close()


async def test_the_default_order_still_gives_groups_the_gate(tmp_path: Path) -> None:
    bot = await _loaded(tmp_path, EXTENSIONS)
    try:
        gates = getattr(bot.get_cog("Groups"), "gates", None)
        assert gates == [bot.get_cog("Confidentiality")]
    finally:
        await bot.close()
        await bot.db.close()
