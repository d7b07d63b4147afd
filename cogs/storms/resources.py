"""Grief resources (resources.json): a short list of recognised bereavement support in English
and Spanish, each with the page it came from. Those of the server's region come first; the
list of the server's language is used (English when there is none). Never imports discord."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "resources.json"


@dataclass(frozen=True)
class Resource:
    name: str
    where: str
    what: str
    url: str
    source: str
    regions: tuple[str, ...]


@cache
def _load() -> dict[str, tuple[Resource, ...]]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {
        language: tuple(
            Resource(
                name=item["name"],
                where=item["where"],
                what=item["what"],
                url=item["url"],
                source=item["source"],
                regions=tuple(item["regions"]),
            )
            for item in items
        )
        for language, items in raw.items()
        if not language.startswith("_") and isinstance(items, list)
    }


def checked() -> str:
    return str(json.loads(DATA.read_text(encoding="utf-8"))["checked"])


def resources_for(language: str, region: str | None) -> list[Resource]:
    """The language's list, the region's own entries first."""
    found = _load()
    items = list(found.get(language) or found["en"])
    return sorted(items, key=lambda r: 0 if region and region in r.regions else 1)
