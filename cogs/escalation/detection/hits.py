"""What the automaton found in a message, before any rule: whether anything in it may raise a
signal at all (``alive``), and of overlapping hits of one kind the longest (``longest``).

``alive`` takes the early returns of ``Message.head`` and ``means`` before a Message is made: a
head that needs a chain phrase, or a term of some kind, that the whole message lacks; a means with
nothing to compose with. Most mentions of chemo, morphine or death in ordinary cancer talk stop
there, for the price of a few set lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import itemgetter, or_

from cogs.escalation.detection.kinds import CHAINS
from cogs.escalation.detection.means import COMPOSING
from cogs.escalation.detection.signals import Hit
from cogs.escalation.detection.text import BIT_NUMBER, Token
from cogs.escalation.detection.vocabulary import HEAD_KINDS, LOWER_WEAK_KIND, PHRASE_KIND

CHAIN_KINDS = frozenset(CHAINS)
# The kinds read one by one: heads (each raises a signal, alone or in composition) and means.
ANALYSED = frozenset(HEAD_KINDS) | {LOWER_WEAK_KIND, PHRASE_KIND, "means"}
# Heads that need a chain phrase before them ("chain"; "wish": a desire or a hope), and heads that
# need a term of one kind after or before them ("after:place", "before:better_off").
NEEDS_CHAIN = frozenset({"chain", "wish"})
NEEDS_KIND = {h.needs: h.needs.split(":", 1)[1] for h in HEAD_KINDS.values() if ":" in h.needs}
mask_of: Callable[[Token], int] = itemgetter(2)


def alive(kinds: dict[str, list[Hit]], raw: list[Token]) -> bool:
    """Whether a head or a means of the message may raise a signal: False when each lacks what
    it needs in the whole message (a chain phrase, a term of a kind; for a means something to
    compose with), the early returns of `Message.head` and `means` taken before any Message is
    made. Most mentions of chemo, morphine or death in ordinary cancer talk stop here."""
    chains = None
    for kind, hits in kinds.items():
        if kind not in ANALYSED:
            continue
        if kind == "means":
            if not COMPOSING.isdisjoint(kinds):
                return True
            for _, _, entry in hits:
                if entry.amount or entry.weapon:
                    return True
            if reduce(or_, map(mask_of, raw), 0) & BIT_NUMBER:
                return True
            continue
        for _, _, entry in hits:
            needs = entry.needs
            if not needs or entry.chain:
                return True
            if needs in NEEDS_CHAIN:
                if chains is None:
                    chains = len(kinds) > 1 and not CHAIN_KINDS.isdisjoint(kinds)
                if chains:
                    return True
            elif NEEDS_KIND.get(needs, kind) in kinds:
                return True
    return False


def longest(hits: list[Hit]) -> list[Hit]:
    """Of hits of one kind that overlap, the longest (the earliest of equals), in text order."""
    if len(hits) == 2:  # the usual case ("want to die" inside "i want to die"), without sorting
        a, b = hits
        if a[1] <= b[0] or b[1] <= a[0]:
            return [a, b] if a[0] < b[0] else [b, a]
        return [b] if (b[0] - b[1], b[0]) < (a[0] - a[1], a[0]) else [a]
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= k[0] or k[1] <= hit[0] for k in kept):
            kept.append(hit)
    kept.sort()
    return kept
