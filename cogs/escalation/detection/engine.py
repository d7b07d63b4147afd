"""Scanning: one automaton pass over the message's word codes, then rules on the hits only.

1. The message is normalised and encoded (``text``: two characters per word the lexicon knows)
   and the automaton finds every head (what can raise a signal: "kill myself", "want to die",
   "suicide note", a lower signal such as "no way out"), every means ("morphine") and every
   composing term ("going to", "tonight", "all my", "to end it"). A message without a head or a
   means stops here: that is most messages, and it costs a few microseconds.
2. Each head is composed with the terms around it and lowered by negation, reported speech, the
   past, a hypothetical or someone else as its subject (``message``).
3. Signals combine across the message and the member's last few messages (``signals``).

Only messages with a head pay for steps 2-3, and only when a head has what it needs somewhere in
the message (``hits.alive``: a means with something to compose with, a "death" with a wish
before it); the word lists of the modifiers are read once per message as bits from the per-piece
cache, so the loops around a signal run only when a relevant word is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cogs.escalation.detection.hits import alive
from cogs.escalation.detection.message import Message
from cogs.escalation.detection.model import LEVEL_CATEGORY, LOW, Detection
from cogs.escalation.detection.modifiers import (
    BIT_BREAK,
    BIT_HYPOTHETICAL,
    BIT_NEG,
    BIT_PAST,
    BIT_REPORTED,
    BIT_STOP,
    BIT_THIRD,
    BIT_TOPIC,
)
from cogs.escalation.detection.signals import TERM_SIGNS, Analysis, Hit, Signal, decide
from cogs.escalation.detection.text import BOUNDARIES, PAST, QUOTE, SENTENCE, Normaliser, Token

# A message's word codes and its pieces as typed (``Normaliser.code_text``).
Coded = tuple[str, list[str] | None]
# Earlier messages of the member read together with a new one.
CONTEXT_MESSAGES = 3


class Scanner:
    """The rules, given the lexicon's compiled automaton and word sets."""

    def __init__(
        self,
        automaton: Any,
        words: dict[str, frozenset[str]],
        threshold: int,
        normaliser: Normaliser,
    ) -> None:
        self.automaton = automaton
        self.normaliser = normaliser
        self.threshold = threshold
        self.negations = words["negations"]
        self.not_negating_after = words["not_negating_after"]
        self.third_person = words["third_person"]
        self.first_person = words["first_person"]
        self.subject_skip = words["subject_skip"]
        self.reported_verbs = words["reported_verbs"]
        self.hypothetical = words["hypothetical"]
        self.past_words = words["past_words"]
        self.counterfactual = words["counterfactual"]
        self.breaks = BOUNDARIES | words["clause_breaks"]
        self.member = frozenset({"i", "me", "my", "myself", "yo", "mi", "conmigo"})
        self.topic = words["topic"]
        masks: dict[str, int] = {}
        for bit, group in (
            (BIT_NEG, self.negations),
            (BIT_THIRD, self.third_person),
            (BIT_REPORTED, self.reported_verbs | {QUOTE}),
            (BIT_HYPOTHETICAL, self.hypothetical),
            (BIT_PAST, self.past_words | {PAST}),
            (BIT_BREAK, self.breaks),
            (BIT_TOPIC, words["topic"]),
            (BIT_STOP, frozenset({SENTENCE})),
        ):
            for word in group:
                masks[word] = masks.get(word, 0) | bit
        self.masks = masks
        normaliser.set_bits(masks)

    # ------------------------------------------------------------------ one message

    def scan(self, text: str, extra: Any = None, coded: Coded | None = None) -> Detection | None:
        """One message on its own (`coded`: its ``Normaliser.code_text``, when made already)."""
        found = self.analyse(text, extra, coded=coded)
        return None if found is None or not found.signals else decide((found,), self.threshold)

    def analyse(
        self, text: str, extra: Any = None, terms: bool = False, coded: Coded | None = None
    ) -> Analysis | None:
        """The signals of one message; None when it has nothing worth a look. With `terms`, a
        message with no signal but a composing term ("Sunday.", "all of them") gives a weak sign
        for the member's earlier messages to complete."""
        normaliser = self.normaliser
        codes, typed = normaliser.code_text(text) if coded is None else coded
        found = self.automaton.iter(codes)
        found = [*found, *extra.iter(codes)] if extra is not None else list(found)
        if not terms:  # no head: nothing to say (most messages), and no hit need be grouped
            for _, value in found:
                if value[0]:
                    break
            else:
                return None
        kinds: dict[str, list[Hit]] = {}
        known = kinds.get
        head = False
        for end, (is_head, pairs, n) in found:
            if is_head:
                head = True
            stop = (end + 1) >> 1  # two characters per word: positions halved are word indexes
            start = stop - n
            for kind, entry in pairs:
                hits = known(kind)  # no empty list made for a kind already there
                if hits is None:
                    kinds[kind] = [(start, stop, entry)]
                else:
                    hits.append((start, stop, entry))
        if "not_illness" in kinds:
            # "arranged for my sister to take the kids after. it won't be the cancer": what an
            # end-of-life context would explain is the member's own doing
            kinds.pop("eol", None)
        if not head:
            if terms and kinds:
                return self._terms(kinds, normaliser.pieces(text, typed))
            return None
        raw = normaliser.pieces(text, typed)
        if not alive(kinds, raw):
            return Analysis(eol="eol" in kinds)
        return Message(self, raw, kinds, codes).analyse()

    def _terms(self, kinds: dict[str, list[Hit]], raw: list[Token]) -> Analysis | None:
        """The weak signs of composing terms alone (a time, a place, a means made ready, a step
        done, a statement stood by), each for the earlier messages to complete: "Done. All of
        them." completes a plan as a step done, or distress as a means taken."""
        signals: list[Signal] = []
        message: Message | None = None
        spans = [(kind, kinds[kind][0], entry) for kind, entry in TERM_SIGNS if kind in kinds]
        every = [(kind, h) for kind, _ in TERM_SIGNS for h in kinds.get(kind, ())]
        for kind, (start, end, _), entry in spans:
            if any(
                other != kind and a <= start and end <= b and b - a > end - start
                for other, (a, b, _) in every
            ):
                continue  # "every" inside "every night": the longer term says what it is
            if message is None:
                message = Message(self, raw, {})
            signal = Signal(entry, entry.level, LOW, LOW, start, end, message, weak=True)
            signal.category = LEVEL_CATEGORY[entry.level]
            signals.append(signal)
        if not signals:
            return None
        return Analysis(signals, eol="eol" in kinds, words=self.normaliser.count(raw))

    # ------------------------------------------------------------------ several messages

    def decide(self, analyses: Sequence[Analysis]) -> Detection | None:
        """The strongest signal of the last message, read with the earlier ones."""
        return decide(analyses, self.threshold)
