"""What lowers a signal: the words before it may lower it by two steps: negation ("I'm not going
to"), reported speech ("she said", quotes), a hypothetical opener ("if I ever", "what if"), the
past ("I wanted to", unless "again" or "tonight" says it is happening now). Someone else as the
subject ("people who want to die") or an explicit long ago ("years ago") make it low.

The modifier word lists are read once per message as bits (BIT_*) from the per-word cache, so
the loops here run only when a relevant word is in the message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.escalation.detection.model import (
    ACTIVE_THOUGHTS,
    BURDENSOMENESS,
    ENTRAPMENT,
    HOPELESSNESS,
    LOW,
    MODIFIER_HYPOTHETICAL,
    MODIFIER_NEGATED,
    MODIFIER_PAST,
    MODIFIER_REPORTED,
    MODIFIER_THIRD_PERSON,
    WISH_DEAD,
)
from cogs.escalation.detection.signals import EMPTY
from cogs.escalation.detection.text import PAST, QUOTE

if TYPE_CHECKING:
    from cogs.escalation.detection.message import Message
    from cogs.escalation.detection.signals import Hit, Signal

NEGATION_WINDOW = 3
SUBJECT_WINDOW = 4
PAST_WINDOW = 3
REPORTED_WINDOW = 10

_CLAUSE_OPENERS = frozenset({"and", "but", "even", "y", "pero", "so", "aunque"})
_SPEAKER = frozenset({"i", "yo"})  # "I told my therapist ...": the member speaking, not reported
_WHETHER = frozenset({"if", "whether", "si"})  # a question reported: "asked if I ..."
# A person after one of these is an object, not the subject: "saying goodbye to people".
_PREPOSITIONS = frozenset(
    {"to", "for", "with", "at", "about", "from", "of", "by", "para", "a", "con", "de", "por"}
    | {"after", "since", "before", "during", "despues", "desde", "antes", "durante", "tras"}
)
# "Does anyone else ...?": the member is one of them.
_ANYONE_ELSE = (["anyone", "else"], ["anybody", "else"], ["alguien", "mas"])
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


def modifiers(
    msg: Message,
    first: int,
    end: int,
    lo: int,
    s_lo: int,
    s_hi: int,
    inherent_past: bool,
    personal: bool = False,
) -> tuple[frozenset[str], bool]:
    """What lowers the signal spanning words[first:end] (its clause starts at `lo`)."""
    s = msg.s
    words = msg.words
    found: set[str] = set()
    mask = msg.mask
    kinds = msg.kinds
    has_past_marker = "past_marker" in kinds
    has_past = mask & BIT_PAST
    has_recent = "recent" in kinds

    # Negation: a negating word just before, in the same clause, with only subject or
    # auxiliary words between ("I'm not going to", "I don't think I want to"; not "cuando no
    # haya nadie, me tomo...").
    if mask & BIT_NEG:
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
    if mask & BIT_THIRD and not personal:
        for i in range(first - 1, max(lo, first - SUBJECT_WINDOW) - 1, -1):
            word = words[i]
            if word in s.first_person:
                break
            if word in s.third_person:
                if words[i - 1 : i + 1] in _ANYONE_ELSE or words[i : i + 2] in _ANYONE_ELSE:
                    break  # "anyone else want to die?": the member asks who else does
                if i == 0 or words[i - 1] not in _PREPOSITIONS:
                    found.add(MODIFIER_THIRD_PERSON)
                break
            if word not in s.subject_skip and word not in s.negations:
                break

    # Hypothetical: the clause opens with "if" / "si" / "imagine"; or "what if" before it.
    if mask & BIT_HYPOTHETICAL or "hypothetical" in kinds:
        i = lo
        while i < first and words[i] in _CLAUSE_OPENERS:
            i += 1
        if (i < first and words[i] in s.hypothetical) or msg.any_within("hypothetical", lo, first):
            found.add(MODIFIER_HYPOTHETICAL)

    # Reported speech: inside quotation marks, or after "she said" in the same sentence.
    if mask & BIT_REPORTED:
        before = words[s_lo:first]
        if before.count(QUOTE) % 2 == 1:
            found.add(MODIFIER_REPORTED)
            if "eol" in kinds and _speaker(msg, words[s_lo:s_hi]):
                found.add(MODIFIER_THIRD_PERSON)  # "'just let me die', my dad keeps saying"
        else:  # a reporting verb in the same clause ("she said I'm fine, but I want to die")
            reported = s.reported_verbs
            for i in range(first - 1, max(lo, first - REPORTED_WINDOW) - 1, -1):
                if words[i] in reported:
                    if i == lo or i == s_lo:
                        break  # "wrote my goodbye notes": chat drops the "I"
                    if _SPEAKER.isdisjoint(words[max(0, i - 3) : i]):  # not "I've been saying"
                        found.add(MODIFIER_REPORTED)
                        if "eol" in kinds and _speaker(msg, words[max(lo, i - 3) : i + 1]):
                            found.add(MODIFIER_THIRD_PERSON)  # "my dad keeps saying .."
                        if words[i + 1] in _WHETHER:  # "the nurse asked if I ever wanted to"
                            found.add(MODIFIER_HYPOTHETICAL)
                    break
            else:  # or after it in its clause: "suicidal thoughts are common my nurse said"
                for i in range(end, min(msg.clause_end(end), end + REPORTED_WINDOW)):
                    if words[i] in reported:
                        if words[i - 1] not in s.member:
                            found.add(MODIFIER_REPORTED)
                        break

    # Past: a past form just before or inside it ("I wanted to", "was"), or a marker of long
    # ago in the sentence ("years ago"), unless its clause says it is happening now.
    distant = False
    if has_past_marker or has_past:
        # "ten years ago I cut myself every day": long ago, said in its clause, whatever habit
        # it names; "since my diagnosis I thought about ending it, therapy helped": resolved
        resolved = "resolved" in kinds
        # the clause's end, walked to only when a marker of long ago or of now may be in it
        clause_end = (
            msg.clause_end(max(first, end - 1))
            if has_past_marker or (has_recent and not resolved)
            else 0
        )
        if has_past_marker and msg.any_within("past_marker", lo, clause_end):
            found.add(MODIFIER_PAST)
            distant = True
        elif has_recent and not resolved and msg.any_within("recent", lo, clause_end):
            pass
        elif has_past_marker and msg.any_within("past_marker", s_lo, s_hi):
            found.add(MODIFIER_PAST)
            distant = True
        elif has_past and not inherent_past:
            if has_recent and not resolved and msg.any_within("recent", s_lo, s_hi):
                pass
            elif past_form(msg, first, end, lo):
                found.add(MODIFIER_PAST)
                # "I thought about ending it. Got help, doing so much better": resolved
                distant = "resolved" in kinds
    return (frozenset(found) if found else EMPTY), distant


def _speaker(msg: Message, words: list[str]) -> bool:
    """(Read only with an end-of-life context: a relative in palliative care saying "let me
    die" is someone else's words; a friend's "I want to die" stays lowered, not silenced.)
    Someone else says the quoted words: a third-person word just before a reporting verb
    ("Mum said", "my dad keeps saying", "mi papa dice"), and not the member ("I told her")."""
    s = msg.s
    for i, word in enumerate(words):
        if word in s.reported_verbs:
            subject = words[max(0, i - 3) : i]
            if not s.third_person.isdisjoint(subject) and _SPEAKER.isdisjoint(subject):
                return True
            if i > 0 and words[i - 1] in s.third_person:
                return True  # "... was all Mum said": the speaker after the quotation
            if not s.third_person.isdisjoint(words[i + 1 : i + 3]):
                return True  # "... me dijo mi abuela", "... said my mum"
    return False


# "the thought of not being here": after a determiner a past form is a noun, not the past.
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "my", "your", "his", "her", "our"})


def past_form(msg: Message, first: int, end: int, lo: int) -> bool:
    words = msg.words
    s = msg.s
    window_start = max(lo, first - PAST_WINDOW)
    window = words[window_start:end]
    if PAST in window:
        verbs = [
            i
            for i in range(window_start, end)
            if words[i] == PAST and (i == 0 or words[i - 1] not in _DETERMINERS)
        ]
        if not verbs and s.past_words.isdisjoint(words[window_start:first]):
            return False
    elif s.past_words.isdisjoint(words[window_start:first]):
        return False
    return s.counterfactual.isdisjoint(words[lo:first])


_SERIOUS = frozenset({"serious", "means", "time", "resolve"})
_JOKING_LEVELS = frozenset({WISH_DEAD, ACTIVE_THOUGHTS, HOPELESSNESS, BURDENSOMENESS, ENTRAPMENT})


def joking(kinds: dict[str, list[Hit]], signals: list[Signal]) -> None:
    """Laughter ("lol", "jaja", "💀") makes a soft wish or a lower signal a joke; embarrassment
    ("so embarrassing", "q oso") makes even "I want to die" the idiom. Never with a means, a time,
    a resolve or "unless" / "not joking": a present explicit statement is not silenced by
    laughter alone."""
    if not _SERIOUS.isdisjoint(kinds):
        return
    embarrassed = "embarrassed" in kinds
    for signal in signals:
        if MODIFIER_NEGATED in signal.modifiers or (
            MODIFIER_HYPOTHETICAL in signal.modifiers and not embarrassed
        ):
            # "I'm not going to kill myself lol": denied, and laughed at; "if I have to drink
            # one more barium shake I'm going to kill myself 😂": a condition, and laughed at
            signal.severity = LOW
        elif signal.level in _JOKING_LEVELS and (embarrassed or not signal.explicit):
            signal.severity = LOW
            signal.modifiers = signal.modifiers | {MODIFIER_HYPOTHETICAL}
