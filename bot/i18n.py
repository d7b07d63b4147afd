"""The one translation layer: gettext catalogues for every text a person reads.

Texts are written in English in the code and marked with `N_` (for extraction) where they are
not translated on the spot. They are translated when they are rendered, in the reader's language:
the member's Discord locale when we have a catalogue for it, else the server's language setting,
else English. Catalogues live in `bot/locales/<lang>/LC_MESSAGES/peer_support_bot.mo`; English
needs none (the msgid is the text). Command names and descriptions go through
`bot.tree.CommandTranslator`, discord.py's hook for localizations, over the same catalogues.
This module does not import discord, so services may use `N_`.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "peer_support_bot"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
# Languages a server can choose in /setup language. Spanish follows in a later issue.
LANGUAGES: dict[str, str] = {"en": "English"}


def N_(message: str) -> str:
    """Mark a text for translation without translating it here."""
    return message


def language_of(locale: str | None) -> str | None:
    """'es-419' -> 'es' when we have that language, else None."""
    if not locale:
        return None
    base = locale.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


@cache
def catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


class Translate:
    """Bound to one language: `t("Hello {name}", name=...)`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._catalog = catalog(self.language)

    def __call__(self, message: str, /, **params: Any) -> str:
        text = self._catalog.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        return self._catalog.ngettext(singular, plural, n).format(n=n, **params)


def translator_for(user_locale: str | None, guild_language: str | None) -> Translate:
    """The member's own language first (a private reply), then the server's."""
    return Translate(language_of(user_locale) or language_of(guild_language) or DEFAULT_LANGUAGE)


def server_translator(guild_language: str | None) -> Translate:
    """For messages many people read (channel posts): the server's language."""
    return Translate(language_of(guild_language) or DEFAULT_LANGUAGE)
