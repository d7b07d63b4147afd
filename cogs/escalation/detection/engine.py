"""Scanning: one automaton pass over the normalised message, then rules on the hits only.

1. The message is normalised into one string of words (``text.Normaliser``) and the automaton
   finds every head (what can raise a signal: "kill myself", "want to die", "suicide note", a
   lower signal such as "no way out"), every means ("morphine") and every composing term ("going
   to", "tonight", "all my", "to end it"). A message without a head or a means stops here: that is
   most messages, and it costs a few microseconds.
2. Each head is composed with the terms around it, inside its clause or sentence: an intent
   phrase before an act makes it intent, with a time or a means in the sentence a plan; "tried
   to" makes it an attempt; "how to" a method. A means is a signal only in composition: stockpiled
   ("saving my pills": preparatory), taken in quantity ("took the whole bottle": attempt), about
   to be taken in quantity ("going to take all my morphine": plan), for a purpose ("enough
   oxycodone to not wake up": method).
3. The words before a signal may lower it by two steps: negation ("I'm not going to"), reported
   speech ("she said", quotes), a hypothetical opener ("if I ever", "what if"), the past ("I
   wanted to", unless "again" or "tonight" says it is happening now). An explicit statement
   lowered by negation, reported speech or a recent past stays at the alert threshold: lowered,
   never silenced. Someone else as the subject ("people who want to die") or an explicit long ago
   ("years ago") make it low: the member's history, or another person's words.
4. Signals combine across the message and the member's last few messages: a weak sign (pills
   ready, giving things away, "goodbye everyone", stopping treatment, "I'm going to do it") takes
   its full level when distress is also said (a wish, a lower signal...); two lower signals of
   different kinds (hopelessness and burdensomeness, say) make a medium signal. An end-of-life
   context (hospice, palliative care, letters for after I'm gone) explains the weak signs.

Only messages with a head pay for steps 2-4; the word sets of step 3 are checked once per message
(C-level set operations) so the loops around a signal run only when a relevant word is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cogs.escalation.detection.model import (
    ACTIVE_THOUGHTS,
    ATTEMPT,
    CRITICAL,
    HIGH,
    INTENT,
    LEVEL_CATEGORY,
    LEVEL_RANK,
    LEVEL_SEVERITY,
    LOW,
    LOWER_LEVELS,
    MEDIUM,
    METHOD,
    MODIFIER_DROP,
    MODIFIER_HYPOTHETICAL,
    MODIFIER_NEGATED,
    MODIFIER_PAST,
    MODIFIER_REPORTED,
    MODIFIER_THIRD_PERSON,
    PLAN,
    PREPARATORY,
    Detection,
    Match,
    Phrase,
)
from cogs.escalation.detection.text import BOUNDARIES, PAST, QUOTE, SENTENCE, Coded, Normaliser
from cogs.escalation.detection.vocabulary import (
    LOWER_KINDS,
    LOWER_WEAK_KIND,
    PHRASE_KIND,
    Entry,
)

# Earlier messages of the member read together with a new one.
CONTEXT_MESSAGES = 3

CHAIN_GAP = 3  # words allowed between "going to" and "kill myself" ("going to go and kill myself")
NEGATION_WINDOW = 3
SUBJECT_WINDOW = 4
PAST_WINDOW = 3
REPORTED_WINDOW = 10
PLACE_WINDOW = 6
MEANS_WINDOW = 7  # "swallowed the entire box of my sleeping meds"
STOCKPILE_WINDOW = 3  # "saving up my pills", not "saving money on my pills"
PURPOSE_WINDOW = 6  # words between a means and the start of "to end it"
READY_WINDOW = 3
MANY = 10  # "took 30 pills": a number of pills from this on is a quantity

# In the order that wins a tie (two phrases ending just before the act: "have a plan to").
_CHAINS = ("planned", "tried", "intent", "howto", "desire", "hope")
_WISHING = frozenset({"desire", "hope"})
_WISHING_ORDER = ("desire", "hope")
# A state that an intent may only announce as a prognosis or an absence ("I'm going to die",
# "I won't be here next week"): with an intent, it needs a decision ("I've decided to die").
_PROGNOSIS = frozenset(
    {"die", "dead", "here", "around", "gone", "morir", "morirme", "muerto", "muerta", "muera"}
    | {"muero", "aqui"}
)
_DECISION = frozenset(
    {"decided", "plan", "planning", "intend", "intending", "mind", "decidido", "decidi", "planeo"}
)
AFTER_WINDOW = 8  # words between "better off" and "without me"
_METHOD_KINDS = frozenset({"method", "jump", "jump_front", "drive_into", "method_weak"})
# Named, not said: "suicidal thoughts are common after a diagnosis" is no one's statement unless
# the sentence has the member in it.
_NAMED_KINDS = frozenset({"suicidal", "nssi_named", "act_weak"})
# Kinds whose level is as listed, whatever is around them (only modifiers may lower them).
_FIXED_KINDS = frozenset(
    {
        "wish",
        "wish_soft",
        "hopelessness",
        "burdensomeness",
        "entrapment",
        "prep",
        "prep_weak",
        "prep_medium",
        "goodbye",
        "farewell",
        "attempt",
        "attempt_weak",
        LOWER_WEAK_KIND,
        PHRASE_KIND,
    }
)
# Soft wishes an end-of-life context explains ("I hope I die in my sleep when my time comes").
_EOL_SOFTENS = frozenset({"death", "relief", "wish_soft", "stop", "not_for_long"})
_ACT_KINDS = frozenset({"act", "act_weak"}) | _METHOD_KINDS
_NSSI_KINDS = frozenset({"nssi", "nssi_weak", "nssi_named"})
# Weak signs that an end-of-life context in the conversation explains (hospice, legacy letters).
_EOL_EXPLAINS = frozenset(
    {"prep_weak", "prep_medium", "goodbye", "farewell", "stop", "wish_soft", "vague"}
)
# Weak signs that may complete a weak sign of another kind ("I have the pills ready. Love you
# all.").
_WEAK_DISTRESS = frozenset({"goodbye", "farewell"})
_NOT_DISTRESS = frozenset({MODIFIER_NEGATED, MODIFIER_THIRD_PERSON, MODIFIER_HYPOTHETICAL})
_CLAUSE_OPENERS = frozenset({"and", "but", "even", "y", "pero", "so", "aunque"})
_SPEAKER = frozenset({"i", "yo"})  # "I told my therapist ...": the member speaking, not reported
_WHETHER = frozenset({"if", "whether", "si"})  # a question reported: "asked if I ..."
# A person after one of these is an object, not the subject: "saying goodbye to people".
_PREPOSITIONS = frozenset(
    {"to", "for", "with", "at", "about", "from", "of", "by", "para", "a", "con", "de", "por"}
)

_EMPTY: frozenset[str] = frozenset()
# Which modifier word lists a word is in, as bits: one set intersection per message finds them.
_NEG, _THIRD, _REPORTED, _HYPOTHETICAL, _PAST, _BREAK, _TOPIC, _STOP = 1, 2, 4, 8, 16, 32, 64, 128
_MODIFYING = _NEG | _THIRD | _REPORTED | _HYPOTHETICAL | _PAST

Hit = tuple[int, int, Entry]


class Signal:
    """One signal found in a message (a plain slotted class: made on every signal, kept cheap)."""

    __slots__ = (
        "_cue",
        "base",
        "category",
        "combined",
        "context",
        "distant",
        "end",
        "entry",
        "explicit",
        "level",
        "modifiers",
        "severity",
        "source",
        "start",
        "weak",
    )

    def __init__(
        self,
        entry: Entry,
        level: str,
        severity: int,  # after modifiers
        base: int,  # before modifiers
        start: int,
        end: int,
        cue: str | _Message,  # the cue, or the message (its words joined when asked for)
        modifiers: frozenset[str] = _EMPTY,
        explicit: bool = False,
        weak: bool = False,  # needs distress elsewhere before it is worth its level
        distant: bool = False,  # explicitly long ago ("years ago")
        combined: bool = False,
        context: bool = False,
        category: str = "",
    ) -> None:
        self.entry = entry
        self.level = level
        self.severity = severity
        self.base = base
        self.start = start
        self.end = end
        if isinstance(cue, str):
            self._cue: str | None = cue
        else:
            self._cue = None
            self.source = cue
        self.modifiers = modifiers
        self.explicit = explicit
        self.weak = weak
        self.distant = distant
        self.combined = combined
        self.context = context
        self.category = category

    @property
    def cue(self) -> str:
        """The words that raised it (markers and punctuation left out)."""
        if self._cue is None:
            words = self.source.words[self.start : self.end]
            self._cue = " ".join(w for w in words if w != PAST and w not in BOUNDARIES)
        return self._cue

    def __repr__(self) -> str:
        return f"Signal({self.level}, {self.severity}, {self.cue!r}, {sorted(self.modifiers)})"

    @property
    def lower(self) -> bool:
        """A lower signal that combines with another kind of lower signal."""
        return not self.modifiers and self.entry.kind in LOWER_KINDS

    @property
    def distress(self) -> bool:
        """Distress said by the member themself, now: completes a weak sign."""
        if self.distant or (self.modifiers and not self.modifiers.isdisjoint(_NOT_DISTRESS)):
            return False
        if self.weak:
            return self.entry.kind in _WEAK_DISTRESS
        return self.entry.kind != LOWER_WEAK_KIND

    def rank(self) -> tuple[int, int, bool, int]:
        return (self.severity, LEVEL_RANK[self.level], self.explicit, self.end - self.start)


@dataclass(slots=True)
class Analysis:
    signals: list[Signal] = field(default_factory=list)
    eol: bool = False  # an end-of-life context (hospice, palliative care, legacy letters)


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
            (_NEG, self.negations),
            (_THIRD, self.third_person),
            (_REPORTED, self.reported_verbs | {QUOTE}),
            (_HYPOTHETICAL, self.hypothetical),
            (_PAST, self.past_words | {PAST}),
            (_BREAK, self.breaks),
            (_TOPIC, words["topic"]),
            (_STOP, frozenset({SENTENCE})),
        ):
            for word in group:
                masks[word] = masks.get(word, 0) | bit
        self.masks = masks
        self.marked = frozenset(masks)
        normaliser.set_bits(masks)

    # ------------------------------------------------------------------ one message

    def scan(self, text: str, extra: Any = None) -> Detection | None:
        """One message on its own."""
        found = self.analyse(text, extra)
        return None if found is None else self.decide((found,))

    def analyse(self, text: str, extra: Any = None, terms: bool = False) -> Analysis | None:
        """The signals of one message; None when it has nothing worth a look. With `terms`, a
        message with no signal but a composing term ("Sunday.", "all of them") gives a weak sign
        for the member's earlier messages to complete."""
        codes, raw = self.normaliser.encode(text)
        found = list(self.automaton.iter(codes))
        if extra is not None:
            found += extra.iter(codes)
        for _, value in found:
            if value[0]:
                break
        else:
            return self._terms(found, raw) if terms and found else None
        kinds: dict[str, list[Hit]] = {}
        for end, (_, entries, n) in found:
            stop = (end + 1) >> 1  # two characters per word: positions halved are word indexes
            start = stop - n
            for entry in entries:
                hits = kinds.get(entry.kind)
                if hits is None:
                    kinds[entry.kind] = [(start, stop, entry)]
                else:
                    hits.append((start, stop, entry))
        return _Message(self, raw, kinds).analyse()

    def _terms(self, found: list[Any], raw: list[Coded]) -> Analysis | None:
        """A weak sign from composing terms alone (a time, a place, a means made ready)."""
        present: dict[str, tuple[int, int]] = {}
        for end, (_, entries, n) in found:
            stop = (end + 1) >> 1
            for entry in entries:
                present.setdefault(entry.kind, (stop - n, stop))
        for kind, entry in _TERM_SIGNS:
            if kind in present:
                start, end = present[kind]
                message = _Message(self, raw, {})
                signal = Signal(entry, entry.level, LOW, LOW, start, end, message, weak=True)
                signal.category = LEVEL_CATEGORY[entry.level]
                return Analysis([signal], eol="eol" in present)
        return None

    # ------------------------------------------------------------------ several messages

    def decide(self, analyses: Sequence[Analysis]) -> Detection | None:
        """The strongest signal of the last message, read with the earlier ones."""
        current = analyses[-1]
        signals = current.signals
        if not signals:
            return None
        earlier = analyses[:-1]
        if not earlier and len(signals) == 1 and not signals[0].weak:
            best = signals[0]
            candidates = signals
        else:
            candidates = signals + self._combined(current, earlier)
            best = max(candidates, key=Signal.rank)
        if len(candidates) == 1:
            found: tuple[Signal, ...] = (best,)
        else:
            found = tuple(
                s for s in sorted(candidates, key=_position) if not s.combined or s is best
            )
        return Detection(
            best.severity,
            best.category,
            self.threshold,
            best.level,
            best.modifiers,
            best.context,
            best.entry.lang,
            best,
            found,
            _match,
        )

    def _combined(self, current: Analysis, earlier: Sequence[Analysis]) -> list[Signal]:
        """Weak signs completed by distress, and lower signals of two kinds."""
        out: list[Signal] = []
        eol = current.eol or any(a.eol for a in earlier)
        now = [s for s in current.signals if s.distress]
        before = [s for a in earlier for s in a.signals if s.distress]
        for weak in current.signals:
            if not weak.weak or (eol and weak.entry.kind in _EOL_EXPLAINS):
                continue
            partner = next((s for s in now if _completes(s, weak)), None)
            if partner is None and weak.level == PREPARATORY and weak.entry.kind in _PREPARING:
                # two different preparatory signs ("gave my cat away", "everything's arranged")
                partner = next((s for s in current.signals if _another_sign(s, weak)), None)
            if partner is not None:
                out.append(_upgrade(weak, partner, context=False, weak_first=True))
                continue
            partner = next((s for s in reversed(before) if _completes(s, weak)), None)
            if partner is not None:
                out.append(_upgrade(weak, partner, context=True, weak_first=False))
        if now:
            for analysis in earlier:
                for weak in analysis.signals:
                    if not weak.weak or (eol and weak.entry.kind in _EOL_EXPLAINS):
                        continue
                    partner = next((s for s in now if _completes(s, weak)), None)
                    if partner is not None:
                        out.append(_upgrade(weak, partner, context=True, weak_first=True))
        lowers = [s for s in current.signals if s.lower]
        if lowers:
            other = next((s for s in lowers if s.level != lowers[0].level), None)
            if other is not None:
                out.append(_combine(lowers[0], other, context=False))
            else:
                levels = {s.level for s in lowers}
                earlier_lowers = [s for a in earlier for s in a.signals if s.lower]
                other = next((s for s in reversed(earlier_lowers) if s.level not in levels), None)
                if other is not None:
                    out.append(_combine(other, lowers[0], context=True))
        return out


def _term_sign(kind: str, level: str, text: str) -> Entry:
    return Entry(
        kind=kind,
        key=text,
        text=text,
        lang="",
        level=level,
        severity=LOW,
        needs="distress",
        head=True,
        phrase=Phrase(
            text=text,
            key=text,
            category=LEVEL_CATEGORY[level],
            severity=LOW,
            level=level,
            source="team",
        ),
    )


# Composing terms alone in a message, in the order they are read: the weak sign each gives.
_TERM_SIGNS = (
    ("ingest_past", _term_sign("terms_taken", ATTEMPT, "(taken)")),
    ("stockpile", _term_sign("terms_ready", PREPARATORY, "(means kept)")),
    ("ready_after", _term_sign("terms_ready", PREPARATORY, "(means ready)")),
    ("means", _term_sign("terms_means", METHOD, "(a means)")),
    ("qty", _term_sign("terms_ready", PREPARATORY, "(all of them)")),
    ("place", _term_sign("terms_place", METHOD, "(a place)")),
    ("place_traffic", _term_sign("terms_place", METHOD, "(a place)")),
    ("time", _term_sign("terms_time", PLAN, "(a time)")),
)


def _longest(hits: list[Hit]) -> list[Hit]:
    """Of hits of one kind that overlap, the longest (the earliest of equals), in text order."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= k[0] or k[1] <= hit[0] for k in kept):
            kept.append(hit)
    kept.sort()
    return kept


def _position(signal: Signal) -> tuple[int, int]:
    return (signal.start, -signal.severity)


def _completes(partner: Signal, weak: Signal) -> bool:
    """Whether `partner` (distress) makes the weak sign `weak` worth its level."""
    if partner is weak or not partner.distress:
        return False
    if weak.entry.kind == "terms_time" and (partner.weak or partner.level in LOWER_LEVELS):
        return False  # "Sunday." completes a wish or a plan, not "I'm so tired"
    if not partner.weak:
        return True
    # another weak sign: of another kind, and not the same words ("this is goodbye")
    return partner.entry.kind != weak.entry.kind and (
        partner.end <= weak.start or weak.end <= partner.start
    )


_PREPARING = frozenset({"prep_weak", "means", "terms_ready"})


def _another_sign(other: Signal, weak: Signal) -> bool:
    """Two different preparatory signs in one message ("counted out all the morphine" and
    "lined them up")."""
    return (
        other is not weak
        and other.weak
        and other.level == PREPARATORY
        and other.entry.kind in _PREPARING
        and other.entry.key != weak.entry.key
        and (other.end <= weak.start or weak.end <= other.start)
        and not other.modifiers
        and not weak.modifiers
    )


def _upgrade(weak: Signal, partner: Signal, *, context: bool, weak_first: bool) -> Signal:
    level = weak.level
    severity = LEVEL_SEVERITY[level]
    cue = f"{weak.cue} + {partner.cue}" if weak_first else f"{partner.cue} + {weak.cue}"
    return Signal(
        entry=weak.entry,
        level=level,
        severity=severity,
        base=severity,
        start=weak.start,
        end=weak.end,
        cue=cue,
        combined=True,
        context=context,
        category=LEVEL_CATEGORY[level],
    )


def _combine(first: Signal, second: Signal, *, context: bool) -> Signal:
    level = max(first.level, second.level, key=LEVEL_RANK.__getitem__)
    return Signal(
        entry=second.entry,
        level=level,
        severity=MEDIUM,
        base=MEDIUM,
        start=second.start,
        end=second.end,
        cue=f"{first.cue} + {second.cue}",
        combined=True,
        context=context,
        category=LEVEL_CATEGORY[level],
    )


def _match(signal: Signal) -> Match:
    phrase = signal.entry.phrase
    assert phrase is not None
    return Match(
        phrase=phrase,
        start=signal.start,
        end=signal.end,
        modifiers=signal.modifiers,
        severity=signal.severity,
        level=signal.level,
        cue=signal.cue,
        context=signal.context,
    )


class _Message:
    """The rules applied to one normalised message."""

    __slots__ = (
        "_words",
        "benign",
        "breaks",
        "chains",
        "has_hypothetical",
        "has_negation",
        "has_past",
        "has_past_marker",
        "has_recent",
        "has_reported",
        "has_third",
        "has_topic",
        "kinds",
        "plain",
        "raw",
        "s",
        "stops",
    )

    def __init__(self, scanner: Scanner, raw: list[Coded], kinds: dict[str, list[Hit]]) -> None:
        self.s = scanner
        self.raw = raw
        self._words: list[str] | None = None
        self.kinds = kinds
        mask = scanner.normaliser.mask(raw)
        self.breaks: frozenset[str] = scanner.breaks if mask & _BREAK else _EMPTY
        self.stops = bool(mask & _STOP)
        benign = kinds.get("benign")
        self.benign = [(a, b) for a, b, _ in benign] if benign else []
        self.chains = [k for k in _CHAINS if k in kinds] if len(kinds) > 1 else []
        self.has_negation = bool(mask & _NEG)
        self.has_third = bool(mask & _THIRD)
        self.has_reported = bool(mask & _REPORTED)
        self.has_hypothetical = bool(mask & _HYPOTHETICAL) or "hypothetical" in kinds
        self.has_past = bool(mask & _PAST)
        self.has_past_marker = "past_marker" in kinds
        self.has_recent = "recent" in kinds
        self.has_topic = bool(mask & _TOPIC)
        # no word that could lower a signal: the modifiers are not looked for at all
        self.plain = (
            not (mask & _MODIFYING) and not self.has_past_marker and ("hypothetical" not in kinds)
        )

    # ------------------------------------------------------------------ positions

    @property
    def words(self) -> list[str]:
        """The normalised words, one per word code (made when a rule first needs them)."""
        words = self._words
        if words is None:
            words = self._words = self.s.normaliser.words(self.raw)
        return words

    # Clauses and sentences are found by looking left and right from a signal (a few words):
    # cheaper than listing every boundary of a message that has one or two signals.

    def clause_start(self, i: int) -> int:
        breaks = self.breaks
        if not breaks:
            return 0
        words = self.words
        while i > 0 and words[i - 1] not in breaks:
            i -= 1
        return i

    def clause_end(self, i: int) -> int:
        breaks = self.breaks
        words = self.words
        n = len(words)
        if not breaks:
            return n
        while i < n and words[i] not in breaks:
            i += 1
        return i

    def sentence(self, i: int) -> tuple[int, int]:
        words = self.words
        n = len(words)
        if not self.stops:
            return 0, n
        lo = i
        while lo > 0 and words[lo - 1] != SENTENCE:
            lo -= 1
        hi = i
        while hi < n and words[hi] != SENTENCE:
            hi += 1
        return lo, hi

    def within(self, kind: str, lo: int, hi: int) -> list[Hit]:
        hits = self.kinds.get(kind)
        if not hits:
            return []
        return [h for h in hits if h[0] >= lo and h[1] <= hi]

    def starting(self, kind: str, lo: int, hi: int, limit: int) -> list[Hit]:
        """Hits of `kind` starting in [lo, hi] and ending by `limit`."""
        hits = self.kinds.get(kind)
        if not hits:
            return []
        return [h for h in hits if lo <= h[0] <= hi and h[1] <= limit]

    def any_within(self, kind: str, lo: int, hi: int) -> bool:
        hits = self.kinds.get(kind)
        if not hits:
            return False
        for a, b, _ in hits:
            if a >= lo and b <= hi:
                return True
        return False

    def is_benign(self, start: int, end: int) -> bool:
        """Whether an everyday phrase overlaps words[start:end] ("cut myself" in "cut myself
        shaving"); a longer head around it is not ("wish i could sleep forever")."""
        return any(
            a < end and start < b and not (start <= a and b <= end and b - a < end - start)
            for a, b in self.benign
        )

    # ------------------------------------------------------------------ the message

    def analyse(self) -> Analysis:
        kinds = self.kinds
        out = Analysis(eol="eol" in kinds)
        signals = out.signals
        for kind, hits in kinds.items():
            if not hits[0][2].head and kind != "means":
                continue
            if len(hits) > 1:  # one evaluation per span: "want to die" inside "i want to die"
                hits = _longest(hits)
            if kind == LOWER_WEAK_KIND:  # a generic word inside a stronger phrase adds nothing
                hits = [h for h in hits if not self._inside_head(h)]
            for hit in hits:
                if self.benign and self.is_benign(hit[0], hit[1]):
                    continue
                found = self.means(hit) if kind == "means" else self.head(hit)
                if found is not None:
                    signals.append(found)
        return out

    def _inside_head(self, hit: Hit) -> bool:
        a, b = hit[0], hit[1]
        for kind, hits in self.kinds.items():
            if kind != LOWER_WEAK_KIND and hits[0][2].head and not hits[0][2].needs:
                for c, d, _ in hits:
                    if c <= a and b <= d:
                        return True
        return False

    def chain(self, start: int, lo: int) -> tuple[str, int]:
        """The intent / desire / tried / how-to phrase just before `start` (same clause)."""
        kind, first, _ = self.chain_span(start, lo)
        return kind, first

    def chain_span(
        self, start: int, lo: int, only: Sequence[str] = (), gap: int = CHAIN_GAP
    ) -> tuple[str, int, int]:
        best_kind, best_start, best_end = "", start, start
        kinds = self.kinds
        for kind in only or self.chains:
            if kind not in kinds:
                continue
            for a, b, _ in kinds[kind]:
                if a >= lo and start - gap <= b <= start and (not best_kind or b > best_end):
                    best_kind, best_start, best_end = kind, a, b
        return best_kind, best_start, best_end

    def head(self, hit: Hit) -> Signal | None:
        start, end, entry = hit
        kind = entry.kind
        if self.plain and kind in _FIXED_KINDS and not self.has_topic and "eol" not in self.kinds:
            # nothing can lower it and nothing composes with it: its level as listed
            category = (
                entry.phrase.category
                if kind == PHRASE_KIND and entry.phrase is not None
                else LEVEL_CATEGORY[entry.level]
            )
            return Signal(
                entry,
                entry.level,
                entry.severity,
                entry.severity,
                start,
                end,
                self,
                _EMPTY,
                entry.explicit,
                entry.needs == "distress",
                False,
                False,
                False,
                category,
            )
        lo = self.clause_start(start)
        s_lo, s_hi = self.sentence(start)
        if entry.chain:
            chain, first, chain_end = entry.chain, start, start
        elif self.chains:
            chain, first, chain_end = self.chain_span(start, lo)
        else:
            chain, first, chain_end = "", start, start
        level = entry.level
        severity = entry.severity
        needs = entry.needs
        weak = needs == "distress"
        explicit = entry.explicit
        purposeful = False
        if needs == "chain" and not chain:
            return None
        if needs == "wish":  # "wish I could stop existing", not "I'm going to die"
            if chain in ("intent", "planned") and self._intends_death(entry, first):
                level = INTENT  # "I'm going to go to sleep and not wake up", "decided to die"
                severity = LEVEL_SEVERITY[INTENT]
                needs = ""
            elif chain not in _WISHING:  # "I keep hoping I'll die": look past the "I'll"
                chain, first, chain_end = self.chain_span(start, lo, _WISHING_ORDER, CHAIN_GAP + 2)
        if needs == "wish":
            if chain not in _WISHING:
                return None
            if chain == "hope" and not self._member_between(chain_end, start, end):
                return None  # "I hope the tumour will be gone for good"
        elif needs == "after:place":
            places = self.within("place", end, min(self.clause_end(end), end + PLACE_WINDOW))
            if not places:
                return None
            end = places[0][1]
        elif needs.startswith("after:"):
            tails = self.starting(needs[6:], end, end + AFTER_WINDOW, s_hi)
            if not tails:
                return None
            end = tails[0][1]
        elif needs.startswith("before:"):
            lead = [
                h
                for h in self.within(needs[7:], max(s_lo, start - AFTER_WINDOW), start)
                if h[1] <= start
            ]
            if not lead:
                return None
            first = min(first, lead[-1][0])
        if kind in _ACT_KINDS:
            timed = self.any_within("time", s_lo, s_hi)
            means = kind in _METHOD_KINDS or self.any_within("means", s_lo, s_hi)
            if chain == "tried":
                level = ATTEMPT
            elif chain == "planned":
                level = PLAN
            elif chain == "intent":
                level = PLAN if timed or means else INTENT
            elif chain == "howto":
                level = METHOD
            elif chain in _WISHING:
                level = INTENT if timed else METHOD if means else ACTIVE_THOUGHTS
            elif means:
                level = METHOD
            severity = LEVEL_SEVERITY[level]
        elif kind in _NSSI_KINDS:
            if chain == "intent" and self.any_within("time", s_lo, s_hi):
                severity = CRITICAL
            elif chain or self.any_within("deliberate", start, min(s_hi, end + 4)):
                severity = max(severity, HIGH)
        elif kind == "vague":  # "going to do it": a signal only with distress elsewhere, or
            # with a means in the sentence ("I'm going to do it with my sleeping pills")
            level = PLAN if self.any_within("time", s_lo, s_hi) else INTENT
            if chain in ("intent", "planned") and any(
                h[2].strong and s_lo <= h[0] < s_hi for h in self.kinds.get("means", ())
            ):
                level, severity = PLAN, LEVEL_SEVERITY[PLAN]
            else:
                weak = True
                severity = LOW
        elif kind == "stop":
            purpose = self.starting("purpose", end, end + PURPOSE_WINDOW, s_hi)
            if purpose:
                end = purpose[0][1]
                level = PLAN if chain in ("intent", "planned") else METHOD
                severity = LEVEL_SEVERITY[level]
                weak = False
                explicit = True
                purposeful = True
        if self.plain or entry.counterfactual:  # "I should have died last year": a wish now
            modifiers, distant = _EMPTY, False
        else:
            inherent_past = level == ATTEMPT or kind == "attempt_weak" or entry.counterfactual
            modifiers, distant = self.modifiers(
                first, end, lo, s_lo, s_hi, inherent_past, entry.personal
            )
        if kind in _NAMED_KINDS and self.has_topic and not chain:
            sentence = self.words[s_lo:s_hi]
            if (
                MODIFIER_THIRD_PERSON not in modifiers
                and self.s.member.isdisjoint(sentence)
                and not self.s.topic.isdisjoint(sentence)
            ):
                # "suicidal thoughts are common after a diagnosis": about suicide, no one's words
                modifiers = modifiers | {MODIFIER_THIRD_PERSON}
        if purposeful and MODIFIER_HYPOTHETICAL in modifiers:
            # "if I stopped my meds it would all be over": weighing a method, not a story
            modifiers = modifiers - {MODIFIER_HYPOTHETICAL}
        if kind == "not_for_long" and MODIFIER_NEGATED in modifiers:
            modifiers = modifiers - {MODIFIER_NEGATED}  # "not ... for much longer" is the point
        if kind in _EOL_SOFTENS and "eol" in self.kinds and not modifiers:
            severity = LOW  # an end-of-life wish or decision, said among people who share it
        return self.signal(entry, level, severity, first, end, modifiers, distant, explicit, weak)

    def signal(
        self,
        entry: Entry,
        level: str,
        severity: int,
        start: int,
        end: int,
        modifiers: frozenset[str],
        distant: bool,
        explicit: bool,
        weak: bool,
    ) -> Signal:
        base = severity
        if modifiers:
            severity -= MODIFIER_DROP
            if distant or MODIFIER_THIRD_PERSON in modifiers:
                severity = LOW  # long ago, or someone else: the member's history, not a crisis
            elif explicit and MODIFIER_HYPOTHETICAL not in modifiers:
                severity = max(severity, self.s.threshold)  # lowered, never silenced
            severity = max(severity, LOW)
        if entry.kind == PHRASE_KIND and entry.phrase is not None:
            category = entry.phrase.category
        else:
            category = LEVEL_CATEGORY[level]
        return Signal(
            entry,
            level,
            severity,
            base,
            start,
            end,
            self,
            modifiers,
            explicit,
            weak,
            distant,
            False,
            False,
            category,
        )

    def means(self, hit: Hit) -> Signal | None:
        """A means is a signal only in composition."""
        start, end, entry = hit
        kinds = self.kinds
        words = self.words
        lo = self.clause_start(start)
        s_lo, s_hi = self.sentence(start)
        back = max(lo, start - MEANS_WINDOW)
        many = any(
            w.isdigit() and int(w) >= MANY
            for w in words[max(lo, start - 3) : start]
            if w[:1].isdigit()
        )
        qty = many or ("qty" in kinds and bool(self.within("qty", back, end)))
        some = qty or ("qty_weak" in kinds and bool(self.within("qty_weak", back, end)))
        if entry.amount or entry.weapon or (entry.strong and some):
            # "all my morphine", "everything I've saved", "his gun": a lethal quantity
            qty = some = True
        purpose = self.starting("purpose", end, end + PURPOSE_WINDOW, s_hi)
        after = purpose[0][1] if purpose else end
        level = ""
        weak = False
        first = start
        stock = [h for h in self.within("stockpile", lo, start) if h[1] >= start - STOCKPILE_WINDOW]
        taken = self.within("ingest_past", back, start)
        taking = self.within("ingest", back, start)
        research = self.within("research", back, start) if "research" in self.kinds else ()
        if research and self.starting("lethal", end, end + PURPOSE_WINDOW, s_hi):
            level, first = PREPARATORY, research[0][0]  # "looked up how much insulin it takes"
            after = self.starting("lethal", end, end + PURPOSE_WINDOW, s_hi)[0][1]
        elif stock:
            level, first = PREPARATORY, stock[0][0]
        elif taken:
            first = taken[0][0]
            if qty or purpose:
                level = ATTEMPT
            elif some:
                level, weak = ATTEMPT, True
        elif taking:
            first = taking[0][0]
            if taking[0][2].chain:  # "me tomo todas las pastillas": the present as intent
                chain, chain_start = taking[0][2].chain, first
            else:
                chain, chain_start = self.chain(first, lo)
            if chain in ("intent", "planned") and (some or purpose):
                level, first = PLAN, chain_start
            elif chain in ("desire", "howto") and (some or purpose):
                level, first = METHOD, chain_start
            elif chain == "tried" and (some or purpose):
                level, first = ATTEMPT, chain_start
            elif purpose:
                level = METHOD
            elif qty:
                level, weak = METHOD, True
        elif purpose:
            chain, chain_start = self.chain(start, lo)
            level = PLAN if chain in ("intent", "planned") else METHOD
            first = chain_start if chain else start
        if not level:
            before = self.within("ready", back, start)
            ready = before + self.starting(
                "ready_after", end, end + READY_WINDOW, self.clause_end(end)
            )
            amounts = self.within("qty", back, start) + self.within("qty_weak", back, start)
            if ready:
                level, weak = PREPARATORY, True
                first = min(first, *(h[0] for h in ready + amounts))
                after = max(after, *(h[1] for h in ready))
            elif some:
                level, weak = METHOD, True
                if amounts:
                    first = min(h[0] for h in amounts)
            else:
                return None
        if self.benign and self.is_benign(first, after):
            return None
        severity = LOW if weak else LEVEL_SEVERITY[level]
        personal = words[first] in self.s.first_person  # "me tomo ...", "my pills"
        modifiers, distant = self.modifiers(
            first, after, lo, s_lo, s_hi, level == ATTEMPT, personal
        )
        if purpose and MODIFIER_HYPOTHETICAL in modifiers:
            # "if I take all my chemo pills would it kill me": asking about lethality
            modifiers = modifiers - {MODIFIER_HYPOTHETICAL}
        return self.signal(entry, level, severity, first, after, modifiers, distant, not weak, weak)

    # ------------------------------------------------------------------ what lowers a signal

    def modifiers(
        self,
        first: int,
        end: int,
        lo: int,
        s_lo: int,
        s_hi: int,
        inherent_past: bool,
        personal: bool = False,
    ) -> tuple[frozenset[str], bool]:
        """What lowers the signal spanning words[first:end] (its clause starts at `lo`)."""
        s = self.s
        words = self.words
        found: set[str] = set()

        # Negation: a negating word just before, in the same clause, with only subject or
        # auxiliary words between ("I'm not going to", "I don't think I want to"; not "cuando no
        # haya nadie, me tomo...").
        if self.has_negation:
            negations = s.negations
            for i in range(first - 1, max(lo, first - NEGATION_WINDOW) - 1, -1):
                word = words[i]
                if word in negations:
                    if words[i + 1] not in s.not_negating_after:
                        found.add(MODIFIER_NEGATED)
                    break
                if word not in s.subject_skip and word not in s.first_person:
                    break

        # Someone else is the subject: "people who want to die", "she is such a burden" (not when
        # the phrase names the member: "they'd be better off without me").
        if self.has_third and not personal:
            for i in range(first - 1, max(lo, first - SUBJECT_WINDOW) - 1, -1):
                word = words[i]
                if word in s.first_person:
                    break
                if word in s.third_person:
                    if i == 0 or words[i - 1] not in _PREPOSITIONS:
                        found.add(MODIFIER_THIRD_PERSON)
                    break
                if word not in s.subject_skip and word not in s.negations:
                    break

        # Hypothetical: the clause opens with "if" / "si" / "imagine"; or "what if" before it.
        if self.has_hypothetical:
            i = lo
            while i < first and words[i] in _CLAUSE_OPENERS:
                i += 1
            if (i < first and words[i] in s.hypothetical) or self.any_within(
                "hypothetical", lo, first
            ):
                found.add(MODIFIER_HYPOTHETICAL)

        # Reported speech: inside quotation marks, or after "she said" in the same sentence.
        if self.has_reported:
            before = words[s_lo:first]
            if before.count(QUOTE) % 2 == 1:
                found.add(MODIFIER_REPORTED)
            else:  # a reporting verb in the same clause ("she said I'm fine, but I want to die")
                reported = s.reported_verbs
                for i in range(first - 1, max(lo, first - REPORTED_WINDOW) - 1, -1):
                    if words[i] in reported:
                        if _SPEAKER.isdisjoint(words[max(0, i - 3) : i]):  # not "I've been saying"
                            found.add(MODIFIER_REPORTED)
                            if words[i + 1] in _WHETHER:  # "the nurse asked if I ever wanted to"
                                found.add(MODIFIER_HYPOTHETICAL)
                        break
                else:  # or after it in its clause: "suicidal thoughts are common my nurse said"
                    for i in range(end, min(self.clause_end(end), end + REPORTED_WINDOW)):
                        if words[i] in reported:
                            if words[i - 1] not in s.member:
                                found.add(MODIFIER_REPORTED)
                            break

        # Past: a past form just before or inside it ("I wanted to", "was"), or a marker of long
        # ago in the sentence ("years ago"), unless its clause says it is happening now.
        distant = False
        if self.has_past_marker or self.has_past:
            if self.has_recent and self.any_within(
                "recent", lo, self.clause_end(max(first, end - 1))
            ):
                pass
            elif self.has_past_marker and self.any_within("past_marker", s_lo, s_hi):
                found.add(MODIFIER_PAST)
                distant = True
            elif self.has_past and not inherent_past:
                if self.has_recent and self.any_within("recent", s_lo, s_hi):
                    pass
                elif self._past_form(first, end, lo):
                    found.add(MODIFIER_PAST)
        return (frozenset(found) if found else _EMPTY), distant

    def _intends_death(self, entry: Entry, first: int) -> bool:
        """An intent before a state of being dead is a prognosis when it is only "going to die"
        or "will be dead"; not when the state is chosen ("not wake up", "stop existing") or the
        intent is a decision ("decided to die")."""
        if not _PROGNOSIS.isdisjoint(entry.key.split()):
            chain_words = self.words[first : first + 4]
            return not _DECISION.isdisjoint(chain_words)
        return True

    def _member_between(self, chain_end: int, start: int, end: int) -> bool:
        """After "hope": "I hope I die", "hoping I'll die", "hope to die", not "hope it ends"."""
        words = self.words
        if start == chain_end or words[start] in self.s.member:
            return True
        between = words[chain_end:start]
        return not self.s.member.isdisjoint(between) or between[-1:] == ["to"]

    def _past_form(self, first: int, end: int, lo: int) -> bool:
        words = self.words
        s = self.s
        window_start = max(lo, first - PAST_WINDOW)
        if PAST not in words[window_start:end] and s.past_words.isdisjoint(
            words[window_start:first]
        ):
            return False
        return s.counterfactual.isdisjoint(words[lo:first])
