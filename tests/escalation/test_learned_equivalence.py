"""The learned signal's fast scoring gives what its definition gives (issue 16, speed).

The model scores a message from caches (each piece as typed and each word worked out once, the
CRC-32 of a pair continued from its first word's): these tests compare it with a reference
written here from the definition in cogs/escalation/data/model/README.md, feature string by
feature string, on every message of the team's sets (tests/escalation/data) and of the training
files (benchmarks/data/distress_train; never the evaluation corpus), alone and read after the
member's earlier messages: the same probability (to 1e-9), the same level, the same words shown,
and the same decision of the whole detector. Then the caches: words that repeat, caches emptied
while a message is read, and their bound."""

from __future__ import annotations

import itertools
import json
import math
import random
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from cogs.escalation.detection import Detection, Detector, LearnedModel, Lexicon, learned_features
from cogs.escalation.detection.learned import Signal, _strongest
from tests.escalation.test_detection_learned import constant_model

ROOT = Path(__file__).resolve().parents[2]
SETS = sorted((ROOT / "tests" / "escalation" / "data").glob("*.jsonl"))
TRAINING = sorted((ROOT / "benchmarks" / "data" / "distress_train").glob("*.jsonl"))
TOLERANCE = 1e-9

# The definition (README of data/model), written out: a word counts six times, a pair of
# neighbours six, a pair one apart three, a class of a word three, a pair of classes three;
# character 3- to 5-grams of the word with its boundaries, for words of at most 30 characters.
WORD, PAIR, SKIP, CLASS, CLASS_PAIR = 6, 6, 3, 3, 3
GRAMS = (3, 4, 5)
LONGEST = 30
APOSTROPHES = "'’‘`´"  # removed, with accents, before the text is split into words
MIN_WORDS = 4  # fewer words: no level is named (the rules' alone)


# ---------------------------------------------------------------------------- the reference


def reference_words(text: str) -> list[str]:
    """Lower case, apostrophes and accents removed (each character decomposed, its combining
    marks dropped), then the runs of letters a-z and digits 0-9."""
    kept: list[str] = []
    for char in text.lower():
        if char in APOSTROPHES:
            continue
        for part in unicodedata.normalize("NFKD", char):
            if not unicodedata.combining(part):
                kept.append(part)
    words, current = [], ""
    for char in kept:
        if "a" <= char <= "z" or "0" <= char <= "9":
            current += char
        elif current:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    return words


def own_features(word: str, classes: dict[str, tuple[str, ...]]) -> Counter[str]:
    """What a word brings on its own: itself, its classes, its character n-grams."""
    features: Counter[str] = Counter({f"w:{word}": WORD})
    for name in classes.get(word, ()):
        features[f"k:{name}"] += CLASS
    if len(word) <= LONGEST:
        padded = f"<{word}>"
        for n in GRAMS:
            for start in range(len(padded) - n + 1):
                features[f"c:{padded[start : start + n]}"] += 1
    return features


def reference_features(words: Sequence[str], classes: dict[str, tuple[str, ...]]) -> Counter[str]:
    features: Counter[str] = Counter()
    for word in words:
        features.update(own_features(word, classes))
    for first, second in itertools.pairwise(words):
        features[f"b:{first} {second}"] += PAIR
    for first, third in zip(words, words[2:], strict=False):
        features[f"s:{first} {third}"] += SKIP
    present = sorted({name for word in words for name in classes.get(word, ())})
    for i, first in enumerate(present):
        for second in present[i + 1 :]:
            features[f"kk:{first}&{second}"] += CLASS_PAIR
    return features


def crc(feature: str) -> int:
    """A feature's hash: CRC-32 of its UTF-8 bytes (its slot: this modulo the size)."""
    return zlib.crc32(feature.encode("utf-8"))


class Reference(LearnedModel):
    """The shipped weights, scored feature string by feature string (no cache)."""

    def _vector(self, text: str) -> tuple[list[str], list[tuple[int, int]], float]:
        """The words, each feature's hash with its count, and the square root of the total."""
        words = reference_words(text)
        features = reference_features(words, self.classes)
        total = sum(features.values())
        hashed = [(crc(f), n) for f, n in features.items()]
        return words, hashed, math.sqrt(total) if total else 1.0

    def _probability(self, hashed: list[tuple[int, int]], norm: float) -> float:
        dot = sum(n * self._weights[h % self.size] for h, n in hashed)
        return 1.0 / (1.0 + math.exp(-(self.bias + dot * self._scale / norm)))

    def probability(self, text: str) -> float:
        return self._probability(*self._vector(text)[1:])

    def signal(self, text: str, *, terms: int = 3) -> Signal:
        words, hashed, norm = self._vector(text)
        probability = self._probability(hashed, norm)
        if probability < self.threshold or len(words) < MIN_WORDS:
            return Signal(probability, "", 0.0, ())
        logits = [
            bias
            + self._level_scale * sum(n * weights[h % self._level_size] for h, n in hashed) / norm
            for weights, bias in zip(self._level_weights, self._level_bias, strict=True)
        ]
        exps = [math.exp(z - max(logits)) for z in logits]
        best = exps.index(max(exps))
        # what a moderator is shown: the words and pairs of neighbours that weighed most
        shares = [
            (w, self._scale * sum(n * self._weights[crc(f) % self.size] for f, n in own.items()))
            for w, own in ((w, own_features(w, self.classes)) for w in words)
        ]
        shares += [
            (f"{a} {b}", self._weights[crc(f"b:{a} {b}") % self.size] * self._scale * PAIR)
            for a, b in itertools.pairwise(words)
        ]
        return Signal(
            probability, self.levels[best], exps[best] / sum(exps), _strongest(shares, terms)
        )

    def alerting(self, text: str) -> Signal | None:
        """What the detector asks of a message the rules found nothing in: the signal, when it
        names a level."""
        signal = self.signal(text)
        return signal if signal.level else None


# ---------------------------------------------------------------------------- the messages


def rows() -> Iterator[tuple[str, list[str]]]:
    """Every message of the team's sets and the training files, with its earlier messages."""
    for path in (*SETS, *TRAINING):
        assert "distress_eval" not in path.parts
        with path.open(encoding="utf-8") as file:
            for line in file:
                if line.strip():
                    row = json.loads(line)
                    yield row["text"], [str(t) for t in row.get("context") or []]


@pytest.fixture(scope="module")
def model() -> LearnedModel:
    return LearnedModel.load()


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference.load()


def assert_same(fast: Signal, slow: Signal, text: str) -> None:
    assert abs(fast.probability - slow.probability) <= TOLERANCE, text
    assert fast.level == slow.level, text
    assert abs(fast.level_probability - slow.level_probability) <= TOLERANCE, text
    assert fast.terms == slow.terms, text
    assert fast.context == slow.context, text


def test_the_definition_is_the_one_written_here(model: LearnedModel) -> None:
    """The reference restates the README; the module's constants say the same."""
    assert (learned_features.WORD_COUNT, learned_features.SKIP_COUNT) == (WORD, SKIP)
    assert learned_features.CLASS_COUNT == CLASS
    assert (learned_features.CHAR_MIN, learned_features.CHAR_MAX) == (GRAMS[0], GRAMS[-1])
    assert learned_features.MAX_WORD_CHARS == LONGEST
    assert model.meta.get("trained_on"), "the shipped weights"


def test_every_message_scores_as_its_definition_says(
    model: LearnedModel, reference: Reference
) -> None:
    """Each message of the team's sets and the training files, alone and after its earlier
    messages: the probability, the level and the words shown are those of the reference."""
    count = alerts = 0
    for text, earlier in rows():
        assert learned_features.tokens(text) == reference_words(text), text
        fast, slow = model.signal(text), reference.signal(text)
        assert_same(fast, slow, text)
        # the decision does not rest on a rounding: no message sits on a threshold
        for threshold in (model.threshold, model.agreement):
            assert abs(fast.probability - threshold) > TOLERANCE, text
        alerts += bool(fast.level)
        if earlier:
            assert_same(
                model.signal_context(earlier, text), reference.signal_context(earlier, text), text
            )
        count += 1
    assert count > 8000 and alerts > 500  # the files were read, and many reach the threshold


def decision(found: Detection | None) -> tuple[object, ...] | None:
    if found is None:
        return None
    return (found.alert, found.severity, found.level, found.category, found.modifiers, found.cue)


def test_the_detector_decides_as_with_the_reference(reference: Reference) -> None:
    """The whole detector (the rules, their weaker cues agreed by the model, the model where they
    found nothing) decides every message as it does with the reference's scores."""
    lexicon = Lexicon.load()
    fast, slow = Detector(lexicon), Detector(lexicon, learned=reference)
    for text, earlier in rows():
        assert decision(fast.scan(text)) == decision(slow.scan(text)), text
        if earlier:
            assert decision(fast.scan_context(earlier, text)) == decision(
                slow.scan_context(earlier, text)
            ), text


# ---------------------------------------------------------------------------- the caches

UNUSUAL = [
    "",
    "   ",
    "'",
    "I'm DONE. I’m done‘ `done´",
    "ﬁnally ½ ² Ⅻ ｆｕｌｌ ｗｉｄｔｈ",
    "ya NO puedo más… ¿por qué? mañana",
    "pills\u00a0tonight\u2028then\x85gone\u3000now\ttab\nnew line\r\nend",
    "e\u0301 cafe\u0301 naïve coöperate",
    "İstanbul ΣΑΣ straße",
    "a" * 31 + " " + "b" * 30 + " https://example.org/a-long-path?x=1",
    "k1ll my$elf 2nite",
    "😂 lol 💀 pills 💊 tonight 🌙",
]


def test_repeated_words_and_unusual_text(model: LearnedModel, reference: Reference) -> None:
    """Words that repeat within a message and across messages, every kind of space, accents,
    compatibility characters, apostrophes, long words: as the reference scores them."""
    repeated = [
        "no no no no no no",
        "pills pills pills tonight tonight",
        "i i i want want to to die die",
        "tonight. Tonight, TONIGHT! tonight?",
    ]
    for text in [*UNUSUAL, *repeated, *repeated]:
        assert learned_features.tokens(text) == reference_words(text), text
        assert_same(model.signal(text), reference.signal(text), text)
    # the message is folded piece by piece: every character str.split splits on folds to
    # something that is not a letter or a digit, so it splits the words as folding does
    for space in (chr(c) for c in range(0x110000) if chr(c).isspace()):
        text = f"I'm{space}done{space}{space}ｆｉｎｅ"
        assert learned_features.tokens(text) == reference_words(text) == ["im", "done", "fine"]
        assert abs(model.probability(text) - reference.probability(text)) <= TOLERANCE
    rng = random.Random(16)
    alphabet = [chr(c) for c in range(0x20, 0x2100)] + list(" \t\n'’ñé") * 40
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert learned_features.tokens(text) == reference_words(text), repr(text)
        assert abs(model.probability(text) - reference.probability(text)) <= TOLERANCE


def test_caches_emptied_while_reading_give_the_same_scores(
    reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With caches of three entries, emptied again and again in the middle of a message, every
    score is still the reference's, and no cache grows past its bound."""
    monkeypatch.setattr(learned_features, "CACHE_LIMIT", 3)
    monkeypatch.setattr(learned_features, "CLASS_SETS_LIMIT", 2)
    monkeypatch.setattr(learned_features, "LEVELS_LIMIT", 3)
    model = LearnedModel.load()
    texts = [text for text, _ in rows()][::40]
    for text in [*texts, *UNUSUAL, *texts]:
        assert_same(model.signal(text), reference.signal(text), text)
        sizes = model.cached()
        assert max(sizes["pieces"], sizes["words"], sizes["levels"]) <= 3, sizes
        assert sizes["class sets"] <= 2, sizes
    model.forget_words()
    assert set(model.cached().values()) == {0}


def test_the_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many distinct words: each cache stops at its bound (then starts again)."""
    monkeypatch.setattr(learned_features, "CACHE_LIMIT", 50)
    monkeypatch.setattr(learned_features, "LEVELS_LIMIT", 20)
    model = LearnedModel.load()
    for i in range(400):
        model.signal(f"word{i} and w{i}x, I have the pills ready for tonight {i}")
        sizes = model.cached()
        assert 0 < sizes["pieces"] <= 50 and 0 < sizes["words"] <= 50, sizes
        assert sizes["levels"] <= 20, sizes


def test_a_score_a_hair_from_the_threshold_decides_as_its_probability() -> None:
    """The detector does not build a signal for a message clearly below the threshold, nor score
    one of fewer than four words: at a hair's breadth from the threshold, either side, it
    decides as the probability says."""
    lexicon = Lexicon.load()
    text = "rough day at the clinic again"  # nothing for the rules
    for logit, alerts in ((-1e-7, False), (1e-7, True), (-1e-5, False), (1e-5, True)):
        model = constant_model(logit, {"preparatory": 2.0}, threshold=0.5)
        assert (model.probability(text) >= 0.5) is alerts
        found = Detector(lexicon, learned=model).scan(text)
        assert (found is not None and found.alert) is alerts, logit
    loud = Detector(lexicon, learned=constant_model(30.0, {"preparatory": 2.0}))
    assert loud.scan("rough day again") is None  # three words: the rules' alone
    assert loud.scan("rough day again today") is not None
