"""The detector's public API and basics: normalisation, whole-word matching, everyday phrases,
per-server phrases, and the data it is built from. Levels, modifiers, Spanish and context have
their own files (test_detection_*.py)."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import (
    CATEGORIES,
    CRITICAL,
    HIGH,
    LEVEL_CATEGORY,
    LEVEL_SEVERITY,
    LEVELS,
    LOW,
    MEDIUM,
    Detection,
    Detector,
    Lexicon,
    PhraseSet,
)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


def scan(detector: Detector, text: str, extra: PhraseSet | None = None) -> Detection | None:
    return detector.scan(text, extra)


def alerts(detector: Detector, text: str) -> bool:
    found = detector.scan(text)
    return found is not None and found.alert


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I WANT TO KILL MYSELF",  # case folding
        "I wanna kill myself",  # contraction
        "I’m going to kill myself",  # curly apostrophe
        "i want to kiiiiiill myyyyself",  # repeated letters
        "i want to kil myself",  # a letter short
        "I want to k1ll mys3lf",  # look-alike digits
        "I want to k!ll myself",  # look-alike punctuation inside a word
        "I want to ki\u200bll my\u200bself",  # zero-width characters inside words
        "Ｉ ｗａｎｔ ｔｏ ｋｉｌｌ ｍｙｓｅｌｆ",  # full-width letters
        "I want to kіll myself",  # Cyrillic і inside a Latin word
        "I want to kill my$elf",  # $ for s
        "I just really honestly want to kill myself",  # filler words dropped
        "**I want to kill myself**",  # markdown
        "i want to kill myself 😔",
        "i want 2 kill myself",  # "2" for "to"
    ],
)
def test_normalisation_finds_the_phrase(detector: Detector, text: str) -> None:
    found = scan(detector, text)
    assert found is not None and found.alert, text
    assert "kill myself" in found.cue


def test_matching_is_on_whole_words(detector: Detector) -> None:
    assert scan(detector, "I upskill myself every winter") is None
    assert scan(detector, "the suicidality research paper") is None  # not the word "suicidal"
    assert scan(detector, "hopelessness is a topic in group") is None  # not "hopeless"
    assert alerts(detector, "kill myself")  # at the very start and end of the message


def test_sentence_punctuation_separates_phrases(detector: Detector) -> None:
    # "want to die" across two sentences is not the phrase
    assert scan(detector, "I want to. Die Hard is on tonight") is None


@pytest.mark.parametrize(
    "text",
    [
        "this chemo is killing me",
        "I'd kill for a nap",
        "terminal diagnosis",
        "end-of-life care",
        "hospice",
        "dying to see my grandson",
        "I don't want to die, I have so much left to do",
        "We want Dad to die at home, surrounded by family",
        "I cut myself shaving this morning",
        "I could sleep forever after chemo",
        "I nearly killed myself laughing",
        "I'm taking my life back after treatment",
        "Cancer won't take my life without a fight",
        "I'm not going to let cancer kill me",
        "the morphine makes me drowsy",
        "I take 12 pills every morning now",
        "I took all my pills this morning and went for a walk",
        "Goodbye everyone, see you Thursday!",
        "Thanks for everything, love you all",
        "We're meeting the hospice team to plan Mum's end-of-life care",
        "I've updated my will and my advance directive",
        "Is it normal to be scared of dying?",
        "My husband died last year and I miss him",
        "I'm dying to know my scan results",
        "pain pain pain, what a week",
        "death is on my mind since the diagnosis, I'm scared",
    ],
)
def test_ordinary_cancer_community_talk_does_not_alarm(detector: Detector, text: str) -> None:
    assert not alerts(detector, text), (text, scan(detector, text))


def test_a_detection_names_its_level_category_and_cue(detector: Detector) -> None:
    found = scan(detector, "I'm going to take all my morphine tonight")
    assert found is not None and found.alert
    assert (found.level, found.severity, found.category) == ("plan", CRITICAL, "intent_or_plan")
    assert found.cue == "am going to take all my morphine"
    assert not found.modifiers and not found.context
    assert found.lang == "en"
    [match] = found.matches
    assert (match.level, match.cue, match.severity) == ("plan", found.cue, CRITICAL)


def test_levels_map_onto_the_bots_severities_and_categories() -> None:
    assert set(LEVEL_SEVERITY) == set(LEVELS) == set(LEVEL_CATEGORY)
    assert set(LEVEL_CATEGORY.values()) <= set(CATEGORIES)
    for level in ("hopelessness", "burdensomeness", "entrapment"):
        assert LEVEL_SEVERITY[level] == LOW  # never alerts alone at the default threshold
    assert LEVEL_SEVERITY["wish_dead"] == MEDIUM
    assert LEVEL_SEVERITY["active_thoughts"] == LEVEL_SEVERITY["method"] == HIGH
    for level in ("intent", "plan", "preparatory", "attempt"):
        assert LEVEL_SEVERITY[level] == CRITICAL


def test_category_of_the_strongest_signal(detector: Detector) -> None:
    found = scan(detector, "I'm going to kill myself tonight, I can't go on like this")
    assert found is not None
    assert (found.category, found.severity, found.level) == ("intent_or_plan", CRITICAL, "plan")
    assert len(found.matches) == 2  # the plan and the entrapment, in text order
    assert [m.level for m in found.matches] == ["plan", "entrapment"]


def test_server_phrases_extend_the_lexicon(detector: Detector) -> None:
    extra = detector.compile([detector.phrase("going to the quarry", "intent_or_plan", CRITICAL)])
    assert len(extra) == 1
    assert scan(detector, "I'm going to the quarry tonight") is None
    found = scan(detector, "I'm goooing to the QUARRY tonight", extra)
    assert found is not None and found.alert and found.severity == CRITICAL
    assert found.category == "intent_or_plan" and found.level == "intent"
    assert found.matches[0].phrase.server
    # a server phrase is lowered like any other
    negated = scan(detector, "I'm not going to the quarry", extra)
    assert negated is not None and "negated" in negated.modifiers
    assert negated.severity == MEDIUM  # two steps down; not explicit, so not held


def test_a_server_phrase_of_a_low_severity_stays_below_the_threshold(detector: Detector) -> None:
    extra = detector.compile([detector.phrase("grey clouds", "hopelessness", LOW)])
    found = scan(detector, "grey clouds again", extra)
    assert found is not None and not found.alert and found.category == "hopelessness"


def test_the_builtin_phrase_set(detector: Detector) -> None:
    keys = {p.key for p in detector.builtin.phrases}
    assert len(detector.builtin) == len(detector.builtin.phrases) > 1000
    for text in ("kill myself", "want to die", "suicide note", "no way out", "quiero morirme"):
        assert detector.normaliser.key(text) in keys, text
    assert detector.normaliser.key("I’m Going To") == "i am going to"


def test_every_head_phrase_raises_itself(detector: Detector) -> None:
    """A phrase that needs nothing else (no intent, place or distress) must raise a signal on
    its own text, or it is dead weight."""
    dead = []
    for entry in detector.lexicon.entries:
        if not entry.head or entry.needs:
            continue
        found = scan(detector, entry.text)
        if found is None or not any(m.phrase.key == entry.key for m in found.matches):
            dead.append(entry.text)
    assert not dead


def test_no_everyday_phrase_is_also_a_head(detector: Detector) -> None:
    heads = {p.key for p in detector.builtin.phrases}
    assert not heads & set(detector.lexicon.benign)
