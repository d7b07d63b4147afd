"""The detector decides as it did before the rules were made faster (issue 16, speed).

tests/escalation/data/scan_snapshot.jsonl.gz holds what the detector returned (2026-12-08, before
the rules' speed work) for every message of the team's sets (tests/escalation/data) and of the
training files (benchmarks/data/distress_train; never the evaluation corpus): `Detector.scan` with
the shipped learned model and with the rules alone, the rules alone with a server's own phrases,
and `scan_context` read after the member's earlier messages where a row has them. Everything a
Detection tells is kept: alert, severity, C-SSRS level, category, modifiers, language, the cue,
and every match (its phrase, span, modifiers, severity, level, cue, context). A faster rule must
give exactly the same.

Regenerate (only when a decision is meant to change, and say so in the commit):

    PYTHONPATH=. .venv/bin/python -m tests.escalation.test_rules_equivalence
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cogs.escalation.detection import Detection, Detector, Lexicon, Match, PhraseSet

ROOT = Path(__file__).resolve().parents[2]
SETS = sorted((ROOT / "tests" / "escalation" / "data").glob("*.jsonl"))
TRAINING = sorted((ROOT / "benchmarks" / "data" / "distress_train").glob("*.jsonl"))
SNAPSHOT = ROOT / "tests" / "escalation" / "data" / "scan_snapshot.jsonl.gz"

# A server's own phrases (a moderator's words: some inside the built-in heads, some new).
SERVER_PHRASES = (
    ("want to disappear", "suicidal_ideation", 3),
    ("end it all tonight", "intent_or_plan", 4),
    ("give up for good", "hopelessness", 2),
    ("kill myself", "intent_or_plan", 4),
    ("no point anymore", "hopelessness", 2),
    ("quiero desaparecer", "suicidal_ideation", 3),
    ("the pills", "self_harm", 2),
)


def rows() -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(where, text, its earlier messages, the two rows before it) of every row of the team's
    sets and the training files, and every four rows joined as one longer message. The rows
    before stand in for earlier messages too: more signals read together than the rows with a
    context give."""
    for path in (*SETS, *TRAINING):
        assert "distress_eval" not in path.parts
        before: list[str] = []
        with path.open(encoding="utf-8") as file:
            texts = []
            for number, line in enumerate(file, 1):
                if line.strip():
                    row = json.loads(line)
                    earlier = [str(t) for t in row.get("context") or []]
                    yield f"{path.relative_to(ROOT)}:{number}", row["text"], earlier, before
                    before = [*before[-1:], row["text"]]
                    texts.append(row["text"])
        # longer messages, as the benchmark makes them: four rows joined
        for i in range(3, len(texts), 4):
            yield f"{path.relative_to(ROOT)}:{i - 3}+4", " ".join(texts[i - 3 : i + 1]), [], []


def match(m: Match) -> list[Any]:
    p = m.phrase
    phrase = [p.text, p.key, p.category, p.severity, p.explicit, p.server, p.level, p.source]
    return [
        [*phrase, p.lang],
        m.start,
        m.end,
        sorted(m.modifiers),
        m.severity,
        m.level,
        m.cue,
        m.context,
    ]


def outcome(found: Detection | None) -> list[Any] | None:
    """Everything the detection tells, as plain JSON values."""
    if found is None:
        return None
    return [
        found.alert,
        found.severity,
        found.category,
        found.threshold,
        found.level,
        sorted(found.modifiers),
        found.context,
        found.lang,
        found.cue,
        [match(m) for m in found.matches],
    ]


def shared(record: dict[str, Any]) -> dict[str, Any]:
    """An outcome the same as an earlier one of the record given as "=" and that one's name (the
    snapshot stays small)."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        same = next((k for k, v in record.items() if k != "text" and v == value), name)
        out[name] = value if same == name or value is None else f"={same}"
    return out


class Detectors:
    def __init__(self) -> None:
        lexicon = Lexicon.load()
        self.full = Detector(lexicon)
        self.rules = Detector(lexicon, learned=None)
        self.server: PhraseSet = self.rules.compile(
            self.rules.phrase(text, category, severity)
            for text, category, severity in SERVER_PHRASES
        )

    def record(self, text: str, earlier: list[str], before: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": zlib.crc32(text.encode()),
            "scan": outcome(self.full.scan(text)),
            "rules": outcome(self.rules.scan(text)),
            "server": outcome(self.rules.scan(text, self.server)),
            "after": outcome(self.full.scan_context(before, text)),
            "after_rules": outcome(self.rules.scan_context(before, text)),
        }
        if earlier:
            out["context"] = outcome(self.full.scan_context(earlier, text))
            out["context_rules"] = outcome(self.rules.scan_context(earlier, text, self.server))
        return shared(out)


@pytest.fixture(scope="module")
def detectors() -> Detectors:
    return Detectors()


def test_snapshot_covers_every_row() -> None:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as file:
        stored = [json.loads(line)["where"] for line in file]
    assert stored == [where for where, *_ in rows()]
    assert len(stored) > 8000


def test_every_message_decided_as_in_the_snapshot(detectors: Detectors) -> None:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as file:
        stored = {row.pop("where"): row for row in map(json.loads, file)}
    differ = []
    for where, text, earlier, before in rows():
        if json.loads(json.dumps(detectors.record(text, earlier, before))) != stored[where]:
            differ.append(where)
    assert not differ, f"{len(differ)} messages decided differently, e.g. {differ[:5]}"


def test_context_rows_are_in_the_snapshot() -> None:
    """Rows with earlier messages are read with them too (the snapshot would not test it else)."""
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as file:
        with_context = [row for row in map(json.loads, file) if "context" in row]
    assert len(with_context) > 100
    assert any(row["context"] is not None and row["context"][0] for row in with_context)


def write() -> None:
    detectors = Detectors()
    lines = []
    for where, text, earlier, before in rows():
        record = {"where": where, **detectors.record(text, earlier, before)}
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    SNAPSHOT.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=9, mtime=0))


if __name__ == "__main__":
    write()
