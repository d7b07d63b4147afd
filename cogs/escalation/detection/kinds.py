"""Which kinds of phrase compose how around a head, and the windows they compose in."""

from __future__ import annotations

from cogs.escalation.detection.model import MODIFIER_PAST
from cogs.escalation.detection.vocabulary import LOWER_WEAK_KIND, PHRASE_KIND

AND_WORDS = frozenset({"and", "y", "e"})  # a wish goes on past them: "curl up and die"
CHAIN_GAP = 3  # words allowed between "going to" and "kill myself" ("going to go and kill myself")
PLACE_WINDOW = 6

# In the order that wins a tie (two phrases ending just before the act: "have a plan to").
CHAINS = ("planned", "tried", "intent", "howto", "desire", "hope")
WISHING = frozenset({"desire", "hope"})
WISHING_ORDER = ("desire", "hope")
# A state that an intent may only announce as a prognosis or an absence ("I'm going to die",
# "I won't be here next week"): with an intent, it needs a decision ("I've decided to die").
PROGNOSIS = frozenset(
    {"die", "dead", "here", "around", "gone", "morir", "morirme", "muerto", "muerta", "muera"}
    | {"muero", "aqui"}
)
DECISION = frozenset(
    {"decided", "plan", "planning", "intend", "intending", "mind", "decidido", "decidi", "planeo"}
    | {"decidida"}
)
# What a hope may name instead of the member: "hoping the scan shows it's everywhere", "praying
# the clot wins".
ILLNESS = frozenset(
    {"cancer", "tumour", "tumor", "infection", "sepsis", "clot", "covid", "disease", "scan"}
    | {"scans", "results", "bloodwork", "bloods", "tests", "biopsy", "recurrence", "relapse"}
    | {"enfermedad", "tumor", "infeccion", "tac", "escaner", "resultados", "recaida", "bicho"}
)
AFTER_WINDOW = 8  # words between "better off" and "without me"
METHOD_KINDS = frozenset({"method", "jump", "jump_front", "drive_into", "method_weak"})
# Named, not said: "suicidal thoughts are common after a diagnosis" is no one's statement unless
# the sentence has the member in it.
NAMED_KINDS = frozenset({"suicidal", "nssi_named", "act_weak"})
# Suicidality or self-injury named by the member ("had suicidal thoughts all weekend"): held at the
# threshold under the recent past alone, as an explicit statement is.
NAMED_SAID = frozenset({"suicidal", "nssi_named"})
PAST_ONLY = frozenset({MODIFIER_PAST})
# Kinds whose level is as listed, whatever is around them (only modifiers may lower them).
FIXED_KINDS = frozenset(
    {
        "wish",
        "wish_soft",
        "hopelessness",
        "burdensomeness",
        "entrapment",
        "hopelessness_strong",
        "burdensomeness_strong",
        "entrapment_strong",
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
EOL_SOFTENS = frozenset({"death", "relief", "wish_soft", "stop", "not_for_long"})
ACT_KINDS = frozenset({"act", "act_weak"}) | METHOD_KINDS
NSSI_KINDS = frozenset({"nssi", "nssi_weak", "nssi_named"})
