"""Scan cost per message with 1,000 phrases: the Aho-Corasick automaton the bot uses against one
compiled regex alternation of the same phrases (the naive peer), on the same normalised text; and
the full scan against the detector of another git revision (``--before``, default main), in the
same run.

    .venv/bin/python -m benchmarks.escalation_scan [--phrases 1000] [--messages 20000] [--cpu]
        [--before REV]

Phrases: the shipped lexicon's heads (the first --phrases of them) plus generated distress-like
phrases up to --phrases, as a server's own phrase set. Messages: the labelled corpus
(tests/escalation/data/corpus.jsonl), cycled, every fourth one made longer by joining it with its
neighbours (chat messages vary in length). Normalisation is timed apart, since both matchers need
it; the full `Detector.scan` (normalise + the built-in automaton + the server's phrase set + the
rules + the learned model where the rules found nothing, or to agree with their weaker cues) is
shown too, and the rules alone, and what the escalation service asks of the detector for a
server with its own phrases (``Detector.detect``: before it, a scan with the lexicon alone then
one with the server's phrases). One message at a time (p50 / p99; each message scanned once
before it is timed, as in a running bot whose caches know the words; the scans take turns on each
message, so a busy machine slows them alike): the rules alone, the full scan, the learned model
alone, each against the detector before (the package ``cogs/escalation/detection`` and its data
at ``--before``, taken with ``git archive`` and imported under another name), and the model on
words it has never seen (caches emptied first); the time to load the detector and the model; and
whether the full scan decides every message as the one before. `--cpu` times in this thread's CPU
time, steadier than wall time on a shared machine. For the detector against its predecessor on
the evaluation corpus, see benchmarks/distress_eval.py.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import io
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from cogs.escalation.detection import (
    CATEGORIES,
    Detection,
    Detector,
    LearnedModel,
    Lexicon,
    Phrase,
)

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "escalation" / "data" / "corpus.jsonl"

_VERBS = ("want to", "going to", "thinking about", "planning to", "ready to", "wish i could")
_ACTS = ("disappear", "end", "stop", "vanish", "leave", "give up", "fade", "break", "run", "hide")
_OBJECTS = (
    "everything",
    "it all",
    "this life",
    "for good",
    "forever",
    "tonight",
    "for ever",
    "the pain",
    "my family",
    "the world",
    "all of it",
    "without a trace",
    "quietly",
    "alone",
    "at last",
)


def phrases(detector: Detector, total: int) -> list[Phrase]:
    chosen = list(detector.lexicon.phrases)
    seen = {p.key for p in chosen}
    rng = random.Random(8)
    while len(chosen) < total:
        text = f"{rng.choice(_VERBS)} {rng.choice(_ACTS)} {rng.choice(_OBJECTS)}"
        if rng.random() < 0.5:
            text += f" {rng.choice(_OBJECTS)}"
        key = detector.normaliser.key(text)
        if key and key not in seen:
            seen.add(key)
            chosen.append(detector.phrase(text, rng.choice(CATEGORIES), rng.randint(1, 4)))
    return chosen[:total]


def messages(count: int) -> list[str]:
    with CORPUS.open(encoding="utf-8") as file:
        texts = [json.loads(line)["text"] for line in file if line.strip()]
    out: list[str] = []
    for i in range(count):
        text = texts[i % len(texts)]
        if i % 4 == 3:
            text = " ".join(texts[(i + k) % len(texts)] for k in range(4))
        out.append(text)
    return out


def timed(run: Callable[[], object], repeat: int) -> float:
    """Best of `repeat` runs, in seconds (the least disturbed by the machine's other work)."""
    results = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        results.append(time.perf_counter() - start)
    return min(results)


def detection_at(rev: str) -> ModuleType:
    """The detection package (and its data) as it is at git revision `rev`, imported under
    another name (``before_cogs``) beside today's: the scan before a change, in the same run."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "archive",
            rev,
            "cogs/escalation/detection",
            "cogs/escalation/data",
        ],
        capture_output=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="escalation_scan_before_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "before_cogs"
    (folder / "cogs").rename(package)
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("cogs.escalation.detection", "before_cogs.escalation.detection")
        )
    for path in (package / "__init__.py", package / "escalation" / "__init__.py"):
        path.write_text("", encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module("before_cogs.escalation.detection")


def decision(found: Detection | None) -> tuple[object, ...] | None:
    if found is None:
        return None
    return (found.alert, found.severity, found.level, found.category, found.modifiers, found.cue)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def each(scans: dict[str, Callable[[str], object]], texts: list[str], clock: Callable[[], float]):
    """Per-message times of each scan, in µs, the scans taking turns on each message (a busy
    machine slows them alike; every other message in the reverse order). Each message is
    scanned once before it is timed, so each distinct word is in the caches as in a running
    bot."""
    out: dict[str, list[float]] = {name: [] for name in scans}
    order = list(scans.items())
    for i, text in enumerate(texts):
        # every other message in the reverse order: neither scan always follows the other
        for name, scan in order if i % 2 else reversed(order):
            scan(text)
            start = clock()
            scan(text)
            out[name].append((clock() - start) * 1e6)
    return out


def cold(models: dict[str, LearnedModel], texts: list[str], clock: Callable[[], float]):
    """Per-message times of each model's signal with its caches emptied first (every word of
    the message unseen), in µs."""
    out: dict[str, list[float]] = {name: [] for name in models}
    for text in texts:
        for name, model in models.items():
            model.forget_words()
            start = clock()
            model.signal(text)
            out[name].append((clock() - start) * 1e6)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Escalation scan: automaton vs regex")
    parser.add_argument("--phrases", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--before",
        default="main",
        help="the git revision whose detector the scan is measured against (default: main)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time each message in this thread's CPU time (time.thread_time) rather than wall "
        "time: steadier on a busy machine",
    )
    args = parser.parse_args()

    previous = detection_at(args.before)
    start = time.perf_counter()
    detector = Detector(Lexicon.load())
    load = time.perf_counter() - start
    start = time.perf_counter()
    model = LearnedModel.load()
    load_model = time.perf_counter() - start
    start = time.perf_counter()
    before_model = previous.LearnedModel.load()
    load_before = time.perf_counter() - start
    start = time.perf_counter()
    before = previous.Detector(previous.Lexicon.load())
    load_before_detector = time.perf_counter() - start
    chosen = phrases(detector, args.phrases)
    texts = messages(args.messages)
    keys = sorted({p.key for p in chosen}, key=len, reverse=True)

    start = time.perf_counter()
    automaton = detector.compile(chosen)
    build_automaton = time.perf_counter() - start
    # the same phrases for the detector before, compiled with its own word codes
    before_automaton = before.compile(phrases(before, args.phrases))
    start = time.perf_counter()
    pattern = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\S)")
    build_regex = time.perf_counter() - start

    # the automaton reads word codes (two characters per word), the regex the words themselves
    coded = [detector.normaliser.encode(text)[0] for text in texts]
    haystacks = [detector.normaliser.haystack(text) for text in texts]

    def normalise() -> None:
        for text in texts:
            detector.normaliser.encode(text)

    def with_automaton() -> list[bool]:
        found = []
        for codes in coded:
            found.append(any(True for _ in automaton.automaton.iter(codes)))
        return found

    def with_regex() -> list[bool]:
        return [pattern.search(haystack) is not None for haystack in haystacks]

    def full_scan() -> None:
        for text in texts:
            detector.scan(text, automaton)

    rules = Detector(detector.lexicon, learned=None)

    def rules_alone() -> None:
        for text in texts:
            rules.scan(text, automaton)

    agree = with_automaton() == with_regex()
    same = [decision(detector.scan(t, automaton)) for t in texts] == [
        decision(before.scan(t, before_automaton)) for t in texts
    ]
    before_rules = previous.Detector(before.lexicon, learned=None)

    def full_before() -> None:
        for text in texts:
            before.scan(text, before_automaton)

    def rules_before() -> None:
        for text in texts:
            before_rules.scan(text, before_automaton)

    n = len(texts)
    per = {
        "normalise": timed(normalise, args.repeat) / n * 1e6,
        "automaton": timed(with_automaton, args.repeat) / n * 1e6,
        "regex": timed(with_regex, args.repeat) / n * 1e6,
        "full": timed(full_scan, args.repeat) / n * 1e6,
        "full before": timed(full_before, args.repeat) / n * 1e6,
        "rules": timed(rules_alone, args.repeat) / n * 1e6,
        "rules before": timed(rules_before, args.repeat) / n * 1e6,
    }

    def detect_before(text: str) -> object:
        """What the escalation service did before `Detector.detect`: a scan with the lexicon
        alone, then one with the server's phrases, the more severe kept."""
        best = before.scan(text)
        found = before.scan(text, before_automaton)
        if found is not None and (best is None or found.severity > best.severity):
            return found
        return best

    clock = time.thread_time if args.cpu else time.perf_counter
    times = each(
        {
            "rules": lambda text: rules.scan(text, automaton),
            "rules before": lambda text: before_rules.scan(text, before_automaton),
            "full": lambda text: detector.scan(text, automaton),
            "full before": lambda text: before.scan(text, before_automaton),
            "detect": lambda text: detector.detect(text, (), (automaton,)),
            "detect before": detect_before,
            "model": model.signal,
            "model before": before_model.signal,
        },
        texts,
        clock,
    )
    unseen = cold({"model": model, "model before": before_model}, texts, clock)
    lengths = [len(t) for t in texts]
    print(
        f"escalation scan: {len(keys)} phrases, {n} messages "
        f"(median {statistics.median(lengths):.0f} chars, max {max(lengths)}), best of "
        f"{args.repeat}"
    )
    print(f"  build: automaton {build_automaton * 1000:.1f} ms, regex {build_regex * 1000:.1f} ms")
    print(f"  normalisation (both need it)      {per['normalise']:8.2f} µs/message")
    print(f"  Aho-Corasick automaton             {per['automaton']:8.2f} µs/message")
    print(f"  one regex alternation (naive peer) {per['regex']:8.2f} µs/message")
    print(f"  ratio regex / automaton            {per['regex'] / per['automaton']:8.1f} x")
    print(f"  full Detector.scan                 {per['full']:8.2f} µs/message")
    print(f"    before ({args.before})".ljust(37) + f"{per['full before']:8.2f} µs/message")
    print(f"  rules alone (no learned model)     {per['rules']:8.2f} µs/message")
    print(f"    before ({args.before})".ljust(37) + f"{per['rules before']:8.2f} µs/message")
    print(f"  one message at a time ({'CPU' if args.cpu else 'wall'} time), µs:")
    print("                                   p50      p99")
    for name, label in (
        ("rules", "rules alone"),
        ("rules before", f"  before ({args.before})"),
        ("full", "full scan (rules + model)"),
        ("full before", f"  before ({args.before})"),
        ("detect", "server's detect (lexicon, then"),
        ("detect before", f"  its phrases) before ({args.before})"),
        ("model", "learned model alone"),
        ("model before", f"  before ({args.before})"),
    ):
        values = times[name]
        print(f"  {label:30} {percentile(values, 0.5):8.2f} {percentile(values, 0.99):8.2f}")
    for name, label in (
        ("model", "model, words unseen"),
        ("model before", f"  before ({args.before})"),
    ):
        values = unseen[name]
        print(f"  {label:30} {percentile(values, 0.5):8.2f} {percentile(values, 0.99):8.2f}")
    print(f"  load: detector (lexicon, automaton, model) {load:.2f} s, model {load_model:.3f} s")
    print(
        f"        before ({args.before}): detector {load_before_detector:.2f} s, "
        f"model {load_before:.3f} s"
    )
    print(f"  both matchers flag the same messages: {agree}")
    print(f"  the full scan decides as before on every message: {same}")


if __name__ == "__main__":
    main()
