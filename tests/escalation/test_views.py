"""The escalation buttons on the kit keep the custom ids of buttons already posted in Discord."""

from __future__ import annotations

from cogs.escalation.views import CaseButton, ContactButton


def test_custom_ids_posted_before_the_kit_still_parse() -> None:
    # ids as the hand-written DynamicItems wrote them, under alerts and resources already sent
    assert CaseButton.parse("escalation:claim:42") == {"action": "claim", "case_id": 42}
    assert CaseButton.parse("escalation:resolve:7") == {"action": "resolve", "case_id": 7}
    assert CaseButton.parse("escalation:false:7") == {"action": "false", "case_id": 7}
    assert ContactButton.parse("escalation:contact:42") == {"case_id": 42}
    assert CaseButton.parse("escalation:contact:42") is None
    assert ContactButton.parse("escalation:claim:42") is None
    assert CaseButton.parse("escalation:note:resolve:42") is None  # the note modal's id


def test_the_buttons_write_the_same_ids() -> None:
    assert CaseButton.custom_id_for(action="claim", case_id=42) == "escalation:claim:42"
    assert ContactButton.custom_id_for(case_id=42) == "escalation:contact:42"
