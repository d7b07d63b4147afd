"""Crisis helplines per country, read from `data/helplines.json`. No discord import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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
    return Helpline(
        name=data["name"], hours=data.get("hours", ""), contacts=contacts, source=data["source"]
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

    def for_region(self, region: str) -> Resources:
        emergency, lines = self._countries.get(region.upper(), (None, ()))
        return Resources(
            region=region, emergency=emergency, lines=lines, international=self.international
        )
