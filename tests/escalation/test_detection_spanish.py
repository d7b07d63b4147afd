"""Spanish, whatever the server's language: accents optional, chat spellings, the pronoun
before the verb, and the everyday Spanish of a cancer community."""

from __future__ import annotations

import pytest

from cogs.escalation.detection import CRITICAL, LOW, Detector, Lexicon


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load())


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("quiero morirme", "wish_dead"),
        ("me quiero morir", "wish_dead"),
        ("no quiero vivir más", "wish_dead"),
        ("ya no quiero seguir viviendo", "wish_dead"),
        ("ojalá no despertara mañana", "wish_dead"),
        ("ojala no despertara", "wish_dead"),  # accents optional
        ("estarían mejor sin mí", "wish_dead"),
        ("ojalá el cáncer me lleve ya", "wish_dead"),
        ("me quiero matar", "active_thoughts"),
        ("pienso en suicidarme", "active_thoughts"),
        ("q ganas de matarme", "active_thoughts"),  # q = que
        ("kiero suicidarme", "active_thoughts"),
        ("pienso en tirarme del puente", "method"),
        ("¿cuántas pastillas hacen falta para no despertar?", "method"),
        ("me voy a matar", "intent"),
        ("voy a suicidarme", "intent"),
        ("me voy a tirar del puente esta noche", "plan"),
        ("esta noche me voy a tomar todas las pastillas", "plan"),
        ("tengo un plan para matarme", "plan"),
        ("llevo semanas guardando pastillas", "preparatory"),
        ("ya escribí mi nota de suicidio", "preparatory"),
        ("me tomé todas las pastillas", "attempt"),
        ("me tomé el bote entero", "attempt"),
        ("intenté suicidarme anoche", "attempt"),
        ("he vuelto a cortarme", "nssi"),
    ],
)
def test_spanish_levels(detector: Detector, text: str, level: str) -> None:
    detection = detector.scan(text)
    assert detection is not None and detection.alert, text
    assert detection.level == level, (text, detection)
    assert detection.lang == "es"


def test_spanish_in_an_english_message(detector: Detector) -> None:
    detection = detector.scan("sorry for my English, no puedo más, quiero morirme")
    assert detection is not None and detection.alert and detection.level == "wish_dead"


@pytest.mark.parametrize(
    "text",
    [
        "me muero de ganas de verte",
        "me muero de sueño después de la quimio",
        "estamos matando el tiempo en la sala de espera",
        "esta quimio me está matando",
        "no me quiero morir, quiero ver crecer a mis hijos",
        "mi madre quiere morir en casa, tranquila",
        "me corté el pelo antes de que se cayera",
        "me corté cocinando",
        "me voy a tirar en el sofá toda la tarde",
        "mañana tenemos reunión con el equipo de cuidados paliativos",
        "hemos hecho el testamento vital",
        "tomo oxicodona para el dolor",
        "me tomé todas las pastillas de la mañana y salí a pasear",
        "vamos a dejar la quimio unas semanas por las defensas",
        "gracias por todo, os quiero, nos vemos el jueves",
        "leí que el riesgo de suicidio sube tras el diagnóstico",
        "quiero matar a este cáncer",
    ],
)
def test_everyday_spanish_does_not_alarm(detector: Detector, text: str) -> None:
    detection = detector.scan(text)
    assert detection is None or not detection.alert, (text, detection)


def test_spanish_lower_signals(detector: Detector) -> None:
    alone = detector.scan("no puedo más")
    assert alone is not None and (alone.level, alone.severity) == ("entrapment", LOW)
    both = detector.scan("soy una carga para todos y no hay salida")
    assert both is not None and both.alert
    prep = detector.scan("estoy regalando mis cosas. no aguanto más")
    assert prep is not None and (prep.level, prep.severity) == ("preparatory", CRITICAL)
