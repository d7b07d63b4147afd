"""A member's last few messages read together: "I can't do this anymore." then "I have the
pills ready" is one signal, raised on the second message."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import (
    CONTEXT_MESSAGES,
    CRITICAL,
    LOW,
    MEDIUM,
    Detector,
    Lexicon,
)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


def test_distress_then_means_ready(detector: Detector) -> None:
    alone = detector.scan("I have the pills ready")
    assert alone is not None and not alone.alert and alone.level == "preparatory"
    found = detector.scan_context(["I can't do this anymore."], "I have the pills ready")
    assert found is not None and found.alert
    assert (found.level, found.severity, found.context) == ("preparatory", CRITICAL, True)
    assert found.cue == "can not do this anymore + i have the pills ready"


def test_means_ready_then_distress(detector: Detector) -> None:
    found = detector.scan_context(
        ["all my oxycodone is lined up on the table"], "I can't take it anymore"
    )
    assert found is not None and found.alert and found.context
    assert found.level == "preparatory" and found.severity == CRITICAL


def test_two_lower_signals_across_messages(detector: Detector) -> None:
    found = detector.scan_context(["nothing will ever get better"], "I feel like a burden now")
    assert found is not None and (found.severity, found.context) == (MEDIUM, True)
    assert found.alert


def test_vague_intent_after_distress(detector: Detector) -> None:
    found = detector.scan_context(
        ["I can't do this anymore", "nobody would even notice"], "I'm doing it tonight"
    )
    assert found is not None and found.alert and found.level in ("intent", "plan")


def test_spanish_context(detector: Detector) -> None:
    found = detector.scan_context(["No puedo más."], "Tengo las pastillas preparadas")
    assert found is not None and found.alert and found.level == "preparatory"


@pytest.mark.parametrize(
    ("earlier", "text"),
    [
        (["So nervous about round 3", "Packing my hospital bag"], "I have the pills ready"),
        (["Great meeting today", "See you next week"], "Thanks for everything, love you all"),
        (
            ["The hospice nurse came by", "We talked about legacy projects"],
            "I wrote letters to my kids today",
        ),
        (["Dad passed on Tuesday"], "We gave his clothes to the charity shop"),
        (["Talked with the palliative team"], "We're stopping chemo and moving to comfort care"),
        (["My friend wants to kill herself"], "I have the pills ready for her"),
        (["I'm not hopeless, honestly"], "I have the pills ready"),
    ],
)
def test_context_without_distress_raises_nothing(
    detector: Detector, earlier: list[str], text: str
) -> None:
    found = detector.scan_context(earlier, text)
    assert found is None or not found.alert, (earlier, text, found)


def test_only_what_the_new_message_adds_is_reported(detector: Detector) -> None:
    # the earlier message alerted on its own already: nothing new in "thanks"
    assert detector.scan_context(["I want to die"], "thanks for listening") is None
    # the new message's own signal stands when the context adds nothing
    own = detector.scan_context(["lovely weather"], "I want to kill myself")
    assert own is not None and own.alert and not own.context


def test_only_the_last_few_messages_count(detector: Detector) -> None:
    old = ["I can't do this anymore."] + ["ok"] * CONTEXT_MESSAGES
    found = detector.scan_context(old, "I have the pills ready")
    assert found is not None and found.severity == LOW and not found.alert


def test_a_time_alone_completes_an_earlier_plan_or_wish(detector: Detector) -> None:
    found = detector.scan_context(
        ["I've made up my mind", "I'm going to take all my sleeping pills"], "Sunday."
    )
    assert found is not None and found.alert and found.context
    assert found.level == "plan"
    # not a lower signal ("so tired"), and nothing at all after ordinary talk
    tired = detector.scan_context(["I'm so tired of everything"], "Sunday.")
    assert tired is None or not tired.alert
    assert detector.scan_context(["See you at the meeting"], "Sunday.") is None


def test_a_means_alone_completes_an_earlier_wish(detector: Detector) -> None:
    found = detector.scan_context(["I wish I was dead"], "the whole bottle is right here")
    assert found is not None and found.alert and found.level == "preparatory"


def test_a_resolve_completes_earlier_distress(detector: Detector) -> None:
    found = detector.scan_context(["been thinking about ending it"], "for real this time")
    assert found is not None and found.alert and found.context
    # a resolve completes a wish or a plan, not a lower signal alone
    found = detector.scan_context(["I feel so tired"], "for real this time")
    assert found is None or not found.alert


@pytest.mark.parametrize(
    "earlier, text",
    [
        (["I want to die"], "sorry, the weather is nice today"),
        (["I can't do this anymore."], "my oncologist says we stop treatment next week"),
        (["I can't do this anymore."], "I have my pills ready for tomorrow's chemo"),
    ],
)
def test_ordinary_talk_after_distress_adds_no_signal(
    detector: Detector, earlier: list[str], text: str
) -> None:
    """A time inside a sentence about something else, a treatment decision made with the
    doctor, medication ready for treatment: none of them completes what was said before."""
    assert detector.scan_context(earlier, text) is None


def test_a_short_time_reply_still_completes_a_wish(detector: Detector) -> None:
    found = detector.scan_context(["I want to die"], "tonight.")
    assert found is not None and found.alert and found.context
