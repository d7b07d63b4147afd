"""Spanish for the tests: a pseudo-translation of every text of the code.

The real Spanish catalogue (bot/locales/es/LC_MESSAGES/peer_support_bot.po) is translated by
hand elsewhere; these tests are about WHOSE language a text is in, and must not depend on a
particular translation. So every message of the code is "translated" as `ES·` + the English
(placeholders kept): a text a Spanish reader receives carries the mark, one an English reader
receives never does, and a text without it leaked through untranslated. The commands catalogue
is the real one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot import i18n
from bot.catalogues import extract
from tests.fakediscord.models import Message

MARK = "ES·"


@pytest.fixture(scope="session")
def pseudo_locales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("locales")
    folder = root / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    # The real catalogue's rule (two forms): Babel's default for "es" has three, and a form left
    # empty would fall back to the English for most counts.
    spanish = Catalog(locale="es")
    spanish.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n != 1);")]
    for message in extract():
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            string: str | tuple[str, ...] = tuple(MARK + str(form) for form in message.id)
        else:
            string = MARK + message.id
        spanish.add(message.id, string, context=message.context)
    with (folder / f"{i18n.DOMAIN}.po").open("wb") as out:
        write_po(out, spanish)
    commands = f"{i18n.COMMANDS_DOMAIN}.po"
    shutil.copy(i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / commands, folder / commands)
    return root


@pytest.fixture
def pseudo_spanish(pseudo_locales: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(i18n, "LOCALE_DIR", pseudo_locales)
    i18n.catalog.cache_clear()
    yield
    i18n.catalog.cache_clear()


def texts(message: Message) -> list[str]:
    """What a person reads in a message, piece by piece: its content, its embeds' titles and
    descriptions, and each field (its name and value together: a helpline's name is its own,
    a member's words or a timestamp are not translated, but the other half is)."""
    found = [message.content] if message.content else []
    for embed in message.embeds:
        found += [str(embed[k]) for k in ("title", "description") if embed.get(k)]
        found += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields") or []]
    return found


def assert_spanish(message: Message) -> None:
    shown = texts(message)
    assert shown, message
    leaked = [text for text in shown if MARK not in text]
    assert not leaked, f"English leaked into a Spanish reader's message: {leaked}"


def assert_english(message: Message) -> None:
    assert MARK not in message.text, f"Spanish in an English reader's message: {message.text}"
