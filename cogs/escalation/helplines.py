"""Crisis helplines per country, read from `data/helplines.json`. No discord import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from bot.facts import UnconfirmedLine

HELPLINES_PATH = Path(__file__).resolve().parent / "data" / "helplines.json"

ContactType = Literal["call", "text", "chat", "web"]


@dataclass(frozen=True)
class Contact:
    type: ContactType
    value: str
    keyword: str | None = None  # for texts: the word to send


@dataclass(frozen=True)
class Helpline:
    name: str
    hours: str
    contacts: tuple[Contact, ...]
    source: str
    for_language: str | None = None  # shown only to readers of this language (and first)
    checked: str | None = None  # the date (YYYY-MM-DD) the number was last verified
    needs_recheck: bool = False  # not certain: open the source before going live


@dataclass(frozen=True)
class Resources:
    region: str  # ISO code, or "INTL"
    emergency: str | None  # the country's emergency number, when known
    lines: tuple[Helpline, ...]  # the country's own helplines (empty for INTL / unknown)
    international: tuple[Helpline, ...]


def _helpline(data: dict[str, Any]) -> Helpline:
    contacts = tuple(
        Contact(type=c["type"], value=c["value"], keyword=c.get("keyword"))
        for c in data["contacts"]
    )
    for contact in contacts:
        if contact.type not in ("call", "text", "chat", "web"):
            raise ValueError(f"unknown contact type {contact.type!r} for {data['name']}")
    if not data.get("source", "").startswith("https://"):
        raise ValueError(f"{data['name']}: every helpline needs its source page")
    checked = data.get("checked")
    if checked is not None:
        date.fromisoformat(checked)  # a real date, or the file is refused
    return Helpline(
        name=data["name"],
        hours=data.get("hours", ""),
        contacts=contacts,
        source=data["source"],
        for_language=data.get("for_language"),
        checked=checked,
        needs_recheck=bool(data.get("needs_recheck", False)),
    )


class Helplines:
    def __init__(self, data: dict[str, Any]) -> None:
        self._countries: dict[str, tuple[str | None, tuple[Helpline, ...]]] = {
            code.upper(): (entry.get("emergency"), tuple(_helpline(h) for h in entry["lines"]))
            for code, entry in data["countries"].items()
        }
        self.international = tuple(_helpline(h) for h in data["international"])
        if not self.international:
            raise ValueError("the helplines file needs an international fallback")

    @classmethod
    def load(cls, path: Path = HELPLINES_PATH) -> Helplines:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @property
    def countries(self) -> list[str]:
        return sorted(self._countries)

    def for_region(self, region: str, language: str | None = None) -> Resources:
        """The region's helplines for a reader of `language`: lines in their language first
        (the US lines' Spanish options for a Spanish reader), lines meant for readers of
        another language left out. The reader's language, not the server's, picks them."""
        emergency, every = self._countries.get(region.upper(), (None, ()))
        theirs = tuple(
            h for h in every if h.for_language is not None and h.for_language == language
        )
        lines = theirs + tuple(h for h in every if h.for_language is None)
        return Resources(
            region=region, emergency=emergency, lines=lines, international=self.international
        )

    def unconfirmed(self, region: str) -> list[UnconfirmedLine]:
        """The region's lines (for readers of every language) marked `needs_recheck`."""
        _, every = self._countries.get(region.upper(), (None, ()))
        return [UnconfirmedLine(h.name, h.source) for h in every if h.needs_recheck]
