"""Kinds of statement the rules compose rather than list (issue 16): a hoped-for end that names
the illness or the member, a lethal amount with a time, a strong means taken with a goodbye, a
relief at dying, the absence ahead said with the member's own doing, self-injury on the body with
a habit; and the hard negatives each must leave alone. The texts are written for these tests, in
the kinds' own words, not taken from any development or evaluation set."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import Detection, Detector, Lexicon


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load(), learned=None)  # the rules alone


def scan(detector: Detector, text: str) -> Detection | None:
    return detector.scan(text)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a hope or a wish that the illness ends it, or that the member does not survive
        ("hoping the chemo finishes me off sooner", "wish_dead"),
        ("I keep praying the infection wins", "wish_dead"),
        ("Ojalá el tumor me lleve pronto", "wish_dead"),
        ("kinda hoping I never wake up from the surgery", "wish_dead"),
        ("if I died in my sleep tonight I'd be relieved", "wish_dead"),
        ("si me muriera dormida estaría aliviada", "wish_dead"),
        # a lethal amount with a time; a strong means taken, said with a goodbye
        ("I'm taking the whole box of sleeping pills on Friday", "plan"),
        ("me tomo todas las pastillas de morfina el sábado", "plan"),
        ("took the oxy. bye everyone", "attempt"),
        ("put on all 5 patches, just waiting now", "attempt"),
        ("me tomé la mitad del frasco de clonazepam", "attempt"),
        # preparatory acts completed by finality or by the member's own doing
        ("gave my guitar to my brother. won't need it", "preparatory"),
        ("I won't be around for the results, and it won't be the cancer", "preparatory"),
        ("no voy a estar para los resultados, y no por el cáncer", "preparatory"),
        ("le regalé mi bici a mi sobrino, ya no la voy a usar", "preparatory"),
        # self-injury verbs on the body, with a habit or secrecy
        ("cut my arms again last night", "nssi"),
        ("been burning my wrist where nobody can see", "nssi"),
        ("me corté los brazos otra vez", "nssi"),
        # the member asking who else feels it is the member's own statement
        ("does anyone else want to die sometimes?", "wish_dead"),
        # a vague act with intent, a time and a resolve
        ("tonight I'm going to do it, when I'm alone", "plan"),
        # a goodbye for good; what was taken said beside the taking; chat without its "I"
        ("I'm signing off. for good", "preparatory"),
        ("me despido del grupo para siempre", "preparatory"),
        ("I've taken them. The whole stash.", "attempt"),
        ("wrote my goodbye letters last night", "preparatory"),
        # a means dwelt on; a relief at an accident that would end it
        ("the gun is still in the closet. i keep thinking about it", "method"),
        ("la escopeta sigue en el ropero y pienso en ella todo el tiempo", "method"),
        ("if the plane went down on my way to the clinic I'd be relieved", "wish_dead"),
    ],
)
def test_a_composed_statement_alerts_with_its_level(
    detector: Detector, text: str, level: str
) -> None:
    found = scan(detector, text)
    assert found is not None and found.alert, (text, found)
    assert found.level == level, (text, found, found.cue)
    assert found.cue, text


@pytest.mark.parametrize(
    "text",
    [
        "I hope this pain doesn't kill me",
        "I hope the scan shows it's gone",
        "I hope the chemo kills the cancer",
        "i hope my team wins tonight",
        "I'm not going to kill myself lol, just eating cake and crying at the telly",
        "3 months ago I thought about ending it. Got help, and I'm doing so much better now",
        "My dad keeps saying 'just let me die'. The palliative team changed his meds",
        "Mi papá en el hospice dice 'llévame ya, Señor', el médico dice que es frecuente",
        "Saying goodbye to this group for a while, new job starts Monday. Thank you all",
        "no estoy lista para morir, tengo mucho por hacer",
        "I'm not ready to die, I have so much left to do",
        "burned my arm on the oven again, so clumsy",
        "I'm taking all my meds tomorrow before the scan",
        "voy a desaparecer un rato, me voy a bañar",
        "gonna disappear for a few hours for my scan",
        "me quiero morir con los trámites del seguro jaja",
        "lista para irme del hospital, el alta tarda una eternidad",
        "Got the gun safe locked and gave the key to my brother",
        "no despertarme hasta el mediodía, ese es mi plan del sábado",
        "She wrote 'I want to die' in her diary as a teen",
        "Goodbye everyone, see you Thursday!",
        "the gun is locked in the safe and I keep thinking about the scan results",
    ],
)
def test_hard_negatives_do_not_alert(detector: Detector, text: str) -> None:
    found = scan(detector, text)
    assert found is None or not found.alert, (text, found, found and found.cue)


def test_a_plan_names_its_means_and_amount(detector: Detector) -> None:
    found = scan(detector, "I'm taking the whole box of oxycodone after the scan tomorrow")
    assert found is not None and found.alert and found.level == "plan"
    assert "whole box of oxycodone" in found.cue


def test_the_illness_as_the_cause_no_longer_explains_a_sign(detector: Detector) -> None:
    """Letters and arrangements "for after I'm gone" are end-of-life planning, unless the member
    says it is not the illness that will end it."""
    calm = scan(detector, "Arranged for my sister to take the kids after I'm gone")
    assert calm is None or not calm.alert
    own = scan(
        detector,
        "Arranged for my sister to take the kids after I'm gone. She thinks I mean the cancer",
    )
    assert own is not None and own.alert and own.level == "preparatory", own


def test_a_relatives_quoted_words_stay_lowered_outside_palliative_talk(
    detector: Detector,
) -> None:
    """Reported speech is lowered, never silenced; a relative's words in palliative talk are
    theirs."""
    friend = scan(detector, 'My friend said "I want to die"')
    assert friend is not None and friend.alert and "reported" in friend.modifiers
    dad = scan(detector, 'In hospice my dad keeps saying "let me die"')
    assert dad is not None and not dad.alert and "third_person" in dad.modifiers
