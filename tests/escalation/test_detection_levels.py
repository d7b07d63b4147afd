"""C-SSRS levels from composition: an act with an intent, a time or a means; a means taken in
quantity, stockpiled or kept ready; slang; lower signals that only alert together."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import CRITICAL, HIGH, LOW, MEDIUM, Detection, Detector, Lexicon


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


@pytest.fixture(scope="module")
def rules() -> Detector:
    return Detector(Lexicon.load(), learned=None)


def found(detector: Detector, text: str) -> Detection:
    detection = detector.scan(text)
    assert detection is not None, text
    return detection


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # C-SSRS 1: wish to be dead
        ("I wish I was dead", "wish_dead"),
        ("honestly I just want to die", "wish_dead"),
        ("I hope I don't wake up tomorrow", "wish_dead"),
        ("I wish I wasn't around anymore", "wish_dead"),
        ("part of me wishes the cancer would just take me", "wish_dead"),
        ("they'd all be better off without me", "wish_dead"),
        ("I have nothing left to live for", "wish_dead"),
        # C-SSRS 2: non-specific active thoughts
        ("I want to kill myself", "active_thoughts"),
        ("I keep thinking about ending my life", "active_thoughts"),
        ("I feel suicidal", "active_thoughts"),
        ("kms", "active_thoughts"),
        ("thinking about unaliving myself", "active_thoughts"),
        ("I want to ctb", "active_thoughts"),
        ("sewerslide is on my mind", "active_thoughts"),
        # C-SSRS 3: ideation with method
        ("I think about jumping off the bridge by the hospital", "method"),
        ("how many sleeping pills would it take to never wake up", "method"),
        ("what's the easiest way to kill myself", "method"),
        ("I want to take all my oxycodone at once", "method"),
        ("enough morphine to not wake up, that's what I keep thinking about", "method"),
        ("I want to stop dialysis so I can die", "method"),
        # C-SSRS 4: intent
        ("I'm going to kill myself", "intent"),
        ("I've decided to end my life", "intent"),
        ("im gonna kms", "intent"),
        # C-SSRS 5: intent with a plan (a time, a means)
        ("I'm going to kill myself tonight", "plan"),
        ("I'm going to take all my morphine tonight", "plan"),
        ("tomorrow I'm going to jump in front of the train", "plan"),
        ("I have a plan to kill myself", "plan"),
        ("I'm going to stop my insulin to end it", "plan"),
        # preparatory behaviour
        ("I've been saving up my pills", "preparatory"),
        ("I've been stockpiling my fentanyl patches", "preparatory"),
        ("I wrote my suicide note", "preparatory"),
        # attempt, in progress or just made
        ("I just took the whole bottle", "attempt"),
        ("took them all", "attempt"),
        ("I swallowed all my sleeping pills", "attempt"),
        ("I took 30 of my oxycodone", "attempt"),
        ("I tried to kill myself last night", "attempt"),
        # non-suicidal self-injury
        ("I'm cutting myself again", "nssi"),
        ("I burn myself when it gets too much", "nssi"),
        ("I've been self harming", "nssi"),
    ],
)
def test_levels(detector: Detector, text: str, level: str) -> None:
    detection = found(detector, text)
    assert (detection.level, detection.alert) == (level, True), (text, detection)


def test_the_cue_names_the_words_that_raised_it(detector: Detector) -> None:
    assert found(detector, "ugh. I'm going to kill myself tonight").cue == "am going to kill myself"
    assert found(detector, "I've been saving up my pills").cue.endswith("saving up my pills")
    assert found(detector, "I just took the whole bottle").cue == "took the whole bottle"
    assert found(detector, "me voy a tomar todas las pastillas").cue == (
        "me voy a tomar todas las pastillas"
    )


def test_means_of_cancer_care_are_not_signals_by_themselves(detector: Detector) -> None:
    for text in (
        "my morphine dose went up this week",
        "the oxycodone helps with the bone pain",
        "fentanyl patches every three days now",
        "I take zolpidem to sleep on steroid days",
        "I'm on capecitabine tablets, two weeks on one off",
        "I'm going to take my morphine before bed",
        "insulin before meals, same as always",
    ):
        assert detector.scan(text) is None, text


def test_a_means_in_quantity_needs_distress_to_alert(detector: Detector) -> None:
    alone = found(detector, "all my morphine is on the nightstand")
    assert (alone.level, alone.severity, alone.alert) == ("preparatory", LOW, False)
    with_distress = found(detector, "I can't do this anymore. All my morphine is on the nightstand")
    assert with_distress.alert and with_distress.severity == CRITICAL
    assert with_distress.level == "preparatory"
    assert with_distress.cue == "all my morphine is on the nightstand + can not do this anymore"


def test_preparatory_signs_need_distress_unless_explicit(detector: Detector) -> None:
    giving = found(detector, "I've been giving away my things")
    assert (giving.level, giving.alert) == ("preparatory", False)
    both = found(detector, "I've been giving away my things. I'm such a burden.")
    assert (both.level, both.severity) == ("preparatory", CRITICAL)
    rope = found(detector, "I bought a rope today")
    assert (rope.level, rope.severity) == ("preparatory", MEDIUM)  # alerts, medium
    goodbye = found(detector, "This is goodbye")
    assert goodbye.alert and goodbye.severity == MEDIUM


def test_stopping_treatment_is_a_method_only_to_end_it(detector: Detector) -> None:
    assert not found(detector, "We've decided to stop treatment").alert
    assert detector.scan("We're going to stop chemo for two weeks, my counts are low") is None
    to_end = found(detector, "I'm thinking of stopping my dialysis to end it")
    assert (to_end.level, to_end.severity) == ("method", HIGH)


def test_lower_signals_alert_only_together(rules: Detector) -> None:
    """The rules alone (with the model, an alert from lower signals needs its agreement:
    test_detection_families.py)."""
    detector = rules
    for text, level in (
        ("I feel hopeless", "hopelessness"),
        ("I'm such a burden to my family", "burdensomeness"),
        ("I feel trapped", "entrapment"),
        ("I can't do this anymore", "entrapment"),
    ):
        alone = found(detector, text)
        assert (alone.level, alone.severity, alone.alert) == (level, LOW, False), text
    both = found(detector, "I feel like a burden and I feel trapped")
    assert (both.severity, both.alert) == (MEDIUM, True)
    assert "burden" in both.cue and both.cue.endswith(" + feel trapped")
    # the same kind twice is not two signals
    assert not found(detector, "I feel trapped, so stuck").alert


def test_lower_signals_said_outright_alert_alone(rules: Detector) -> None:
    detector = rules
    # the warning signs in their own words: no way out, a burden to everyone, no reason left
    for text, level in (
        ("there's no way out of this pain", "entrapment"),
        ("I'm nothing but a burden to everyone", "burdensomeness"),
        ("there's nothing left to look forward to", "hopelessness"),
        ("no hay salida", "entrapment"),
    ):
        alone = found(detector, text)
        assert (alone.level, alone.severity, alone.alert) == (level, MEDIUM, True), text
    assert not found(detector, "I'm not a burden to everyone, they said so").alert


def test_laughter_and_embarrassment(detector: Detector) -> None:
    assert found(detector, "tbh I want to die lol").alert  # explicit: laughter does not silence it
    assert not found(detector, "ugh so embarrassing, I want to die").alert
    assert not found(detector, "ay no q oso, me quiero morir jajaja").alert
    assert not found(detector, "I'm such a burden lol").alert
    assert found(detector, "jk... unless? I have all my morphine saved up lol").alert


def test_vague_intent_needs_distress(detector: Detector) -> None:
    assert not found(detector, "I'm going to do it tonight").alert
    with_distress = found(detector, "I can't take this anymore. I'm going to do it tonight.")
    assert (with_distress.level, with_distress.severity) == ("plan", CRITICAL)


@pytest.mark.parametrize(
    "text",
    [
        "I took all my pills an hour ago",
        "I took all my pills",
        "I took my whole bottle of oxycodone",
        "me tomé todas las pastillas",
    ],
)
def test_an_attempt_told_in_the_past_is_an_attempt(detector: Detector, text: str) -> None:
    """An attempt is told in the past tense ("took"): that never lowers it."""
    found = detector.scan(text)
    assert found is not None and found.alert
    assert (found.level, found.severity) == ("attempt", CRITICAL)


def test_pills_taken_as_prescribed_are_not_an_attempt(detector: Detector) -> None:
    assert detector.scan("I took all my pills today like the nurse said") is None
