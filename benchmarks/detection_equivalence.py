"""Does the crisis detector still give exactly the same results? For speed work on
``cogs/escalation/detection``: record a digest of every result once, change the code, compare.

    .venv/bin/python -m benchmarks.detection_equivalence record /tmp/baseline.json
    .venv/bin/python -m benchmarks.detection_equivalence compare /tmp/baseline.json

Inputs: every text of tests/escalation/data/*.jsonl and benchmarks/data/distress_eval/*.jsonl and
their "context" lists, each read by ``Detector.scan`` (alone, with a server's phrase set, and in a
few spellings: upper case, without punctuation, joined with its neighbours) and, where it has
context, by ``Detector.scan_context``; each context item by ``scan`` and by ``scan_context`` after
the items before it; and the normaliser's ``key`` / ``haystack`` / ``tokens`` of each text. Each
result is digested whole (severity, category, level, modifiers, cue, language, context, every
match and every signal's fields). Only counts and item ids are printed, never a message's text:
the evaluation corpus stays unread by the people tuning the detector. Keep the baseline file
outside the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cogs.escalation.detection import CATEGORIES, Detector, Lexicon, PhraseSet

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "tests" / "escalation" / "data", ROOT / "benchmarks" / "data" / "distress_eval")
_SIGNAL_FIELDS = ("base", "explicit", "weak", "distant", "combined", "context", "category")


def texts() -> Iterator[tuple[str, str, list[str]]]:
    """(id, text, context) of every line of the data files."""
    for folder in SOURCES:
        for path in sorted(folder.glob("*.jsonl")):
            with path.open(encoding="utf-8") as file:
                for number, line in enumerate(file, 1):
                    if not line.strip():
                        continue
                    row = json.loads(line)
                    ident = f"{folder.name}/{path.stem}:{row.get('id', number)}"
                    yield ident, row["text"], list(row.get("context") or [])


def described(found: Any) -> Any:
    """Everything a scan returns, as plain data."""
    if found is None:
        return None
    matches = []
    for m in found.matches:
        p = m.phrase
        matches.append(
            [
                [p.text, p.key, p.category, p.severity, p.explicit, p.server, p.level, p.source],
                [p.lang, m.start, m.end, sorted(m.modifiers), m.severity, m.level, m.cue],
                m.context,
            ]
        )
    signals = [
        [getattr(s, name, None) for name in _SIGNAL_FIELDS]
        + [sorted(s.modifiers), s.severity, s.level, s.start, s.end, s.cue, s.entry.kind]
        for s in found.found
    ]
    best = found.best
    return [
        found.severity,
        found.category,
        found.threshold,
        found.level,
        sorted(found.modifiers),
        found.context,
        found.lang,
        found.alert,
        found.cue,
        None if best is None else [best.severity, best.level, best.start, best.end, best.cue],
        matches,
        signals,
    ]


def digest(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()[:16]


def server_phrases(detector: Detector) -> PhraseSet:
    """A server's own phrase set: a few hundred moderator phrases (some of them also in the
    lexicon, most not)."""
    rng = random.Random(16)
    verbs = ("want to", "going to", "thinking about", "ready to", "wish i could", "quiero")
    acts = ("disappear", "end", "vanish", "give up", "fade", "hide", "irme", "desaparecer")
    objects = ("everything", "it all", "for good", "forever", "tonight", "the pain", "alone")
    phrases = list(detector.lexicon.phrases[:: max(1, len(detector.lexicon.phrases) // 150)])
    out = [detector.phrase(p.text, p.category, p.severity) for p in phrases]
    for _ in range(300):
        text = f"{rng.choice(verbs)} {rng.choice(acts)} {rng.choice(objects)}"
        out.append(detector.phrase(text, rng.choice(CATEGORIES), rng.randint(1, 4)))
    return detector.compile(out)


def results(detector: Detector) -> dict[str, str]:
    extra = server_phrases(detector)
    normaliser = detector.normaliser
    rows = list(texts())
    out: dict[str, str] = {}
    for index, (ident, text, context) in enumerate(rows):
        neighbour = rows[(index + 1) % len(rows)][1]
        variants = {
            "scan": text,
            "upper": text.upper(),
            "bare": "".join(c for c in text if c.isalnum() or c.isspace()),
            "joined": f"{text} {neighbour}",
        }
        for name, variant in variants.items():
            out[f"{ident}:{name}"] = digest(described(detector.scan(variant)))
        out[f"{ident}:extra"] = digest(described(detector.scan(text, extra)))
        out[f"{ident}:norm"] = digest(
            [normaliser.key(text), normaliser.haystack(text), normaliser.tokens(text)]
        )
        if context:
            out[f"{ident}:context"] = digest(described(detector.scan_context(context, text)))
            out[f"{ident}:context_extra"] = digest(
                described(detector.scan_context(context, text, extra))
            )
            for i, item in enumerate(context):
                out[f"{ident}:c{i}:scan"] = digest(described(detector.scan(item)))
                out[f"{ident}:c{i}:context"] = digest(
                    described(detector.scan_context(context[:i], item))
                )
    # the same again with every cache warm: a result must not depend on what came before
    again = {k: v for k, v in out.items()}
    for ident, text, context in rows:
        if digest(described(detector.scan(text))) != again[f"{ident}:scan"]:
            out[f"{ident}:warm"] = "differs when warm"
        if (
            context
            and digest(described(detector.scan_context(context, text))) != again[f"{ident}:context"]
        ):
            out[f"{ident}:warm_context"] = "differs when warm"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("mode", choices=("record", "compare"))
    parser.add_argument("baseline", type=Path, help="a JSON file outside the repository")
    args = parser.parse_args()
    now = results(Detector(Lexicon.load()))
    if args.mode == "record":
        args.baseline.parent.mkdir(parents=True, exist_ok=True)
        args.baseline.write_text(json.dumps(now, sort_keys=True, indent=0), encoding="utf-8")
        warm = sum(1 for v in now.values() if v == "differs when warm")
        print(f"recorded {len(now)} results ({warm} differ when warm) to {args.baseline}")
        return
    before: dict[str, str] = json.loads(args.baseline.read_text(encoding="utf-8"))
    changed = sorted(k for k in before.keys() & now.keys() if before[k] != now[k])
    missing = sorted(before.keys() - now.keys())
    added = sorted(now.keys() - before.keys())
    print(
        f"{len(before)} results recorded, {len(now)} now: {len(changed)} differ, "
        f"{len(missing)} missing, {len(added)} new"
    )
    for key in (changed + missing + added)[:40]:
        print(f"  {key}")  # ids only, never text
    sys.exit(1 if changed or missing or added else 0)


if __name__ == "__main__":
    main()
