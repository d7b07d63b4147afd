"""The learned signal's features (``learned``), and their cached scoring.

The definitions (``tokens``, ``units`` and the functions they use) are what training
(benchmarks/distress_model_fit.py) and scoring share: the README of ``data/model`` says them in
words. ``Scorer`` gives the same sums as scoring ``units`` feature by feature, but a message costs
a dictionary look-up per piece as typed and two CRC-32s per word (its pair with the word before,
its pair with the one before that):

- Folding and splitting go piece by piece (``str.split``): folding is character by character and
  whitespace folds to a separator, so the words of the pieces are the words of the message. Each
  distinct piece ("Tonight.", "I'm") is folded once and remembered with its words' entries.
- A word's entry holds its own share of the score (its word feature, classes and character
  n-grams: the expensive part), their count, its classes and what its pairs need: its UTF-8
  bytes and the CRC-32 of "b:word " and of "s:word ". The CRC-32 of a pair's feature
  ("b:took pills") is then the CRC-32 of the second word's bytes continued from the first word's
  (``zlib.crc32(data, start)``): no string is built.
- The pairs of classes present in a message are scored once per set of classes.
- The level head's per-word sums are worked out only for a message that reaches the threshold.

The weights are integers (int16), so every sum of weights is exact in any order; the floating
point operations are the ones of the feature-by-feature scoring, in its order, so the probability
is the same to the last bit (tests/escalation/test_learned_equivalence.py). Memory: each cache is
emptied when full; at their bounds (``CACHE_LIMIT`` pieces and words, ``LEVELS_LIMIT`` words'
level sums, ``CLASS_SETS_LIMIT`` sets of classes) about 25 MB, a few MB for a server's chat.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from operator import itemgetter

CHAR_MIN, CHAR_MAX = 3, 5
MAX_WORD_CHARS = 30  # longer "words" (a link, a key mash) give their word feature only
WORD_COUNT = 6  # a word or a pair of neighbours counts as much as six of its character n-grams
SKIP_COUNT = 3  # a pair of words one apart ("took ... pills"), as much as three
CLASS_COUNT = 3  # a word's class, and a pair of classes in the message, as much as three
CACHE_LIMIT = 50_000  # pieces as typed, and words, remembered (each cache emptied when full)
CLASS_SETS_LIMIT = 4_096  # sets of classes present in a message, remembered
LEVELS_LIMIT = 5_000  # words' level-head sums (needed only by a message at the threshold)

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


def class_pair_features(present: set[str] | frozenset[str]) -> list[str]:
    """A feature for each pair of the classes present ("FIRST&MEANS")."""
    return [f"kk:{a}&{b}" for a, b in itertools.combinations(sorted(present), 2)]


def class_pairs(words: Sequence[str], classes: Classes) -> list[str]:
    """A feature for each pair of classes present in the message ("FIRST&MEANS")."""
    return class_pair_features({name for w in words for name in classes.get(w, ())})


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


def invert(classes: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """{class: its words} -> {word: its classes}, in a stable order."""
    out: dict[str, list[str]] = {}
    for name in sorted(classes):
        for word in classes[name]:
            names = out.setdefault(word, [])
            if name not in names:
                names.append(name)
    return {word: tuple(names) for word, names in out.items()}


# ---------------------------------------------------------------------------- cached scoring

# A word's entry: the word, its share of the score (its own features' weights summed, times the
# scale), how many features it has, its classes, its UTF-8 bytes, and the CRC-32 of the start of
# a pair and of a pair one apart that begins with it ("b:word ", "s:word ").
Entry = tuple[str, float, int, tuple[str, ...], bytes, int, int]
_crc32 = zlib.crc32
_entries_of = chain.from_iterable
# How word_features spells a word's features, for their CRC-32s to be worked out from the word's
# bytes without building each string (checked against word_features when a Scorer is made).
_CLASS = "k:"
_WORD_START, _CHARS_START = _crc32(b"w:"), _crc32(b"c:")
_ASCII_APOSTROPHES = str.maketrans({"'": None, "`": None})


def _ascii_tokens(piece: str) -> list[str]:
    """``tokens`` of ASCII text (lower case and the apostrophes gone is all folding does)."""
    return _TOKEN.findall(piece.lower().translate(_ASCII_APOSTROPHES))


class _Pieces(dict[str, tuple[Entry, ...]]):
    """piece as typed -> its words' entries, worked out once per distinct piece."""

    def __init__(self, scorer: Scorer) -> None:
        super().__init__()
        self.word = scorer.word

    def __missing__(self, piece: str) -> tuple[Entry, ...]:
        words = _ascii_tokens(piece) if piece.isascii() else tokens(piece)
        known = tuple(map(self.word, words))
        if len(self) >= CACHE_LIMIT:
            self.clear()
        self[piece] = known
        return known


class Scorer:
    """Head 1's score (and the level head's sums) of a message, from per-piece and per-word
    caches (see the module's doc)."""

    def __init__(
        self,
        weights: array,
        size: int,
        scale: float,
        classes: Classes,
        level_weights: Sequence[array] = (),
        level_size: int = 0,
    ) -> None:
        self._weights = weights
        self._mask = size - 1
        self._scale = float(scale)
        self._classes = classes
        self._class_crcs = {
            name: _crc32((_CLASS + name).encode()) for names in classes.values() for name in names
        }
        self._level_weights = tuple(level_weights)
        self._level_mask = level_size - 1
        self._words: dict[str, Entry] = {}
        self._pieces = _Pieces(self)
        self._class_sets: dict[frozenset[str], tuple[int, int]] = {}
        self._levels: dict[str, tuple[int, ...]] = {}
        self._check()

    def _check(self) -> None:
        """The CRC-32s worked out here are those of the features as defined above."""
        for feature in (pair_feature, skip_feature):
            if feature("ab", "cd") != feature("ab", "") + "cd":
                raise ValueError("a pair's feature must end with its second word")
        words = ["a", "ab", "tonight", "x" * (MAX_WORD_CHARS + 1), *list(self._classes)[:3]]
        for word in words:
            expected = sorted(_crc32(f.encode()) for f in word_features(word, self._classes))
            if sorted(self._crcs(word)) != expected:
                raise ValueError("the cached scoring no longer follows word_features")

    def cached(self) -> dict[str, int]:
        """How many entries each cache holds."""
        return {
            "pieces": len(self._pieces),
            "words": len(self._words),
            "levels": len(self._levels),
            "class sets": len(self._class_sets),
        }

    def forget(self) -> None:
        self._words.clear()
        self._pieces.clear()
        self._class_sets.clear()
        self._levels.clear()

    # ------------------------------------------------------------------ caches

    def _crcs(self, word: str) -> list[int]:
        """The CRC-32 of each of the word's features (``word_features``), each as often as it
        counts."""
        data = word.encode()
        out = [_crc32(data, _WORD_START)] * WORD_COUNT
        for name in self._classes.get(word, ()):
            out += [self._class_crcs[name]] * CLASS_COUNT
        if len(word) <= MAX_WORD_CHARS:
            padded = b"<" + data + b">"
            append, start, end = out.append, _CHARS_START, len(padded) + 1
            for n in range(CHAR_MIN, CHAR_MAX + 1):
                for i in range(end - n):
                    append(_crc32(padded[i : i + n], start))
        return out

    def word(self, word: str) -> Entry:
        known = self._words.get(word)
        if known is not None:
            return known
        crcs = self._crcs(word)
        weights, mask = self._weights, self._mask
        share = _summed(weights, [c & mask for c in crcs])
        known = (
            word,
            share * self._scale,
            len(crcs),
            tuple(self._classes.get(word, ())),
            word.encode(),
            _crc32(pair_feature(word, "").encode()),
            _crc32(skip_feature(word, "").encode()),
        )
        if len(self._words) >= CACHE_LIMIT:
            self._words.clear()
        self._words[word] = known
        return known

    def entries(self, text: str) -> list[Entry]:
        """The message's words, each with its entry, in order."""
        return list(_entries_of(self.pieces(text)))

    def _class_set(self, present: frozenset[str]) -> tuple[int, int]:
        """The pairs of the classes present: their weights summed, and how many."""
        known = self._class_sets.get(present)
        if known is None:
            weights, mask = self._weights, self._mask
            crcs = [_crc32(f.encode()) for f in class_pair_features(present)]
            known = (_summed(weights, [c & mask for c in crcs]), len(crcs))
            if len(self._class_sets) >= CLASS_SETS_LIMIT:
                self._class_sets.clear()
            self._class_sets[present] = known
        return known

    # ------------------------------------------------------------------ scoring

    def pieces(self, text: str) -> Iterable[tuple[Entry, ...]]:
        """The message's pieces as typed, each as its words' entries (for ``sums``)."""
        return map(self._pieces.__getitem__, text.split())

    def sums(self, groups: Iterable[Sequence[Entry]]) -> tuple[float, int, int, int]:
        """The message's (its words' entries, in groups: ``pieces``, or all in one) float sum
        of the word and pair shares (in the order of scoring ``units``: each word, then each
        pair of neighbours), the integer sum of the weights of the pairs one apart and of the
        pairs of classes (each times its count), the total count of features, and how many
        words it has."""
        weights, mask, scale, crc32 = self._weights, self._mask, self._scale, _crc32
        word_shares: list[float] = []
        neighbours: list[float] = []
        count = skip = 0
        present: set[str] | None = None
        before = last = last_skip = None  # the CRC-32 starts of the two words before
        for group in groups:
            for _, share, features, classes, data, pair_start, skip_start in group:
                word_shares.append(share)
                count += features
                if classes:
                    if present is None:
                        present = set(classes)
                    else:
                        present.update(classes)
                if last is not None:
                    # a pair's share: its weight times the scale times WORD_COUNT, in that order
                    neighbours.append(weights[crc32(data, last) & mask] * scale * WORD_COUNT)
                    if before is not None:
                        skip += weights[crc32(data, before) & mask]
                before, last, last_skip = last_skip, pair_start, skip_start
        n = len(word_shares)
        if not n:
            return 0.0, 0, 0, 0
        count += WORD_COUNT * (n - 1) + SKIP_COUNT * max(0, n - 2)
        ints = skip * SKIP_COUNT
        if present is not None and len(present) > 1:
            total, pairs = self._class_set(frozenset(present))
            ints += total * CLASS_COUNT
            count += pairs * CLASS_COUNT
        return sum(chain(word_shares, neighbours)), ints, count, n

    def shares(self, entries: Sequence[Entry]) -> list[tuple[str, float]]:
        """Each word's and each pair of neighbours' share of the score (what a moderator is
        shown the strongest of)."""
        weights, mask, scale = self._weights, self._mask, self._scale
        out = [(e[0], e[1]) for e in entries]
        out.extend(
            (f"{a[0]} {b[0]}", weights[_crc32(b[4], a[5]) & mask] * scale * WORD_COUNT)
            for a, b in itertools.pairwise(entries)
        )
        return out

    def level_sums(self, entries: Sequence[Entry]) -> list[int]:
        """For each level of the level head, the weights of the message's features summed (each
        feature as often as it occurs)."""
        mask = self._level_mask
        data = [e[4] for e in entries]
        pairs = [c & mask for c in map(_crc32, data[1:], [e[5] for e in entries])]
        skips = [c & mask for c in map(_crc32, data[2:], [e[6] for e in entries])]
        present = {name for e in entries for name in e[3]}
        classes = [_crc32(f.encode()) & mask for f in class_pair_features(present)]
        words = [self._word_levels(e[0]) for e in entries]
        return [
            sum(levels[i] for levels in words)
            + _summed(weights, pairs) * WORD_COUNT
            + _summed(weights, skips) * SKIP_COUNT
            + _summed(weights, classes) * CLASS_COUNT
            for i, weights in enumerate(self._level_weights)
        ]

    def _word_levels(self, word: str) -> tuple[int, ...]:
        known = self._levels.get(word)
        if known is None:
            mask = self._level_mask
            slots = [c & mask for c in self._crcs(word)]
            known = tuple(_summed(w, slots) for w in self._level_weights)
            if len(self._levels) >= LEVELS_LIMIT:
                self._levels.clear()
            self._levels[word] = known
        return known


def _summed(weights: array, slots: list[int]) -> int:
    """The weights in these slots, summed (a slot as often as it is listed)."""
    if len(slots) > 1:
        return sum(itemgetter(*slots)(weights))
    return weights[slots[0]] if slots else 0
