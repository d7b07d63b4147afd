"""Finding distress in a message: normalisation, a multi-phrase automaton, and the words around a
match that lower its severity (negation, past tense, reported speech). No discord import.

Normalisation, applied identically to the lexicon's phrases and to every message:
NFKC, case folding, accents / zero-width and other invisible characters removed, curly
apostrophes and quotes unified, look-alike characters inside words replaced (0->o 1->i 3->e 4->a
5->s 7->t @->a $->s !->i), contractions expanded ("I'm" -> "i am", "wanna" -> "want to"),
repeated letters collapsed ("kiiiill" and "kill" both -> "kil"), filler words dropped ("I just
really want to die" -> "i want to die"), a few past forms mapped to the present and flagged
("wanted" -> "want"). Punctuation becomes sentence / clause boundaries.

Matching: one Aho-Corasick automaton (pyahocorasick) over the space-joined words, each phrase
padded with spaces, so a phrase only matches whole words ("skill myself" never matches).
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import ahocorasick

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_PATH = DATA_DIR / "lexicon.toml"

LOW, MEDIUM, HIGH, CRITICAL = 1, 2, 3, 4
SEVERITIES: dict[str, int] = {"low": LOW, "medium": MEDIUM, "high": HIGH, "critical": CRITICAL}
SEVERITY_NAMES: dict[int, str] = {v: k for k, v in SEVERITIES.items()}

# The lexicon's categories, most urgent first (ties in severity are reported by this order).
CATEGORIES = ("intent_or_plan", "self_harm", "suicidal_ideation", "hopelessness")

MODIFIER_NEGATED = "negated"
MODIFIER_PAST = "past"
MODIFIER_REPORTED = "reported"
MODIFIER_THIRD_PERSON = "third_person"
MODIFIER_DROP = 2  # steps a negated / past / reported match loses

SENTENCE = "."
CLAUSE = ","
QUOTE = '"'
BOUNDARIES = frozenset({SENTENCE, CLAUSE, QUOTE})

MAX_PHRASE_CHARS = 100
WORD_CACHE_SIZE = 50_000

_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´′ʹ‛", "'"))
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»〝〞＂", '"'))
_LOOKALIKES = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# Letters from other scripts that look like Latin ones, replaced inside words that also hold
# Latin letters (a Russian word is left alone, "kіll" with a Cyrillic і is not).
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ı": "i",
        "ѕ": "s",
        "ԁ": "d",
        "ј": "j",
        "ӏ": "l",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
    }
)
_BANG_IN_WORD = re.compile(r"(?<=[^\W\d_])!(?=[^\W\d_])")
_TOKEN = re.compile(r"[\w'@$]+|[.!?;:…\n]+|[,()\[\]—–]|\"")
_REPEATS = re.compile(r"([^\W\d_])\1+")
_NOT_SUFFIX = {"ca": "can", "wo": "will", "ai": "am", "sha": "shall"}
_IS_AFTER = frozenset({"it", "that", "what", "there", "he", "she", "who", "here", "where", "how"})


def collapse(word: str) -> str:
    """Runs of one letter become one letter: 'soooo' -> 'so', 'kill' -> 'kil'."""
    return _REPEATS.sub(r"\1", word)


def _clean(text: str) -> str:
    if text.isascii():  # most messages: nothing to decompose, nothing invisible
        return _BANG_IN_WORD.sub("i", text.lower().replace("_", " ").replace("`", "'"))
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_APOSTROPHES).translate(_QUOTES)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
    text = text.replace("_", " ")
    return _BANG_IN_WORD.sub("i", text)


@dataclass(frozen=True)
class Token:
    word: str
    past: bool = False  # a past form mapped to the present ("wanted" -> "want")
    past_auxiliary: bool = False  # "was", "had", "did": past unless counterfactual ("I wish I had")


@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the lexicon or by a moderator
    key: str  # normalised words joined by single spaces
    category: str
    severity: int
    explicit: bool = False
    server: bool = False  # added by the server's moderators


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int  # token index
    end: int  # token index, exclusive
    modifiers: frozenset[str]
    severity: int  # after modifiers


@dataclass(frozen=True)
class Detection:
    severity: int
    category: str
    matches: tuple[Match, ...]
    threshold: int

    @property
    def alert(self) -> bool:
        return self.severity >= self.threshold

    @property
    def modifiers(self) -> frozenset[str]:
        return frozenset(m for match in self.matches for m in match.modifiers)


def _words(value: Iterable[str], normalise: Any) -> frozenset[str]:
    return frozenset(normalise(v) for v in value)


class Normaliser:
    """Turns text into tokens; built from the lexicon's word lists (so a Spanish lexicon can bring
    its own)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        norm = config.get("normalise", {})
        mods = config.get("modifiers", {})
        self.fillers = frozenset(collapse(w) for w in norm.get("fillers", []))
        self.contractions: dict[str, tuple[str, ...]] = {
            collapse(k): tuple(collapse(w) for w in v.split())
            for k, v in norm.get("contractions", {}).items()
        }
        self.two_means_to_after = frozenset(collapse(w) for w in norm.get("two_means_to_after", []))
        self.past_forms = {collapse(k): collapse(v) for k, v in mods.get("past_forms", {}).items()}
        self.past_words = frozenset(collapse(w) for w in mods.get("past_words", []))
        self._cache: dict[str, tuple[Token, ...]] = {}

    def _apostrophes(self, word: str) -> list[str]:
        if "'" not in word:
            return [word]
        out: list[str] = []
        if word.startswith("'"):
            out.append(QUOTE)
            word = word.lstrip("'")
        closing = word.endswith("'") and not word.endswith("s'")
        word = word.rstrip("'")
        if word.endswith("n't"):
            base = word[:-3]
            out += [_NOT_SUFFIX.get(base, base), "not"]
        elif word.endswith("'m"):
            out += [word[:-2], "am"]
        elif word.endswith("'re"):
            out += [word[:-3], "are"]
        elif word.endswith("'ve"):
            out += [word[:-3], "have"]
        elif word.endswith("'ll"):
            out += [word[:-3], "will"]
        elif word.endswith("'d"):
            out += [word[:-2], "would"]
        elif word.endswith("'s"):
            base = word[:-2]
            out += [base, "is"] if base in _IS_AFTER else [base]
        else:
            out.append(word)
        if closing:
            out.append(QUOTE)
        return out

    def _word(self, raw: str) -> tuple[Token, ...]:
        """One word's tokens, remembered: chat reuses a small vocabulary."""
        found = self._cache.get(raw)
        if found is None:
            if len(self._cache) >= WORD_CACHE_SIZE:
                self._cache.clear()
            found = self._cache[raw] = tuple(self._tokens_of(raw))
        return found

    def _tokens_of(self, raw: str) -> list[Token]:
        word = raw
        if not word.isascii() and any("a" <= c <= "z" for c in word):
            word = word.translate(_CONFUSABLES)
        if any(c.isalpha() for c in word) and any(c in _LOOKALIKES for c in word):
            word = "".join(_LOOKALIKES.get(c, c) for c in word)
        tokens: list[Token] = []
        for part in self._apostrophes(word):
            if part == QUOTE:
                tokens.append(Token(QUOTE))
                continue
            part = collapse(part.replace("'", "").replace("@", "a").replace("$", "s"))
            if not part:
                continue
            for piece in self.contractions.get(part, (part,)):
                if piece in self.fillers:
                    continue
                if piece in self.past_forms:
                    tokens.append(Token(self.past_forms[piece], past=True))
                else:
                    tokens.append(Token(piece, past_auxiliary=piece in self.past_words))
        return tokens

    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        for raw in _TOKEN.findall(_clean(text)):
            if raw == QUOTE:
                out.append(Token(QUOTE))
            elif raw == ",":
                out.append(Token(CLAUSE))
            elif raw[0] in ".!?;:…\n":
                out.append(Token(SENTENCE))
            elif raw[0] in "()[]—–":
                out.append(Token(CLAUSE))
            else:
                out.extend(self._word(raw))
        for i, token in enumerate(out):
            if token.word == "2" and i and out[i - 1].word in self.two_means_to_after:
                out[i] = Token("to")
        return out

    def key(self, phrase: str) -> str:
        """A phrase's normalised form (words only). Empty if nothing is left."""
        return " ".join(t.word for t in self.tokens(phrase) if t.word not in BOUNDARIES)


class PhraseSet:
    """Phrases (and benign phrases) compiled into one automaton."""

    def __init__(self, phrases: Iterable[Phrase], benign: Iterable[str] = ()) -> None:
        self.automaton: Any = ahocorasick.Automaton()
        by_key: dict[str, Phrase] = {}
        for phrase in phrases:
            if not phrase.key:
                continue
            known = by_key.get(phrase.key)
            if known is None or (phrase.severity, phrase.explicit) > (
                known.severity,
                known.explicit,
            ):
                by_key[phrase.key] = phrase
        self.phrases: tuple[Phrase, ...] = tuple(by_key.values())
        for key, phrase in by_key.items():
            self.automaton.add_word(f" {key} ", (False, phrase, len(key) + 2))
        self.benign = tuple(sorted({b for b in benign if b}))
        for key in self.benign:
            padded = f" {key} "
            if self.automaton.exists(padded):
                raise ValueError(f"benign phrase {key!r} is also a distress phrase")
            self.automaton.add_word(padded, (True, None, len(key) + 2))
        self.empty = not by_key and not self.benign
        if not self.empty:
            self.automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.phrases)


@dataclass
class _Found:
    phrases: list[tuple[Phrase, int, int]] = field(default_factory=list)
    benign: list[tuple[int, int]] = field(default_factory=list)


class Lexicon:
    """The shipped lexicon: phrases with categories and severities, benign phrases, modifiers."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.normaliser = Normaliser(config)
        self.threshold = SEVERITIES[config.get("alert_threshold", "medium")]
        phrases: list[Phrase] = []
        for group in config.get("group", []):
            category = group["category"]
            if category not in CATEGORIES:
                raise ValueError(f"unknown category {category!r} in the lexicon")
            severity = SEVERITIES[group["severity"]]
            for text in group["phrases"]:
                phrases.append(
                    Phrase(
                        text=text,
                        key=self.normaliser.key(text),
                        category=category,
                        severity=severity,
                        explicit=bool(group.get("explicit", False)),
                    )
                )
        self.phrases = tuple(phrases)
        self.benign = tuple(
            self.normaliser.key(text) for text in config.get("benign", {}).get("phrases", [])
        )
        mods = config.get("modifiers", {})
        key = self.normaliser.key
        self.negations = _words(mods.get("negations", []), key)
        self.negation_window = int(mods.get("negation_window", 3))
        self.not_negating_after = _words(mods.get("not_negating_after", []), key)
        self.reported_verbs = _words(mods.get("reported_verbs", []), key)
        self.reported_window = int(mods.get("reported_window", 10))
        self.third_person = _words(mods.get("third_person", []), key)
        self.past_window = int(mods.get("past_window", 3))
        self.counterfactual = _words(mods.get("counterfactual", []), key)
        # space-padded, to look for whole words in a space-padded clause
        self.past_markers = tuple(f" {key(m)} " for m in mods.get("past_markers", []) if key(m))
        self.recent_markers = tuple(f" {key(m)} " for m in mods.get("recent_markers", []) if key(m))

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> Lexicon:
        with path.open("rb") as file:
            return cls(tomllib.load(file))


class Detector:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.normaliser = lexicon.normaliser
        self.threshold = lexicon.threshold

    @cached_property
    def builtin(self) -> PhraseSet:
        return PhraseSet(self.lexicon.phrases, self.lexicon.benign)

    def phrase(self, text: str, category: str, severity: int, *, server: bool = True) -> Phrase:
        return Phrase(
            text=text,
            key=self.normaliser.key(text),
            category=category,
            severity=severity,
            server=server,
        )

    def compile(self, phrases: Iterable[Phrase]) -> PhraseSet:
        return PhraseSet(phrases)

    # ------------------------------------------------------------------ scanning

    def scan(self, text: str, extra: PhraseSet | None = None) -> Detection | None:
        """The message's strongest signal, or None when nothing in it matches."""
        tokens = self.normaliser.tokens(text)
        if not tokens:
            return None
        words = [t.word for t in tokens]
        haystack = " " + " ".join(words) + " "
        starts: list[int] = []
        offset = 1
        for word in words:
            starts.append(offset)
            offset += len(word) + 1
        found = _Found()
        for phrase_set in (self.builtin, extra):
            if phrase_set is None or phrase_set.empty:
                continue
            for end_char, (benign, phrase, length) in phrase_set.automaton.iter(haystack):
                first = bisect.bisect_left(starts, end_char - length + 2)
                last = bisect.bisect_left(starts, end_char)  # exclusive
                if benign:
                    found.benign.append((first, last))
                else:
                    found.phrases.append((phrase, first, last))
        if not found.phrases:
            return None
        matches: list[Match] = []
        for phrase, first, last in found.phrases:
            if any(b0 <= first and last <= b1 for b0, b1 in found.benign):
                continue
            modifiers = self._modifiers(tokens, words, first, last)
            severity = phrase.severity
            if modifiers:
                severity -= MODIFIER_DROP
                if phrase.explicit and MODIFIER_THIRD_PERSON not in modifiers:
                    severity = max(severity, self.threshold)
            matches.append(Match(phrase, first, last, modifiers, max(severity, 0)))
        if not matches:
            return None
        best = max(
            matches,
            key=lambda m: (m.severity, -_category_rank(m.phrase.category), m.end - m.start),
        )
        severity = best.severity
        plain = {m.phrase.key for m in matches if not m.modifiers and m.severity >= LOW}
        if len(plain) >= 2 and severity < HIGH:
            severity += 1  # several signals in one message weigh more than one
        return Detection(
            severity=severity,
            category=best.phrase.category,
            matches=tuple(sorted(matches, key=lambda m: m.start)),
            threshold=self.threshold,
        )

    def _modifiers(
        self, tokens: list[Token], words: list[str], first: int, last: int
    ) -> frozenset[str]:
        lex = self.lexicon
        found: set[str] = set()

        # Negation: a negating word just before the match, in the same clause.
        i, seen = first - 1, 0
        while i >= 0 and seen < lex.negation_window:
            word = words[i]
            if word in BOUNDARIES or word in ("but", "and"):
                break
            if word in lex.negations and (
                i + 1 >= len(words) or words[i + 1] not in lex.not_negating_after
            ):
                found.add(MODIFIER_NEGATED)
                break
            i, seen = i - 1, seen + 1

        # Reported speech: inside quotation marks, or after "she said" in the same sentence.
        sentence_start = first
        while sentence_start > 0 and words[sentence_start - 1] != SENTENCE:
            sentence_start -= 1
        if words[sentence_start:first].count(QUOTE) % 2 == 1:
            found.add(MODIFIER_REPORTED)
        else:
            window_start = max(sentence_start, first - lex.reported_window)
            for j in range(first - 1, window_start - 1, -1):
                if words[j] in lex.reported_verbs and (j == 0 or words[j - 1] != "i"):
                    found.add(MODIFIER_REPORTED)
                    break

        # Someone else is the subject: "people who want to die".
        if first > 0 and words[first - 1] in lex.third_person:
            found.add(MODIFIER_THIRD_PERSON)

        # Past tense: a past form in or just before the match, or a marker ("used to",
        # "years ago") in the same clause, unless the clause says it is happening now.
        clause_start = first
        while clause_start > 0 and words[clause_start - 1] not in (
            *BOUNDARIES,
            "but",
            "and",
        ):
            clause_start -= 1
        clause_end = last
        while clause_end < len(words) and words[clause_end] not in (*BOUNDARIES, "but", "and"):
            clause_end += 1
        clause = " " + " ".join(words[clause_start:clause_end]) + " "
        counterfactual = any(w in lex.counterfactual for w in words[clause_start:first])
        past = any(t.past for t in tokens[first:last]) or any(
            t.past or (t.past_auxiliary and not counterfactual)
            for t in tokens[max(clause_start, first - lex.past_window) : first]
        )
        past = past or any(marker in clause for marker in lex.past_markers)
        if past and not any(marker in clause for marker in lex.recent_markers):
            found.add(MODIFIER_PAST)
        return frozenset(found)


def _category_rank(category: str) -> int:
    return CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)
