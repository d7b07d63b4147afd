"""The detector on its own: normalisation, whole-word matching, benign phrases, and the words
that lower a match's severity without ever dropping the most explicit statements."""

from __future__ import annotations

import pytest

from cogs.escalation.detector import (
    CRITICAL,
    HIGH,
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
        "I want to k1ll mys3lf",  # look-alike digits
        "I want to k!ll myself",  # look-alike punctuation inside a word
        "I want to ki\u200bll my\u200bself",  # zero-width characters inside words
        "Ｉ ｗａｎｔ ｔｏ ｋｉｌｌ ｍｙｓｅｌｆ",  # full-width letters (NFKC)
        "I want to kіll myself",  # Cyrillic і inside a Latin word
        "I want to kill my$elf",  # $ for s
        "I just really honestly want to kill myself",  # filler words dropped
        "**I want to kill myself**",  # markdown
        "i want to kill myself 😔",
    ],
)
def test_normalisation_finds_the_phrase(detector: Detector, text: str) -> None:
    found = scan(detector, text)
    assert found is not None and found.alert, text
    assert any(m.phrase.key == detector.normaliser.key("kill myself") for m in found.matches)


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
    ],
)
def test_ordinary_cancer_community_talk_does_not_alarm(detector: Detector, text: str) -> None:
    assert not alerts(detector, text), text


def test_negation_lowers_severity(detector: Detector) -> None:
    plain = scan(detector, "I am suicidal")
    negated = scan(detector, "I'm not suicidal, just tired")
    assert plain is not None and plain.severity == HIGH and plain.alert
    assert negated is not None and negated.severity == LOW and not negated.alert
    assert "negated" in negated.modifiers
    # "can't stop thinking about" is not a negation of what follows
    stuck = scan(detector, "I can't stop thinking about killing myself")
    assert stuck is not None and stuck.severity == HIGH and not stuck.modifiers


def test_past_tense_lowers_severity_unless_it_is_recent(detector: Detector) -> None:
    past = scan(detector, "I used to self harm as a teenager")
    assert past is not None and "past" in past.modifiers and not past.alert
    recent = scan(detector, "I tried to kill myself last night")
    assert recent is not None and recent.severity == CRITICAL and not recent.modifiers


def test_reported_speech_lowers_severity(detector: Detector) -> None:
    quoted = scan(detector, 'The form asked "have you had thoughts of suicide"')
    assert quoted is not None and "reported" in quoted.modifiers and not quoted.alert
    someone_else = scan(detector, "I read about people who want to die after a diagnosis")
    assert someone_else is not None and "third_person" in someone_else.modifiers
    assert not someone_else.alert
    # "I told my therapist ..." is the member speaking: not lowered
    told = scan(detector, "I told my therapist I want to die sometimes")
    assert told is not None and told.alert and not told.modifiers


@pytest.mark.parametrize(
    "text",
    [
        "I would never kill myself",
        "I'm not going to kill myself, I promise",
        "Years ago I tried to kill myself",
        'My friend said "I want to die"',
        "When I was diagnosed I wanted to die",
    ],
)
def test_the_most_explicit_statements_are_lowered_never_dropped(
    detector: Detector, text: str
) -> None:
    found = scan(detector, text)
    assert found is not None and found.modifiers, text
    assert found.alert and found.severity == MEDIUM, (text, found)


def test_several_weak_signals_add_up(detector: Detector) -> None:
    one = scan(detector, "I feel hopeless")
    two = scan(detector, "I feel hopeless and worthless")
    assert one is not None and not one.alert
    assert two is not None and two.alert and two.severity == MEDIUM


def test_category_of_the_strongest_match(detector: Detector) -> None:
    found = scan(detector, "I'm going to kill myself tonight, I can't go on like this")
    assert found is not None
    assert (found.category, found.severity) == ("intent_or_plan", CRITICAL)


def test_server_phrases_extend_the_lexicon(detector: Detector) -> None:
    extra = detector.compile([detector.phrase("going to the quarry", "intent_or_plan", CRITICAL)])
    assert scan(detector, "I'm going to the quarry tonight") is None
    found = scan(detector, "I'm goooing to the QUARRY tonight", extra)
    assert found is not None and found.alert and found.severity == CRITICAL
    assert found.matches[0].phrase.server


def test_every_lexicon_phrase_matches_itself(detector: Detector) -> None:
    """A phrase that normalises to something its own text can't match would be dead weight."""
    for phrase in detector.lexicon.phrases:
        found = scan(detector, phrase.text)
        assert found is not None, phrase.text
        assert any(m.phrase.key == phrase.key for m in found.matches), phrase.text


def test_no_benign_phrase_hides_a_whole_lexicon_entry(detector: Detector) -> None:
    keys = {p.key for p in detector.lexicon.phrases}
    assert not keys & set(detector.lexicon.benign)
