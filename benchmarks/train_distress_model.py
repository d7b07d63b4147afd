"""Train the learned second signal of the crisis detector (issue 16), offline and reproducibly.

    PYTHONPATH=. .venv/bin/python -m benchmarks.train_distress_model [--validate-only]

Writes cogs/escalation/data/model/weights.bin (read at run time by
cogs/escalation/detection/learned.py, pure Python). Needs numpy (a development dependency only).

Data, all CC0 and the team's own (never benchmarks/data/distress_eval/, the evaluation corpus):
tests/escalation/data/corpus.jsonl, dev_en.jsonl, dev_es.jsonl, dev_blind_a.jsonl, dev_blind_b.jsonl
and benchmarks/data/distress_train/en.jsonl, es.jsonl, chat_en.jsonl, chat_es.jsonl (written blind
from published guidance), everyday.jsonl (everyday negatives) and blind_dev2_*/blind_dev3_*/
blind_dev4_*/blind_dev5_*.jsonl (four blind development sets, retired to training); and, when
REDDIT_CSSRS_CSV (or --reddit-cssrs) names it, the Reddit C-SSRS set (Gaur et al., WWW 2019,
CC BY 4.0; outside data, never committed, see --help). A
message is positive when it should alert at a C-SSRS level that alerts (wish to be dead and up,
self-injury), or a lower signal (hopelessness, burdensomeness, entrapment) said with finality (an
`indirect` or `context` line that alerts); negative when it should not alert; a line whose answer
is open is left out. The level head learns the alerting levels only. A line with earlier
messages is learned as they read together, as the detector reads it.

Procedure: hyper-parameters and the threshold are chosen by cross-validation that holds out one
whole file (one writer, one batch) at a time: each file is scored by a model trained without it,
and the threshold is the lowest that keeps false alarms on those held-out negatives at or below
--max-false-alarms. The agreement threshold (what the model must reach to agree with an alert the
rules raised from weaker cues only; learned.agreed) is the highest at which at most
--max-agreement-loss of the rules' held-out true alerts of that kind score below it. The shipped
model is then trained on every file with the chosen values. No
randomness is used (full-batch optimisation from zero weights): the same data gives the same
bytes.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import reddit_cssrs
from benchmarks.distress_model_fit import (
    featurise,
    fit_binary,
    fit_levels,
    predict,
    stack,
    write,
)
from cogs.escalation.detection.learned import (
    CONTEXT_MESSAGES,
    MIN_WORDS,
    WEIGHTS,
    LearnedModel,
    tokens,
)
from cogs.escalation.detection.model import LEVEL_SEVERITY, LOWER_LEVELS, MEDIUM

ROOT = Path(__file__).resolve().parent.parent
TEAM = ROOT / "tests" / "escalation" / "data"
TRAIN = ROOT / "benchmarks" / "data" / "distress_train"
FILES = {
    "corpus": TEAM / "corpus.jsonl",
    "dev_en": TEAM / "dev_en.jsonl",
    "dev_es": TEAM / "dev_es.jsonl",
    "dev_blind_a": TEAM / "dev_blind_a.jsonl",
    "dev_blind_b": TEAM / "dev_blind_b.jsonl",
    "train_en": TRAIN / "en.jsonl",
    "train_es": TRAIN / "es.jsonl",
    "chat_en": TRAIN / "chat_en.jsonl",
    "chat_es": TRAIN / "chat_es.jsonl",
    "everyday": TRAIN / "everyday.jsonl",
    "blind_dev2_en": TRAIN / "blind_dev2_en.jsonl",
    "blind_dev2_es": TRAIN / "blind_dev2_es.jsonl",
    "blind_dev3_en": TRAIN / "blind_dev3_en.jsonl",
    "blind_dev3_es": TRAIN / "blind_dev3_es.jsonl",
    "blind_dev4_en": TRAIN / "blind_dev4_en.jsonl",
    "blind_dev4_es": TRAIN / "blind_dev4_es.jsonl",
    "blind_dev5_en": TRAIN / "blind_dev5_en.jsonl",
    "blind_dev5_es": TRAIN / "blind_dev5_es.jsonl",
}
ALERT_LEVELS = tuple(lv for lv, s in LEVEL_SEVERITY.items() if s >= MEDIUM)
# Levels some blind sets name otherwise: a goodbye with finality is preparatory behaviour (C-SSRS).
LEVEL_ALIASES = {"goodbye": "preparatory"}
# A lower signal said with finality ("I'm a burden, but not for much longer"): the blind sets label
# it `indirect` (or `context`) with its lower level, and it must alert. Learned as a positive (the
# model is what agrees with the rules on these); the level head learns only the alerting levels.
FINAL_SETS = frozenset({"indirect", "context"})
CORPUS_LEVELS = {  # corpus.jsonl names a category, not a level
    "suicidal_ideation": "active_thoughts",
    "intent_or_plan": "intent",
    "self_harm": "nssi",
}


@dataclass
class Row:
    group: str
    lang: str
    set: str
    text: str  # with its earlier messages, as they are read together
    label: int
    level: str
    last: str = ""  # the message itself
    earlier: list[str] = field(default_factory=list)  # the member's earlier messages
    weight: float = 1.0  # within its class, in the first head (outside data weighs less)


def read_rows(name: str, path: Path) -> list[Row]:
    rows: list[Row] = []
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        alert = raw.get("alert")
        if alert is None:
            continue
        if "label" in raw and "set" not in raw:  # corpus.jsonl
            level = "none" if not alert else CORPUS_LEVELS.get(raw.get("category", ""), "")
            kind = str(raw.get("kind", ""))
            if alert and not level:
                continue  # a lower signal alone
            text = str(raw["text"])
            rows.append(Row(name, "en", kind, text, int(bool(alert)), level, text))
            continue
        level = str(raw.get("level") or "none")
        level = LEVEL_ALIASES.get(level, level)
        if alert and level in LOWER_LEVELS and raw.get("set") not in FINAL_SETS:
            continue
        if alert and level not in ALERT_LEVELS and level not in LOWER_LEVELS:
            continue
        context = [str(c) for c in raw.get("context") or []][-CONTEXT_MESSAGES:]
        text = " \n ".join([*context, str(raw["text"])])
        rows.append(
            Row(
                name,
                str(raw.get("lang", "en")),
                str(raw.get("set", "")),
                text,
                int(bool(alert)),
                level if alert else "none",
                str(raw["text"]),
                context,
            )
        )
    return rows


def reddit_rows(path: Path, weight: float) -> list[Row]:
    """The Reddit C-SSRS set's sentences as training rows (benchmarks/reddit_cssrs.py)."""
    found = reddit_cssrs.examples(path, min_words=MIN_WORDS)
    return [Row(reddit_cssrs.GROUP, "en", u, t, y, "none", t, weight=weight) for t, y, u in found]


# ---------------------------------------------------------------------------- validation


@dataclass
class Settings:
    size: int = 1 << 18
    level_size: int = 1 << 16
    l2: float = 3e-5
    negative_weight: float = 1.0
    steps: int = 300
    level_l2: float = 3e-5


@dataclass
class Held:
    """Each row scored by a model trained without its file: read together with its earlier
    messages (`joint`), and for a row with earlier messages, alone and the earlier alone."""

    joint: np.ndarray
    alone: np.ndarray
    before: np.ndarray
    levels: list[str] = field(default_factory=list)

    def scores(self, rows: list[Row], threshold: float) -> np.ndarray:
        """As LearnedModel.signal_context reads them: together, unless the earlier messages
        reach the threshold alone, then the last one alone; nothing under MIN_WORDS words."""
        out = self.joint.copy()
        for i, row in enumerate(rows):
            text = row.text
            if row.earlier and self.before[i] >= threshold:
                out[i], text = self.alone[i], row.last
            if len(tokens(text)) < MIN_WORDS:  # too few words: the model does not speak
                out[i] = 0.0
        return out

    def calibrate(self, rows: list[Row], max_fa: float) -> tuple[np.ndarray, float]:
        """The threshold (at most `max_fa` of the negatives at or above it) and the scores."""
        y = np.array([r.label for r in rows])
        threshold = threshold_for(self.joint, y, max_fa)
        for _ in range(3):  # the scores depend on the threshold a little: settle it
            scores = self.scores(rows, threshold)
            threshold = threshold_for(scores, y, max_fa)
        return self.scores(rows, threshold), threshold


def threshold_for(scores: np.ndarray, labels: np.ndarray, max_fa: float) -> float:
    """The lowest threshold at which at most `max_fa` of the negatives score at or above it."""
    negatives = np.sort(scores[labels == 0])[::-1]
    allowed = int(np.floor(max_fa * len(negatives)))
    if allowed >= len(negatives):
        return 0.5
    # strictly above the (allowed+1)-th highest negative
    return float(np.nextafter(negatives[allowed], 1.0))


def cross_validate(
    rows: list[Row],
    settings: Settings,
    groups: Sequence[str],
    *,
    levels: bool = False,
    extra: Sequence[Row] = (),
) -> Held:
    """`extra`: outside rows (the Reddit C-SSRS set) in every fold's training, never held out,
    scored or calibrated on."""
    x = featurise([r.text for r in rows], settings.size)
    y = np.array([r.label for r in rows])
    x_extra = featurise([r.text for r in extra], settings.size)
    y_extra = np.array([r.label for r in extra], dtype=y.dtype)
    w_extra = np.array([r.weight for r in extra])
    scores = np.zeros(len(rows))
    alone = np.zeros(len(rows))
    before = np.zeros(len(rows))
    level_names = [""] * len(rows)
    xl = featurise([r.text for r in rows], settings.level_size) if levels else None
    for group in groups:
        held = np.array([i for i, r in enumerate(rows) if r.group == group])
        if not len(held):
            continue
        kept = np.array([i for i, r in enumerate(rows) if r.group != group])
        xk, yk, wk = x.take(kept), y[kept], None
        if extra:
            xk, yk = stack(xk, x_extra), np.concatenate([yk, y_extra])
            wk = np.concatenate([[rows[i].weight for i in kept], w_extra])
        w, b = fit_binary(xk, yk, settings.l2, settings.negative_weight, settings.steps, wk)
        scores[held] = predict(x.take(held), w, b)
        for i in held:  # a message after earlier ones: also read alone, and the earlier alone
            row = rows[i]
            if row.earlier:
                earlier = " \n ".join(row.earlier)
                alone[i], before[i] = predict(featurise([row.last, earlier], settings.size), w, b)
        if xl is not None:
            positives = np.array([i for i in kept if rows[i].level in ALERT_LEVELS])
            labels = np.array([ALERT_LEVELS.index(rows[i].level) for i in positives])
            lw, lb = fit_levels(
                xl.take(positives), labels, len(ALERT_LEVELS), settings.level_l2, settings.steps
            )
            z = xl.take(held).dot(lw) + lb
            for i, k in zip(held, z.argmax(axis=1), strict=True):
                level_names[i] = ALERT_LEVELS[k]
    return Held(scores, alone, before, level_names)


def rules_alone(rows: list[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What today's rules say on each row: an alert, whether they found anything at all (the
    model then leaves the row to them), and whether their alert needs the model's agreement
    (raised from weaker cues only: learned.needs_agreement)."""
    from cogs.escalation.detection import Detector, Lexicon
    from cogs.escalation.detection.learned import needs_agreement

    detector = Detector(Lexicon.load(), learned=None)
    alerts, spoke, weaker = [], [], []
    for row in rows:
        if row.earlier:
            found = detector.scan_context(row.earlier, row.last)
        else:
            found = detector.scan(row.last)
        alerts.append(found is not None and found.alert)
        spoke.append(found is not None)
        weaker.append(found is not None and needs_agreement(found))
    return np.array(alerts), np.array(spoke), np.array(weaker)


def agreement_scores(rows: list[Row], held: Held) -> np.ndarray:
    """What ``agreed`` reads: the message alone, or read with the earlier ones, whichever is
    higher (the joint score is the message alone when it has none)."""
    joint, alone = held.joint, held.alone
    pairs = enumerate(rows)
    return np.array([max(joint[i], alone[i]) if r.earlier else joint[i] for i, r in pairs])


def agreement_for(rows: list[Row], held: Held, weaker: np.ndarray, max_loss: float) -> float:
    """The agreement threshold: the highest at which at most `max_loss` of the held-out true
    alerts that the rules raise from weaker cues fall below it (the model's veto on them)."""
    y = np.array([r.label for r in rows])
    kept = agreement_scores(rows, held)[(y == 1) & weaker]
    if not len(kept):
        return 0.0
    return float(np.quantile(kept, max_loss))


def report(
    rows: list[Row],
    held: Held,
    scores: np.ndarray,
    threshold: float,
    title: str,
    max_loss: float,
) -> float:
    """Per held-out file, language and set: the rules alone, the model alone (scored by a model
    trained without that file), the two combined (the model speaks where the rules found
    nothing), and combined with the agreement the rules' weaker alerts need, as the detector
    runs them. Returns the agreement threshold."""
    rules, spoke, weaker = rules_alone(rows)
    agreement = agreement_for(rows, held, weaker, max_loss)
    model = scores >= threshold
    both = rules | (model & ~spoke)
    agreeing = (rules & ~(weaker & (agreement_scores(rows, held) < agreement))) | (model & ~spoke)
    print(
        f"\n{title} (threshold {threshold:.3f}, agreement {agreement:.3f}); the rate is recall, "
        "or false alarms (FA)"
    )
    by: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by[f"{r.group:12s} {r.lang} {r.set}"].append(i)
    print(
        f"  {'held-out file / lang / set':36s} {'n':>4s}  {'rules':>6s} {'model':>6s} {'both':>6s}"
        f" {'agreed':>6s}"
    )
    for key in sorted(by):
        idx = np.array(by[key])
        kind = "recall" if rows[idx[0]].label else "FA"
        print(
            f"  {key:36s} {len(idx):4d}  {rules[idx].mean():6.3f} {model[idx].mean():6.3f} "
            f"{both[idx].mean():6.3f} {agreeing[idx].mean():6.3f} {kind}"
        )
    y = np.array([r.label for r in rows])
    for name, alerted in (("rules", rules), ("model", model), ("both", both), ("agreed", agreeing)):
        print(
            f"  all, {name:6s}: recall {alerted[y == 1].mean():.3f} "
            f"({alerted[y == 1].sum()}/{(y == 1).sum()}), false alarms "
            f"{alerted[y == 0].mean():.4f} ({alerted[y == 0].sum()}/{(y == 0).sum()})"
        )
    if held.levels and any(held.levels):
        right = [held.levels[i] == r.level for i, r in enumerate(rows) if r.level in ALERT_LEVELS]
        print(f"  level head on held-out positives: {np.mean(right):.3f} exact")
    return agreement


def main() -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog=reddit_cssrs.HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--max-false-alarms", type=float, default=0.01)
    parser.add_argument(
        "--max-agreement-loss",
        type=float,
        default=0.02,
        help="share of the rules' held-out true alerts from weaker cues the model may veto",
    )
    parser.add_argument("--validate-only", action="store_true")
    parser.add_argument(
        "--chosen",
        nargs=2,
        type=float,
        metavar=("THRESHOLD", "AGREEMENT"),
        help="the threshold and agreement a cross-validation of the same data printed: the "
        "shipped model is fitted with them, without cross-validating again (it takes long)",
    )
    parser.add_argument("--grid", action="store_true", help="try the hyper-parameter grid")
    parser.add_argument(
        "--reddit-cssrs",
        type=Path,
        default=os.environ.get(reddit_cssrs.ENV) or None,
        help=f"the Reddit C-SSRS CSV (default: ${reddit_cssrs.ENV}; see below)",
    )
    parser.add_argument(
        "--reddit-weight",
        type=float,
        default=reddit_cssrs.WEIGHT,
        help="weight of one Reddit sentence against one of the project's messages",
    )
    args = parser.parse_args()

    rows = [r for name, path in FILES.items() for r in read_rows(name, path)]
    extra = reddit_rows(args.reddit_cssrs, args.reddit_weight) if args.reddit_cssrs else []
    groups = [name for name in FILES if any(r.group == name for r in rows)]
    y = np.array([r.label for r in rows])
    print(
        f"{len(rows)} training messages ({int(y.sum())} positive, {int((1 - y).sum())} negative) "
        f"from {', '.join(groups)}"
    )
    candidates = [Settings()]
    if args.grid:
        candidates = [
            Settings(l2=l2, negative_weight=nw) for l2 in (1e-5, 3e-5, 1e-4) for nw in (1.0, 2.0)
        ]
    if args.chosen is not None:
        threshold, agreement = args.chosen
        fit_and_write(args, rows, extra, groups, Settings(), threshold, agreement)
        return
    best: tuple[float, Settings, Held] | None = None
    for settings in candidates:
        # the level head too when there is nothing to choose (it is the same either way)
        held = cross_validate(rows, settings, groups, levels=len(candidates) == 1, extra=extra)
        scores, threshold = held.calibrate(rows, args.max_false_alarms)
        recall = float((scores[y == 1] >= threshold).mean())
        print(
            f"  l2={settings.l2:g} negative_weight={settings.negative_weight:g}: "
            f"held-out recall {recall:.3f} at threshold {threshold:.3f}"
        )
        if best is None or recall > best[0]:
            best = (recall, settings, held)
    assert best is not None
    _, settings, held = best
    if len(candidates) > 1:
        held = cross_validate(rows, settings, groups, levels=True, extra=extra)
    scores, threshold = held.calibrate(rows, args.max_false_alarms)
    agreement = report(
        rows, held, scores, threshold, "held out one file at a time", args.max_agreement_loss
    )
    if args.validate_only:
        return
    fit_and_write(args, rows, extra, groups, settings, threshold, agreement)


def fit_and_write(
    args: argparse.Namespace,
    rows: list[Row],
    extra: list[Row],
    groups: list[str],
    settings: Settings,
    threshold: float,
    agreement: float,
) -> None:
    x = featurise([r.text for r in rows], settings.size)
    every = [*rows, *extra]  # the Reddit rows (if any) weigh --reddit-weight each
    xe = stack(x, featurise([r.text for r in extra], settings.size)) if extra else x
    ye, we = np.array([r.label for r in every]), np.array([r.weight for r in every])
    w, b = fit_binary(
        xe, ye, settings.l2, settings.negative_weight, settings.steps, we if extra else None
    )
    positives = np.array([i for i, r in enumerate(rows) if r.level in ALERT_LEVELS])
    xl = featurise([rows[i].text for i in positives], settings.level_size)
    labels = np.array([ALERT_LEVELS.index(rows[i].level) for i in positives])
    lw, lb = fit_levels(xl, labels, len(ALERT_LEVELS), settings.level_l2, settings.steps)
    meta = {
        "trained_on": {g: sum(r.group == g for r in rows) for g in groups},
        "l2": settings.l2,
        "negative_weight": settings.negative_weight,
        "steps": settings.steps,
        "max_false_alarms": args.max_false_alarms,
    }
    meta["max_agreement_loss"] = args.max_agreement_loss
    if extra:  # CC BY 4.0: the attribution travels with the weights
        meta["trained_on"] = {**meta["trained_on"], reddit_cssrs.GROUP: len(extra)}  # type: ignore[dict-item]
        meta["reddit_weight"] = args.reddit_weight
        meta["attribution"] = reddit_cssrs.SOURCE
    sizes = (settings.size, settings.level_size)
    write(args.out, sizes, ALERT_LEVELS, w, b, threshold, agreement, lw, lb, meta)
    model = LearnedModel.load(args.out)
    drift = max(
        abs(model.probability(r.text) - p) for r, p in zip(rows, predict(x, w, b), strict=True)
    )
    print(
        f"\nwrote {args.out} ({args.out.stat().st_size} bytes); largest difference between "
        f"numpy and the shipped pure-Python scores: {drift:.4f}"
    )


if __name__ == "__main__":
    main()
