"""The command tree syncs with Spanish localizations (es-ES and es-419) that the loopback
Discord validates: names lowercase and within Discord's naming rules, descriptions of 1 to 100
characters, every command, group and option named in Spanish, no two siblings alike."""

from __future__ import annotations

from typing import Any

import pytest

from bot.catalogues import read
from bot.i18n import COMMAND_NAME, OPTION_NAME
from tests.conftest import StartBot
from tests.i18n.conftest import MARK
from tests.i18n.test_catalogues import COMMANDS

pytestmark = pytest.mark.usefixtures("pseudo_spanish")

SPANISH = ("es-ES", "es-419")
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2


def _walk(item: dict[str, Any], path: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    found.append((path, item))
    for option in item.get("options") or []:
        _walk(option, f"{path} {option['name']}", found)


async def test_the_tree_syncs_with_spanish_names_and_descriptions(start_bot: StartBot) -> None:
    runner = await start_bot(features=None)  # every feature, as production; the tree synced
    commands = runner.fake.commands()
    assert commands
    catalogued = {(m.context, m.id) for m in read(COMMANDS, "es") if m.id}
    everything: list[tuple[str, dict[str, Any]]] = []
    for command in commands:
        _walk(command, command["name"], everything)
    for path, item in everything:
        names = item.get("name_localizations") or {}
        kind = (
            COMMAND_NAME
            if item.get("type", 1) in (1, SUB_COMMAND, SUB_COMMAND_GROUP)
            else OPTION_NAME
        )
        if not names:  # the same word in Spanish ("panel"): it must still be in the catalogue
            assert (kind, item["name"]) in catalogued, f"/{path} has no Spanish name"
            continue
        assert names["es-ES"] == names["es-419"], path
        if item.get("type", 1) in (1, SUB_COMMAND, SUB_COMMAND_GROUP) or "description" in item:
            if item.get("description"):
                descriptions = item.get("description_localizations") or {}
                assert descriptions.get("es-ES", "").startswith(MARK), path
        for choice in item.get("choices") or []:
            if isinstance(choice["value"], str) and choice["value"] in ("en", "es"):
                continue  # languages are named in their own words
            assert (choice.get("name_localizations") or {}).get("es-419", "").startswith(MARK)
        siblings = [
            (o.get("name_localizations") or {}).get("es-ES", o["name"])
            for o in item.get("options") or []
        ]
        assert len(siblings) == len(set(siblings)), f"/{path}: two options alike: {siblings}"
    top = [c["name_localizations"]["es-ES"] for c in commands if c.get("type", 1) == 1]
    assert len(top) == len(set(top))
    assert {"ayuda", "apoyo", "grupo", "idioma", "configurar"} <= set(top)
