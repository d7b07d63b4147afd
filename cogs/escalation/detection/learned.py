"""The learned second signal (issue 16): a small linear model beside the rules.

Logistic regression over hashed features of the accent-folded text: words, pairs of neighbouring
words, pairs of words one apart, the character 3- to 5-grams of each word ("<morfina>" gives "<mo",
"mor", ..., "ina>"), and word classes (a small vocabulary in the weights file: means, a time,
farewells, first person, negation, ...) with each pair of classes the message holds ("first person
and means and a time" is more than each of them alone), English and Spanish in one model. A
second, multinomial head names the C-SSRS level the message most resembles.
The weights ship in the package (``data/model/weights.bin``: a JSON header, then little-endian
int16 arrays read with ``array``) and are trained offline by benchmarks/train_distress_model.py;
nothing is downloaded, nothing is learned at run time. Pure Python: no numpy at run time.

    model = LearnedModel.load()
    signal = model.signal("I've said my goodbyes, there's no point anymore")
    signal.probability, signal.level, signal.terms   # 0.93, "preparatory", ("no point", ...)

``raise_detection`` combines it with the rules' finding: the model speaks only where the rules
found nothing, turning that silence into an alert at the level it names; whatever the rules found
(an alert, or a signal they kept below their threshold on purpose) stands as they found it, but
for an alert they raised from weaker cues only (a lower signal with finality, a veiled sign, a weak
sign completed by distress, a statement lowered by a modifier): it alerts when the model agrees
(``agreed``; an explicit statement of the member's own, now, never needs it).
The features are defined in ``learned_features``, which also scores a message from caches (each
piece as typed and each word worked out once): the same bits as scoring feature by feature, for a
dictionary look-up per piece and two CRC-32s per word.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import exp, inf, log, log1p, sqrt
from pathlib import Path
from typing import Self

from cogs.escalation.detection.learned_features import (
    CACHE_LIMIT,
    CHAR_MAX,
    CHAR_MIN,
    CLASS_COUNT,
    MAX_WORD_CHARS,
    SKIP_COUNT,
    WORD_COUNT,
    Classes,
    Entry,
    Scorer,
    bucket,
    class_pairs,
    fold,
    invert,
    pair_feature,
    skip_feature,
    tokens,
    units,
    word_features,
)
from cogs.escalation.detection.model import (
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LOWER_LEVELS,
    Detection,
    Match,
    Phrase,
)
from cogs.escalation.detection.signals import Signal as RuleSignal
from cogs.escalation.detection.vocabulary import PHRASE_KIND

__all__ = [  # the feature definitions live in learned_features; training imports them from here
    "AGREEMENT",
    "CACHE_LIMIT",
    "CHAR_MAX",
    "CHAR_MIN",
    "CLASS_COUNT",
    "CONTEXT_MESSAGES",
    "FEATURES",
    "MAGIC",
    "MAX_WORD_CHARS",
    "MIN_WORDS",
    "SKIP_COUNT",
    "WEIGHTS",
    "WORD_COUNT",
    "Classes",
    "LearnedModel",
    "Signal",
    "agreed",
    "bucket",
    "class_pairs",
    "fold",
    "invert",
    "needs_agreement",
    "pair_feature",
    "raise_detection",
    "skip_feature",
    "stands",
    "tokens",
    "units",
    "word_features",
]

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "model"
WEIGHTS = MODEL_DIR / "weights.bin"
MAGIC = b"PSBLM1\n"
FEATURES = 2  # the feature set's version: a weights file of another one is refused
CUE_TERMS = 3
MIN_WORDS = 4  # fewer words are too little for a bag of words ("the bridge"): the rules' alone
MIN_TERM_CHARS = 3  # "i", "me", "ya" alone say nothing to a moderator
CONTEXT_MESSAGES = 3  # earlier messages read with the last one
# The probability at which the model agrees with an alert the rules raised from weaker cues
# (``agreed``): chosen by cross-validation when the model is trained (the weights file's
# "agreement"); this value for a file without one.
AGREEMENT_DEFAULT = 0.10
SOURCE = "learned"


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + exp(-z))
    e = exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class Signal:
    probability: float
    level: str  # the level the level head names; "" below the threshold or under MIN_WORDS
    level_probability: float
    terms: tuple[str, ...]  # the words and pairs that added most to the score, strongest first
    context: bool = False  # read together with the member's earlier messages

    def cue(self) -> str:
        """What a moderator reads: "learned signal 0.91: 'no point', 'goodbye'"."""
        text = f"learned signal {self.probability:.2f}"
        if self.terms:
            text += ": " + ", ".join(f"'{t}'" for t in self.terms)
        return text


class LearnedModel:
    def __init__(
        self,
        *,
        size: int,
        weights: array,
        scale: float,
        bias: float,
        threshold: float,
        agreement: float = AGREEMENT_DEFAULT,
        levels: Sequence[str] = (),
        level_size: int = 0,
        level_weights: Sequence[array] = (),
        level_scale: float = 1.0,
        level_bias: Sequence[float] = (),
        classes: Mapping[str, Sequence[str]] | None = None,
        meta: dict[str, object] | None = None,
    ) -> None:
        """`classes`: each class's words (folded), as the weights file's header gives them."""
        if size & (size - 1) or len(weights) != size:
            raise ValueError("the model's size must be a power of two, its weights that long")
        self.size = size
        self._weights = weights
        self._scale = scale
        self.bias = bias
        self.threshold = threshold
        self.agreement = agreement  # what agreeing with the rules' weaker cues takes
        self.levels = tuple(levels)
        self._level_size = level_size
        self._level_weights = tuple(level_weights)
        self._level_scale = level_scale
        self._level_bias = tuple(level_bias)
        self.classes = invert(classes or {})
        self.meta = meta or {}
        self._scorer = Scorer(weights, size, scale, self.classes, level_weights, level_size)
        self._below = _below(threshold)

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Self:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            raise ValueError(f"{path} is not a learned-signal weights file")
        (length,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + length])
        if header.get("features", 1) != FEATURES:
            raise ValueError(f"{path} was trained on other features: retrain it")
        offset = start + length

        def read(n: int) -> array:
            nonlocal offset
            values = array("h")
            values.frombytes(data[offset : offset + 2 * n])
            if sys.byteorder != "little":
                values.byteswap()
            offset += 2 * n
            return values

        size = int(header["size"])
        weights = read(size)
        levels = [str(level) for level in header.get("levels", [])]
        level_size = int(header.get("level_size", 0))
        level_weights = [read(level_size) for _ in levels]
        if offset != len(data):
            raise ValueError(f"{path}: {len(data) - offset} bytes left over")
        return cls(
            size=size,
            weights=weights,
            scale=float(header["scale"]),
            bias=float(header["bias"]),
            threshold=float(header["threshold"]),
            agreement=float(header.get("agreement", AGREEMENT_DEFAULT)),
            levels=levels,
            level_size=level_size,
            level_weights=level_weights,
            level_scale=float(header.get("level_scale", 1.0)),
            level_bias=[float(b) for b in header.get("level_bias", [])],
            classes=header.get("classes", {}),
            meta=header.get("meta", {}),
        )

    def forget_words(self) -> None:
        """Empty the caches of pieces and words (benchmarks time a message of unseen words)."""
        self._scorer.forget()

    def cached(self) -> dict[str, int]:
        """How many pieces, words, words' level sums and sets of classes are remembered (each
        cache is bounded: ``CACHE_LIMIT``)."""
        return self._scorer.cached()

    # ------------------------------------------------------------------ scoring

    def _logit(self, groups: Iterable[Sequence[Entry]]) -> tuple[float, int]:
        """The score of the message's words (``Scorer.sums``: the weights of the features of its
        units, ``units``, their count divided by the square root of the total count), and how
        many words it has."""
        floats, ints, count, words = self._scorer.sums(groups)
        if not count:
            return self.bias, 0
        return self.bias + (floats + ints * self._scale) / sqrt(count), words

    def probability(self, text: str) -> float:
        return _sigmoid(self._logit(self._scorer.pieces(text))[0])

    def _level(self, entries: Sequence[Entry]) -> tuple[str, float]:
        if not self.levels or not entries:
            return "", 0.0
        count = self._scorer.sums((entries,))[2]
        norm = self._level_scale / sqrt(count)
        logits = [
            bias + total * norm
            for total, bias in zip(self._scorer.level_sums(entries), self._level_bias, strict=True)
        ]
        top = max(logits)
        exps = [exp(z - top) for z in logits]
        best = max(range(len(exps)), key=exps.__getitem__)
        return self.levels[best], exps[best] / sum(exps)

    def signal(self, text: str, *, terms: int = CUE_TERMS) -> Signal:
        """The probability, the level it resembles and the words that weighed most."""
        entries = self._scorer.entries(text)
        probability = _sigmoid(self._logit((entries,))[0])
        if probability < self.threshold or len(entries) < MIN_WORDS:
            # the level head and the terms only for what may alert
            return Signal(probability, "", 0.0, ())
        level, level_p = self._level(entries)
        return Signal(probability, level, level_p, _strongest(self._scorer.shares(entries), terms))

    def alerting(self, text: str) -> Signal | None:
        """``signal(text)`` when it names a level (the model may raise an alert on it), else
        None: what the detector needs of a message the rules found nothing in. For a message of
        fewer than MIN_WORDS words, or one whose score is below the threshold's by more than any
        rounding, no Signal is built."""
        logit, words = self._logit(self._scorer.pieces(text))
        if words < MIN_WORDS or logit < self._below:
            return None
        signal = self.signal(text)
        return signal if signal.level else None

    def signal_context(self, previous: Sequence[str], text: str) -> Signal:
        """`text` read after the member's earlier messages: the messages read together (a
        pre-op "I have the pills ready" after talk of surgery is not what it is alone). When
        the earlier messages reach the threshold without `text`, they have said it already
        (and were read then): `text` is read alone, so an "ok thanks" after a crisis statement
        is not a new signal."""
        earlier = [t for t in previous[-CONTEXT_MESSAGES:] if t.strip()]
        if not earlier or self.probability(" \n ".join(earlier)) >= self.threshold:
            return self.signal(text)
        joint = self.signal(" \n ".join([*earlier, text]))
        return Signal(joint.probability, joint.level, joint.level_probability, joint.terms, True)


def _below(threshold: float) -> float:
    """A score under which the probability is surely below `threshold`: a millionth below the
    threshold's own score (at the shipped threshold the probability is then 7e-8 below it, when
    rounding moves it by about 1e-16; checked here); minus infinity when that cannot be said."""
    if not 0.0 < threshold < 1.0:
        return -inf
    below = log(threshold) - log1p(-threshold) - 1e-6
    return below if _sigmoid(below) < threshold * (1.0 - 1e-12) else -inf


def _strongest(shares: list[tuple[str, float]], limit: int) -> tuple[str, ...]:
    """The units that pushed the score up most; a word inside a chosen pair is not repeated."""
    chosen: list[str] = []
    taken: set[str] = set()
    for unit, share in sorted(shares, key=lambda s: -s[1]):
        if share <= 0 or len(chosen) >= limit:
            break
        if unit in chosen or (" " not in unit and (unit in taken or len(unit) < MIN_TERM_CHARS)):
            continue
        chosen.append(unit)
        taken.update(unit.split())
    return tuple(chosen)


# ---------------------------------------------------------------------------- combining


def raise_detection(
    found: Detection | None,
    model: LearnedModel,
    signal: Signal,
    alert_threshold: int,
) -> Detection | None:
    """The rules' finding, or the learned signal where the rules found nothing.

    The model speaks only where the rules are silent: a message in which they found nothing
    becomes an alert when the model reaches its threshold, at the level it names (with that
    level's severity on the C-SSRS ladder). Whatever the rules found is theirs and stands as
    they found it: an alert is never lowered or silenced, and a signal they kept below their
    threshold on purpose (preparatory signs without distress, a lower signal alone, a negation,
    reported speech) is not overruled by a bag of words.
    """
    if found is not None or signal.probability < model.threshold or not signal.level:
        return found
    severity = LEVEL_SEVERITY.get(signal.level, 0)
    if severity < alert_threshold:
        return None
    cue = signal.cue()
    phrase = Phrase(
        text=signal.cue(),
        key="",
        category=LEVEL_CATEGORY[signal.level],
        severity=severity,
        level=signal.level,
        source=SOURCE,
    )
    match = Match(phrase, 0, 0, frozenset(), severity, signal.level, cue, signal.context)
    return Detection(
        severity=severity,
        category=LEVEL_CATEGORY[signal.level],
        threshold=alert_threshold,
        level=signal.level,
        context=signal.context,
        best=match,
        found=(match,),
    )


# Which of the rules' alerts need the model's agreement (issue 16: the model can raise a level but
# never silence an explicit statement). An alert stands whatever the model says when a signal of
# the message at the alert threshold is an explicit statement of the member's own, now: a phrase
# the rules mark explicit (or a means in composition), with no modifier (not negated, reported,
# past, hypothetical or someone else's), not combined from weaker signs, at a C-SSRS level of its
# own (not a lower signal); or a moderator's phrase. Every other alert is raised from weaker cues:
# a lower signal with finality ("no way out", "a burden, not for much longer"), a veiled or named
# sign ("suicidal thoughts", "I'll sleep forever"), a weak sign completed by distress or by the
# member's earlier messages (a goodbye, pills ready, a time), an explicit statement lowered by a
# modifier and held at the threshold ("'I want to die' I told my husband at the parking bill"):
# it alerts only when the model reads the message (with the earlier ones) as a crisis too.
AGREEMENT = AGREEMENT_DEFAULT  # the shipped model carries its own (LearnedModel.agreement)


# Named rather than said ("suicidal", "self harm"): the rules lower it as someone else's when the
# member is not its subject ("suicidal thoughts are common", "my wife is suicidal"), so unmodified
# it is the member's own statement ("Suicidal. That's the update.", "ando con ideas suicidas").
SAID_WHEN_UNMODIFIED = frozenset({"suicidal", "nssi_named"})


def stands(signal: object, alert_threshold: int) -> bool:
    """Whether a signal alerts whatever the model says (see AGREEMENT)."""
    if type(signal) is RuleSignal:  # the rules' own (every attribute there: no getattr)
        if signal.severity < alert_threshold:
            return False
        entry = signal.entry
        if entry is None or entry.kind == PHRASE_KIND:
            return True
        return (
            (signal.explicit or entry.kind in SAID_WHEN_UNMODIFIED)
            and not signal.modifiers
            and not signal.combined
            and signal.level not in LOWER_LEVELS
        )
    if getattr(signal, "severity", 0) < alert_threshold:
        return False
    entry = getattr(signal, "entry", None)
    if entry is None or entry.kind == PHRASE_KIND:
        return True  # not the rules' own words: a moderator's phrase, a match made elsewhere
    return (
        (bool(getattr(signal, "explicit", False)) or entry.kind in SAID_WHEN_UNMODIFIED)
        and not getattr(signal, "modifiers", None)
        and not getattr(signal, "combined", False)
        and getattr(signal, "level", "") not in LOWER_LEVELS
    )


def needs_agreement(found: Detection) -> bool:
    """An alert of the rules that none of its signals makes stand on its own."""
    threshold = found.threshold
    if found.severity < threshold or stands(found.best, threshold):  # no alert, or it stands
        return False
    return not any(stands(other, threshold) for other in found.found)


def agreed(
    found: Detection,
    model: LearnedModel,
    text: str,
    alert_threshold: int,
    previous: Sequence[str] = (),
) -> Detection:
    """The rules' finding, lowered below the alert threshold when it alerts only on cues that
    need the model's agreement and the model does not agree: neither the message alone nor read
    with the member's earlier ones reaches ``model.agreement``."""
    if not needs_agreement(found):
        return found
    if model.probability(text) >= model.agreement:
        return found
    earlier = [t for t in previous[-CONTEXT_MESSAGES:] if t.strip()]
    if earlier and model.probability(" \n ".join([*earlier, text])) >= model.agreement:
        return found
    found.severity = min(found.severity, alert_threshold - 1)
    return found
