"""bot/kit/durations.py: one reader for every length of time people type. It accepts every form
the three readers it replaces accepted (timeouts, poll closing times, meeting reminders)."""

from __future__ import annotations

import pytest

from bot.kit.durations import (
    DAY,
    HOUR,
    MINUTE,
    OUT_OF_RANGE,
    UNREADABLE,
    WEEK,
    DurationError,
    describe,
    parse_duration,
    parse_durations,
)

LOW, HIGH = 1, 400 * DAY


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        # what /timeout and /poll create accepted
        ("10m", 10 * MINUTE),
        ("1h", HOUR),
        ("12h", 12 * HOUR),
        ("3d", 3 * DAY),
        ("1w", WEEK),
        ("1d 12h", DAY + 12 * HOUR),
        ("1d12h", DAY + 12 * HOUR),
        ("1d, 12h", DAY + 12 * HOUR),
        ("1 day and 12 hours", DAY + 12 * HOUR),
        ("2 weeks", 2 * WEEK),
        ("90 mins", 90 * MINUTE),
        ("3 HRS", 3 * HOUR),
        ("  7D ", 7 * DAY),
        # what meeting reminders accepted, besides
        ("24 h", 24 * HOUR),
        ("1.5h", 90 * MINUTE),
        ("0.5d", 12 * HOUR),
    ],
)
def test_forms_people_type(text: str, seconds: int) -> None:
    assert parse_duration(text, minimum=LOW, maximum=HIGH) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10", "10 parsecs", "1h later", "-5m", "h", "1x"])
def test_what_is_not_a_length_of_time(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text, minimum=LOW, maximum=HIGH)
    assert caught.value.message == UNREADABLE
    assert caught.value.params["value"] == text.strip()


def test_a_bare_number_takes_the_callers_unit() -> None:
    assert parse_duration("90", minimum=1, maximum=DAY, bare_unit="m") == 90 * MINUTE
    assert parse_duration("2.5", minimum=1, maximum=DAY, bare_unit="h") == 150 * MINUTE
    with pytest.raises(ValueError, match="unknown unit"):
        parse_duration("90", minimum=1, maximum=DAY, bare_unit="s")


def test_the_range_is_the_callers_with_its_own_words() -> None:
    own = "A timeout lasts from one minute to 28 days (Discord's limit). Please pick a time."
    assert parse_duration("28d", minimum=MINUTE, maximum=28 * DAY, out_of_range=own) == 28 * DAY
    with pytest.raises(DurationError) as caught:
        parse_duration("29d", minimum=MINUTE, maximum=28 * DAY, out_of_range=own)
    assert caught.value.message == own
    with pytest.raises(DurationError) as caught:
        parse_duration("5m", minimum=10 * MINUTE, maximum=30 * DAY)
    assert caught.value.message == OUT_OF_RANGE
    assert (caught.value.params["low"], caught.value.params["high"]) == ("10m", "30d")


def test_words_for_the_range() -> None:
    assert [describe(s) for s in (60, 3600, 90 * 60, DAY + 12 * HOUR, 28 * DAY, 30)] == [
        "1m",
        "1h",
        "1h 30m",
        "1d 12h",
        "28d",
        "30s",
    ]


def test_a_list_of_reminder_times() -> None:
    read = parse_durations("24h, 1h; 90", minimum=5 * MINUTE, maximum=WEEK, bare_unit="m")
    assert read == [24 * HOUR, HOUR, 90 * MINUTE]
    assert parse_durations(" , ", minimum=1, maximum=WEEK) == []
    mine = "I couldn't read “{text}” as reminder times. Try something like: 24h, 1h"
    with pytest.raises(DurationError) as caught:
        parse_durations("24h, soon", minimum=1, maximum=WEEK, unreadable=mine)
    assert caught.value.message == mine
    assert caught.value.params["text"] == "24h, soon"  # the whole text, as meetings quoted it
