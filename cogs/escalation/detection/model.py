"""What the detector reports: severities, the C-SSRS levels, phrases, matches and detections.

The levels follow the Columbia Suicide Severity Rating Scale (C-SSRS): wish to be dead, non-specific
active thoughts, ideation with a method, intent, intent with a plan, preparatory behaviour, an
attempt, plus non-suicidal self-injury; hopelessness, burdensomeness and entrapment are the lower
signals (risk factors from the interpersonal and integrated motivational-volitional theories), which
never alert on their own at the default threshold. Each level maps onto the bot's four severities
and four categories, so the rest of the bot (alerts, per-server phrases) keeps working unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOW, MEDIUM, HIGH, CRITICAL = 1, 2, 3, 4
SEVERITIES: dict[str, int] = {"low": LOW, "medium": MEDIUM, "high": HIGH, "critical": CRITICAL}
SEVERITY_NAMES: dict[int, str] = {v: k for k, v in SEVERITIES.items()}

# The categories moderators see and pick for their own phrases, most urgent first.
CATEGORIES = ("intent_or_plan", "self_harm", "suicidal_ideation", "hopelessness")

# C-SSRS levels, lowest first (this order breaks ties between signals of equal severity).
HOPELESSNESS = "hopelessness"
BURDENSOMENESS = "burdensomeness"
ENTRAPMENT = "entrapment"
WISH_DEAD = "wish_dead"
NSSI = "nssi"
ACTIVE_THOUGHTS = "active_thoughts"
METHOD = "method"
INTENT = "intent"
PLAN = "plan"
PREPARATORY = "preparatory"
ATTEMPT = "attempt"
LEVELS = (
    HOPELESSNESS,
    BURDENSOMENESS,
    ENTRAPMENT,
    WISH_DEAD,
    NSSI,
    ACTIVE_THOUGHTS,
    METHOD,
    INTENT,
    PLAN,
    PREPARATORY,
    ATTEMPT,
)
LOWER_LEVELS = frozenset({HOPELESSNESS, BURDENSOMENESS, ENTRAPMENT})
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}

# The severity of each level when nothing lowers it.
LEVEL_SEVERITY: dict[str, int] = {
    HOPELESSNESS: LOW,
    BURDENSOMENESS: LOW,
    ENTRAPMENT: LOW,
    WISH_DEAD: MEDIUM,
    NSSI: HIGH,
    ACTIVE_THOUGHTS: HIGH,
    METHOD: HIGH,
    INTENT: CRITICAL,
    PLAN: CRITICAL,
    PREPARATORY: CRITICAL,
    ATTEMPT: CRITICAL,
}
LEVEL_CATEGORY: dict[str, str] = {
    HOPELESSNESS: "hopelessness",
    BURDENSOMENESS: "hopelessness",
    ENTRAPMENT: "hopelessness",
    WISH_DEAD: "suicidal_ideation",
    NSSI: "self_harm",
    ACTIVE_THOUGHTS: "suicidal_ideation",
    METHOD: "suicidal_ideation",
    INTENT: "intent_or_plan",
    PLAN: "intent_or_plan",
    PREPARATORY: "intent_or_plan",
    ATTEMPT: "intent_or_plan",
}
# A moderator's own phrase names a category; this is the level it stands for.
CATEGORY_LEVEL: dict[str, str] = {
    "intent_or_plan": INTENT,
    "self_harm": NSSI,
    "suicidal_ideation": ACTIVE_THOUGHTS,
    "hopelessness": HOPELESSNESS,
}

MODIFIER_NEGATED = "negated"
MODIFIER_PAST = "past"
MODIFIER_REPORTED = "reported"
MODIFIER_THIRD_PERSON = "third_person"
MODIFIER_HYPOTHETICAL = "hypothetical"
MODIFIERS = (
    MODIFIER_NEGATED,
    MODIFIER_PAST,
    MODIFIER_REPORTED,
    MODIFIER_THIRD_PERSON,
    MODIFIER_HYPOTHETICAL,
)
MODIFIER_DROP = 2  # steps a lowered match loses

MAX_PHRASE_CHARS = 100


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str  # as written in the lexicon or by a moderator
    key: str  # normalised words joined by single spaces
    category: str
    severity: int
    explicit: bool = False
    server: bool = False  # added by the server's moderators
    level: str = ""  # the C-SSRS level it stands for ("" = from its category)
    source: str = "team"  # "team", "srl" (Suicide Risk Lexicon v1.0) or "server"
    lang: str = ""  # "en", "es" or "" (any)


# Match and Detection are made on every scan that finds something: plain slotted dataclasses
# (a frozen one costs three times as much to create). Treat them as values all the same.
@dataclass(slots=True)
class Match:
    phrase: Phrase  # the phrase that started it (for a composed signal: its head)
    start: int  # token index of the first word of the cue
    end: int  # token index, exclusive
    modifiers: frozenset[str]
    severity: int  # after modifiers
    level: str = ""
    cue: str = ""  # the words that raised it, normalised ("going to take all my morphine")
    context: bool = False  # composed with one of the member's earlier messages


@dataclass(slots=True)
class Detection:
    severity: int
    category: str
    threshold: int
    level: str = ""  # the C-SSRS level of the strongest signal
    modifiers: frozenset[str] = frozenset()  # what lowered the strongest signal
    context: bool = False  # raised together with the member's earlier messages
    lang: str = ""  # language of the strongest signal's words ("en" / "es")
    # the deciding signal and every signal of the message: their words are joined and Match
    # objects made only when asked for (most callers read the severity and nothing else)
    best: Any = field(default=None, repr=False, compare=False)
    found: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    to_match: Callable[[Any], Match] | None = field(default=None, repr=False, compare=False)

    @property
    def alert(self) -> bool:
        return self.severity >= self.threshold

    @property
    def cue(self) -> str:
        """The words that raised it, normalised; "a + b" when two signals were combined."""
        return "" if self.best is None else str(self.best.cue)

    @property
    def matches(self) -> tuple[Match, ...]:
        """Every signal of the message (and a combined one, when it decided), in text order."""
        if self.to_match is None:
            return tuple(m for m in self.found if isinstance(m, Match))
        return tuple(self.to_match(s) for s in self.found)
