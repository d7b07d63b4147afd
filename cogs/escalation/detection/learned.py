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
Each word's share of the score is cached, so a message costs a dictionary look-up per word.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import exp, sqrt
from pathlib import Path

from cogs.escalation.detection.model import (
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LOWER_LEVELS,
    Detection,
    Match,
    Phrase,
)
from cogs.escalation.detection.vocabulary import PHRASE_KIND

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "model"
WEIGHTS = MODEL_DIR / "weights.bin"
MAGIC = b"PSBLM1\n"
FEATURES = 2  # the feature set's version: a weights file of another one is refused
CHAR_MIN, CHAR_MAX = 3, 5
MAX_WORD_CHARS = 30  # longer "words" (a link, a key mash) give their word feature only
WORD_COUNT = 6  # a word or a pair of neighbours counts as much as six of its character n-grams
SKIP_COUNT = 3  # a pair of words one apart ("took ... pills"), as much as three
CLASS_COUNT = 3  # a word's class, and a pair of classes in the message, as much as three
CUE_TERMS = 3
MIN_WORDS = 4  # fewer words are too little for a bag of words ("the bridge"): the rules' alone
MIN_TERM_CHARS = 3  # "i", "me", "ya" alone say nothing to a moderator
CONTEXT_MESSAGES = 3  # earlier messages read with the last one
CACHE_LIMIT = 200_000
# The probability at which the model agrees with an alert the rules raised from weaker cues
# (``agreed``): chosen by cross-validation when the model is trained (the weights file's
# "agreement"); this value for a file without one.
AGREEMENT_DEFAULT = 0.10
SOURCE = "learned"

_TOKEN = re.compile(r"[a-z0-9]+")
_APOSTROPHES = str.maketrans({"'": None, "’": None, "‘": None, "`": None, "´": None})


def fold(text: str) -> str:
    """Lower case, accents and apostrophes gone: "¿Ya NO puedo más?" -> "¿ya no puedo mas?"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    return "".join(c for c in text if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


Classes = Mapping[str, Sequence[str]]  # a word -> the classes it belongs to


def word_features(word: str, classes: Classes) -> list[str]:
    """The features a word brings on its own: itself, its classes and its character n-grams."""
    out = ["w:" + word] * WORD_COUNT
    for name in classes.get(word, ()):
        out.extend(["k:" + name] * CLASS_COUNT)
    if len(word) <= MAX_WORD_CHARS:
        padded = f"<{word}>"
        for n in range(CHAR_MIN, CHAR_MAX + 1):
            out.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def pair_feature(first: str, second: str) -> str:
    return f"b:{first} {second}"


def skip_feature(first: str, third: str) -> str:
    return f"s:{first} {third}"


def class_pairs(words: Sequence[str], classes: Classes) -> list[str]:
    """A feature for each pair of classes present in the message ("FIRST&MEANS")."""
    present = sorted({name for w in words for name in classes.get(w, ())})
    return [f"kk:{a}&{b}" for a, b in itertools.combinations(present, 2)]


def units(words: Sequence[str], classes: Classes) -> list[tuple[str, list[str]]]:
    """The message as units, each with its features: every word, every pair of neighbours,
    every pair of words one apart, every pair of classes present. The feature vector is the
    count of each feature over all units, divided by the square root of the total count;
    training (numpy) and scoring (here) both build it from these."""
    out = [(w, word_features(w, classes)) for w in words]
    out.extend(
        (f"{a} {b}", [pair_feature(a, b)] * WORD_COUNT) for a, b in itertools.pairwise(words)
    )
    out.extend(
        (f"{a} . {c}", [skip_feature(a, c)] * SKIP_COUNT)
        for a, c in zip(words[:-2], words[2:], strict=True)
    )
    out.extend((f, [f] * CLASS_COUNT) for f in class_pairs(words, classes))
    return out


def bucket(feature: str, size: int) -> int:
    """The feature's slot: CRC-32 of its UTF-8 bytes (stable across runs and machines, unlike
    hash()), modulo a power of two."""
    return zlib.crc32(feature.encode()) & (size - 1)


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
        self._word_cache: dict[str, tuple[float, int]] = {}

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> LearnedModel:
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
        """Empty the cache of each word's share (benchmarks time a message of unseen words)."""
        self._word_cache.clear()

    # ------------------------------------------------------------------ scoring

    def _word(self, word: str) -> tuple[float, int]:
        """A word's summed weight (its own and its n-grams') and how many features it has."""
        known = self._word_cache.get(word)
        if known is not None:
            return known
        weights, size = self._weights, self.size
        features = word_features(word, self.classes)
        total = sum(weights[bucket(f, size)] for f in features) * self._scale
        known = (total, len(features))
        if len(self._word_cache) >= CACHE_LIMIT:
            self._word_cache.clear()
        self._word_cache[word] = known
        return known

    def _logit(self, words: Sequence[str]) -> tuple[float, list[tuple[str, float]]]:
        """The score and the share of each word and pair of neighbours (before the length
        normalisation; the other units count in the score, not among the terms shown)."""
        shares: list[tuple[str, float]] = []
        count = 0
        for word in words:
            weight, n = self._word(word)
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
        return self.bias + (sum(s for _, s in shares) + total * scale) / sqrt(count), shares

    def probability(self, text: str) -> float:
        return _sigmoid(self._logit(tokens(text))[0])

    def _level(self, words: Sequence[str]) -> tuple[str, float]:
        if not self.levels:
            return "", 0.0
        counts: dict[str, int] = {}  # a feature repeats (a word counts six times): once each
        for _, features in units(words, self.classes):
            for f in features:
                counts[f] = counts.get(f, 0) + 1
        if not counts:
            return "", 0.0
        norm = self._level_scale / sqrt(sum(counts.values()))
        slots = [(bucket(f, self._level_size), n) for f, n in counts.items()]
        logits = [
            bias + sum(weights[s] * n for s, n in slots) * norm
            for weights, bias in zip(self._level_weights, self._level_bias, strict=True)
        ]
        top = max(logits)
        exps = [exp(z - top) for z in logits]
        best = max(range(len(exps)), key=exps.__getitem__)
        return self.levels[best], exps[best] / sum(exps)

    def signal(self, text: str, *, terms: int = CUE_TERMS) -> Signal:
        """The probability, the level it resembles and the words that weighed most."""
        words = tokens(text)
        logit, shares = self._logit(words)
        probability = _sigmoid(logit)
        if probability < self.threshold or len(words) < MIN_WORDS:
            # the level head and the terms only for what may alert
            return Signal(probability, "", 0.0, ())
        level, level_p = self._level(words)
        return Signal(probability, level, level_p, _strongest(shares, terms))

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


def invert(classes: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """{class: its words} -> {word: its classes}, in a stable order."""
    out: dict[str, list[str]] = {}
    for name in sorted(classes):
        for word in classes[name]:
            names = out.setdefault(word, [])
            if name not in names:
                names.append(name)
    return {word: tuple(names) for word, names in out.items()}


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
    if not found.alert:
        return False
    threshold = found.threshold
    return not stands(found.best, threshold) and not any(
        stands(other, threshold) for other in found.found
    )


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
