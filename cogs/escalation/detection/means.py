"""A means ("morphine", "my pills", "his gun") is a signal only in composition: stockpiled
("saving my pills": preparatory), taken in quantity ("took the whole bottle": attempt), about to
be taken in quantity ("going to take all my morphine": plan), for a purpose ("enough oxycodone to
not wake up": method), looked up for its lethal dose, or made ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.escalation.detection.model import (
    ATTEMPT,
    LEVEL_SEVERITY,
    LOW,
    METHOD,
    MODIFIER_HYPOTHETICAL,
    PLAN,
    PREPARATORY,
)
from cogs.escalation.detection.signals import EMPTY, Hit, Signal
from cogs.escalation.detection.text import BIT_NUMBER

if TYPE_CHECKING:
    from cogs.escalation.detection.message import Message

MEANS_WINDOW = 7  # "swallowed the entire box of my sleeping meds"
STOCKPILE_WINDOW = 3  # "saving up my pills", not "saving money on my pills"
PURPOSE_WINDOW = 6  # words between a means and the start of "to end it"
READY_WINDOW = 3
QTY_AFTER = 5  # "took 2 weeks of my chemo pills at once"
AT_ONCE = frozenset(
    {"at once", "all at once", "de golpe", "de una vez", "juntas", "entero", "entera", "de una ."}
    | {"enteros", "enteras"}
)  # a quantity said after the means
MANY = 10  # "took 30 pills": a number of pills from this on is a quantity
COUNT_BEFORE = 5  # "swallowed like 40 of my dad's pain pills"


# What a means composes with (without one of these, or a number, or a means that is an amount or a
# weapon in itself, a means is nothing: most mentions of morphine or chemo stop here).
COMPOSING = frozenset(
    {
        "qty",
        "qty_weak",
        "purpose",
        "stockpile",
        "stockpile_after",
        "ingest_past",
        "ingest",
        "research",
        "ready",
        "ready_after",
        "ruminate",
        "lethal_ask",
        "mix",
    }
)
MIX_WINDOW = 6  # words between a means and the alcohol taken with it ("the pills and the vodka")


# A plan said in so many words ("it's decided", "the plan is", "I've set a date").
RESOLVED = frozenset({"resolve", "planned"})
# Goodbyes that make a strong means taken worth a look ("took my oxy. love you all").
FAREWELL = frozenset({"farewell", "goodbye"})


def decided(msg: Message, first: int, s_lo: int, s_hi: int, qty: bool) -> bool:
    """The member taking it at a time: a lethal amount with a time in the sentence ("I'm taking
    the whole box tomorrow"), or a lethal means with a time and a resolve in the message ("the
    plan: tuesday, the patches"). Not "I take my oxy at night"."""
    kinds = msg.kinds
    if qty:
        if not msg.any_within("time", s_lo, s_hi):
            return False
        # the member before the taking, or its own pronoun ("me inyecto toda la insulina")
        return not msg.s.member.isdisjoint(msg.words[max(s_lo, first - 3) : first + 1])
    return "time" in kinds and not RESOLVED.isdisjoint(kinds)


RUMINATE_WINDOW = 14  # words from a means to "I keep thinking about it", into the next sentence
RUMINATE_BEFORE = 5  # words from "I keep looking at" to the means it looks at


def dwelling(msg: Message, end: int) -> int:
    """Where "I keep thinking about it" ends, said soon after the means; 0 when it is not."""
    if "ruminate" not in msg.kinds:
        return 0
    found = msg.starting("ruminate", end, end + RUMINATE_WINDOW, len(msg.words))
    if not found:  # said before it: "I keep looking at the rope in the garage"
        found = [h for h in msg.kinds["ruminate"] if end - RUMINATE_BEFORE <= h[1] <= end]
    return max(end, found[0][1]) if found else 0


LETHAL_ASK_WINDOW = 6


def _lethal_ask(msg: Message, start: int, end: int, s_lo: int, s_hi: int) -> tuple[int, int] | None:
    """A question of lethality just before or after the means, in its sentence."""
    for a, b, _ in msg.kinds["lethal_ask"]:
        if (
            s_lo <= a
            and b <= s_hi
            and (start - LETHAL_ASK_WINDOW <= b <= start or end <= a <= end + LETHAL_ASK_WINDOW)
        ):
            return a, b
    return None


def _mixed(msg: Message, start: int, end: int, s_lo: int, s_hi: int) -> tuple[int, int] | None:
    """Alcohol named just before or after the means, in its sentence: its span."""
    for a, b, _ in msg.kinds["mix"]:
        if (
            s_lo <= a
            and b <= s_hi
            and (start - MIX_WINDOW <= b <= start or end <= a <= end + MIX_WINDOW)
        ):
            return a, b
    return None


def _before_member(msg: Message, end: int, ahead: int) -> int:
    """Where the words after a means stop counting for its quantity: at the member's own next
    clause ("my meds and I'm 34" is an age, not 34 pills)."""
    words = msg.words
    member = msg.s.member
    for i in range(end, ahead):
        if words[i] in member:
            return i
    return ahead


def means(msg: Message, hit: Hit) -> Signal | None:
    """A means is a signal only in composition."""
    start, end, entry = hit
    kinds = msg.kinds
    if (
        COMPOSING.isdisjoint(kinds)
        and not msg.mask & BIT_NUMBER
        and not entry.amount
        and not entry.weapon
    ):
        return None
    words = msg.words
    lo = msg.clause_start(start)
    s_lo, s_hi = msg.sentence(start)
    back = max(lo, start - MEANS_WINDOW)
    ahead = min(s_hi, end + QTY_AFTER)  # "swallowed the morphine, like 40 of them"
    many = any(
        w.isdigit() and int(w) >= MANY for w in words[max(lo, start - COUNT_BEFORE) : end]
    ) or any(w.isdigit() and int(w) >= MANY for w in words[end : _before_member(msg, end, ahead)])
    qty = many or ("qty" in kinds and bool(msg.within("qty", back, end)))
    spread = False  # the quantity said in the next sentence: read as explicit only with the model
    if not qty and "qty" in kinds:  # "took 2 weeks of my chemo pills at once"
        qty = any(h[2].key in AT_ONCE for h in msg.within("qty", end, ahead))
        # said as the next sentence: "i took the oxy. all of it.", "I'm taking the morphine. All
        # of it."
        spread = not qty and any(s_hi < h[0] <= s_hi + 2 for h in kinds["qty"])
        qty = qty or spread
    some = qty or ("qty_weak" in kinds and bool(msg.within("qty_weak", back, end)))
    # alcohol with it ("pills and whiskey", "pastillas con alcohol"): a lethal mixture, a method
    # only in composition (with a time, a plan, a taking), raised from weaker cues (the model
    # agrees: learned.agreed)
    mixed = _mixed(msg, start, end, s_lo, s_hi) if "mix" in kinds else None
    if entry.amount or entry.weapon or (entry.strong and some):
        # "all my morphine", "everything I've saved", "his gun": a lethal quantity
        qty = some = True
    some = some or mixed is not None  # taken with alcohol: weak, with distress an attempt
    purpose = msg.starting("purpose", end, end + PURPOSE_WINDOW, s_hi)
    after = purpose[0][1] if purpose else end
    level = ""
    weak = False
    first = start
    stock = [h for h in msg.within("stockpile", lo, start) if h[1] >= start - STOCKPILE_WINDOW]
    if not stock and "stockpile_after" in kinds:  # "enough morphine saved up"
        stock = msg.starting("stockpile_after", end, end + READY_WINDOW, s_hi)
    taken = msg.within("ingest_past", back, start)
    taking = msg.within("ingest", back, start)
    research = msg.within("research", back, start) if "research" in msg.kinds else ()
    asked = _lethal_ask(msg, start, end, s_lo, s_hi) if "lethal_ask" in kinds else None
    if research and msg.starting("lethal", end, end + PURPOSE_WINDOW, s_hi):
        level, first = PREPARATORY, research[0][0]  # "looked up how much insulin it takes"
        after = msg.starting("lethal", end, end + PURPOSE_WINDOW, s_hi)[0][1]
    elif stock:
        level, first = PREPARATORY, min(start, stock[0][0])
        after = max(after, stock[0][1])
        # saved for the pharmacy's hours, a trip, a shortage ("stockpiling my anti-nausea meds
        # before the holidays"): preparatory only with distress
        weak = not (purpose or some) and msg.any_within("logistics", s_lo, s_hi)
    elif taken:
        first = taken[0][0]
        if qty or purpose:
            level = ATTEMPT
        elif some or not FAREWELL.isdisjoint(kinds):
            # "took the morphine. bye", "took the pills. please don't call anyone": a means
            # taken, said with a goodbye (the two weak signs complete each other)
            level, weak = ATTEMPT, True
    elif taking:
        first = taking[0][0]
        if taking[0][2].chain:  # "me tomo todas las pastillas": the present as intent
            chain, chain_start = taking[0][2].chain, first
        else:
            chain, chain_start = msg.chain(first, lo)
        if chain in ("intent", "planned") and (some or purpose):
            level, first = PLAN, chain_start
        elif chain in ("desire", "howto") and (some or purpose):
            level, first = METHOD, chain_start
        elif chain == "tried" and (some or purpose):
            level, first = ATTEMPT, chain_start
        elif purpose:
            level = METHOD
        elif (qty or entry.strong or entry.weapon) and decided(msg, first, s_lo, s_hi, qty):
            # "I'm taking the whole box of oxycodone tomorrow", "tuesday, when he's at work, the
            # patches and the sleeping pills. it's decided": a lethal means with a time
            level = PLAN
        elif qty:
            level, weak = METHOD, True
    elif purpose:
        chain, chain_start = msg.chain(start, lo)
        level = PLAN if chain in ("intent", "planned") else METHOD
        first = chain_start if chain else start
    if not level and mixed is not None and ("time" in kinds or not RESOLVED.isdisjoint(kinds)):
        # "plan is the pills and the vodka, tonight", "pastillas y alcohol, esta noche"
        a, b = min(start, mixed[0]), max(end, mixed[1])
        return msg.signal(entry, PLAN, LEVEL_SEVERITY[PLAN], a, b, EMPTY, False, False, False)
    if not level and asked is not None:
        # "what's the lethal dose of oxycodone? I have a lot": a method, when the member has it
        # at hand, names a time or a wish; the question alone is weak
        level, first, after = METHOD, min(start, asked[0]), max(end, asked[1])
        weak = not ("possess" in kinds or "time" in kinds or "research" in kinds or msg.chains)
    if not level:
        before = msg.within("ready", back, start)
        ready = before + msg.starting("ready_after", end, end + READY_WINDOW, msg.clause_end(end))
        amounts = msg.within("qty", back, start) + msg.within("qty_weak", back, start)
        dwell = dwelling(msg, end) if some or entry.strong else 0
        if dwell:
            # "the gun is still in the closet. I keep thinking about it", "I can't stop staring
            # at the morphine"
            level, after = METHOD, dwell
        elif ready:
            level, weak = PREPARATORY, True
            first = min(first, *(h[0] for h in ready + amounts))
            after = max(after, *(h[1] for h in ready))
        elif some and decided(msg, first, s_lo, s_hi, False):
            level = PLAN  # "I've picked Thursday. The house will be empty, enough fentanyl"
        elif some:
            level, weak = METHOD, True
            if amounts:
                first = min(h[0] for h in amounts)
        else:
            return None
    if msg.benign and msg.is_benign(first, after):
        return None
    if level == ATTEMPT and "accident" in kinds and msg.any_within("accident", s_lo, s_hi):
        weak = True  # "took all my pills at once by mistake this morning": not an attempt alone
    severity = LOW if weak else LEVEL_SEVERITY[level]
    personal = words[first] in msg.s.first_person  # "me tomo ...", "my pills"
    modifiers, distant = msg.modifiers(first, after, lo, s_lo, s_hi, level == ATTEMPT, personal)
    if purpose and MODIFIER_HYPOTHETICAL in modifiers:
        # "if I take all my chemo pills would it kill me": asking about lethality
        modifiers = modifiers - {MODIFIER_HYPOTHETICAL}
    explicit = not weak and not spread
    return msg.signal(entry, level, severity, first, after, modifiers, distant, explicit, weak)
