"""Scan cost per message with 1,000 phrases: the Aho-Corasick automaton the bot uses against one
compiled regex alternation of the same phrases (the naive peer), on the same normalised text; and
the full scan against the one before the learned model's cached scoring, in the same run.

    .venv/bin/python -m benchmarks.escalation_scan [--phrases 1000] [--messages 20000] [--cpu]

Phrases: the shipped lexicon's heads (the first --phrases of them) plus generated distress-like
phrases up to --phrases, as a server's own phrase set. Messages: the labelled corpus
(tests/escalation/data/corpus.jsonl), cycled, every fourth one made longer by joining it with its
neighbours (chat messages vary in length). Normalisation is timed apart, since both matchers need
it; the full `Detector.scan` (normalise + the built-in automaton + the server's phrase set + the
rules + the learned model where the rules found nothing, or to agree with their weaker cues) is
shown too, and the rules alone. One message at a time (p50 / p99; each message scanned once
before it is timed, as in a running bot whose caches know the words; the scans take turns on each
message, so a busy machine slows them alike): the rules alone, the full scan, the learned model
alone, each against the scoring before (2026-12-07: every pair's feature string built and hashed
per message, `Before` below), and the model on words it has never seen (caches emptied first);
the time to load the detector and the model; and whether the full scan decides every message as
before. `--cpu` times in this thread's CPU time, steadier than wall time on a shared machine. For
the detector against its predecessor on the evaluation corpus, see benchmarks/distress_eval.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cogs.escalation.detection import (
    CATEGORIES,
    Detection,
    Detector,
    LearnedModel,
    Lexicon,
    Phrase,
)
from cogs.escalation.detection.learned import (
    CLASS_COUNT,
    CUE_TERMS,
    MIN_WORDS,
    SKIP_COUNT,
    WORD_COUNT,
    Signal,
    _sigmoid,
    _strongest,
    bucket,
    class_pairs,
    pair_feature,
    skip_feature,
    tokens,
    units,
    word_features,
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


class Before(LearnedModel):
    """The learned model's scoring before the per-piece caches (2026-12-07), kept here to be
    measured against in the same run: the message folded and split whole, each word's share
    cached, every pair's feature built and hashed per message, the level head from ``units``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._word_cache: dict[str, tuple[float, int]] = {}

    def forget_words(self) -> None:
        self._word_cache.clear()

    def _old_word(self, word: str) -> tuple[float, int]:
        known = self._word_cache.get(word)
        if known is not None:
            return known
        features = word_features(word, self.classes)
        total = sum(self._weights[bucket(f, self.size)] for f in features) * self._scale
        known = (total, len(features))
        if len(self._word_cache) >= 200_000:
            self._word_cache.clear()
        self._word_cache[word] = known
        return known

    def _old_logit(self, words: Sequence[str]) -> tuple[float, list[tuple[str, float]]]:
        shares: list[tuple[str, float]] = []
        count = 0
        for word in words:
            weight, n = self._old_word(word)
            shares.append((word, weight))
            count += n
        weights, size, scale = self._weights, self.size, self._scale
        for a, b in itertools.pairwise(words):
            slot = bucket(pair_feature(a, b), size)
            shares.append((f"{a} {b}", weights[slot] * scale * WORD_COUNT))
            count += WORD_COUNT
        rest = sum(
            weights[bucket(skip_feature(a, c), size)]
            for a, c in zip(words[:-2], words[2:], strict=True)
        )
        total = rest * SKIP_COUNT
        count += max(0, len(words) - 2) * SKIP_COUNT
        pairs = class_pairs(words, self.classes)
        total += sum(weights[bucket(f, size)] for f in pairs) * CLASS_COUNT
        count += len(pairs) * CLASS_COUNT
        if not count:
            return self.bias, shares
        return self.bias + (sum(s for _, s in shares) + total * scale) / math.sqrt(count), shares

    def probability(self, text: str) -> float:
        return _sigmoid(self._old_logit(tokens(text))[0])

    def _old_level(self, words: Sequence[str]) -> tuple[str, float]:
        counts: dict[str, int] = {}
        for _, features in units(words, self.classes):
            for f in features:
                counts[f] = counts.get(f, 0) + 1
        norm = self._level_scale / math.sqrt(sum(counts.values()))
        slots = [(bucket(f, self._level_size), n) for f, n in counts.items()]
        logits = [
            bias + sum(weights[s] * n for s, n in slots) * norm
            for weights, bias in zip(self._level_weights, self._level_bias, strict=True)
        ]
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        best = max(range(len(exps)), key=exps.__getitem__)
        return self.levels[best], exps[best] / sum(exps)

    def signal(self, text: str, *, terms: int = CUE_TERMS) -> Signal:
        words = tokens(text)
        logit, shares = self._old_logit(words)
        probability = _sigmoid(logit)
        if probability < self.threshold or len(words) < MIN_WORDS:
            return Signal(probability, "", 0.0, ())
        level, level_p = self._old_level(words)
        return Signal(probability, level, level_p, _strongest(shares, terms))

    def alerting(self, text: str) -> Signal | None:
        signal = self.signal(text)  # the detector read the whole signal of every message
        return signal if signal.level else None


def decision(found: Detection | None) -> tuple[object, ...] | None:
    if found is None:
        return None
    return (found.alert, found.severity, found.level, found.category, found.modifiers, found.cue)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def each(scans: dict[str, Callable[[str], object]], texts: list[str], clock: Callable[[], float]):
    """Per-message times of each scan, in µs, the scans taking turns on each message (a busy
    machine slows them alike). Each message is scanned once before it is timed, so each
    distinct word is in the caches as in a running bot."""
    out: dict[str, list[float]] = {name: [] for name in scans}
    for text in texts:
        for name, scan in scans.items():
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
        "--cpu",
        action="store_true",
        help="time each message in this thread's CPU time (time.thread_time) rather than wall "
        "time: steadier on a busy machine",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    detector = Detector(Lexicon.load())
    load = time.perf_counter() - start
    start = time.perf_counter()
    model = LearnedModel.load()
    load_model = time.perf_counter() - start
    start = time.perf_counter()
    before_model = Before.load()
    load_before = time.perf_counter() - start
    start = time.perf_counter()
    before = Detector(Lexicon.load(), learned=Before.load())
    load_before_detector = time.perf_counter() - start
    chosen = phrases(detector, args.phrases)
    texts = messages(args.messages)
    keys = sorted({p.key for p in chosen}, key=len, reverse=True)

    start = time.perf_counter()
    automaton = detector.compile(chosen)
    build_automaton = time.perf_counter() - start
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
        decision(before.scan(t, automaton)) for t in texts
    ]

    def full_before() -> None:
        for text in texts:
            before.scan(text, automaton)

    n = len(texts)
    per = {
        "normalise": timed(normalise, args.repeat) / n * 1e6,
        "automaton": timed(with_automaton, args.repeat) / n * 1e6,
        "regex": timed(with_regex, args.repeat) / n * 1e6,
        "full": timed(full_scan, args.repeat) / n * 1e6,
        "full before": timed(full_before, args.repeat) / n * 1e6,
        "rules": timed(rules_alone, args.repeat) / n * 1e6,
    }
    clock = time.thread_time if args.cpu else time.perf_counter
    times = each(
        {
            "rules": lambda text: rules.scan(text, automaton),
            "full": lambda text: detector.scan(text, automaton),
            "full before": lambda text: before.scan(text, automaton),
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
    print(f"    before (2026-12-07)              {per['full before']:8.2f} µs/message")
    print(f"  rules alone (no learned model)     {per['rules']:8.2f} µs/message")
    print(f"  one message at a time ({'CPU' if args.cpu else 'wall'} time), µs:")
    print("                                   p50      p99")
    for name, label in (
        ("rules", "rules alone"),
        ("full", "full scan (rules + model)"),
        ("full before", "  before (2026-12-07)"),
        ("model", "learned model alone"),
        ("model before", "  before (2026-12-07)"),
    ):
        values = times[name]
        print(f"  {label:30} {percentile(values, 0.5):8.2f} {percentile(values, 0.99):8.2f}")
    for name, label in (
        ("model", "model, words unseen"),
        ("model before", "  before (2026-12-07)"),
    ):
        values = unseen[name]
        print(f"  {label:30} {percentile(values, 0.5):8.2f} {percentile(values, 0.99):8.2f}")
    print(f"  load: detector (lexicon, automaton, model) {load:.2f} s, model {load_model:.3f} s")
    print(
        f"        before (2026-12-07): detector {load_before_detector:.2f} s, "
        f"model {load_before:.3f} s"
    )
    print(f"  both matchers flag the same messages: {agree}")
    print(f"  the full scan decides as before on every message: {same}")


if __name__ == "__main__":
    main()
