"""Negation, reported speech, past tense, third person and hypotheticals lower a signal; they
never silence a present-tense explicit statement, and a modifier elsewhere in the message does
not touch it."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import (
    CRITICAL,
    HIGH,
    LOW,
    MEDIUM,
    Detection,
    Detector,
    Lexicon,
)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


def found(detector: Detector, text: str) -> Detection:
    detection = detector.scan(text)
    assert detection is not None, text
    return detection


def test_negation_lowers(detector: Detector) -> None:
    plain = found(detector, "I am suicidal")
    negated = found(detector, "I'm not suicidal, just tired")
    assert plain.severity == HIGH and plain.alert
    assert negated.severity == LOW and not negated.alert and negated.modifiers == {"negated"}
    # "can't stop thinking about" is not a negation of what follows
    stuck = found(detector, "I can't stop thinking about killing myself")
    assert stuck.severity == HIGH and not stuck.modifiers


@pytest.mark.parametrize(
    ("text", "modifier"),
    [
        ("I would never kill myself", "negated"),
        ("I'm not going to kill myself, I promise", "negated"),
        ('My friend said "I want to die"', "reported"),
        ("When I was diagnosed I wanted to die", "past"),
        ("I wanted to kill myself last month", "past"),
        ("no me voy a matar, tranquilos", "negated"),
        ("nunca me mataría", "negated"),
    ],
)
def test_an_explicit_statement_is_lowered_never_silenced(
    detector: Detector, text: str, modifier: str
) -> None:
    detection = found(detector, text)
    assert modifier in detection.modifiers, (text, detection)
    assert detection.alert, (text, detection)
    assert detection.severity <= MEDIUM or "intent" in detection.level


@pytest.mark.parametrize(
    "text",
    [
        "Years ago I tried to kill myself, I'm in a much better place now",
        "Back then I wanted to kill myself",
        "As a teenager I used to cut myself",
        "Hace años intenté suicidarme, ahora estoy bien",
        "de joven quería morirme",
    ],
)
def test_long_ago_is_history(detector: Detector, text: str) -> None:
    detection = found(detector, text)
    assert "past" in detection.modifiers and detection.severity == LOW, (text, detection)


@pytest.mark.parametrize(
    "text",
    [
        "People who want to die deserve compassion, not judgement",
        "Do you ever want to die?",
        "Is she suicidal? I'm worried",
        "My dad is such a burden on the nurses, he says",
    ],
)
def test_someone_else_is_not_the_member(detector: Detector, text: str) -> None:
    detection = detector.scan(text)
    assert detection is None or not detection.alert, (text, detection)


def test_third_person_forms_raise_nothing(detector: Detector) -> None:
    # the acts are first person: "kill herself", "se quiere matar" are not the member's words
    assert detector.scan("She told me she wants to kill herself") is None
    assert detector.scan("mi amiga dice que se quiere matar") is None


@pytest.mark.parametrize(
    "text",
    [
        "If I ever felt suicidal I'd call the helpline",
        "If I wanted to kill myself I would tell you",
        "Si alguna vez quisiera suicidarme llamaría al 024",
    ],
)
def test_a_hypothetical_lowers(detector: Detector, text: str) -> None:
    detection = found(detector, text)
    assert "hypothetical" in detection.modifiers and not detection.alert, (text, detection)


def test_what_if_with_a_means_is_still_an_alert(detector: Detector) -> None:
    detection = found(detector, "what if I just took all my morphine tonight")
    assert detection.alert and "hypothetical" in detection.modifiers
    lethality = found(detector, "If I take all my chemo pills at once would it kill me")
    assert lethality.alert and lethality.level == "method" and not lethality.modifiers


@pytest.mark.parametrize(
    "text",
    [
        "I'm not okay. I want to kill myself",
        "Not joking, I'm going to kill myself",
        "My wife says I'm fine but I want to die",
        "I used to be strong but now I want to die",
        "Years ago I was happy. Now I'm going to end it all tonight",
        "No es broma, me voy a matar",
        "Mi marido dice que exagero pero quiero morirme",
    ],
)
def test_a_modifier_elsewhere_does_not_touch_a_present_statement(
    detector: Detector, text: str
) -> None:
    detection = found(detector, text)
    assert detection.alert and not detection.modifiers, (text, detection)


def test_recent_past_attempt_is_not_lowered(detector: Detector) -> None:
    last_night = found(detector, "I tried to kill myself last night")
    assert (last_night.level, last_night.severity, last_night.modifiers) == (
        "attempt",
        CRITICAL,
        frozenset(),
    )
    again = found(detector, "I used to cut myself and now I've started cutting again")
    assert again.alert


def test_a_reported_question_is_not_a_statement(detector: Detector) -> None:
    asked = found(detector, "The oncology nurse asked if I had ever wanted to kill myself")
    assert "hypothetical" in asked.modifiers and not asked.alert


def test_reported_speech_by_the_member_is_their_own(detector: Detector) -> None:
    told = found(detector, "I told my therapist I want to die sometimes")
    assert told.alert and not told.modifiers
    asked = found(detector, "The nurse asked if I was suicidal")
    assert not asked.alert
