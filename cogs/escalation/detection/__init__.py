"""Crisis detection (issue 16): C-SSRS levels from compositional rules in English and Spanish, the
Suicide Risk Lexicon v1.0, and a member's last few messages read together. No discord import.

    detector = Detector(Lexicon.load())
    found = detector.scan("I'm going to take all my morphine tonight")
    found.alert, found.severity, found.level, found.cue   # True, 4, "plan", "going to take ..."
    detector.scan_context(["I can't do this anymore."], "I have the pills ready")

The learned second signal (``learned``, a small linear model shipped in the package) speaks
where the rules found nothing, and never lowers or silences an explicit statement they found (the
member's own, now, at a C-SSRS level); an alert the rules raised from weaker cues only (a lower
signal with finality, a veiled or named sign, a weak sign completed by distress or by earlier
messages, a statement held at the threshold under a negation or reported speech) needs its
agreement (``learned.agreed``): ``Detector(lexicon, learned=None)`` is the rules alone.

``engine`` scans (one automaton pass over word codes); ``message`` composes each head with the
terms around it, ``means`` a means in composition, ``modifiers`` what lowers a signal, ``kinds``
which kinds compose how; ``signals`` combines signals across a message and the member's earlier
ones; ``vocabulary`` reads the data files; ``text`` normalises; ``model`` holds the public types.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from cogs.escalation.detection.engine import CONTEXT_MESSAGES, Analysis, Coded, Scanner
from cogs.escalation.detection.learned import LearnedModel, agreed, raise_detection
from cogs.escalation.detection.model import (
    CATEGORIES,
    CATEGORY_LEVEL,
    CRITICAL,
    HIGH,
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LEVELS,
    LOW,
    LOWER_LEVELS,
    MAX_PHRASE_CHARS,
    MEDIUM,
    MODIFIER_DROP,
    MODIFIER_HYPOTHETICAL,
    MODIFIER_NEGATED,
    MODIFIER_PAST,
    MODIFIER_REPORTED,
    MODIFIER_THIRD_PERSON,
    MODIFIERS,
    SEVERITIES,
    SEVERITY_NAMES,
    Detection,
    Match,
    Phrase,
)
from cogs.escalation.detection.text import Normaliser
from cogs.escalation.detection.vocabulary import (
    DATA_DIR,
    RULES_DIR,
    SRL_DIR,
    Entry,
    Vocabulary,
    build_vocabulary,
    compile_automaton,
    load_rules,
    load_srl,
    server_entry,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_LEVEL",
    "CONTEXT_MESSAGES",
    "CRITICAL",
    "DATA_DIR",
    "HIGH",
    "LEVELS",
    "LEVEL_CATEGORY",
    "LEVEL_SEVERITY",
    "LOW",
    "LOWER_LEVELS",
    "MAX_PHRASE_CHARS",
    "MEDIUM",
    "MODIFIERS",
    "MODIFIER_DROP",
    "MODIFIER_HYPOTHETICAL",
    "MODIFIER_NEGATED",
    "MODIFIER_PAST",
    "MODIFIER_REPORTED",
    "MODIFIER_THIRD_PERSON",
    "SEVERITIES",
    "SEVERITY_NAMES",
    "Detection",
    "Detector",
    "LearnedModel",
    "Lexicon",
    "Match",
    "Normaliser",
    "Phrase",
    "PhraseSet",
]


class Lexicon:
    """The shipped words: the rule files of each language and the Suicide Risk Lexicon v1.0."""

    def __init__(
        self,
        rules: list[dict[str, Any]],
        srl: dict[str, Any] | None = None,
        srl_map: dict[str, Any] | None = None,
    ) -> None:
        self.vocabulary: Vocabulary = build_vocabulary(rules, srl, srl_map)
        self.normaliser: Normaliser = self.vocabulary.normaliser
        self.threshold: int = self.vocabulary.threshold
        self.entries: tuple[Entry, ...] = tuple(self.vocabulary.entries)
        self.phrases: tuple[Phrase, ...] = tuple(self.vocabulary.phrases())
        self.benign: tuple[str, ...] = tuple(e.key for e in self.entries if e.kind == "benign")
        self.words = self.vocabulary.words

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> Lexicon:
        rules = load_rules(directory / RULES_DIR.name)
        srl = load_srl(directory / SRL_DIR.name)
        with (directory / RULES_DIR.name / "srl.toml").open("rb") as file:
            srl_map = tomllib.load(file)
        return cls(rules, srl, srl_map)


class PhraseSet:
    """Phrases compiled into one automaton: the built-in lexicon, or a server's own phrases
    (made with Detector.compile: the automaton is over the detector's word codes)."""

    def __init__(
        self,
        phrases: Iterable[Phrase],
        normaliser: Normaliser,
        entries: Iterable[Entry] | None = None,
    ) -> None:
        phrases = tuple(phrases)
        if entries is None:  # a server's phrases: each a fixed signal
            by_key: dict[str, Phrase] = {}
            for phrase in phrases:
                known = by_key.get(phrase.key)
                if phrase.key and (known is None or phrase.severity > known.severity):
                    by_key[phrase.key] = phrase
            phrases = tuple(by_key.values())
            entries = [server_entry(p) for p in phrases]
        self.phrases: tuple[Phrase, ...] = phrases
        self.automaton, filled = compile_automaton(entries, normaliser)
        self.empty = not filled

    def __len__(self) -> int:
        return len(self.phrases)


PACKAGED = "packaged"


class Detector:
    def __init__(
        self, lexicon: Lexicon, learned: LearnedModel | Literal["packaged"] | None = PACKAGED
    ) -> None:
        """`learned`: the learned second signal; by default the model shipped in the package,
        None for the rules alone."""
        self.lexicon = lexicon
        self.learned = LearnedModel.load() if learned == PACKAGED else learned
        self.normaliser = lexicon.normaliser
        self.threshold = lexicon.threshold
        self.builtin = PhraseSet(lexicon.phrases, self.normaliser, lexicon.entries)
        self._scanner = Scanner(
            self.builtin.automaton, lexicon.words, self.threshold, self.normaliser
        )

    def phrase(self, text: str, category: str, severity: int, *, server: bool = True) -> Phrase:
        """A moderator's phrase: a fixed signal of that category and severity."""
        return Phrase(
            text=text,
            key=self.normaliser.key(text),
            category=category,
            severity=severity,
            server=server,
            level=CATEGORY_LEVEL.get(category, ""),
            source="server" if server else "team",
        )

    def compile(self, phrases: Iterable[Phrase]) -> PhraseSet:
        return PhraseSet(phrases, self.normaliser)

    # ------------------------------------------------------------------ scanning

    def _analyse(self, text: str, extra: PhraseSet | None) -> Analysis | None:
        automaton = None if extra is None or extra.empty else extra.automaton
        return self._scanner.analyse(text, automaton)

    def scan(self, text: str, extra: PhraseSet | None = None) -> Detection | None:
        """The message's strongest signal, or None when nothing in it matches."""
        return self._scan(text, extra)

    def _scan(
        self, text: str, extra: PhraseSet | None, coded: Coded | None = None
    ) -> Detection | None:
        if extra is None or extra.empty:
            found = self._scanner.scan(text, None, coded)
        else:
            found = self._scanner.scan(text, extra.automaton, coded)
        if self.learned is None:
            return found
        if found is not None:  # what the rules found stands, but for their weakest cues
            return agreed(found, self.learned, text, self.threshold)
        signal = self.learned.alerting(text)  # None: it cannot alert (too short, too low)
        return (
            None if signal is None else raise_detection(None, self.learned, signal, self.threshold)
        )

    def detect(
        self, text: str, previous: Sequence[str] = (), extras: Iterable[PhraseSet | None] = ()
    ) -> Detection | None:
        """The strongest of `text` read with the lexicon alone and with each server's own
        phrases (`extras`), after `previous` when there are earlier messages: a scan with a
        phrase set replaces the lexicon's only when it is more severe. A phrase set that finds
        nothing in the messages read decides as the lexicon alone (the same hits, the same
        rules, the same model): the message is scanned, and the model asked, once for it."""
        if previous:
            best = self.scan_context(previous, text)
            for extra in extras:
                if extra is None or extra.empty or not self._finds(extra, text, previous):
                    continue
                found = self.scan_context(previous, text, extra)
                if found is not None and (best is None or found.severity > best.severity):
                    best = found
            return best
        coded = self.normaliser.code_text(text)  # the message coded once for every scan
        best = self._scan(text, None, coded)
        for extra in extras:
            if extra is None or extra.empty or next(extra.automaton.iter(coded[0]), None) is None:
                continue
            found = self._scan(text, extra, coded)
            if found is not None and (best is None or found.severity > best.severity):
                best = found
        return best

    def _finds(self, extra: PhraseSet, text: str, previous: Sequence[str]) -> bool:
        """Whether the phrase set has a hit in `text` or the earlier messages read with it."""
        code_text = self.normaliser.code_text
        texts = [*previous[-CONTEXT_MESSAGES:], text]
        return any(next(extra.automaton.iter(code_text(t)[0]), None) for t in texts)

    def scan_context(
        self, previous: Sequence[str], text: str, extra: PhraseSet | None = None
    ) -> Detection | None:
        found = self._rules_context(previous, text, extra)
        if self.learned is None:
            return found
        if found is not None:
            return agreed(found, self.learned, text, self.threshold, previous)
        signal = self.learned.signal_context(previous, text)
        return raise_detection(found, self.learned, signal, self.threshold)

    def _rules_context(
        self, previous: Sequence[str], text: str, extra: PhraseSet | None
    ) -> Detection | None:
        """`text` read after the member's earlier messages (oldest first; the last
        CONTEXT_MESSAGES are used): "I can't do this anymore." then "I have the pills ready" is
        one signal. Only what `text` adds is reported: None when `text` has neither a signal
        nor a term that completes the earlier ones ("Sunday." after "I'm going to take all my
        sleeping pills")."""
        automaton = None if extra is None or extra.empty else extra.automaton
        found = self._scanner.analyse(text, automaton, terms=True)
        if found is None or not found.signals:
            return None
        earlier = [self._analyse(t, extra) for t in previous[-CONTEXT_MESSAGES:]]
        decided = self._scanner.decide([a for a in earlier if a is not None] + [found])
        best = None if decided is None else decided.best
        if best is not None and best.entry.kind.startswith("terms_") and not best.combined:
            return None  # a time or a means alone, that nothing earlier completed
        return decided
