"""Scan cost per message with 1,000 phrases: the Aho-Corasick automaton the bot uses against one
compiled regex alternation of the same phrases (the naive peer), on the same normalised text.

    .venv/bin/python -m benchmarks.escalation_scan [--phrases 1000] [--messages 20000]

Phrases: the shipped lexicon's heads (the first --phrases of them) plus generated distress-like
phrases up to --phrases, as a server's own phrase set. Messages: the labelled corpus
(tests/escalation/data/corpus.jsonl), cycled, every fourth one made longer by joining it with its
neighbours (chat messages vary in length). Normalisation is timed apart, since both matchers need
it; the full `Detector.scan` (normalise + the built-in automaton + the server's phrase set + the
rules + the learned model where the rules found nothing) is shown too, and the rules alone (mean,
and p50 / p99 one message at a time); the full scan and the learned model one message at a time
(p50 / p99), and the time to load the detector. For the detector against its predecessor on the
evaluation corpus, see benchmarks/distress_eval.py.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from cogs.escalation.detection import CATEGORIES, Detector, Lexicon, Phrase

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


def main() -> None:
    parser = argparse.ArgumentParser(description="Escalation scan: automaton vs regex")
    parser.add_argument("--phrases", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    detector = Detector(Lexicon.load())
    load = time.perf_counter() - start
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

    def each(scan: Callable[[str], object]) -> list[float]:
        """Per-message times of `scan`, in µs (the message is scanned once before, so each
        distinct word is in the normaliser's cache as in a running bot)."""
        out = []
        clock = time.perf_counter
        for text in texts:
            scan(text)
            start = clock()
            scan(text)
            out.append((clock() - start) * 1e6)
        return out

    agree = with_automaton() == with_regex()
    n = len(texts)
    per = {
        "normalise": timed(normalise, args.repeat) / n * 1e6,
        "automaton": timed(with_automaton, args.repeat) / n * 1e6,
        "regex": timed(with_regex, args.repeat) / n * 1e6,
        "full": timed(full_scan, args.repeat) / n * 1e6,
        "rules": timed(rules_alone, args.repeat) / n * 1e6,
    }
    single = sorted(each(lambda text: rules.scan(text, automaton)))
    p50, p99 = single[len(single) // 2], single[int(len(single) * 0.99)]
    whole = sorted(each(lambda text: detector.scan(text, automaton)))
    full50, full99 = whole[len(whole) // 2], whole[int(len(whole) * 0.99)]
    model = detector.learned
    learned = sorted(each(model.signal)) if model is not None else [0.0]
    model99 = learned[int(len(learned) * 0.99)]
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
    print(f"  rules alone (no learned model)     {per['rules']:8.2f} µs/message")
    print(f"  rules alone, one message at a time p50 {p50:.2f} µs, p99 {p99:.2f} µs")
    print(f"  full scan, one message at a time   p50 {full50:.2f} µs, p99 {full99:.2f} µs")
    print(f"  learned model alone, one message    p99 {model99 / 1000:.3f} ms")
    print(f"  load (lexicon, automaton, model)   {load:.2f} s")
    print(f"  both matchers flag the same messages: {agree}")


if __name__ == "__main__":
    main()
