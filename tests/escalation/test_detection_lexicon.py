"""The Suicide Risk Lexicon v1.0 is shipped as data with its licence and attribution, mapped by
the team onto C-SSRS levels; its generic words never alert alone."""

from __future__ import annotations

import json
import tomllib

import pytest

from cogs.escalation.detection import DATA_DIR, LOW, Detector, Lexicon

SRL = DATA_DIR / "suicide_risk_lexicon"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


def test_the_lexicon_ships_with_its_licence_and_notice() -> None:
    licence = (SRL / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    notice = (SRL / "NOTICE").read_text()
    for needed in (
        "construct-tracker",
        "1.0.16",
        "Daniel M. Low",
        "Apache",
        "github.com/danielmlow",
    ):
        assert needed in notice
    data = json.loads((SRL / "suicide_risk_lexicon_v1.0.json").read_text())
    assert data["source"]["license"] == "Apache-2.0"
    assert data["source"]["package_version"] == "1.0.16"


def test_every_category_is_mapped_and_only_risk_categories_are_used() -> None:
    data = json.loads((SRL / "suicide_risk_lexicon_v1.0.json").read_text())
    with (DATA_DIR / "distress" / "srl.toml").open("rb") as file:
        mapping = tomllib.load(file)
    assert set(mapping["category"]) == set(data["categories"])
    assert len(data["categories"]) == 8
    assert sum(len(c["tokens"]) for c in data["categories"].values()) > 500


def test_lexicon_phrases_are_in_the_automaton(detector: Detector) -> None:
    sources = {e.source for e in detector.lexicon.entries}
    assert "srl" in sources
    srl_heads = [e for e in detector.lexicon.entries if e.source == "srl" and e.head]
    assert len(srl_heads) > 150


@pytest.mark.parametrize(
    "text",
    [
        "die",
        "death",
        "pain",
        "dying",
        "suicide",
        "stuck",
        "helpless",
        "desperate",
        "burden",
        "pills",
        "overdose",
        "the bridge",
        "a gun",
        "rest in peace",
        "feel like dying after chemo",
        "I'll be dead before Christmas, the doctors say",
        "when I'm gone the kids will have my letters",
        "this is killing me",
        "the cancer is incurable",
        "I have scars from surgery",
        "make a will",
        "peaceful death at home",
    ],
)
def test_generic_words_never_alert_alone(detector: Detector, text: str) -> None:
    found = detector.scan(text)
    assert found is None or (found.severity <= LOW and not found.alert), (text, found)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I deserve to die", "wish_dead"),
        ("why am I still alive", "wish_dead"),
        ("I want to blow my brains out", "method"),
        ("set myself on fire", "method"),
        ("I wrote a suicide note", "preparatory"),
        ("NSSI again this week", "nssi"),
    ],
)
def test_explicit_lexicon_categories_may_alert(detector: Detector, text: str, level: str) -> None:
    found = detector.scan(text)
    assert found is not None and found.alert and found.level == level, (text, found)
