"""The learned second signal (issue 16): a small linear model shipped in the package, read beside
the rules. It speaks only where the rules found nothing (that silence becomes an alert at the
level it names); whatever the rules found stands, never lowered or silenced; its cue names it, and
the moderators see that cue in the alert.

The combination is tested with small models built here (one that never fires, one that always
does), so those tests hold whatever the shipped weights are; the shipped model is tested for
loading from the package, determinism, and catching one indirect message the rules miss. Its
speed is measured by benchmarks/distress_eval.py, not here."""

from __future__ import annotations

import fnmatch
import json
import struct
import tomllib
from array import array
from pathlib import Path

import pytest

from cogs.escalation.detection import (
    CRITICAL,
    Detection,
    Detector,
    LearnedModel,
    Lexicon,
)
from cogs.escalation.detection.learned import MAGIC, WEIGHTS, bucket
from tests.escalation.conftest import Community
from tests.escalation.helpers import assert_nothing_public, field

ROOT = Path(__file__).resolve().parents[2]

# An indirect message (preparatory behaviour: letters, the dog given away, a day after which
# nothing matters; no word of dying): the rules find nothing in it, the shipped model finds an
# alert. Not a line of the training data.
INDIRECT = (
    "I've written the kids their letters and my sister is taking the dog. "
    "After Friday none of it will matter."
)
# Earlier words that make the same kind of message an alert only when read together.
EARLIER = "I'm so tired of all of it."
# (Until the model learnt from the Reddit C-SSRS set, this read "... I'm at peace with it now.":
# with that sudden calm the model now alerts on it alone, as the warning signs say it should.)
LATER = "Wrote the kids a letter each and sorted out who gets the dog."


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


@pytest.fixture(scope="module")
def rules(lexicon: Lexicon) -> Detector:
    return Detector(lexicon, learned=None)


def constant_model(
    probability_logit: float, levels: dict[str, float], *, threshold: float = 0.5
) -> LearnedModel:
    """A model whose every answer is the same: all weights zero, the bias sets the probability
    and the level biases the level it names."""
    size = 8
    return LearnedModel(
        size=size,
        weights=array("h", [0] * size),
        scale=1.0,
        bias=probability_logit,
        threshold=threshold,
        levels=tuple(levels),
        level_size=size,
        level_weights=[array("h", [0] * size) for _ in levels],
        level_bias=tuple(levels.values()),
    )


def alerted(found: Detection | None) -> bool:
    return found is not None and found.alert


def same(a: Detection | None, b: Detection | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.severity, a.level, a.category, a.cue, a.modifiers) == (
        b.severity,
        b.level,
        b.category,
        b.cue,
        b.modifiers,
    )


# ---------------------------------------------------------------------------- the shipped model


def test_the_model_ships_in_the_package_and_loads_from_it() -> None:
    package = ROOT / "cogs"
    assert WEIGHTS.is_relative_to(package)
    assert WEIGHTS.exists()
    relative = WEIGHTS.relative_to(package).as_posix()
    with (ROOT / "pyproject.toml").open("rb") as file:
        globs = tomllib.load(file)["tool"]["setuptools"]["package-data"]["cogs"]
    assert any(fnmatch.fnmatch(relative, g) for g in globs), "not in the installed package"

    model = LearnedModel.load()
    assert 0.0 < model.threshold < 1.0
    assert "preparatory" in model.levels and "wish_dead" in model.levels
    assert model.meta.get("trained_on"), "the weights file says what it was trained on"
    assert "distress_eval" not in str(model.meta)
    # its word classes come with it, in both languages
    assert "MEANS" in model.classes["morphine"] and "MEANS" in model.classes["morfina"]


def test_a_weights_file_of_other_features_is_refused(tmp_path: Path) -> None:
    """Weights trained on another feature set would score nonsense: loading says so instead."""
    header = json.dumps({"features": 1, "size": 8, "scale": 1.0, "bias": 0.0, "threshold": 0.5})
    old = tmp_path / "weights.bin"
    old.write_bytes(MAGIC + struct.pack("<I", len(header)) + header.encode() + bytes(16))
    with pytest.raises(ValueError, match="retrain"):
        LearnedModel.load(old)


def test_a_pair_of_classes_in_a_message_is_a_feature_of_its_own() -> None:
    """Means and a time in one message weigh what neither weighs alone."""
    size = 1 << 12
    weights = array("h", [0] * size)
    weights[bucket("kk:MEANS&TIME", size)] = 1000
    model = LearnedModel(
        size=size,
        weights=weights,
        scale=0.01,
        bias=-5.0,
        threshold=0.5,
        classes={"MEANS": ["pills", "pastillas"], "TIME": ["tonight", "hoy"]},
    )
    quiet = model.probability("nothing of the kind here")
    assert model.probability("all the pills today, then") == quiet
    assert model.probability("a quiet night tonight, then") == quiet
    assert model.probability("all the pills tonight, then") > quiet
    assert model.probability("todas las pastillas hoy") > quiet


def test_the_model_is_deterministic() -> None:
    first, second = LearnedModel.load(), LearnedModel.load()
    texts = [
        INDIRECT,
        "Ya no tiene sentido seguir, les dejé una carta a mis hijos",
        "this chemo is killing me",
        "",
    ]
    for text in texts:
        a, b = first.signal(text), second.signal(text)
        assert a == b
        assert first.signal(text) == a  # and again, from the word cache
        assert 0.0 <= a.probability <= 1.0


def test_the_shipped_model_catches_an_indirect_message_the_rules_miss(
    lexicon: Lexicon, rules: Detector
) -> None:
    assert rules.scan(INDIRECT) is None, "the rules now find something: pick another message"
    found = Detector(lexicon).scan(INDIRECT)
    assert found is not None and found.alert
    assert found.cue.startswith("learned signal 0.")
    assert [m.phrase.source for m in found.matches][-1] == "learned"
    signal = LearnedModel.load().signal(INDIRECT)
    assert signal.terms and all(term in found.cue for term in signal.terms)


def test_ordinary_cancer_talk_stays_quiet_with_the_model(lexicon: Lexicon) -> None:
    detector = Detector(lexicon)
    for text in (
        "this chemo is killing me",
        "Mom moved to hospice today",
        "I'm dying to see my grandson this weekend",
        "We signed the DNR and the living will with the palliative team",
        "Me muero de sueño después de la quimio",
    ):
        assert not alerted(detector.scan(text)), text


# ---------------------------------------------------------------------------- the combination


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to take all my morphine tonight",
        "I want to kill myself",
        "quiero morirme",
        "I wish I was dead",
    ],
)
def test_a_silent_model_never_silences_a_rule_hit(
    lexicon: Lexicon, rules: Detector, text: str
) -> None:
    silent = Detector(lexicon, learned=constant_model(-30.0, {"wish_dead": 0.0}))
    expected = rules.scan(text)
    assert alerted(expected)
    assert same(silent.scan(text), expected)


@pytest.mark.parametrize(
    "text",
    ["I'm going to take all my morphine tonight", "I wish I was dead", "quiero morirme"],
)
def test_a_loud_model_never_changes_a_rule_hit(
    lexicon: Lexicon, rules: Detector, text: str
) -> None:
    """Neither lower (it names a lower level) nor higher (it names attempt): the rules' level,
    severity and cue stand."""
    expected = rules.scan(text)
    assert alerted(expected)
    for levels in ({"wish_dead": 9.0, "attempt": 0.0}, {"wish_dead": 0.0, "attempt": 9.0}):
        loud = Detector(lexicon, learned=constant_model(30.0, levels))
        assert same(loud.scan(text), expected)


def test_the_model_turns_no_alert_into_an_alert_at_its_level(
    lexicon: Lexicon, rules: Detector
) -> None:
    text = "rough day at the clinic"
    assert not alerted(rules.scan(text))
    loud = Detector(lexicon, learned=constant_model(30.0, {"preparatory": 2.0, "nssi": 0.0}))
    found = loud.scan(text)
    assert found is not None and found.alert
    assert (found.level, found.severity, found.category) == (
        "preparatory",
        CRITICAL,
        "intent_or_plan",
    )
    assert found.cue.startswith("learned signal 1.00")
    below = Detector(lexicon, learned=constant_model(-30.0, {"preparatory": 2.0}))
    assert below.scan(text) is None


def test_what_the_rules_kept_below_their_threshold_stays_there(
    lexicon: Lexicon, rules: Detector
) -> None:
    """A negation, reported speech, preparatory signs without distress, a lower signal alone:
    the rules decided, and a bag of words does not overrule them."""
    loud = Detector(lexicon, learned=constant_model(30.0, {"active_thoughts": 0.0}))
    for text in (
        "I'm not suicidal, just exhausted",
        "My friend said she wanted to die",
        "I've been giving away my things",
        "I can't do this anymore",
    ):
        expected = rules.scan(text)
        assert expected is not None and not expected.alert, text
        assert same(loud.scan(text), expected), text


def test_earlier_messages_read_together_raise_only_what_the_last_one_adds(
    lexicon: Lexicon, rules: Detector
) -> None:
    model = LearnedModel.load()
    detector = Detector(lexicon)
    assert rules.scan_context([EARLIER], LATER) is None
    assert model.signal(LATER).level == ""  # alone: below the threshold
    together = model.signal_context([EARLIER], LATER)
    assert together.context and together.probability >= model.threshold
    found = detector.scan_context([EARLIER], LATER)
    assert found is not None and found.alert and found.context
    assert found.cue.startswith("learned signal 0.")
    # after a message the model already alerted on, a thank-you is read alone: nothing new
    thanks = model.signal_context([INDIRECT], "ok thanks everyone, really")
    assert not thanks.context and thanks.level == ""
    assert not alerted(detector.scan_context([INDIRECT], "ok thanks everyone, really"))


def test_too_few_words_are_left_to_the_rules(lexicon: Lexicon, rules: Detector) -> None:
    loud = Detector(lexicon, learned=constant_model(30.0, {"method": 0.0}))
    for short, longer in (("the bridge", "the bridge was busy"), ("el puente", "el puente de hoy")):
        assert rules.scan(short) is None and rules.scan(longer) is None
        assert loud.scan(short) is None
        assert alerted(loud.scan(longer))


# ---------------------------------------------------------------------------- through the bot


async def test_the_moderators_see_the_learned_signal_in_the_alert(community: Community) -> None:
    c, member = community, community.server.member
    await c.fake.send_message(member, c.group_channel, INDIRECT)
    [alert] = await c.wait_for_alerts(1)
    await c.settle()
    why = field(alert, "Why")
    assert "learned signal 0." in why
    terms = LearnedModel.load().signal(INDIRECT).terms
    assert terms and all(term in why for term in terms)
    assert "written the kids their letters" in field(alert, "What they wrote")
    assert len(c.dms(member)) == 1  # the member got the resources privately
    assert_nothing_public(c)
