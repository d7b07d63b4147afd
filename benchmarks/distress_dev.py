"""Development numbers for the crisis detector on labelled JSONL files (never the evaluation
corpus: that one is run by the lead at merge, with benchmarks/distress_eval.py).

    .venv/bin/python -m benchmarks.distress_dev FOLDER_OR_FILE... [--show misses,alarms]
        [--rules-only | --with-model-only] [--parity even|odd] [--cues]

Each line: {"lang", "set", "level", "alert", "text"} and, for the context sets, "context" (the
member's earlier messages, oldest first). `alert` true: a crisis the bot must alert on; false: it
must not; null (the "lower" set): either answer is acceptable, counted apart. Reported: recall
per set, language and C-SSRS level; false alarms per language; precision and F1 overall; for
the rules alone and for the rules with the learned model, as the bot runs them.

Meant for development data (benchmarks/data/distress_train/, blind-written chat sets): it may
print the messages it misses (--show), which the evaluation corpus must never be exposed to.

`--parity even|odd` keeps the rows whose id ends in an even (odd) number: a blind development set
split in two, the even half read freely, the odd half a held-out check seen only in aggregate
(with `--parity odd`, --show and --cues are refused). `--cues` counts the false alarms by the
kind of cue that raised them (the family to fix, not the sentence).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cogs.escalation.detection import Detector, Lexicon

EVAL_FOLDER = "distress_eval"
NEGATIVE_SETS = frozenset({"negative", "context_negative"})  # what must never alert
_ID_NUMBER = re.compile(r"(\d+)$")


def parity_of(row: dict[str, Any]) -> str:
    """ "even" or "odd": the parity of the number that ends the row's id ("d3en-0042": even)."""
    found = _ID_NUMBER.search(str(row.get("id", "")))
    if found is None:
        raise SystemExit(f"an id without a number: {row.get('id')!r}")
    return "odd" if int(found.group(1)) % 2 else "even"


def rows(paths: list[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            if EVAL_FOLDER in file.parts:
                raise SystemExit("the evaluation corpus is not development data")
            with file.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        row = json.loads(line)
                        row["_file"] = file.name
                        yield row


def alerts(detector: Detector, row: dict[str, Any]) -> tuple[bool, str, str]:
    """Whether the row alerts, "level: cue", and the kind of the deciding cue."""
    context = row.get("context") or []
    if context:
        found = detector.scan_context(context, row["text"])
    else:
        found = detector.scan(row["text"])
    if found is None or not found.alert:
        return False, "", ""
    entry = getattr(found.best, "entry", None)
    kind = entry.kind if entry is not None else "learned"
    if getattr(found.best, "combined", False):
        kind += " (combined)"
    return True, f"{found.level}: {found.cue}", kind


class Tally:
    def __init__(self) -> None:
        self.hit: dict[str, int] = defaultdict(int)
        self.total: dict[str, int] = defaultdict(int)

    def add(self, key: str, ok: bool) -> None:
        self.total[key] += 1
        self.hit[key] += ok

    def rate(self, key: str) -> str:
        n = self.total[key]
        return f"{self.hit[key] / n:5.2f} ({self.hit[key]}/{n})" if n else "   -"


def report(
    name: str, detector: Detector, data: list[dict[str, Any]], show: set[str], cues: bool = False
) -> None:
    recall, alarms, lower = Tally(), Tally(), Tally()
    by_kind: dict[str, int] = defaultdict(int)
    tp = fp = fn = fp_neg = 0
    for row in data:
        said, cue, kind_of_cue = alerts(detector, row)
        lang, kind, level = row["lang"], row["set"], row.get("level", "none")
        if row["alert"] is None:
            lower.add(lang, said)
            continue
        if row["alert"]:
            tp += said
            fn += not said
            for key in ("all", lang, f"{kind}", f"{kind}/{lang}", f"level {level}"):
                recall.add(key, said)
            recall.add(f"level {level}/{lang}", said)
            if not said and "misses" in show:
                context = " | ".join(row.get("context") or [])
                print(
                    f"  MISS {lang} {kind} {level}: {row['text']!r}"
                    + (f" [{context}]" * bool(context))
                )
        else:
            fp += said
            if said:
                by_kind[kind_of_cue] += 1
            for key in ("all", lang, kind, f"{kind}/{lang}"):
                alarms.add(key, said)
            if kind in NEGATIVE_SETS:
                fp_neg += said
                for key in ("negative + context_negative", f"negative + context_negative/{lang}"):
                    alarms.add(key, said)
            if said and "alarms" in show:
                print(f"  ALARM {lang} {kind}: {row['text']!r} -> {cue}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    whole = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * whole / (precision + whole) if precision + whole else 0.0
    print(f"\n== {name}: precision {precision:.3f}  recall {whole:.3f}  F1 {f1:.3f}")
    strict = tp / (tp + fp_neg) if tp + fp_neg else 0.0
    f1_neg = 2 * strict * whole / (strict + whole) if strict + whole else 0.0
    print(f"   without the 'lower' set as negatives: precision {strict:.3f}  F1 {f1_neg:.3f}")
    print("  recall:")
    for key in sorted(recall.total, key=lambda k: (k.startswith("level"), k)):
        print(f"    {key:32s} {recall.rate(key)}")
    print("  false alarms:")
    for key in sorted(alarms.total):
        print(f"    {key:32s} {alarms.rate(key)}")
    print("  'lower' set alerting (either answer acceptable):")
    for key in sorted(lower.total):
        print(f"    {key:32s} {lower.rate(key)}")
    if cues:
        print("  false alarms by the kind of cue:")
        for kind, n in sorted(by_kind.items(), key=lambda item: -item[1]):
            print(f"    {kind:32s} {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--show", default="", help="misses,alarms: print them")
    parser.add_argument("--rules-only", action="store_true")
    parser.add_argument("--with-model-only", action="store_true")
    parser.add_argument("--parity", choices=("even", "odd"), help="keep these ids only")
    parser.add_argument("--cues", action="store_true", help="false alarms by kind of cue")
    args = parser.parse_args()
    data = list(rows(args.paths))
    show = set(filter(None, args.show.split(",")))
    if args.parity:
        data = [row for row in data if parity_of(row) == args.parity]
        if args.parity == "odd" and (show or args.cues):
            raise SystemExit("the odd half is a held-out check: aggregates only")
    lexicon = Lexicon.load()
    if not args.with_model_only:
        report("rules alone", Detector(lexicon, learned=None), data, show, args.cues)
    if not args.rules_only:
        report("rules + learned model", Detector(lexicon), data, show, args.cues)


if __name__ == "__main__":
    main()
