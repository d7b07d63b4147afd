from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot import i18n
from bot.i18n import COMMAND_NAME, Translate, command_path, language_of, translator_for


def test_language_from_locale() -> None:
    assert language_of("en-US") == "en"
    assert language_of("en-GB") == "en"
    assert language_of("ja") is None  # no catalogue yet
    assert language_of(None) is None


def test_member_locale_first_then_server_then_english() -> None:
    assert translator_for("en-GB", "en").language == "en"
    assert translator_for("ja", None).language == "en"
    assert Translate("xx").language == "en"


def test_translation_fills_fields_after_translating() -> None:
    t = Translate("en")
    assert t("Hello {name}", name="{not a field}") == "Hello {not a field}"
    assert t.plural("{n} member", "{n} members", 1) == "1 member"
    assert t.plural("{n} member", "{n} members", 3) == "3 members"


def test_command_paths_follow_a_catalogue_loaded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/help asks every command's name each time, so names are remembered per catalogue; a
    catalogue loaded again (a new translation) is read afresh, never the remembered names."""
    assert command_path("group join", "es") == "grupo unirme"
    assert command_path("group join", "es") == "grupo unirme"  # remembered: the same answer
    assert command_path("group join", "en") == "group join"
    names = Catalog(locale="es")
    names.add("group", "equipo", context=COMMAND_NAME)
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{i18n.COMMANDS_DOMAIN}.po").open("wb") as out:
        write_po(out, names)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert command_path("group join", "es") == "equipo join"
    finally:
        monkeypatch.undo()
        i18n.catalog.cache_clear()
    assert command_path("group join", "es") == "grupo unirme"
