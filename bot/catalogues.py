"""The translation catalogues: extract the texts, merge them into the catalogues, check them.

    python -m bot.catalogues extract   # bot/locales/messages.pot from the code
    python -m bot.catalogues update    # merge the .pot into every language's .po (translators)
    python -m bot.catalogues compile   # .mo files beside the .po files (optional: see below)
    python -m bot.catalogues check     # every message translated, not fuzzy, same placeholders
    python -m bot.catalogues fix-mentions  # "/setup region" -> "/configurar región" in the .po

How the code marks a text (the extraction keywords): `N_("...")` where it is translated later;
`t("...")` on a `bot.i18n.Translate`; `t.plural("one", "many", n)`;
`_T("...")`, discord.py's `locale_str`, for command descriptions and choices. Command and option
NAMES are plain strings in the code: their Spanish lives in `peer_support_bot_commands.po`
(msgctxt "command name"), written by hand, checked by tests/core/test_catalogues.py.

Compiling by hand is never needed: `pip install .` compiles every `.po` into the package
(setup.py), and a source checkout compiles them in memory at first use (bot/i18n.py). No `.mo`
file is committed (.gitignore). This module does not import discord.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import (
    COMMANDS_DOMAIN,
    DEFAULT_LANGUAGE,
    DOMAIN,
    LOCALE_DIR,
    SUPPORTED,
    command_name,
    command_path,
)

ROOT = LOCALE_DIR.parent.parent
POT = LOCALE_DIR / "messages.pot"
SOURCES = ("bot", "cogs")
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "N_": None,
    "t": None,
    "plural": (1, 2),
    "_T": None,
}
METHOD_MAP = [("**.py", "python")]
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
MENTION = re.compile(r"(?<![\w<])/([a-z][a-z-]*(?: [a-z][a-z-]*){0,2})")


def extract(sources: Iterable[str] = SOURCES) -> Catalog:
    """Every marked text of the code, with where it is used."""
    catalog = Catalog(project="peer-support-bot", msgid_bugs_address="", charset="utf-8")
    for source in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source, METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            if (isinstance(message, tuple) and not all(message)) or not message:
                continue  # a keyword called with something other than literal text
            catalog.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def write_pot(catalog: Catalog, path: Path = POT) -> None:
    with path.open("wb") as out:
        write_po(out, catalog, width=100, sort_output=True, omit_header=False)


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=language)


def placeholders(text: str) -> set[str]:
    """The {name} fields of a text (the field name only: {n:d} and {n} are the same field)."""
    return {re.split(r"[:!.\[]", field, maxsplit=1)[0] for field in PLACEHOLDER.findall(text)}


@dataclass(frozen=True)
class Problem:
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.what}: {self.msgid[:80]!r}"


def problems(template: Catalog, translated: Catalog) -> list[Problem]:
    """What keeps a catalogue from being complete: a message of the template missing, left
    empty or fuzzy, or whose placeholders (or plural forms) differ from the English."""
    found: list[Problem] = []
    for message in template:
        if not message.id:
            continue  # the header
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        ours: Message | None = translated.get(message.id, message.context)
        if ours is None or not _filled(ours.string):
            found.append(Problem(msgid, "not translated"))
            continue
        if ours.fuzzy:
            found.append(Problem(msgid, "fuzzy"))
            continue
        found.extend(_compare(message, ours, translated.num_plurals, msgid))
    return found


def _filled(string: object) -> bool:
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def _compare(english: Message, ours: Message, num_plurals: int, msgid: str) -> list[Problem]:
    if isinstance(english.id, tuple | list):
        strings = ours.string if isinstance(ours.string, tuple | list) else [ours.string]
        forms = [str(form or "") for form in strings]
        if len(forms) != num_plurals:
            return [Problem(msgid, f"{len(forms)} plural forms instead of {num_plurals}")]
        wanted = placeholders(str(english.id[0])) | placeholders(str(english.id[1]))
        return [
            Problem(msgid, f"plural form {i}: placeholders {sorted(placeholders(form))}")
            for i, form in enumerate(forms)
            # the singular may spell the number out ("un mensaje"); no form adds a field
            if placeholders(form) != wanted and (i > 0 or placeholders(form) != wanted - {"n"})
        ]
    if isinstance(ours.string, tuple | list):
        return [Problem(msgid, "plural forms for a text that has none")]
    wanted, got = placeholders(str(english.id)), placeholders(str(ours.string))
    if wanted != got:
        return [Problem(msgid, f"placeholders {sorted(got)} instead of {sorted(wanted)}")]
    return []


def mentions(text: str, language: str) -> list[tuple[str, str]]:
    """The commands an English text names ("/setup region"), each with how a reader of
    `language` sees it in Discord ("/configurar región"); only those whose name differs."""
    found = []
    for match in MENTION.finditer(text):
        words = match[1].split(" ")
        while len(words) > 1 and command_name(words[-1], language) is None:
            words.pop()  # "/setup show lists..." names /setup show
        english = " ".join(words)
        shown = command_path(english, language)
        if shown != english:
            found.append((f"/{english}", f"/{shown}"))
    return found


def fix_mentions(catalog: Catalog, language: str) -> int:
    """Where a translation kept a command's English name ("/setup region"), put the name its
    readers see ("/configurar región"). Returns how many texts changed."""
    changed = 0
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string:
            continue
        string = str(message.string)
        for english, shown in sorted(mentions(message.id, language), key=lambda m: -len(m[0])):
            string = re.sub(re.escape(english) + r"(?![\w-])", shown, string)
        if string != message.string:
            message.string = string
            changed += 1
    return changed


def po_files() -> list[tuple[str, Path]]:
    return [
        (p.parent.parent.name, p) for p in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    ]


def compile_all() -> list[Path]:
    written = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        catalog = read(po, po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def update() -> None:
    template = read(POT)
    for language, po in po_files():
        catalog = read(po, language)
        catalog.update(template, update_header_comment=False)
        with po.open("wb") as out:
            write_po(out, catalog, width=100, sort_output=True, ignore_obsolete=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.catalogues", description=__doc__)
    parser.add_argument(
        "command", choices=("extract", "update", "compile", "check", "fix-mentions")
    )
    args = parser.parse_args(argv)
    if args.command == "extract":
        catalog = extract()
        write_pot(catalog)
        print(f"{len(catalog)} messages written to {POT.relative_to(ROOT)}")
    elif args.command == "update":
        update()
        print("catalogues updated from the template: translate the new and fuzzy messages")
    elif args.command == "fix-mentions":
        for language, po in po_files():
            catalog = read(po, language)
            changed = fix_mentions(catalog, language)
            with po.open("wb") as out:
                write_po(out, catalog, width=100, sort_output=True, ignore_obsolete=True)
            print(f"{language}: {changed} text(s) now name commands as Discord shows them")
    elif args.command == "compile":
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
    else:
        failures = 0
        template = extract()
        present = {language for language, _ in po_files()}
        for language in sorted(set(SUPPORTED) - {DEFAULT_LANGUAGE} - present):
            print(f"{language}: no catalogue ({DOMAIN}.po) at all")
            failures += 1
        for language, po in po_files():
            for problem in problems(template, read(po, language)):
                print(f"{language}: {problem}")
                failures += 1
        print(f"{failures} problem(s) in the {DOMAIN} catalogues; {COMMANDS_DOMAIN}: see tests")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
