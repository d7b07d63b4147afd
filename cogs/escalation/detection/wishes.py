"""A death named after an intent or a hope: whose death, and whether it is chosen (``message``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.escalation.detection.kinds import DECISION, ILLNESS, PROGNOSIS
from cogs.escalation.detection.model import MODIFIER_THIRD_PERSON
from cogs.escalation.detection.modifiers import BIT_TOPIC
from cogs.escalation.detection.vocabulary import LITERAL_DEATH, Entry

if TYPE_CHECKING:
    from cogs.escalation.detection.message import Message


def intends_death(msg: Message, entry: Entry, first: int) -> bool:
    """An intent before a state of being dead is a prognosis when it is only "going to die"
    or "will be dead"; not when the state is chosen ("not wake up", "stop existing") or the
    intent is a decision ("decided to die")."""
    words = entry.key.split()
    if "me" in words:
        return False  # "I'm not going to let cancer kill me": not the member's act
    if not PROGNOSIS.isdisjoint(words):
        chain_words = msg.words[first : first + 4]
        return not DECISION.isdisjoint(chain_words)
    return True


def member_between(msg: Message, chain_end: int, start: int, end: int) -> bool:
    """After "hope": "I hope I die", "hoping I'll die", "hope to die", not "hope it ends"."""
    words = msg.words
    member = msg.s.member
    if start == chain_end or words[start] in member:
        return True
    if "me" in words[start:end] or not ILLNESS.isdisjoint(words[chain_end:start]):
        return True  # "hoping the chemo kills me", "hoping the scan shows it's everywhere"
    between = words[chain_end:start]
    return not member.isdisjoint(between) or between[-1:] == ["to"]


def own_death(msg: Message, entry: Entry, start: int) -> bool:
    """A vague act that names death ("me mato"), the member's own: not after someone else ("ese
    oncólogo me mató con la cara que puso": the accent gone, the past reads as the present)."""
    if LITERAL_DEATH.isdisjoint(entry.key.split()):
        return False
    return start == 0 or msg.words[start - 1] not in msg.s.third_person


# A verb of someone else just before a named suicidality ("si tiene ideas suicidas": Spanish
# drops the subject, the verb says whose).
_HAS = frozenset({"tiene", "tenga", "tenia", "tuviera", "anda", "sufre", "presenta"})


def someone_elses(
    msg: Message, start: int, s_lo: int, s_hi: int, modifiers: frozenset[str]
) -> bool:
    """Suicidality named, not said of oneself: another's verb before it, or talk about suicide
    with no first-person word in the sentence ("suicidal thoughts are common after a
    diagnosis")."""
    if MODIFIER_THIRD_PERSON in modifiers:
        return False
    if start > 0 and msg.words[start - 1] in _HAS:
        return True
    if not msg.mask & BIT_TOPIC:
        return False
    sentence = msg.words[s_lo:s_hi]
    return msg.s.member.isdisjoint(sentence) and not msg.s.topic.isdisjoint(sentence)
