"""The rules on one message: composition around each head, and what lowers it.

Each head is composed with the terms around it, inside its clause or sentence: an intent phrase
before an act makes it intent, with a time or a means in the sentence a plan; "tried to" makes it
an attempt; "how to" a method. A means is a signal only in composition: stockpiled ("saving my
pills": preparatory), taken in quantity ("took the whole bottle": attempt), about to be taken in
quantity ("going to take all my morphine": plan), for a purpose ("enough oxycodone to not wake
up": method).

The words before a signal may lower it by two steps: negation ("I'm not going to"), reported
speech ("she said", quotes), a hypothetical opener ("if I ever", "what if"), the past ("I wanted
to", unless "again" or "tonight" says it is happening now). An explicit statement lowered by
negation, reported speech or a recent past stays at the alert threshold: lowered, never silenced.
Someone else as the subject ("people who want to die") or an explicit long ago ("years ago") make
it low: the member's history, or another person's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cogs.escalation.detection.model import (
    ACTIVE_THOUGHTS,
    ATTEMPT,
    CRITICAL,
    HIGH,
    INTENT,
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LOW,
    METHOD,
    MODIFIER_DROP,
    MODIFIER_HYPOTHETICAL,
    MODIFIER_NEGATED,
    MODIFIER_PAST,
    MODIFIER_REPORTED,
    MODIFIER_THIRD_PERSON,
    PLAN,
    PREPARATORY,
)
from cogs.escalation.detection.signals import EMPTY, Analysis, Hit, Signal
from cogs.escalation.detection.text import PAST, QUOTE, SENTENCE, Coded
from cogs.escalation.detection.vocabulary import LOWER_WEAK_KIND, PHRASE_KIND, Entry

if TYPE_CHECKING:
    from cogs.escalation.detection.engine import Scanner

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
_CLAUSE_OPENERS = frozenset({"and", "but", "even", "y", "pero", "so", "aunque"})
_SPEAKER = frozenset({"i", "yo"})  # "I told my therapist ...": the member speaking, not reported
_WHETHER = frozenset({"if", "whether", "si"})  # a question reported: "asked if I ..."
# A person after one of these is an object, not the subject: "saying goodbye to people".
_PREPOSITIONS = frozenset(
    {"to", "for", "with", "at", "about", "from", "of", "by", "para", "a", "con", "de", "por"}
)
# Which modifier word lists a word is in, as bits (the per-word cache ORs them per message).
BIT_NEG = 1
BIT_THIRD = 2
BIT_REPORTED = 4
BIT_HYPOTHETICAL = 8
BIT_PAST = 16
BIT_BREAK = 32
BIT_TOPIC = 64
BIT_STOP = 128  # a sentence boundary
BIT_MODIFYING = BIT_NEG | BIT_THIRD | BIT_REPORTED | BIT_HYPOTHETICAL | BIT_PAST


def longest(hits: list[Hit]) -> list[Hit]:
    """Of hits of one kind that overlap, the longest (the earliest of equals), in text order."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= k[0] or k[1] <= hit[0] for k in kept):
            kept.append(hit)
    kept.sort()
    return kept


class Message:
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
        self.breaks: frozenset[str] = scanner.breaks if mask & BIT_BREAK else EMPTY
        self.stops = bool(mask & BIT_STOP)
        benign = kinds.get("benign")
        self.benign = [(a, b) for a, b, _ in benign] if benign else []
        self.chains = [k for k in _CHAINS if k in kinds] if len(kinds) > 1 else []
        self.has_negation = bool(mask & BIT_NEG)
        self.has_third = bool(mask & BIT_THIRD)
        self.has_reported = bool(mask & BIT_REPORTED)
        self.has_hypothetical = bool(mask & BIT_HYPOTHETICAL) or "hypothetical" in kinds
        self.has_past = bool(mask & BIT_PAST)
        self.has_past_marker = "past_marker" in kinds
        self.has_recent = "recent" in kinds
        self.has_topic = bool(mask & BIT_TOPIC)
        # no word that could lower a signal: the modifiers are not looked for at all
        self.plain = (
            not (mask & BIT_MODIFYING)
            and not self.has_past_marker
            and ("hypothetical" not in kinds)
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
                hits = longest(hits)
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
                EMPTY,
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
            modifiers, distant = EMPTY, False
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
        return (frozenset(found) if found else EMPTY), distant

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
