"""Cue families of issue 16's third round: what ordinary cancer talk says without a crisis (someone
else's suicidal thoughts, a euphemism denied, goodbyes to hair and colleagues, a relative's last
days, an age, a conditional joke, medicine kept for the pharmacy's hours, long ago, resolved), and
what a crisis says without the usual words (a lower signal with finality, a step reported done or
an earlier statement stood by in a short reply, an attempt in progress, a lethal dose asked with
the means at hand, self-injury on purpose said in the next sentence).

Each family is tested with sentences written for this test, not lines of any corpus."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import CRITICAL, HIGH, LOW, MEDIUM, Detection, Detector, Lexicon
from tests.escalation.test_detection_learned import constant_model


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


@pytest.fixture(scope="module")
def rules(lexicon: Lexicon) -> Detector:
    return Detector(lexicon, learned=None)


def alerts(found: Detection | None) -> bool:
    return found is not None and found.alert


# ---------------------------------------------------------------------- ordinary cancer talk


@pytest.mark.parametrize(
    "text",
    [
        "my wife is having suicidal thoughts since the scan, how do I help her?",
        "Is my dad having suicidal thoughts? He barely talks now",
        "no pienso irme a ningún lado, que quede claro",
        "said goodbye to my hair today, the clippers were kind of fun",
        "me despedí de mi pelo ayer, me rapé con mi hija",
        "papá está en sus últimos días, solo quiero estar con él",
        "Dad's last days are here and I just want to be with him",
        "the hospital is billing me for my meds and I'm 27, this is absurd",
        "if I have to sit through one more pharmacy queue I'm going to kill myself 😂",
        "stockpiling my steroid tablets before the holidays, the pharmacy shuts for a week",
        "I overdosed on Netflix this weekend",
        "twenty years ago I cut myself every day. now I'm a youth worker",
        "after my diagnosis I thought about ending it, therapy helped so much",
        "I fell and hurt myself again, so clumsy",
    ],
)
def test_ordinary_talk_does_not_alert(rules: Detector, text: str) -> None:
    assert not alerts(rules.scan(text)), rules.scan(text)


def test_a_denied_explicit_statement_is_still_held_at_the_threshold(rules: Detector) -> None:
    found = rules.scan("I'm not going to kill myself")
    assert found is not None and found.alert and "negated" in found.modifiers


def test_saving_a_lethal_means_still_alerts(rules: Detector) -> None:
    for text in ("I've been stockpiling my morphine", "llevo semanas guardando pastillas"):
        found = rules.scan(text)
        assert found is not None and (found.level, found.severity) == ("preparatory", CRITICAL)


def test_a_goodbye_alone_needs_the_model_to_agree(lexicon: Lexicon, rules: Detector) -> None:
    text = "me despedí de mis compañeros de trabajo, empiezo la baja mañana"
    alone = rules.scan(text)
    assert alerts(alone) and alone is not None and alone.level == "preparatory"
    doubtful = Detector(lexicon, learned=constant_model(-5.0, {"preparatory": 0.0}))
    assert doubtful.learned is not None
    assert doubtful.learned.probability(text) < doubtful.learned.agreement
    found = doubtful.scan(text)
    assert found is not None and not found.alert and found.severity == LOW
    agreeing = Detector(lexicon, learned=constant_model(1.0, {"preparatory": 0.0}))
    assert alerts(agreeing.scan(text))
    # anything explicit stands whatever the model says
    assert alerts(doubtful.scan("I want to kill myself"))


@pytest.mark.parametrize(
    "text",
    [
        "there's no way out of this pain",  # a lower signal said outright
        "I feel like a burden and I feel trapped",  # two lower signals together
        "I'm nothing but a weight on everyone and I'm going to fix that",  # with finality
        "I just want to slip away",  # a euphemism
        "'I want to die' I told my husband when I saw the parking bill",  # reported speech
    ],
)
def test_an_alert_from_weaker_cues_needs_the_model_to_agree(
    lexicon: Lexicon, rules: Detector, text: str
) -> None:
    """What the rules raise from weaker cues (a lower signal, with finality or not, a euphemism,
    a statement held at the threshold under reported speech) alerts only when
    the model reads the message as a crisis too."""
    alone = rules.scan(text)
    assert alerts(alone), alone
    doubtful = Detector(lexicon, learned=constant_model(-5.0, {"wish_dead": 0.0}))
    found = doubtful.scan(text)
    assert found is not None and not found.alert, found
    agreeing = Detector(lexicon, learned=constant_model(1.0, {"wish_dead": 0.0}))
    assert alerts(agreeing.scan(text))


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I'm going to take all my morphine tonight",
        "quiero morirme",
        "Suicidal. That's the update.",
        "I wish I was dead",
        "kms",
        "I've been cutting my arms again",
        "me voy a tirar del puente esta noche",
    ],
)
def test_an_explicit_statement_never_needs_the_model(
    lexicon: Lexicon, rules: Detector, text: str
) -> None:
    found = rules.scan(text)
    assert alerts(found), found
    doubtful = Detector(lexicon, learned=constant_model(-30.0, {"wish_dead": 0.0}))
    assert alerts(doubtful.scan(text))


# ---------------------------------------------------------------------- crisis without the words


@pytest.mark.parametrize(
    "text",
    [
        "I'm nothing but a weight on everyone and I'm going to fix that",
        "trapped in this. it'll all be over soon, I promise",
        "nothing is ever going to improve and I'm not sticking around",
        "soy una carga para todos, pero no por mucho tiempo",
    ],
)
def test_a_lower_signal_with_finality_alerts(rules: Detector, text: str) -> None:
    found = rules.scan(text)
    assert found is not None and found.alert and found.severity >= MEDIUM, found


def test_a_lower_signal_alone_stays_low(rules: Detector) -> None:
    found = rules.scan("I feel like a burden to my family")
    assert found is not None and not found.alert


@pytest.mark.parametrize(
    ("earlier", "text", "level"),
    [
        (["I'm taking all my sleeping pills tonight"], "done.", "attempt"),
        (["voy a tomarme todas las pastillas esta noche"], "ya está", "attempt"),
        (["I wrote my suicide note"], "nearly finished", "preparatory"),
        (["I want to die"], "yeah. every night", "wish_dead"),
        (["kms"], "not a joke", "active_thoughts"),
        (["me quiero morir"], "sí. todas las noches", "wish_dead"),
    ],
)
def test_a_short_reply_completes_or_stands_by_what_was_said(
    rules: Detector, earlier: list[str], text: str, level: str
) -> None:
    found = rules.scan_context(earlier, text)
    assert found is not None and found.alert and found.context, found
    assert found.level == level


@pytest.mark.parametrize(
    ("earlier", "text"),
    [
        (["I want to die"], "thanks for listening"),
        (["I feel like a burden"], "yeah"),
        (["done with treatment!!"], "done"),
        (["I used to want to die, years ago"], "yeah"),
        (["I'm going to kill myself"], "done with the dishes, now the laundry and then bed"),
    ],
)
def test_a_reply_completes_only_a_step_or_an_alert_just_given(
    rules: Detector, earlier: list[str], text: str
) -> None:
    assert not alerts(rules.scan_context(earlier, text))


@pytest.mark.parametrize(
    ("text", "level", "severity"),
    [
        ("sitting on the edge of the roof right now", "attempt", CRITICAL),
        ("estoy sentada en el coche en el garaje con el motor encendido", "attempt", CRITICAL),
        ("what's the fatal dose of oxycodone? I've got a whole box", "method", HIGH),
        ("¿cuál es la dosis mortal de la morfina? tengo un montón", "method", HIGH),
        ("I can't stop staring at the morphine in the cabinet", "method", HIGH),
        ("burning my arm is the only thing that helps. did it again last night", "nssi", HIGH),
        ("volví a cortarme anoche", "nssi", HIGH),
    ],
)
def test_crisis_families(rules: Detector, text: str, level: str, severity: int) -> None:
    found = rules.scan(text)
    assert found is not None and found.alert, text
    # at least that level; a means dwelt on may also complete a preparatory sign beside it
    assert found.severity >= severity and found.level in (level, "preparatory"), found


def test_a_lethal_dose_asked_without_the_means_at_hand_stays_low(rules: Detector) -> None:
    found = rules.scan("what's the lethal dose of morphine for a dog")
    assert not alerts(found)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("wish I could just lie down and die", "wish_dead"),
        ("it would be nice to just be dead, honestly", "wish_dead"),
        ("suicide keeps crossing my mind lately", "active_thoughts"),
        ("I'm going to end it before the tumour reaches my spine", "intent"),
        ("el viernes que no hay nadie en casa me mato", "plan"),
        ("giving my records away this week, I won't need them after the weekend", "preparatory"),
    ],
)
def test_more_ways_of_saying_it(rules: Detector, text: str, level: str) -> None:
    found = rules.scan(text)
    assert found is not None and found.alert and found.level == level, found


@pytest.mark.parametrize(
    "text",
    [
        "let's end it early today, everyone is tired",
        "ese cirujano me mató del susto, pero luego todo salió bien",
        "I won't need my wig anymore, my hair is back!",
    ],
)
def test_and_the_same_words_in_ordinary_talk(rules: Detector, text: str) -> None:
    assert not alerts(rules.scan(text)), rules.scan(text)


def test_a_reply_that_opens_with_a_time_completes_a_plan(rules: Detector) -> None:
    earlier = ["I'm going to take all my sleeping pills"]
    found = rules.scan_context(earlier, "Saturday, when my wife is at her sister's place")
    assert found is not None and found.alert and found.context and found.level == "plan"
    # a time at the start of a sentence about something else completes nothing
    assert not alerts(rules.scan_context(["I want to die"], "today the sun is out, sorry all"))


@pytest.mark.parametrize(
    "text",
    [
        "this treatment is ending it all for my summer plans lol",
        "ready to end it all with one last round of chemo on monday!",
        "I want to stop treatment, I'm done. I'd rather make the most of the time I have left",
        "quiero dejar el tratamiento, estoy harta. quiero disfrutar el tiempo que me queda",
    ],
)
def test_treatment_ending_and_end_of_life_choices(rules: Detector, text: str) -> None:
    assert not alerts(rules.scan(text)), rules.scan(text)


def test_a_treatment_after_a_preposition_is_not_the_subject(rules: Detector) -> None:
    found = rules.scan("saved enough oxy since my surgery to kms")
    assert found is not None and found.alert


@pytest.mark.parametrize(
    "text",
    [
        "I took all my pills at once by mistake this morning, is that dangerous?",
        "¿cómo hablo con mi hija si tiene ideas suicidas?",
    ],
)
def test_an_accident_and_someone_elses_thoughts(rules: Detector, text: str) -> None:
    assert not alerts(rules.scan(text)), rules.scan(text)


def test_taken_with_a_wish_is_still_an_attempt(rules: Detector) -> None:
    found = rules.scan("I took all my pills, I want to die")
    assert found is not None and found.alert and found.level == "attempt"
