"""A message read with the lexicon and a server's own phrases (issue 16, speed): `Detector.detect`
decides as scanning it twice did (the lexicon alone, then with each server's phrases, the more
severe kept), but scans it once when the server's phrases find nothing in it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from cogs.escalation.detection import Detection, Detector, Lexicon, PhraseSet
from tests.escalation.test_rules_equivalence import SERVER_PHRASES, outcome

ROOT = Path(__file__).resolve().parents[2]
SETS = sorted((ROOT / "tests" / "escalation" / "data").glob("*.jsonl"))


def twice(
    detector: Detector, text: str, previous: Sequence[str], extras: Iterable[PhraseSet | None]
) -> Detection | None:
    """How the escalation service decided before: one scan per phrase set, the lexicon first."""

    def scan(extra: PhraseSet | None) -> Detection | None:
        if previous:
            return detector.scan_context(previous, text, extra)
        return detector.scan(text, extra)

    best = scan(None)
    for extra in extras:
        if extra is None:
            continue
        found = scan(extra)
        if found is not None and (best is None or found.severity > best.severity):
            best = found
    return best


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


def texts() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for path in SETS:
        with path.open(encoding="utf-8") as file:
            rows = [json.loads(line) for line in file if line.strip()]
        before: list[str] = []
        for row in rows:
            out.append((row["text"], [str(t) for t in row.get("context") or []]))
            out.append((row["text"], before))
            before = [*before[-2:], row["text"]]
    return out


def test_detect_decides_as_two_scans_did(detector: Detector) -> None:
    """Every message of the team's sets, alone, after its own earlier messages and after the rows
    before it, with no server phrases, with a server's and with two servers' (one of which has
    none): the same outcome as the two scans, down to every match."""
    server = detector.compile(detector.phrase(t, c, s) for t, c, s in SERVER_PHRASES)
    other = detector.compile([detector.phrase("want to disappear", "hopelessness", 1)])
    found_by_server = 0
    for text, previous in texts():
        for extras in ((), (server,), (None, other, server)):
            expected = outcome(twice(detector, text, previous, extras))
            assert outcome(detector.detect(text, previous, extras)) == expected, (text, previous)
        alone = outcome(twice(detector, text, previous, ()))
        found_by_server += outcome(twice(detector, text, previous, (server,))) != alone
    assert found_by_server > 10  # the server's phrases do change some outcomes


def test_a_server_phrase_in_an_earlier_message_counts(detector: Detector) -> None:
    """The phrase set is looked for in the earlier messages read with the new one too."""
    server = detector.compile([detector.phrase("blue lighthouse", "intent_or_plan", 2)])
    previous = ["thinking about the blue lighthouse again"]
    text = "I have the pills ready"
    expected = twice(detector, text, previous, (server,))
    assert outcome(detector.detect(text, previous, (server,))) == outcome(expected)
    assert outcome(expected) != outcome(twice(detector, text, previous, ()))
