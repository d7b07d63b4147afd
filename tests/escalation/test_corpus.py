"""Recall and false alarms on the labelled corpus (tests/escalation/data/corpus.jsonl).

The corpus was written by the team: explicit crisis statements (some disguised), indirect ones,
statements whose severity must be lowered (negated, past, reported, about someone else), and
ordinary talk from a cancer community, including the examples of issue 8. Lines of kind
"second_batch" were written after the lexicon's first tuning and measured blind first: recall
5/19 and 2 false alarms in 31 ordinary lines then. The lexicon was then extended with general
patterns, not those sentences; 4 crisis lines and 1 ordinary line still fail and are kept here
on purpose, as known limits of a phrase lexicon.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cogs.escalation.detector import Detector, Lexicon

CORPUS = Path(__file__).resolve().parent / "data" / "corpus.jsonl"


def load() -> list[dict[str, object]]:
    with CORPUS.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def rate(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def test_corpus_recall_and_false_alarms(capsys: pytest.CaptureFixture[str]) -> None:
    rows = load()
    detector = Detector(Lexicon.load())
    counts: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    missed: list[str] = []
    false_alarms: list[str] = []
    lowered_right = lowered_total = 0
    for row in rows:
        text, label, kind = str(row["text"]), row["label"], str(row["kind"])
        found = detector.scan(text)
        alerted = found is not None and found.alert
        if label == "crisis":
            group = "explicit" if kind in ("explicit", "obfuscated") else "indirect"
            counts[group] += 1
            hits[group] += alerted
            if not alerted:
                missed.append(f"{kind}: {text}")
        elif label == "ordinary":
            counts["ordinary"] += 1
            hits["ordinary"] += alerted
            if alerted:
                false_alarms.append(text)
        else:
            lowered_total += 1
            lowered_right += alerted == row["alert"]
            if alerted:  # an explicit statement kept at the alert threshold, never above it
                assert found is not None and found.severity == detector.threshold, text
    assert len(rows) >= 300
    explicit = rate(hits["explicit"], counts["explicit"])
    indirect = rate(hits["indirect"], counts["indirect"])
    crisis = rate(hits["explicit"] + hits["indirect"], counts["explicit"] + counts["indirect"])
    false_alarm = rate(hits["ordinary"], counts["ordinary"])
    lowered = rate(lowered_right, lowered_total)
    with capsys.disabled():
        print(
            f"\ncorpus: {len(rows)} messages | recall explicit {explicit:.1%} "
            f"({hits['explicit']}/{counts['explicit']}), indirect {indirect:.1%} "
            f"({hits['indirect']}/{counts['indirect']}), all crisis {crisis:.1%} | "
            f"false alarms on ordinary talk {false_alarm:.1%} "
            f"({hits['ordinary']}/{counts['ordinary']}) | lowered as expected {lowered:.1%} "
            f"({lowered_right}/{lowered_total})"
        )
        for line in missed:
            print(f"  missed  {line}")
        for line in false_alarms:
            print(f"  false alarm  {line}")
    assert explicit == 1.0, missed
    assert indirect >= 0.90
    assert false_alarm <= 0.02, false_alarms
    assert lowered >= 0.95


def test_the_issue_examples_are_in_the_corpus_and_never_alarm() -> None:
    rows = {str(r["text"]): r for r in load()}
    detector = Detector(Lexicon.load())
    for text in (
        "this chemo is killing me",
        "I'd kill for a nap",
        "terminal diagnosis",
        "end-of-life care",
        "hospice",
        "dying to see my grandson",
    ):
        assert rows[text]["label"] == "ordinary"
        found = detector.scan(text)
        assert found is None or not found.alert, text
