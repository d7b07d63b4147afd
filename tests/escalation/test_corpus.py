"""Recall and false alarms on the team's labelled sets.

corpus.jsonl: the first corpus (issue 8), written together with the first lexicon: explicit
crisis statements (some disguised), indirect ones, statements whose severity must be lowered, and
ordinary talk from a cancer community. Since issue 16 a lower signal alone (hopelessness,
burdensomeness, entrapment: its "indirect / hopelessness" lines) is low and never alerts by
itself, so those lines must be found, not alerted on; and an explicit statement marked as long
ago ("years ago", "back then", "used to ... but not anymore") is the member's history, so its
three lines now expect no alert.

dev_en.jsonl / dev_es.jsonl: the issue-16 development set, written by the detector's author from
published guidance (C-SSRS screener items, 988 Lifeline and AFSP warning signs, Samaritans, the
Spanish 024 line and GuíaSalud guide) and cancer-community hard negatives, with the same fields
as the independent evaluation corpus (id, lang, set, level, alert, text, context, basis). Later
batches were each written without looking at the rules and measured before the rules changed:

    dev2-*  English explicit 16/29, indirect 2/9, context 0/3; Spanish explicit 10/12,
            indirect 2/4, negatives 42/42
    dev3-*  English explicit 33/79, indirect 5/20, context 4/6, negatives 64/67; Spanish
            explicit 12/30, indirect 1/10, context 0/3, negatives 35/36
    dev4-*  negatives only (cancer talk dense in risky words): English 77/80, Spanish 36/37
    dev5-*  English context 5/8, indirect 1/10, explicit 7/10, negatives 14/14; Spanish
            context 1/3, explicit and indirect 3/10, negatives 7/7
    dev6-*  longer forum-style messages: English explicit 5/9, indirect 2/3, negatives 9/10;
            Spanish explicit 1/3, indirect 1/2, negatives 3/3

After each, the rules were generalised (a desire or hope before any state of being dead,
counterfactual wishes, "better off ... without me", "... would be a relief", self-injury on a
body part, means "to do it", research before a lethal dose, weak signs completing each other),
not fitted to the sentences; what is still missed stays as known limits. So the set measures the
rules against their author's own sentences and its floors are high; the honest figures are those
of benchmarks/distress_eval.py on the independent corpus.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cogs.escalation.detection import LOWER_LEVELS, Detection, Detector, Lexicon

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus.jsonl"
DEV = (DATA / "dev_en.jsonl", DATA / "dev_es.jsonl")


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def rate(hits: int, total: int) -> float:
    return hits / total if total else 0.0


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


def test_corpus_recall_and_false_alarms(
    detector: Detector, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = load(CORPUS)
    counts: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    missed: list[str] = []
    false_alarms: list[str] = []
    lowered_right = lowered_total = 0
    for row in rows:
        text, label, kind = str(row["text"]), row["label"], str(row["kind"])
        found = detector.scan(text)
        alerted = found is not None and found.alert
        if label == "crisis" and kind == "indirect" and row["category"] == "hopelessness":
            counts["lower"] += 1
            hits["lower"] += found is not None
            if found is None:
                missed.append(f"lower signal not found: {text}")
        elif label == "crisis":
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
            if alerted != row["alert"]:
                missed.append(f"lowered: {text}")
    assert len(rows) >= 300
    explicit = rate(hits["explicit"], counts["explicit"])
    indirect = rate(hits["indirect"], counts["indirect"])
    lower = rate(hits["lower"], counts["lower"])
    false_alarm = rate(hits["ordinary"], counts["ordinary"])
    lowered = rate(lowered_right, lowered_total)
    with capsys.disabled():
        print(
            f"\ncorpus: {len(rows)} messages | recall explicit {explicit:.1%} "
            f"({hits['explicit']}/{counts['explicit']}), indirect {indirect:.1%} "
            f"({hits['indirect']}/{counts['indirect']}), lower signals found {lower:.1%} "
            f"({hits['lower']}/{counts['lower']}) | false alarms on ordinary talk "
            f"{false_alarm:.1%} ({hits['ordinary']}/{counts['ordinary']}) | lowered as expected "
            f"{lowered:.1%} ({lowered_right}/{lowered_total})"
        )
        for line in missed:
            print(f"  missed  {line}")
        for line in false_alarms:
            print(f"  false alarm  {line}")
    assert explicit == 1.0, missed
    assert indirect >= 0.90, missed
    assert lower >= 0.95, missed
    assert false_alarm <= 0.01, false_alarms
    assert lowered >= 0.95, missed


def test_the_issue_examples_are_in_the_corpus_and_never_alarm(detector: Detector) -> None:
    rows = {str(r["text"]): r for r in load(CORPUS)}
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


def scan_row(detector: Detector, row: dict[str, object]) -> Detection | None:
    context = row.get("context") or []
    assert isinstance(context, list)
    if context:
        return detector.scan_context([str(c) for c in context], str(row["text"]))
    return detector.scan(str(row["text"]))


def test_dev_set(detector: Detector, capsys: pytest.CaptureFixture[str]) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    levels_right = levels_total = 0
    wrong: list[str] = []
    for path in DEV:
        for row in load(path):
            if row["alert"] is None:
                continue
            found = scan_row(detector, row)
            alerted = found is not None and found.alert
            key = (str(row["lang"]), str(row["set"]))
            counts[key] += 1
            right[key] += alerted == row["alert"]
            if alerted != row["alert"]:
                wrong.append(f"{row['id']} {row['set']}: {row['text']}")
            if row["alert"] and alerted and found is not None:
                levels_total += 1
                level = str(row["level"])
                levels_right += found.level == level or (
                    level in LOWER_LEVELS and found.level in LOWER_LEVELS
                )
    with capsys.disabled():
        print("\ndev set (right / total):")
        for key in sorted(counts):
            print(f"  {key[0]} {key[1]:16s} {right[key]}/{counts[key]}")
        print(f"  level named as labelled, on alerts: {levels_right}/{levels_total}")
        for line in wrong:
            print(f"  wrong  {line}")
    for lang in ("en", "es"):
        assert rate(right[lang, "explicit"], counts[lang, "explicit"]) >= 0.95, (lang, wrong)
        for group in ("indirect", "context"):
            assert rate(right[lang, group], counts[lang, group]) >= 0.9, (lang, group, wrong)
        for group in ("negative", "context_negative"):
            assert rate(right[lang, group], counts[lang, group]) >= 0.985, (lang, group, wrong)
        assert rate(right[lang, "lower"], counts[lang, "lower"]) >= 0.9, (lang, wrong)
    assert levels_right >= 0.8 * levels_total
