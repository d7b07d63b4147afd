"""The rules on one message: composition around each head (a means: ``means``; what lowers a
signal: ``modifiers``).

Each head is composed with the terms around it, inside its clause or sentence: an intent phrase
before an act makes it intent, with a time or a means in the sentence a plan; "tried to" makes it
an attempt; "how to" a method. An explicit statement lowered by negation, reported speech or a
recent past stays at the alert threshold: lowered, never silenced; someone else as the subject or
an explicit long ago make it low: the member's history, or another person's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from cogs.escalation.detection.hits import (
    ANALYSED,
    CHAIN_KINDS,
    NEEDS_CHAIN,
    NEEDS_KIND,
    longest,
    mask_of,
)
from cogs.escalation.detection.kinds import (
    ACT_KINDS,
    AFTER_WINDOW,
    AND_WORDS,
    CHAIN_GAP,
    CHAINS,
    EOL_SOFTENS,
    FIXED_KINDS,
    METHOD_KINDS,
    NAMED_KINDS,
    NAMED_SAID,
    NSSI_KINDS,
    PAST_ONLY,
    PLACE_WINDOW,
    WISHING,
    WISHING_ORDER,
)
from cogs.escalation.detection.means import PURPOSE_WINDOW, means
from cogs.escalation.detection.model import (
    ACTIVE_THOUGHTS,
    ATTEMPT,
    CRITICAL,
    HIGH,
    INTENT,
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LOW,
    MEDIUM,
    METHOD,
    MODIFIER_DROP,
    MODIFIER_HYPOTHETICAL,
    MODIFIER_NEGATED,
    MODIFIER_THIRD_PERSON,
    PLAN,
)
from cogs.escalation.detection.modifiers import (
    BIT_BREAK,
    BIT_MODIFYING,
    BIT_NEG,
    BIT_STOP,
    BIT_TOPIC,
    joking,
    modifiers,
)
from cogs.escalation.detection.signals import EMPTY, Analysis, Hit, Signal
from cogs.escalation.detection.text import SENTENCE, Token
from cogs.escalation.detection.vocabulary import LOWER_WEAK_KIND, PHRASE_KIND, Entry
from cogs.escalation.detection.wishes import (
    intends_death,
    member_between,
    own_death,
    someone_elses,
)

if TYPE_CHECKING:
    from cogs.escalation.detection.engine import Scanner


_LOWER_WEAK_TIER = frozenset({"hopelessness", "burdensomeness", "entrapment"})
_LOWER_TIERS = _LOWER_WEAK_TIER | {f"{kind}_strong" for kind in _LOWER_WEAK_TIER}
_LOWERING = frozenset({"past_marker", "hypothetical"})  # phrases that may lower a signal
_UNFIXING = frozenset({"eol", "finality", "accident"})  # what a fixed kind composes with


class Message:
    """The rules applied to one normalised message."""

    __slots__ = (
        "_words",
        "benign",
        "breaks",
        "chains",
        "codes",
        "fixed",
        "kinds",
        "mask",
        "plain",
        "raw",
        "s",
    )

    def __init__(
        self, scanner: Scanner, raw: list[Token], kinds: dict[str, list[Hit]], codes: str = ""
    ) -> None:
        self.s = scanner
        self.raw = raw
        self.codes = codes  # the word codes (two characters a word): sentence ends found in C
        self._words: list[str] | None = None
        self.kinds = kinds
        # which modifier word lists the message's words are in (BIT_*): the modifiers look only
        # for what is there
        self.mask = mask = reduce(or_, map(mask_of, raw), 0)
        self.breaks: frozenset[str] = scanner.breaks if mask & BIT_BREAK else EMPTY
        benign = kinds.get("benign")
        self.benign = [(a, b) for a, b, _ in benign] if benign else []
        self.chains = (
            list(filter(kinds.__contains__, CHAINS))  # in CHAINS' order
            if len(kinds) > 1 and not CHAIN_KINDS.isdisjoint(kinds)
            else []
        )
        # no word that could lower a signal: the modifiers are not looked for at all
        self.plain = (
            not (mask & BIT_MODIFYING)
            and "past_marker" not in kinds
            and "hypothetical" not in kinds
        )
        # nothing can lower a head and nothing composes with it: a fixed kind is as listed
        self.fixed = self.plain and not mask & BIT_TOPIC and _UNFIXING.isdisjoint(kinds)

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
        codes = self.codes
        if not codes:
            return self._sentence_words(i)
        n = len(codes) >> 1
        if not self.mask & BIT_STOP:
            return 0, n
        # a code's characters come from two disjoint alphabets: a find is always word-aligned
        end = self.s.normaliser.sentence_code
        before = codes.rfind(end, 0, i << 1)
        after = codes.find(end, i << 1)
        return (0 if before < 0 else (before >> 1) + 1), (n if after < 0 else after >> 1)

    def _sentence_words(self, i: int) -> tuple[int, int]:
        words = self.words
        n = len(words)
        if not self.mask & BIT_STOP:
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
            if kind not in ANALYSED:  # a composing term
                continue
            if len(hits) > 1:  # one evaluation per span: "want to die" inside "i want to die"
                hits = longest(hits)
            if kind == LOWER_WEAK_KIND:  # a generic word inside a stronger phrase adds nothing
                hits = [h for h in hits if not self._inside_head(h)]
            for hit in hits:
                if self.benign and self.is_benign(hit[0], hit[1]):
                    continue
                found = means(self, hit) if kind == "means" else self.head(hit)
                if found is not None:
                    signals.append(found)
        if signals and ("hyperbole" in kinds or "embarrassed" in kinds):
            joking(kinds, signals)
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
        if self.fixed and kind in FIXED_KINDS:  # its level as listed
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
                EMPTY,
                entry.explicit,
                entry.needs == "distress",
                False,
                False,
                False,
                category,
            )
        needs = entry.needs
        if needs:  # what it needs is not in the message at all: nothing (most "death" heads)
            if needs in NEEDS_CHAIN:
                if not self.chains and not entry.chain:
                    return None
            elif NEEDS_KIND.get(needs, kind) not in self.kinds:
                return None
        lo = wish_lo = self.clause_start(start)
        if needs == "wish" and lo == start and lo > 1 and self.words[lo - 1] in AND_WORDS:
            wish_lo = self.clause_start(lo - 1)  # "wish I could just curl up and die"
        s_lo, s_hi = self.sentence(start)
        if entry.chain:
            chain, first, chain_end = entry.chain, start, start
        elif self.chains:
            chain, first, chain_end = self.chain_span(start, lo)
        else:
            chain, first, chain_end = "", start, start
        level = entry.level
        severity = entry.severity
        weak = needs == "distress"
        explicit = entry.explicit
        purposeful = False
        if needs == "chain" and not chain and self.starting("ruminate", end, end + 3, end + 9):
            chain = "desire"  # "suicide keeps crossing my mind": the thought named, dwelt on
        if needs == "chain" and not chain:
            return None
        if needs == "wish":  # "wish I could stop existing", not "I'm going to die"
            if chain in ("intent", "planned") and intends_death(self, entry, first):
                level = INTENT  # "I'm going to go to sleep and not wake up", "decided to die"
                severity = LEVEL_SEVERITY[INTENT]
                needs = ""
            elif chain not in WISHING:  # "I keep hoping I'll die": look past the "I'll"
                chain, first, chain_end = self.chain_span(
                    start, wish_lo, WISHING_ORDER, CHAIN_GAP + 2
                )
        if needs == "wish":
            if chain not in WISHING:
                return None
            if chain == "hope" and not member_between(self, chain_end, start, end):
                return None  # "I hope the tumour will be gone for good"
            if self.mask & BIT_NEG and not self.s.negations.isdisjoint(self.words[chain_end:start]):
                return None  # "I hope it doesn't kill me": the wish is the other way
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
            lead = [  # ending in the window ("if the car crashed ... I'd be relieved")
                h
                for h in self.within(needs[7:], s_lo, start)
                if start - AFTER_WINDOW <= h[1] <= start
            ]
            if not lead:
                return None
            first = min(first, lead[-1][0])
        if kind == "attempt" and self.any_within("accident", s_lo, s_hi):
            return None  # "took all my pills at once by mistake this morning": an accident
        if kind in ACT_KINDS:
            timed = self.any_within("time", s_lo, s_hi)
            means = kind in METHOD_KINDS or self.any_within("means", s_lo, s_hi)
            if chain == "tried":
                level = ATTEMPT
            elif chain == "planned":
                level = PLAN
            elif chain == "intent":
                level = PLAN if timed or means else INTENT
            elif chain == "howto":
                level = METHOD
            elif chain in WISHING:
                level = INTENT if timed else METHOD if means else ACTIVE_THOUGHTS
            elif means:
                level = METHOD
            severity = LEVEL_SEVERITY[level]
        elif kind in _LOWER_TIERS and "finality" in self.kinds:
            # with an end in sight: "I'm nothing but a burden and I'm going to fix that", "no
            # hay salida, salvo la definitiva": the warning sign with finality
            severity = MEDIUM
            weak = False
        elif kind in _LOWER_WEAK_TIER and "absolute" in self.kinds:
            # said of everyone, nothing, never, for good: "a burden to all of them", "nobody can
            # ever get me out of this", "nunca va a mejorar nada": the warning sign outright
            if self.any_within("absolute", s_lo, s_hi):
                severity = MEDIUM
        elif kind in NSSI_KINDS:
            if chain == "intent" and self.any_within("time", s_lo, s_hi):
                severity = CRITICAL
            elif kind == "nssi_weak" and not chain and self.any_within("accident", s_lo, s_hi):
                pass  # "I fell and hurt myself again, so clumsy"
            elif chain or "deliberate" in self.kinds:
                # on purpose, again, to cope: in its sentence or the next ("hurting myself is
                # the only thing that calms me down. did it again today")
                severity = max(severity, HIGH)
        elif kind == "vague":  # "going to do it": only with distress elsewhere, a means in the
            # sentence ("... with my sleeping pills"), a time with "me mato" ("el domingo me mato")
            level = PLAN if self.any_within("time", s_lo, s_hi) else INTENT
            if chain in ("intent", "planned") and any(
                h[2].strong and s_lo <= h[0] < s_hi for h in self.kinds.get("means", ())
            ):
                level, severity = PLAN, LEVEL_SEVERITY[PLAN]
            elif chain in ("intent", "planned") and (
                "resolve" in self.kinds or (level == PLAN and own_death(self, entry, start))
            ):
                # "I'm doing it this time", "esta noche lo hago, ya lo decidí": a resolve said
                severity = LEVEL_SEVERITY[level]
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
        if self.plain or (entry.counterfactual and "used" not in self.words[first - 3 : first]):
            # "I should have died last year": a wish now (not "I used to wish I would die")
            modifiers, distant = EMPTY, False
        else:
            inherent_past = level == ATTEMPT or kind == "attempt_weak" or entry.counterfactual
            modifiers, distant = self.modifiers(
                first, end, lo, s_lo, s_hi, inherent_past, entry.personal
            )
        if kind in NAMED_KINDS and not chain and someone_elses(self, start, s_lo, s_hi, modifiers):
            modifiers = modifiers | {MODIFIER_THIRD_PERSON}
        if (purposeful or kind == "relief") and MODIFIER_HYPOTHETICAL in modifiers:
            # "if I stopped my meds it'd all be over", "if I died I'd be relieved": not a story
            modifiers = modifiers - {MODIFIER_HYPOTHETICAL}
        if kind == "not_for_long" and MODIFIER_NEGATED in modifiers:
            modifiers = modifiers - {MODIFIER_NEGATED}  # "not ... for much longer" is the point
        if kind in EOL_SOFTENS and "eol" in self.kinds and not modifiers:
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
            elif MODIFIER_NEGATED in modifiers and not explicit and entry.kind != PHRASE_KIND:
                # the lexicon's euphemism or veiled sign, denied: "no pienso irme a ningún
                # lado" (a server's own phrase keeps its two steps)
                severity = LOW
            elif (explicit and MODIFIER_HYPOTHETICAL not in modifiers) or (
                entry.kind in NAMED_SAID and modifiers == PAST_ONLY
            ):
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
        """What lowers the signal spanning words[first:end] (``modifiers``)."""
        return modifiers(self, first, end, lo, s_lo, s_hi, inherent_past, personal)
