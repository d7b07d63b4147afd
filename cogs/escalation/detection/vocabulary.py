"""The detector's words: the team's rule files (one per language) and the Suicide Risk Lexicon
v1.0, compiled into one Aho-Corasick automaton.

Rule files (``data/distress/<lang>.toml``) hold word classes, not sentences:

- ``[heads]``: what can raise a signal on its own or in composition (``act`` "kill myself",
  ``method`` "hang myself", ``wish`` "want to die", ``nssi`` "cut myself", ``prep`` "suicide note",
  the lower signals ``hopelessness`` / ``burdensomeness`` / ``entrapment``, ...);
- ``[terms]``: what composes with them (``intent`` "going to", ``desire`` "want to", ``time``
  "tonight", ``means`` "morphine", ``qty`` "the whole bottle", ``purpose`` "to end it", ...) and
  what lowers or cancels them (``past_marker``, ``recent``, ``benign``);
- ``[modifiers]``: single words read around a signal (negations, third-person subjects, reported
  speech verbs, hypothetical openers, past forms);
- ``[normalise]``: chat spellings and filler words.

``{a,b}`` in a phrase expands to each alternative (``{kill,killing} myself``); ``{,really }``
makes a word optional.
"""

from __future__ import annotations

import gc
import itertools
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from cogs.escalation.detection.model import (
    ACTIVE_THOUGHTS,
    ATTEMPT,
    BURDENSOMENESS,
    CATEGORY_LEVEL,
    ENTRAPMENT,
    HOPELESSNESS,
    INTENT,
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LEVELS,
    LOW,
    MEDIUM,
    METHOD,
    NSSI,
    PREPARATORY,
    SEVERITIES,
    WISH_DEAD,
    Phrase,
)
from cogs.escalation.detection.text import BOUNDARIES, NEVER, PAST, SENTENCE, UNKNOWN, Normaliser

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RULES_DIR = DATA_DIR / "distress"
SRL_DIR = DATA_DIR / "suicide_risk_lexicon"
LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class HeadKind:
    level: str
    severity: int
    explicit: bool
    # what it needs before it raises anything: "" (nothing), "chain" (an intent / desire / tried /
    # how-to phrase before it), "wish" (a desire or hope before it), "after:<term>" /
    # "before:<term>" (a term of that kind just after / before it in the sentence: "after:place"
    # a bridge, a roof), "distress" (another distress signal in the message or the member's
    # earlier ones)
    needs: str = ""


HEAD_KINDS: dict[str, HeadKind] = {
    "act": HeadKind(ACTIVE_THOUGHTS, LEVEL_SEVERITY[ACTIVE_THOUGHTS], True),
    "act_weak": HeadKind(ACTIVE_THOUGHTS, LEVEL_SEVERITY[ACTIVE_THOUGHTS], True, "chain"),
    "method": HeadKind(METHOD, LEVEL_SEVERITY[METHOD], True),
    "jump": HeadKind(METHOD, LEVEL_SEVERITY[METHOD], True, "after:place"),
    "jump_front": HeadKind(METHOD, LEVEL_SEVERITY[METHOD], True, "after:place_traffic"),
    "drive_into": HeadKind(METHOD, LEVEL_SEVERITY[METHOD], True, "after:place_crash"),
    # a state of being dead after a desire or a hope: "wish I could stop existing"
    "death": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], True, "wish"),
    # "without me" after "better off", "happier": "they'd be better off ... without me"
    "without_me": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], True, "before:better_off"),
    # "would be a relief" after "death", "not waking up": "death would be a relief"
    "relief": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], False, "before:relief_subject"),
    # "whether I wake up" after "stopped caring": "I've stopped caring, even whether I wake up"
    "careless": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], True, "before:uncaring"),
    # "for much longer" after being a burden / being here: "I won't be a burden for much longer"
    "not_for_long": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], False, "before:presence"),
    "method_weak": HeadKind(METHOD, LEVEL_SEVERITY[METHOD], True, "chain"),
    "wish": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], True),
    "wish_soft": HeadKind(WISH_DEAD, LEVEL_SEVERITY[WISH_DEAD], False),
    "suicidal": HeadKind(ACTIVE_THOUGHTS, LEVEL_SEVERITY[ACTIVE_THOUGHTS], False),
    "nssi": HeadKind(NSSI, LEVEL_SEVERITY[NSSI], True),
    # "hurt myself": low alone (falls happen), high with "want to", "on purpose", "again"
    "nssi_weak": HeadKind(NSSI, LOW, False),
    # self-harm named as such ("self harm"): high, but a negation lowers it below the threshold
    "nssi_named": HeadKind(NSSI, LEVEL_SEVERITY[NSSI], False),
    "attempt": HeadKind(ATTEMPT, LEVEL_SEVERITY[ATTEMPT], True),
    "attempt_weak": HeadKind(ATTEMPT, LOW, False, "distress"),
    "prep": HeadKind(PREPARATORY, LEVEL_SEVERITY[PREPARATORY], True),
    "prep_weak": HeadKind(PREPARATORY, LOW, False, "distress"),
    "goodbye": HeadKind(PREPARATORY, MEDIUM, False, "distress"),
    # getting a means ("I bought a rope"): medium alone, preparatory with distress
    "prep_medium": HeadKind(PREPARATORY, MEDIUM, False, "distress"),
    "farewell": HeadKind(PREPARATORY, LOW, False, "distress"),
    "vague": HeadKind(INTENT, LOW, False, "chain"),
    "stop": HeadKind(METHOD, LOW, False, "distress"),
    "hopelessness": HeadKind(HOPELESSNESS, LOW, False),
    "burdensomeness": HeadKind(BURDENSOMENESS, LOW, False),
    "entrapment": HeadKind(ENTRAPMENT, LOW, False),
    # Lower signals said outright, in the words of the warning signs (988, AFSP: "talking about
    # being a burden", "feeling trapped", "having no reason to live"): "I'm just a burden to
    # everyone", "there's no way out", "nothing left to look forward to". At the threshold alone;
    # a negation, the past or someone else lowers them below it.
    "hopelessness_strong": HeadKind(HOPELESSNESS, MEDIUM, False),
    "burdensomeness_strong": HeadKind(BURDENSOMENESS, MEDIUM, False),
    "entrapment_strong": HeadKind(ENTRAPMENT, MEDIUM, False),
}
LOWER_KINDS = frozenset(
    {
        "hopelessness",
        "burdensomeness",
        "entrapment",
        "hopelessness_strong",
        "burdensomeness_strong",
        "entrapment_strong",
    }
)
# issue 16's compositions ("mix": alcohol with a means, "pills and the vodka")
COMPOSED_TERMS = ("not_illness", "resolved", "ruminate", "final", "mix")
# Word classes that compose with heads or change them (not signals on their own).
TERM_KINDS = (
    *(
        "intent planned desire hope tried howto time qty qty_weak ingest ingest_past purpose"
        " stockpile ready ready_after place place_traffic place_crash deliberate research lethal"
        " means eol past_marker recent benign hypothetical better_off relief_subject presence"
        " uncaring means_stash stockpile_after absolute resolve done affirm finality logistics"
        " lethal_ask possess accident hyperbole embarrassed serious"
    ).split(),
    *COMPOSED_TERMS,
)
CHAIN_KINDS = frozenset({"intent", "planned", "desire", "hope", "tried", "howto"})
# Terms that make a message worth a closer look even without a head.
TRIGGER_TERMS = frozenset({"means"})
PHRASE_KIND = "phrase"  # a fixed phrase with its own level and severity (lexicon, server)
LOWER_WEAK_KIND = "lower_weak"  # a generic word of a lower signal: low, and never combined

MODIFIER_LISTS = (
    "negations",
    "not_negating_after",
    "third_person",
    "first_person",
    "subject_skip",
    "reported_verbs",
    "hypothetical",
    "past_words",
    "counterfactual",
    "clause_breaks",
    "topic",
)

_ALTERNATIVES = re.compile(r"\{([^{}]*)\}")
END = "<end>"  # at the end of a phrase: only at the end of a sentence
# Words of a wish about what should have been: "I should have died last year" is a wish now.
COUNTERFACTUAL = frozenset(
    {"wish", "wishing", "wished", "should", "ought", "ojala", "deberia", "hubiera", "tendria"}
)


# A state of being dead said in so many words; the other "death" heads are euphemisms ("be gone",
# "slip away", "irme", "estar con ella"), explicit only in composition.
EUPHEMISM_KINDS = frozenset({"death"})
LITERAL_DEATH = frozenset(
    "die dies dying dead death kill kills killed killing suicide alive exist existing born"
    " breathing morir morirme muerto muerta muerte muera muero matar matarme mate suicidio viva"
    " vivo existir nacido nacida nacer respirar mato".split()
)


def expand(pattern: str) -> list[str]:
    """'{kill,killing} myself{, now}' -> the phrases it stands for (duplicates removed)."""
    parts = _ALTERNATIVES.split(pattern)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    out: dict[str, None] = {}
    for combo in itertools.product(*choices):
        text = " ".join("".join(combo).split())
        if text:
            out[text] = None
    return list(out)


@dataclass(frozen=True, slots=True)
class Entry:
    """One meaning of one automaton key."""

    kind: str
    key: str
    text: str
    lang: str
    level: str = ""
    severity: int = 0
    explicit: bool = False
    needs: str = ""
    chain: str = (
        ""  # an intent / desire / tried phrase built into the entry (Spanish "me voy a matar")
    )
    strong: bool = False  # means: a lethal one (opioids, sleeping pills, a gun)
    amount: bool = False  # means: a quantity in itself ("everything I've saved", "my stash")
    weapon: bool = False  # means: needs no quantity ("his gun")
    source: str = "team"
    phrase: Phrase | None = None  # what a signal it raises reports (heads and means)
    head: bool = False  # raises a signal by itself (with or without composition)
    personal: bool = False  # names the member ("better off without me", "me quiero morir")
    counterfactual: bool = False  # "I should have died last year": a wish now, not the past


@dataclass
class Vocabulary:
    """Everything the rule files and the lexicon say, normalised."""

    normaliser: Normaliser
    entries: list[Entry] = field(default_factory=list)
    words: dict[str, frozenset[str]] = field(default_factory=dict)  # modifier word sets
    threshold: int = SEVERITIES["medium"]

    def head_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.head]

    def phrases(self) -> list[Phrase]:
        return [e.phrase for e in self.entries if e.head and e.phrase is not None]


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def load_rules(directory: Path = RULES_DIR) -> list[dict[str, Any]]:
    return [_read_toml(directory / f"{lang}.toml") for lang in LANGUAGES]


def build_normaliser(rules: Iterable[Mapping[str, Any]]) -> Normaliser:
    words: dict[str, str] = {}
    fillers: set[str] = set()
    for config in rules:
        norm = config.get("normalise", {})
        words.update(norm.get("words", {}))
        fillers.update(norm.get("fillers", []))
    return Normaliser(words, fillers)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection while tens of thousands of entries are made at start: they are all
    kept, and in a big process (the bot, a test run) each full collection walks the whole heap."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_vocabulary(
    rules: list[dict[str, Any]], srl: Mapping[str, Any] | None, srl_map: Mapping[str, Any] | None
) -> Vocabulary:
    with gc_paused():
        return _build_vocabulary(rules, srl, srl_map)


def _build_vocabulary(
    rules: list[dict[str, Any]], srl: Mapping[str, Any] | None, srl_map: Mapping[str, Any] | None
) -> Vocabulary:
    normaliser = build_normaliser(rules)
    vocabulary = Vocabulary(normaliser)
    key = normaliser.key
    seen: set[tuple[str, str]] = set()
    sets: dict[str, set[str]] = {name: set() for name in MODIFIER_LISTS}
    for config in rules:  # the modifier words first: a head of the rules names the member or not
        lang = config["lang"]
        if "alert_threshold" in config:
            vocabulary.threshold = SEVERITIES[config["alert_threshold"]]
        for name in MODIFIER_LISTS:
            for text in config.get("modifiers", {}).get(name, []):
                for word in expand(text):
                    if " " in word.strip():
                        raise ValueError(f"{lang}.toml [modifiers] {name}: one word each: {text!r}")
                    sets[name].update(key(word).split())  # "felt" -> "_past feel"
    vocabulary.words = {name: frozenset(words) for name, words in sets.items()}
    personal_words = vocabulary.words["first_person"]
    rules_phase = [True]  # the lexicon's heads, added later, are not personal or counterfactual

    def add(kind: str, text: str, lang: str, source: str = "team", **extra: Any) -> None:
        if text.endswith(END):  # sentence-final: "i have decided <end>"
            text = text[: -len(END)].strip()
            k = key(text) + " " + SENTENCE
        else:
            k = key(text)
        if not k.strip(" .") or (kind, k) in seen:
            return
        seen.add((kind, k))
        head = HEAD_KINDS.get(kind)
        if head is not None:
            extra.setdefault("level", head.level)
            extra.setdefault("severity", head.severity)
            if kind in EUPHEMISM_KINDS and LITERAL_DEATH.isdisjoint(k.split()):
                # "be gone", "irme", "be with her": a euphemism, not an explicit statement (a
                # negation lowers it below the threshold: "no pienso irme a ningún lado")
                extra.setdefault("explicit", False)
            extra.setdefault("explicit", head.explicit)
            extra.setdefault("needs", head.needs)
        if kind == "means":
            extra["phrase"] = Phrase(
                text=text,
                key=k,
                category=LEVEL_CATEGORY[METHOD],
                severity=LEVEL_SEVERITY[METHOD],
                level=METHOD,
                source=source,
                lang=lang,
            )
        if head is not None or kind == LOWER_WEAK_KIND:
            extra["head"] = True
            level = extra["level"]
            extra["phrase"] = Phrase(
                text=text,
                key=k,
                category=LEVEL_CATEGORY[level],
                severity=extra["severity"],
                explicit=extra.get("explicit", False),
                level=level,
                source=source,
                lang=lang,
            )
            if rules_phase[0]:
                words = k.split()
                extra["personal"] = not personal_words.isdisjoint(words)
                extra["counterfactual"] = not COUNTERFACTUAL.isdisjoint(words)
        vocabulary.entries.append(
            Entry(kind=kind, key=k, text=text, lang=lang, source=source, **extra)
        )

    for config in rules:
        lang = config["lang"]
        for kind, patterns in config.get("heads", {}).items():
            if kind not in HEAD_KINDS:
                raise ValueError(f"unknown head kind {kind!r} in {lang}.toml")
            for pattern in patterns:
                for text in expand(pattern):
                    add(kind, text, lang)
        for kind, patterns in config.get("terms", {}).items():
            if kind not in TERM_KINDS and kind not in ("means_strong", "means_weapon"):
                raise ValueError(f"unknown term kind {kind!r} in {lang}.toml")
            for pattern in patterns:
                for text in expand(pattern):
                    if kind == "means_strong":
                        add("means", text, lang, strong=True)
                    elif kind == "means_stash":  # "everything I've saved": a means in quantity
                        add("means", text, lang, strong=True, amount=True)
                    elif kind == "means_weapon":  # "his gun": a method with any intent
                        add("means", text, lang, strong=True, weapon=True)
                    else:
                        add(kind, text, lang)
        for group in config.get("chained", []):
            if group["kind"] in TERM_KINDS:  # "me tomo": taking, with its intent
                for prefix in group["prefixes"]:
                    for verb in group["verbs"]:
                        for text in expand(f"{prefix} {verb}"):
                            add(group["kind"], text, lang, chain=group.get("chain", ""))
                continue
            # Forms that carry their own intent or desire: Spanish puts the pronoun before the
            # verb group ("me voy a matar", "me quiero morir"); "I'm ending it".
            for prefix in group["prefixes"]:
                for verb in group["verbs"]:
                    for text in expand(f"{prefix} {verb}"):
                        add(group["kind"], text, lang, chain=group.get("chain", ""))
    rules_phase[0] = False
    if srl is not None and srl_map is not None:
        _add_srl(add, key, srl, srl_map)
    known: set[str] = set()
    for entry in vocabulary.entries:
        known.update(entry.key.split())
    for words in vocabulary.words.values():
        known.update(words)
    known.discard(PAST)
    normaliser.learn(known - BOUNDARIES)
    return vocabulary


def _add_srl(add: Any, key: Any, srl: Mapping[str, Any], srl_map: Mapping[str, Any]) -> None:
    """The Suicide Risk Lexicon's phrases, each category mapped to a kind by data/distress/srl.toml:
    a phrase of a lower-signal category, or a single generic word, is at most a low signal."""
    for name, mapping in srl_map.get("category", {}).items():
        category = srl["categories"].get(name)
        if category is None:
            raise ValueError(f"srl.toml maps {name!r}, which is not in the lexicon")
        default = mapping["kind"]
        single = mapping.get("single_word", LOWER_WEAK_KIND)
        overrides: dict[str, str] = mapping.get("phrases", {})
        unknown = set(overrides) - set(category["tokens"])
        if unknown:
            raise ValueError(f"srl.toml names phrases not in {name!r}: {sorted(unknown)}")
        level = mapping.get("level", "")
        for text in category["tokens"]:
            one_word = " " not in key(text)
            kind = overrides.get(text, single if one_word else default)
            if kind == "drop":
                continue
            if kind == LOWER_WEAK_KIND:
                lower_level = level if level in LEVEL_CATEGORY else HOPELESSNESS
                add(LOWER_WEAK_KIND, text, "en", "srl", level=lower_level, severity=LOW)
            elif kind == "means_strong":
                add("means", text, "en", "srl", strong=True)
            elif kind in HEAD_KINDS or kind in TERM_KINDS:
                add(kind, text, "en", "srl")
            else:
                raise ValueError(f"srl.toml: unknown kind {kind!r} for {text!r}")


def load_srl(directory: Path = SRL_DIR) -> dict[str, Any]:
    with (directory / "suicide_risk_lexicon_v1.0.json").open(encoding="utf-8") as file:
        return json.load(file)


def compile_automaton(entries: Iterable[Entry], normaliser: Normaliser) -> tuple[Any, bool]:
    """One automaton over the word codes of the keys (one character per word: whole words by
    construction). Each key's value: (worth a closer look, its (kind, entry) pairs, its number of
    words)."""
    with gc_paused():
        return _compile_automaton(entries, normaliser)


def _compile_automaton(entries: Iterable[Entry], normaliser: Normaliser) -> tuple[Any, bool]:
    by_key: dict[str, list[Entry]] = {}
    for entry in entries:
        by_key.setdefault(entry.key, []).append(entry)
    # The automaton finds a node's child by reading its children in the order they were added:
    # words that many keys use get the first codes, and the keys go in in the order of their
    # codes, so the common words are found first; a word the lexicon does not know (most words
    # of a message) is the root's first child, through a path that never completes a key.
    # Neither changes what is found, nor the order in which it is reported.
    uses = Counter(w for k in by_key for w in k.split())
    normaliser.assign(sorted(uses, key=lambda w: (-uses[w], w)))
    coded = sorted((normaliser.code_key(k), k) for k in by_key)
    automaton: Any = ahocorasick.Automaton()
    automaton.add_word(UNKNOWN + NEVER, None)
    for codes, k in coded:
        group = by_key[k]
        trigger = False
        for e in group:
            if e.head or e.kind in TRIGGER_TERMS:
                trigger = True
                break
        pairs = tuple((e.kind, e) for e in group)  # read on every hit: no attribute lookups
        automaton.add_word(codes, (trigger, pairs, k.count(" ") + 1))
    if by_key:
        automaton.make_automaton()
    return automaton, bool(by_key)


def server_entry(phrase: Phrase) -> Entry:
    level = phrase.level or CATEGORY_LEVEL.get(phrase.category, ACTIVE_THOUGHTS)
    return Entry(
        head=True,
        kind=PHRASE_KIND,
        key=phrase.key,
        text=phrase.text,
        lang=phrase.lang,
        level=level,
        severity=phrase.severity,
        explicit=phrase.explicit,
        source=phrase.source,
        phrase=phrase,
    )


assert set(HEAD_KINDS) | {PHRASE_KIND, LOWER_WEAK_KIND} >= LOWER_KINDS
assert all(k.level in LEVELS for k in HEAD_KINDS.values())
