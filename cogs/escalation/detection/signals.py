"""Signals, and how they combine across a message and the member's last few messages.

A weak sign (pills ready, giving things away, "goodbye everyone", stopping treatment, "I'm going
to do it", a time alone after a plan) takes its full level when distress is also said (a wish, an
act, a lower signal...) in the message or the earlier ones; two different preparatory signs
complete each other; two lower signals of different kinds (hopelessness and burdensomeness, say)
make a medium signal. An end-of-life context (hospice, palliative care, letters for after I'm
gone) explains the weak signs. The strongest signal decides the Detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cogs.escalation.detection.model import (
    ATTEMPT,
    INTENT,
    LEVEL_CATEGORY,
    LEVEL_RANK,
    LEVEL_SEVERITY,
    LOW,
    LOWER_LEVELS,
    MEDIUM,
    METHOD,
    MODIFIER_HYPOTHETICAL,
    MODIFIER_NEGATED,
    MODIFIER_THIRD_PERSON,
    PLAN,
    PREPARATORY,
    WISH_DEAD,
    Detection,
    Match,
    Phrase,
)
from cogs.escalation.detection.text import BOUNDARIES, PAST
from cogs.escalation.detection.vocabulary import LOWER_KINDS, LOWER_WEAK_KIND, Entry

if TYPE_CHECKING:
    from cogs.escalation.detection.message import Message

# Weak signs that an end-of-life context in the conversation explains (hospice, legacy letters).
_EOL_EXPLAINS = frozenset(
    {"prep_weak", "prep_medium", "goodbye", "farewell", "stop", "wish_soft", "vague"}
)
# Weak signs that complete a weak sign of another kind ("I have the pills ready. Love you all.").
_WEAK_DISTRESS = frozenset({"goodbye", "farewell"})
# Goodbyes that a word of finality makes a goodbye for good ("signing off. for good").
_FAREWELLS = frozenset({"farewell"})
FINAL_WINDOW = 8  # words between a goodbye and "for good", "para siempre"
_NOT_DISTRESS = frozenset({MODIFIER_NEGATED, MODIFIER_THIRD_PERSON, MODIFIER_HYPOTHETICAL})

EMPTY: frozenset[str] = frozenset()

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
        cue: str | Message,  # the cue, or the message (its words joined when asked for)
        modifiers: frozenset[str] = EMPTY,
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


class Analysis:
    """The signals of one message (a plain slotted class: made for every message with a head)."""

    __slots__ = ("eol", "signals", "words")

    def __init__(
        self, signals: list[Signal] | None = None, eol: bool = False, words: int = 0
    ) -> None:
        self.signals: list[Signal] = [] if signals is None else signals
        self.eol = eol  # an end-of-life context (hospice, palliative care, legacy letters)
        self.words = words  # for a message of composing terms alone: how many words it has

    def __repr__(self) -> str:
        return f"Analysis({self.signals!r}, eol={self.eol}, words={self.words})"


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
TERM_SIGNS = (
    ("ingest_past", _term_sign("terms_taken", ATTEMPT, "(taken)")),
    ("done", _term_sign("terms_done", ATTEMPT, "(done)")),
    ("stockpile", _term_sign("terms_ready", PREPARATORY, "(means kept)")),
    ("ready_after", _term_sign("terms_ready", PREPARATORY, "(means ready)")),
    ("means", _term_sign("terms_means", METHOD, "(a means)")),
    ("qty", _term_sign("terms_ready", PREPARATORY, "(all of them)")),
    ("place", _term_sign("terms_place", METHOD, "(a place)")),
    ("place_traffic", _term_sign("terms_place", METHOD, "(a place)")),
    ("time", _term_sign("terms_time", PLAN, "(a time)")),
    ("resolve", _term_sign("terms_resolve", INTENT, "(a resolve)")),
    ("affirm", _term_sign("terms_affirm", WISH_DEAD, "(said again)")),
)


def _position(signal: Signal) -> tuple[int, int]:
    return (signal.start, -signal.severity)


def _completes(partner: Signal, weak: Signal) -> bool:
    """Whether `partner` (distress) makes the weak sign `weak` worth its level."""
    if partner is weak or not partner.distress:
        return False
    if (
        partner._cue is None
        and weak._cue is None
        and partner.source is weak.source
        and partner.start < weak.end
        and weak.start < partner.end
    ):
        return False  # the same words read twice ("log off for good"): one signal, not two
    if weak.entry.kind in _TERMS_NEEDING_INTENT and (partner.weak or partner.level in LOWER_LEVELS):
        return False  # "Sunday." / "this time" completes a wish or a plan, not "I'm so tired"
    if weak.entry.kind == _TERMS_AFFIRM:
        # "yeah." stands by an alert the member has just given, not a lower or a weak sign
        return not partner.weak and partner.level not in LOWER_LEVELS and partner.severity >= MEDIUM
    if weak.entry.kind == _TERMS_DONE:
        # "done." completes a step said before (an intent, a plan, a preparation), not a wish
        return not partner.weak and partner.level in _STEPS
    if not partner.weak:
        return True
    # another weak sign: of another kind, and not the same words ("this is goodbye")
    return partner.entry.kind != weak.entry.kind and (
        partner.end <= weak.start or weak.end <= partner.start
    )


_TERMS_NEEDING_INTENT = frozenset({"terms_time", "terms_resolve"})
# "done." after "I'm going to take all my pills tonight": the step said before, carried out.
_TERMS_DONE = "terms_done"
_STEPS = frozenset({METHOD, INTENT, PLAN, PREPARATORY, ATTEMPT})
_ATTEMPTED = frozenset({METHOD, INTENT, PLAN, ATTEMPT})  # done: an attempt (else a preparation)
DONE_REPLY = 6
_TERMS_AFFIRM = "terms_affirm"  # "yeah." after "I want to die": the statement said again
AFFIRM_REPLY = 6  # a step reported done in a short reply ("that's the last one sorted now")
# A time or a resolve alone completes what the member said before only as a short reply
# ("tonight.", "this weekend", "for real this time"), not inside a sentence about something else.
SHORT_REPLY = 4
OPENING_REPLY = 10  # a reply that opens with a time ("Tonight, after my husband falls asleep.")
_PREPARING = frozenset({"prep_weak", "means", "terms_ready"})


# What may follow a time that opens a reply: the end of it, or when ("Friday. after the kids go",
# "Tonight, when he's asleep"), not the rest of a sentence ("today the weather is nice").
_AFTER_OPENING = frozenset(
    {".", ",", "after", "when", "once", "before", "while", "then", "cuando", "despues", "antes"}
    | {"mientras", "en", "que"}
)


def _opens_with(weak: Signal) -> bool:
    """The reply opens with the time, said on its own or with when."""
    if weak.start != 0 or weak._cue is not None:
        return False
    words = weak.source.words
    return weak.end >= len(words) or words[weak.end] in _AFTER_OPENING


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


def _final(weak: Signal) -> bool:
    """A word of finality near a goodbye ("for good", "forever", "para siempre")."""
    source = weak.source if weak._cue is None else None
    if source is None or "final" not in source.kinds:
        return False
    return any(
        weak.end <= a <= weak.end + FINAL_WINDOW or weak.start - FINAL_WINDOW <= b <= weak.start
        for a, b, _ in source.kinds["final"]
    )


# A preparation said with a lethal means and a time or a decision, in one message: "got it all
# worked out. tuesday when he's at work, the patches and the sleeping pills", "i've set a date. the
# 30th. i'm taking the oxy". A plan, raised from weaker cues: it alerts when the learned model
# agrees (learned.agreed).
_PLANNING = frozenset({"prep_weak"})
_DECIDING = ("time", "resolve", "planned")


def _planned_means(weak: Signal) -> Signal | None:
    source = weak.source if weak._cue is None else None
    if source is None:
        return None
    kinds = source.kinds
    if not any(kind in kinds for kind in _DECIDING):
        return None
    means = next((h for h in kinds.get("means", ()) if h[2].strong or h[2].weapon), None)
    if means is None:
        return None
    words = source.words
    cue = f"{weak.cue} + {' '.join(words[means[0] : means[1]])}"
    return Signal(
        entry=weak.entry,
        level=PLAN,
        severity=LEVEL_SEVERITY[PLAN],
        base=LEVEL_SEVERITY[PLAN],
        start=weak.start,
        end=weak.end,
        cue=cue,
        combined=True,
        category=LEVEL_CATEGORY[PLAN],
    )


def _taken_amount(other: Signal, weak: Signal) -> bool:
    return (
        other.entry.kind == "means"
        and other.weak
        and not other.modifiers
        and not weak.modifiers
        and (other.end <= weak.start or weak.end <= other.start)
    )


def _upgrade(
    weak: Signal, partner: Signal, *, context: bool, weak_first: bool, final: bool = False
) -> Signal:
    level = weak.level
    if weak.entry.kind == _TERMS_DONE and partner.level not in _ATTEMPTED:
        level = PREPARATORY  # the preparations said before, finished
    elif weak.entry.kind == _TERMS_AFFIRM:
        level = partner.level  # what was said, said again
    severity = MEDIUM if final else LEVEL_SEVERITY[level]
    if weak.entry.kind == _TERMS_AFFIRM:
        severity = partner.severity
    if final:
        cue = f"{weak.cue} (for good)"
    else:
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


def decide(analyses: Sequence[Analysis], threshold: int) -> Detection | None:
    """The strongest signal of the last message, read with the earlier ones."""
    current = analyses[-1]
    signals = current.signals
    if not signals:
        return None
    earlier = analyses[:-1]
    alone = not earlier and len(signals) == 1 and not signals[0].weak  # nothing to combine
    candidates = signals if alone else signals + combined(current, earlier)
    if len(candidates) == 1:
        best = candidates[0]
        found: tuple[Signal, ...] = (best,)
    elif len(candidates) == 2:  # the usual pair, as max() and sorted() order it, without them
        a, b = candidates
        best = b if b.rank() > a.rank() else a
        pair = (b, a) if (b.start, -b.severity) < (a.start, -a.severity) else (a, b)
        some = a.combined or b.combined  # neither combined: the pair as it is, no generator
        found = tuple(s for s in pair if not s.combined or s is best) if some else pair
    else:
        best = max(candidates, key=Signal.rank)
        found = tuple(s for s in sorted(candidates, key=_position) if not s.combined or s is best)
    return Detection(
        best.severity,
        best.category,
        threshold,
        best.level,
        best.modifiers,
        best.context,
        best.entry.lang,
        best,
        found,
        _match,
    )


def combined(current: Analysis, earlier: Sequence[Analysis]) -> list[Signal]:
    """Weak signs completed by distress, and lower signals of two kinds."""
    out: list[Signal] = []
    signals = current.signals
    eol = current.eol or (bool(earlier) and any(a.eol for a in earlier))
    now: list[Signal] | None = None  # distress in this message (made when first needed)
    before: list[Signal] | None = None  # distress in the earlier ones
    for weak in signals:
        if not weak.weak or (eol and weak.entry.kind in _EOL_EXPLAINS):
            continue
        if now is None:
            now = [s for s in signals if s.distress]
        partner = next((s for s in now if _completes(s, weak)), None)
        if partner is not None and partner.severity >= LEVEL_SEVERITY[weak.level]:
            # "off to the quarry tonight, bye all": the statement alerts at that severity on its
            # own, and the goodbye beside it adds nothing
            continue
        if partner is None and weak.entry.kind in _FAREWELLS and _final(weak):
            # "i'm signing off. for good", "me despido para siempre"
            out.append(_upgrade(weak, weak, context=False, weak_first=True, final=True))
            continue
        if partner is None and weak.entry.kind == "attempt_weak":
            # "I've taken them. The whole stash.": what was taken, said beside it
            partner = next((s for s in signals if _taken_amount(s, weak)), None)
        if partner is None and weak.level == PREPARATORY and weak.entry.kind in _PREPARING:
            # two different preparatory signs ("gave my cat away", "everything's arranged")
            partner = next((s for s in signals if _another_sign(s, weak)), None)
        if partner is not None:
            out.append(_upgrade(weak, partner, context=False, weak_first=True))
            continue
        if weak.entry.kind in _PLANNING and not weak.modifiers:
            planned = _planned_means(weak)
            if planned is not None:
                out.append(planned)
                continue
        if not earlier:
            continue
        if (
            weak.entry.kind in _TERMS_NEEDING_INTENT
            and current.words > SHORT_REPLY
            and not (current.words <= OPENING_REPLY and _opens_with(weak))
        ):
            # "the weather is nice today" names a time but answers nothing said before; a reply
            # that opens with the time does ("Friday. after the kids go to their grandma's")
            continue
        if weak.entry.kind == _TERMS_DONE and current.words > DONE_REPLY:
            continue
        if weak.entry.kind == _TERMS_AFFIRM and current.words > AFFIRM_REPLY:
            continue
        if before is None:
            before = [s for a in earlier for s in a.signals if s.distress]
        partner = next((s for s in reversed(before) if _completes(s, weak)), None)
        if partner is not None:
            out.append(_upgrade(weak, partner, context=True, weak_first=False))
    if earlier:
        if now is None:
            now = [s for s in signals if s.distress]
        if now:
            for analysis in earlier:
                for weak in analysis.signals:
                    if not weak.weak or (eol and weak.entry.kind in _EOL_EXPLAINS):
                        continue
                    partner = next((s for s in now if _completes(s, weak)), None)
                    if partner is not None:
                        out.append(_upgrade(weak, partner, context=True, weak_first=True))
    lowers = [s for s in signals if not s.modifiers and s.entry.kind in LOWER_KINDS]  # s.lower
    if lowers:
        other = next((s for s in lowers if s.level != lowers[0].level), None)
        if other is not None:
            out.append(_combine(lowers[0], other, context=False))
        elif earlier:
            levels = {s.level for s in lowers}
            earlier_lowers = [s for a in earlier for s in a.signals if s.lower]
            other = next((s for s in reversed(earlier_lowers) if s.level not in levels), None)
            if other is not None:
                out.append(_combine(other, lowers[0], context=True))
    return out
