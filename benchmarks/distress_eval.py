"""Crisis detection on the independent evaluation corpus: today's detector against the one before
issue 16, in the same run, and today's rules alone, the learned second signal alone and the two
combined (as the bot runs them). Prints aggregate figures only, never a message.

    .venv/bin/python -m benchmarks.distress_eval [--data benchmarks/data/distress_eval]

The corpus (benchmarks/data/distress_eval/en.jsonl, es.jsonl, CC0) was written from published
guidance by people who had not seen the detector; each line: id, lang, set (explicit, indirect,
negative, context, context_negative, lower), level (C-SSRS), alert (true / false / null = either is
acceptable), text, context (the member's earlier messages, oldest first), basis. Do not tune the
detector to it: read its figures, not its messages.

For each detector: precision, recall and F1 per set, per language and per C-SSRS level, the false
alarm rate on the negative sets, scan cost (µs per message: p50, p99, mean; best of --repeat runs
of each message) and load time. A line with context is read with Detector.scan_context by the new
detector; the old one has no context and scans the line alone, as the bot did.

The learned model (cogs/escalation/data/model/) is also timed with its word cache emptied before
each message (a message of words it has never seen); --no-learned skips the learned subjects.

The old detector is loaded from git at run time: cogs/escalation/detector.py and
data/lexicon.toml as they were just before issue 16 deleted lexicon.toml (--baseline-rev to pick
another revision, --no-baseline to skip it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
import tomllib
import types
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "benchmarks" / "data" / "distress_eval"
EXTRA_ENV = "DISTRESS_EXTRA_CSV"
NEGATIVE_SETS = ("negative", "context_negative")

EXTRA_HELP = f"""
Public labelled data: set {EXTRA_ENV} to a CSV file with the columns text,label (label 1 / true /
crisis for a message that should alert, 0 / false for one that should not) and the benchmark also
reports precision, recall and F1 on it, old and new. Name the data set's source and its licence
whenever you report these figures (for example: "Reddit C-SSRS suicide dataset, Gaur et al. 2019,
CC BY 4.0"). Data of unknown licence is never committed to this repository: keep it outside the
checkout and point {EXTRA_ENV} at it.
"""


# ---------------------------------------------------------------------------- the detectors


@dataclass
class Subject:
    name: str
    load_seconds: float
    scan: Callable[[str], Any]
    scan_context: Callable[[Sequence[str], str], Any] | None


def load_new() -> Subject:
    """Today's detector as the bot runs it: the rules and the learned second signal."""
    start = time.perf_counter()
    from cogs.escalation.detection import Detector, Lexicon

    detector = Detector(Lexicon.load())
    seconds = time.perf_counter() - start
    return Subject("new", seconds, detector.scan, detector.scan_context)


def load_rules() -> Subject:
    start = time.perf_counter()
    from cogs.escalation.detection import Detector, Lexicon

    detector = Detector(Lexicon.load(), learned=None)
    seconds = time.perf_counter() - start
    return Subject("rules alone", seconds, detector.scan, detector.scan_context)


@dataclass
class LearnedFinding:
    alert: bool
    level: str


def load_learned() -> tuple[Subject, Any]:
    """The learned second signal alone: an alert when its probability reaches its threshold."""
    start = time.perf_counter()
    from cogs.escalation.detection import LearnedModel

    model = LearnedModel.load()
    seconds = time.perf_counter() - start

    def finding(signal: Any) -> LearnedFinding:
        # the level is named only at or above the threshold, with enough words to go on
        return LearnedFinding(bool(signal.level), signal.level)

    def scan(text: str) -> LearnedFinding:
        return finding(model.signal(text))

    def scan_context(previous: Sequence[str], text: str) -> LearnedFinding:
        return finding(model.signal_context(previous, text))

    return Subject("learned alone", seconds, scan, scan_context), model


def cold_cost(model: Any, rows: list[Row], repeat: int) -> dict[str, float]:
    """µs per message of the learned model with its word cache emptied before each message."""
    clock = time.thread_time
    times = []
    for row in rows:
        fastest = float("inf")
        for _ in range(repeat):
            model.forget_words()
            start = clock()
            model.signal(row.text)
            fastest = min(fastest, clock() - start)
        times.append(fastest)
    ordered = sorted(times)
    return {
        "p50": ordered[len(ordered) // 2] * 1e6,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6,
        "max": ordered[-1] * 1e6,
    }


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout


def baseline_revision() -> str:
    """The last revision with the old lexicon: the parent of the commit that deleted it."""
    deleted = git("rev-list", "-1", "HEAD", "--", "cogs/escalation/data/lexicon.toml").strip()
    if not deleted:
        raise RuntimeError("no commit touches cogs/escalation/data/lexicon.toml")
    if git("ls-tree", deleted, "cogs/escalation/data/lexicon.toml").strip():
        return deleted  # still there: this revision is the old detector
    return git("rev-parse", f"{deleted}^").strip()


def load_old(revision: str) -> Subject:
    source = git("show", f"{revision}:cogs/escalation/detector.py")
    lexicon = git("show", f"{revision}:cogs/escalation/data/lexicon.toml")
    start = time.perf_counter()
    module = types.ModuleType("baseline_detector")
    module.__file__ = str(ROOT / "baseline_detector.py")  # its DATA_DIR is never used
    sys.modules[module.__name__] = module
    exec(compile(source, f"{revision[:10]}:cogs/escalation/detector.py", "exec"), module.__dict__)
    detector = module.Detector(module.Lexicon(tomllib.loads(lexicon)))
    _ = detector.builtin  # the automaton, compiled at start as the bot does
    seconds = time.perf_counter() - start
    return Subject(f"old ({revision[:10]})", seconds, detector.scan, None)


# ---------------------------------------------------------------------------- the corpus


@dataclass
class Row:
    id: str
    lang: str
    set: str
    level: str
    alert: bool | None
    text: str
    context: list[str] = field(default_factory=list)


def load_rows(directory: Path, langs: Iterable[str]) -> list[Row]:
    rows: list[Row] = []
    for lang in langs:
        path = directory / f"{lang}.jsonl"
        with path.open(encoding="utf-8") as file:
            for line in file:
                if not line.strip():
                    continue
                raw = json.loads(line)
                rows.append(
                    Row(
                        id=str(raw["id"]),
                        lang=str(raw.get("lang", lang)),
                        set=str(raw["set"]),
                        level=str(raw.get("level") or "none"),
                        alert=raw.get("alert"),
                        text=str(raw["text"]),
                        context=[str(c) for c in raw.get("context") or []],
                    )
                )
    return rows


# ---------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    either: int = 0  # alert null: either answer is right
    level_right: int = 0  # on true positives: the detector named the labelled level

    def add(self, expected: bool | None, alerted: bool, level_right: bool = False) -> None:
        if expected is None:
            self.either += 1
        elif expected and alerted:
            self.tp += 1
            self.level_right += level_right
        elif expected:
            self.fn += 1
        elif alerted:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn + self.either

    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def f1(self) -> float | None:
        p, r = self.precision(), self.recall()
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def false_alarm_rate(self) -> float | None:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else None


def fmt(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.3f}"


LEVEL_NAMES = {  # how the detector names each C-SSRS level, and labels that mean the same
    "wish_dead": {"wish_dead", "wish_to_be_dead", "passive", "passive_ideation", "wish"},
    "active_thoughts": {"active_thoughts", "active", "non_specific_active", "active_ideation"},
    "method": {"method", "ideation_with_method"},
    "intent": {"intent", "ideation_with_intent"},
    "plan": {"plan", "intent_with_plan"},
    "preparatory": {"preparatory", "preparatory_behavior", "preparatory_behaviour", "behavior"},
    "attempt": {"attempt", "actual_attempt", "interrupted_attempt", "aborted_attempt"},
    "nssi": {"nssi", "self_harm", "non_suicidal_self_injury"},
    "hopelessness": {"hopelessness"},
    "burdensomeness": {"burdensomeness", "burden"},
    "entrapment": {"entrapment"},
}


def same_level(found: str, labelled: str) -> bool:
    return labelled.lower() in LEVEL_NAMES.get(found, {found})


def evaluate(
    subject: Subject, rows: list[Row], misses: list[str] | None
) -> dict[str, dict[str, Tally]]:
    tallies: dict[str, dict[str, Tally]] = {
        "all": defaultdict(Tally),
        "set": defaultdict(Tally),
        "lang": defaultdict(Tally),
        "level": defaultdict(Tally),
        "lang_set": defaultdict(Tally),
    }
    for row in rows:
        if row.context and subject.scan_context is not None:
            found = subject.scan_context(row.context, row.text)
        else:
            found = subject.scan(row.text)
        alerted = found is not None and found.alert
        level = getattr(found, "level", "") if found is not None else ""
        right = bool(level) and same_level(level, row.level)
        for group, key in (
            ("all", "all"),
            ("set", row.set),
            ("lang", row.lang),
            ("level", row.level),
            ("lang_set", f"{row.lang} {row.set}"),
        ):
            tallies[group][key].add(row.alert, alerted, right)
        if misses is not None and row.alert is not None and alerted != row.alert:
            kind = "missed" if row.alert else "false alarm"
            misses.append(
                f"  {subject.name} {kind:11s} {row.id} [{row.set}/{row.level}] "
                f"level={level or '-'}: {row.text}"
                + (f"  (after: {' / '.join(row.context)})" if row.context else "")
            )
    return tallies


def print_table(title: str, tallies: dict[str, Tally], names: Sequence[str]) -> None:
    print(f"\n{title}")
    print(
        f"  {'':26s} {'n':>4s} {'TP':>4s} {'FP':>4s} {'FN':>4s} {'TN':>4s} {'null':>4s}  "
        f"{'prec':>5s} {'recall':>6s} {'F1':>5s} {'FA rate':>7s} {'level':>6s}"
    )
    for name in names:
        t = tallies[name]
        level = f"{t.level_right}/{t.tp}" if t.tp else "-"
        print(
            f"  {name:26s} {t.n:4d} {t.tp:4d} {t.fp:4d} {t.fn:4d} {t.tn:4d} {t.either:4d}  "
            f"{fmt(t.precision())} {fmt(t.recall()):>6s} {fmt(t.f1())} "
            f"{fmt(t.false_alarm_rate()):>7s} {level:>6s}"
        )


def costs(subjects: list[Subject], rows: list[Row], repeat: int) -> dict[str, dict[str, float]]:
    """µs per message for each detector, best of `repeat` runs of each message, in CPU time of
    this thread (time.thread_time: another process taking the CPU does not count). The detectors
    take turns on each message, so neither has the caches warm from its previous message."""
    texts = [row.text for row in rows]
    for subject in subjects:  # warm the caches, as a running bot has them
        for text in texts:
            subject.scan(text)
    best = {s.name: [float("inf")] * len(texts) for s in subjects}
    clock = time.thread_time
    for _ in range(repeat):
        for i, text in enumerate(texts):
            for subject in subjects:
                scan = subject.scan
                start = clock()
                scan(text)
                elapsed = clock() - start
                if elapsed < best[subject.name][i]:
                    best[subject.name][i] = elapsed
    out: dict[str, dict[str, float]] = {}
    for subject in subjects:
        ordered = sorted(best[subject.name])
        out[subject.name] = {
            "p50": ordered[len(ordered) // 2] * 1e6,
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6,
            "mean": statistics.fmean(ordered) * 1e6,
        }
        scan_context = subject.scan_context
        with_context = [row for row in rows if row.context]
        if scan_context is not None and with_context:
            times = []
            for row in with_context:
                fastest = float("inf")
                for _ in range(repeat):
                    start = clock()
                    scan_context(row.context, row.text)
                    fastest = min(fastest, clock() - start)
                times.append(fastest)
            out[subject.name]["context_p50"] = statistics.median(times) * 1e6
    return out


# ---------------------------------------------------------------------------- public data


def extra_rows(path: Path) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    with path.open(encoding="utf-8", newline="") as file:
        for record in csv.DictReader(file):
            label = str(record["label"]).strip().lower()
            out.append((record["text"], label in ("1", "true", "yes", "crisis", "suicide")))
    return out


def evaluate_extra(subject: Subject, data: list[tuple[str, bool]]) -> Tally:
    tally = Tally()
    for text, expected in data:
        found = subject.scan(text)
        tally.add(expected, found is not None and found.alert)
    return tally


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog=EXTRA_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of <lang>.jsonl")
    parser.add_argument("--langs", default="en,es")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs of each message")
    parser.add_argument("--baseline-rev", default="", help="git revision of the old detector")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-learned", action="store_true", help="skip the learned subjects")
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="also print each missed message and false alarm (for people reviewing the "
        "detector after a run; never for tuning it to this corpus)",
    )
    args = parser.parse_args()

    rows = load_rows(args.data, args.langs.split(","))
    subjects = []
    if not args.no_baseline:
        revision = args.baseline_rev or baseline_revision()
        subjects.append(load_old(revision))
    learned_model = None
    if not args.no_learned:
        subjects.append(load_rules())
        learned, learned_model = load_learned()
        subjects.append(learned)
    subjects.append(load_new())

    sets = sorted({r.set for r in rows}, key=lambda s: (s in NEGATIVE_SETS, s))
    langs = sorted({r.lang for r in rows})
    levels = sorted({r.level for r in rows})
    counts = Counter(r.lang for r in rows)
    print(
        f"distress evaluation: {len(rows)} messages "
        f"({', '.join(f'{n} {lang}' for lang, n in sorted(counts.items()))}) from {args.data}"
    )
    misses: list[str] | None = [] if args.show_misses else None
    timings = costs(subjects, rows, args.repeat)
    for subject in subjects:
        tallies = evaluate(subject, rows, misses)
        print(f"\n=== {subject.name} detector: load {subject.load_seconds:.3f} s")
        print_table("all messages", tallies["all"], ["all"])
        print_table("per set", tallies["set"], sets)
        print_table("per language", tallies["lang"], langs)
        print_table(
            "per language and set",
            tallies["lang_set"],
            [f"{lang} {s}" for lang in langs for s in sets if f"{lang} {s}" in tallies["lang_set"]],
        )
        print_table("per C-SSRS level (as labelled)", tallies["level"], levels)
        negatives = Tally()
        for name in NEGATIVE_SETS:
            t = tallies["set"].get(name)
            if t is not None:
                negatives.fp += t.fp
                negatives.tn += t.tn
        print(
            f"\nfalse alarms on the negative sets: {negatives.fp}/{negatives.fp + negatives.tn} "
            f"= {fmt(negatives.false_alarm_rate())}"
        )
        timing = timings[subject.name]
        line = (
            f"scan cost: p50 {timing['p50']:.2f} µs, p99 {timing['p99']:.2f} µs, "
            f"mean {timing['mean']:.2f} µs per message (thread CPU time, best of {args.repeat})"
        )
        if "context_p50" in timing:
            line += f"; with its earlier messages p50 {timing['context_p50']:.2f} µs"
        print(line)

    if learned_model is not None:
        cold = cold_cost(learned_model, rows, args.repeat)
        print(
            f"\nlearned model with its word cache emptied before each message: p50 "
            f"{cold['p50']:.1f} µs, p99 {cold['p99']:.1f} µs, max {cold['max']:.1f} µs "
            f"(thread CPU time, best of {args.repeat}); threshold {learned_model.threshold:.3f}"
        )

    extra = os.environ.get(EXTRA_ENV)
    if extra:
        data = extra_rows(Path(extra))
        print(f"\npublic labelled data from ${EXTRA_ENV} ({len(data)} messages; name its source")
        print("and licence when you report these figures):")
        for subject in subjects:
            t = evaluate_extra(subject, data)
            print(
                f"  {subject.name:18s} precision {fmt(t.precision())} recall {fmt(t.recall())} "
                f"F1 {fmt(t.f1())} (TP {t.tp} FP {t.fp} FN {t.fn} TN {t.tn})"
            )
    if misses:
        print("\nmisses and false alarms (--show-misses):")
        for line in misses:
            print(line)


if __name__ == "__main__":
    main()
