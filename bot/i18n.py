"""The one translation layer: gettext catalogues for every text a person reads.

Texts are written in English in the code and marked with `N_` (for extraction) where they are
not translated on the spot. They are translated when they are rendered, in the reader's language
(bot/member_language.py says whose: a member's own for what is sent to them, the server's for
what a channel reads). English needs no catalogue (the msgid is the text).

Catalogues: `bot/locales/<lang>/LC_MESSAGES/peer_support_bot.po` (every text) and
`peer_support_bot_commands.po` (the slash commands' and options' names, msgctxt "command name",
kept apart because Discord's naming rules bind them). An installed package carries the compiled
`.mo` files (setup.py compiles them with Babel at build time); a source checkout or an editable
install compiles the `.po` in memory at first use when its `.mo` is missing or older, so the
bot never reads a stale translation. `python -m bot.catalogues` extracts and checks them.
Command names and descriptions go through `bot.tree.CommandTranslator`, discord.py's hook for
localizations, over the same catalogues. This module does not import discord, so services may
use `N_`.
"""

from __future__ import annotations

import gettext
import io
import logging
import weakref
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pycountry
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

DOMAIN = "peer_support_bot"
COMMANDS_DOMAIN = "peer_support_bot_commands"
COMMAND_NAME = "command name"  # the msgctxt of a command's or group's name
OPTION_NAME = "option name"  # the msgctxt of an option's name
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
SUPPORTED = ("en", "es")


def autonym(code: str) -> str:
    """A language in its own words, from Babel's data: 'es' -> 'Español'."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


# Languages a server (/setup language) or a member (/language) can choose, each in its own name.
LANGUAGES: dict[str, str] = {code: autonym(code) for code in SUPPORTED}


def N_(message: str) -> str:
    """Mark a text for translation without translating it here."""
    return message


def language_of(locale: str | None) -> str | None:
    """'es-419' -> 'es' when we have that language, else None."""
    if not locale:
        return None
    base = locale.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def _compile(po: Path, language: str) -> gettext.GNUTranslations:
    """A `.po` compiled in memory (fuzzy entries left out, as msgfmt does)."""
    with po.open("rb") as source:
        messages = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, messages, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def catalog(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    if po.exists():
        return _compile(po, language)
    log.warning("no %s catalogue for language %s: its texts stay in English", domain, language)
    return gettext.NullTranslations()


def command_name(name: str, language: str, context: str = COMMAND_NAME) -> str | None:
    """The localized name of a command or group (OPTION_NAME: of an option); None keeps the
    English one."""
    if language == DEFAULT_LANGUAGE:
        return None
    text = catalog(language, COMMANDS_DOMAIN).pgettext(context, name)
    return None if text == name else text


# Command paths already worked out, per commands catalogue (/help shows every command the
# reader may use, each time): forgotten with their catalogue when it is loaded again.
_PATHS: weakref.WeakKeyDictionary[gettext.NullTranslations, dict[str, str]] = (
    weakref.WeakKeyDictionary()
)


def command_path(qualified_name: str, language: str) -> str:
    """A command as the reader sees it in Discord: ('group join', 'es') -> 'grupo unirme'."""
    if language == DEFAULT_LANGUAGE:
        return qualified_name
    paths = _PATHS.setdefault(catalog(language, COMMANDS_DOMAIN), {})
    path = paths.get(qualified_name)
    if path is None:
        path = " ".join(command_name(part, language) or part for part in qualified_name.split(" "))
        paths[qualified_name] = path
    return path


@cache
def _countries(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_name(code: str, language: str) -> str:
    """A country's name from pycountry's own translations: ('MX', 'es') -> 'México'."""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    if language == DEFAULT_LANGUAGE:
        return country.name
    return _countries(language).gettext(country.name)


@lru_cache(maxsize=256)
def language_name(code: str, language: str) -> str:
    """A language's name in the reader's language, from Babel: ('en', 'es') -> 'inglés'.
    Babel's data never changes while the bot runs: each pair is worked out once (30 µs)."""
    return Locale.parse(code).get_display_name(language) or code


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

    def command(self, qualified_name: str) -> str:
        return command_path(qualified_name, self.language)

    def country(self, code: str) -> str:
        return country_name(code, self.language)

    def language_name(self, code: str) -> str:
        return language_name(code, self.language)


def translator_for(user_locale: str | None, guild_language: str | None) -> Translate:
    """The member's own language first (a private reply), then the server's."""
    return Translate(language_of(user_locale) or language_of(guild_language) or DEFAULT_LANGUAGE)


def server_translator(guild_language: str | None) -> Translate:
    """For messages many people read (channel posts): the server's language."""
    return Translate(language_of(guild_language) or DEFAULT_LANGUAGE)
