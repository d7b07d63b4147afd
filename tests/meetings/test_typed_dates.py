"""Dates and times typed by people (typed_dates.py), and the words put into its refusals.

Pure functions, so plain tests: no loopback Discord needed.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import UserError
from cogs.meetings.recurrence import Repeat, Term, rrule_for, translate_terms
from cogs.meetings.typed_dates import parse_until, parse_when
from cogs.meetings.zones import to_utc

NEW_YORK = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Monday 2026-11-23 14:00 in New York.
NOW = utc(2026, 11, 23, 19)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 18:00", datetime(2026, 12, 1, 18, 0)),
        ("2026-12-01 6pm", datetime(2026, 12, 1, 18, 0)),
        ("2026/12/01 18:00", datetime(2026, 12, 1, 18, 0)),
        ("tomorrow 6pm", datetime(2026, 11, 24, 18, 0)),
        ("6 p.m. tomorrow", datetime(2026, 11, 24, 18, 0)),
        ("today 18:30", datetime(2026, 11, 23, 18, 30)),
        ("tonight 7:15pm", datetime(2026, 11, 23, 19, 15)),
        ("Dec 3 12:00", datetime(2026, 12, 3, 12, 0)),
        ("3 December 12pm", datetime(2026, 12, 3, 12, 0)),
        ("December 3rd at 6:30pm", datetime(2026, 12, 3, 18, 30)),
        ("Dec 3 noon", datetime(2026, 12, 3, 12, 0)),
        ("Thursday Dec 3 6pm", datetime(2026, 12, 3, 18, 0)),  # the day name agrees
        ("Dec 3rd 6pm", datetime(2026, 12, 3, 18, 0)),
        ("12:00 Dec 3", datetime(2026, 12, 3, 12, 0)),
        ("dec 3, 2026 at 6 pm", datetime(2026, 12, 3, 18, 0)),
        ("2026-12-01T18:00", datetime(2026, 12, 1, 18, 0)),
        ("tomorrow at noon", datetime(2026, 11, 24, 12, 0)),
        ("6pm today", datetime(2026, 11, 23, 18, 0)),
        ("this friday 5pm", datetime(2026, 11, 27, 17, 0)),
        ("Dec 3 06:30", datetime(2026, 12, 3, 6, 30)),  # a leading zero: a 24-hour clock
        ("Dec 3 10:30", datetime(2026, 12, 3, 10, 30)),
        ("Thu, Dec 3 at 6pm", datetime(2026, 12, 3, 18, 0)),
        ("next monday 12:00", datetime(2026, 11, 30, 12, 0)),  # today is Monday: next week's
        ("tuesday 7pm", datetime(2026, 11, 24, 19, 0)),
        ("Tue 7pm", datetime(2026, 11, 24, 19, 0)),
        ("monday 3pm", datetime(2026, 11, 23, 15, 0)),  # today, still ahead
        ("monday 1pm", datetime(2026, 11, 30, 13, 0)),  # today's has passed: next week
        ("next monday 3pm", datetime(2026, 11, 30, 15, 0)),  # "next" never means today
        ("6pm", datetime(2026, 11, 23, 18, 0)),  # a bare time: today if still ahead
        ("9am", datetime(2026, 11, 24, 9, 0)),  # ... else tomorrow
        ("18.30", datetime(2026, 11, 23, 18, 30)),
        ("6.30pm tomorrow", datetime(2026, 11, 24, 18, 30)),
        ("Jan 5 12:00", datetime(2027, 1, 5, 12, 0)),  # no year: the next January 5
        ("Feb 29 2028 12:00", datetime(2028, 2, 29, 12, 0)),
        ("May 20 6pm", datetime(2027, 5, 20, 18, 0)),  # within six months: no year needed
        # The examples of the issue, and 24-hour times typed without a colon.
        ("tomorrow 18:00", datetime(2026, 11, 24, 18, 0)),
        ("tomorrow 1800", datetime(2026, 11, 24, 18, 0)),
        ("tomorrow 0630", datetime(2026, 11, 24, 6, 30)),
        ("tomorrow at 18", datetime(2026, 11, 24, 18, 0)),
        ("tomorrow 12", datetime(2026, 11, 24, 12, 0)),  # noon, as on a clock
        ("wed 1800", datetime(2026, 11, 25, 18, 0)),
        ("Dec 3 1800", datetime(2026, 12, 3, 18, 0)),
        ("Dec 3 2027 1800", datetime(2027, 12, 3, 18, 0)),
        ("2026-12-01 1800", datetime(2026, 12, 1, 18, 0)),
        ("2026 12 01 6pm", datetime(2026, 12, 1, 18, 0)),  # year first: the month is clear
        ("tomorrow 630pm", datetime(2026, 11, 24, 18, 30)),
        ("Dec 3 1230pm", datetime(2026, 12, 3, 12, 30)),
        ("  2026-12-01   18:00 ", datetime(2026, 12, 1, 18, 0)),
    ],
)
def test_parse_when_accepts(text: str, expected: datetime) -> None:
    assert parse_when(text, NEW_YORK, NOW) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-11-20 18:00", "already passed"),
        ("today 9am", "already passed"),
        ("2029-01-01 18:00", "more than 2 years"),
        ("12/1 18:00", "different days in different countries"),
        ("12/3 6:30pm", "different days in different countries"),
        ("12 3 6pm", "different days in different countries"),
        ("3 12 2027 6pm", "different days in different countries"),
        # Morning or evening? Asked, not guessed.
        ("tomorrow 6:30", "Is 6:30 in the morning or in the evening? Please write 6:30am"),
        ("Dec 3 6:30", "or 18:30 on a 24-hour clock"),
        ("tomorrow 6", "Is that 6 in the morning or in the evening? Please write 6am or 6pm"),
        ("tomorrow 630", "Is 6:30 in the morning"),
        ("tomorrow 12am", "12am is easy to misread"),
        # A two-digit number after a date: a year or a time?
        ("Dec 3 6", "a year or a time"),
        ("Dec 3 at 7", "a year or a time"),
        # Said on a Monday, "next Tuesday" is tomorrow to some and in 8 days to others.
        ("next tuesday 12pm", "can mean 2026-11-24 or 2026-12-01"),
        ("next friday 3pm", "like 2026-11-27 15:00"),
        # A date without a year that has just passed is a slip, not a session next year.
        ("Nov 20 6pm", "would be 2027-11-20, a long way off"),
        ("Feb 29 12:00", "like 2028-02-29 12:00"),
        ("1/12/2027 18:00", "different days in different countries"),
        ("01.12.2027 18:00", "different days in different countries"),
        ("6.30", "with a colon"),
        ("purple monkey", "couldn't read"),
        ("tomorrow 6pm-7pm", "couldn't read"),
        ("Dec 3 25:00", "couldn't read"),
        ("", "Please give a date and a time"),
        ("tomorrow 6pm " + "x" * 200, "Please give a date and a time"),
        ("tomorrow", "time of day"),
        ("today 1pm", "(2026-11-23 13:00) has already passed"),
        ("Nov 23 1pm", "a long way off"),
        ("Dec 3", "time of day"),
        ("2026-12-01", "time of day"),
        ("December 6pm", "month and the day"),
        ("Dec 3 tuesday 6pm", "2026-12-03 is a Thursday, not a Tuesday"),
        ("tomorrow Dec 3 6pm", "either a day name or a date"),
        ("midnight", "Midnight"),
        # Two days in one text: neither is dropped in silence.
        ("tomorrow friday 6pm", "couldn't read"),
        ("thursday 6pm friday", "couldn't read"),
        ("12:00 thursday am", "12am is easy to misread"),  # a day word between them
        ("tomorrow 23 am", "couldn't read"),
        ("2026-12-01 18:00 EST", "No need to add a time zone"),
        ("12:00 ET tomorrow", "No need to add a time zone"),
        ("2026-12-01 18:00 +05:00", "No need to add a time zone"),
        ("2026-12-01T18:00Z", "No need to add a time zone"),
        ("2026-12-01 18:00 UTC", "No need to add a time zone"),
        ("tomorrow 6pm pacific", "No need to add a time zone"),
    ],
)
def test_parse_when_refuses_kindly(text: str, says: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_when(text, NEW_YORK, NOW)
    error = raised.value
    shown = error.message.format(**error.params)
    assert says in shown
    assert "{" not in shown  # every placeholder filled


def test_parse_when_reads_back_what_it_is_shown() -> None:
    """Any future time written as ISO or with the month's name reads back as itself."""
    rng = random.Random(12)
    for _ in range(200):
        local = datetime(2026, 11, 24) + timedelta(minutes=15 * rng.randint(0, 4 * 24 * 700))
        for text in (local.strftime("%Y-%m-%d %H:%M"), local.strftime("%b %d %Y %I:%M%p")):
            assert parse_when(text, NEW_YORK, NOW) == local, text


def test_time_zone_refusal_names_the_groups_zone() -> None:
    with pytest.raises(UserError) as raised:
        parse_when("tomorrow 6pm EST", "Europe/London", NOW)
    assert "Europe/London" in raised.value.message.format(**raised.value.params)


def test_tomorrow_is_the_groups_tomorrow_around_its_local_midnight() -> None:
    # Pacific/Kiritimati is UTC+14: its midnight is 10:00Z, the day before in UTC.
    zone = "Pacific/Kiritimati"
    before_midnight = utc(2027, 1, 10, 9, 59)  # 23:59 on Jan 10 there (still Jan 10 in UTC)
    after_midnight = utc(2027, 1, 10, 10, 1)  # 00:01 on Jan 11 there (still Jan 10 in UTC)
    assert parse_when("tomorrow 6pm", zone, before_midnight) == datetime(2027, 1, 11, 18, 0)
    assert parse_when("tomorrow 6pm", zone, after_midnight) == datetime(2027, 1, 12, 18, 0)
    # And west of UTC (UTC-10): local midnight is 10:00Z the next UTC day.
    honolulu = "Pacific/Honolulu"
    assert parse_when("tomorrow 6pm", honolulu, utc(2027, 1, 11, 9, 59)) == datetime(
        2027, 1, 11, 18
    )
    assert parse_when("tomorrow 6pm", honolulu, utc(2027, 1, 11, 10, 1)) == datetime(
        2027, 1, 12, 18
    )


def test_a_typed_time_in_the_gap_is_returned_as_typed_for_the_preview_to_explain() -> None:
    local = parse_when("2027-03-14 2:30am", NEW_YORK, NOW)
    assert local == datetime(2027, 3, 14, 2, 30)
    assert to_utc(local, NEW_YORK)[1] == "gap"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-06-30", date(2027, 6, 30)),
        ("Jun 30", date(2027, 6, 30)),
        ("30 June 2027", date(2027, 6, 30)),
        ("Nov 23", date(2026, 11, 23)),  # today counts
        ("tomorrow", date(2026, 11, 24)),
    ],
)
def test_parse_until_accepts(text: str, expected: date) -> None:
    assert parse_until(text, NEW_YORK, NOW) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-11-01", "already passed"),
        ("6/30", "different days"),
        ("2027-06-30 18:00", "just the date"),
        ("whenever", "couldn't read"),
        ("2040-01-01", "10 years"),
    ],
)
def test_parse_until_refuses(text: str, says: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_until(text, NEW_YORK, NOW)
    assert says in raised.value.message.format(**raised.value.params)


def shouting(message: str, /, **params: object) -> str:
    """A stand-in translator: every msgid it translates comes back in capitals."""
    return message.upper().format(**params) if params else message.upper()


@pytest.mark.parametrize(
    ("raise_it", "english", "translated"),
    [
        (
            lambda: rrule_for(Repeat("monthly_nth", nth=2), datetime(2027, 3, 3, 18)),
            "2027-03-03 is not the second Wednesday of its month",
            "2027-03-03 is not the SECOND WEDNESDAY of its month",
        ),
        (
            lambda: parse_when("Dec 3 tuesday 6pm", NEW_YORK, NOW),
            "2026-12-03 is a Thursday, not a Tuesday",
            "2026-12-03 is a THURSDAY, not a TUESDAY",
        ),
        (
            lambda: parse_when("next friday 3pm", NEW_YORK, NOW),
            "“Next Friday” can mean",
            "“Next FRIDAY” can mean",
        ),
    ],
)
def test_words_put_into_a_sentence_are_translated_with_it(
    raise_it: object, english: str, translated: str
) -> None:
    """Weekdays and ordinals inside an error are msgids (Term), so the reader's translator
    turns them into their language, not only the sentence around them."""
    with pytest.raises(UserError) as raised:
        raise_it()  # type: ignore[operator]
    error = raised.value
    assert english in error.message.format(**error.params)
    assert any(isinstance(value, Term) for value in error.params.values())
    localized = translate_terms(error.params, shouting)
    assert translated in error.message.format(**localized)
    # Everything else is left as it was (dates, numbers, the zone).
    assert {k: v for k, v in localized.items() if not isinstance(error.params[k], Term)} == {
        k: v for k, v in error.params.items() if not isinstance(v, Term)
    }


def test_examples_in_refusals_are_dates_still_ahead() -> None:
    later = utc(2027, 6, 1, 12)
    with pytest.raises(UserError) as raised:
        parse_when("purple monkey", NEW_YORK, later)
    shown = raised.value.message.format(**raised.value.params)
    assert "2027-06-11 18:00" in shown and "Jun 21 12:00" in shown
    # And each example reads back as a future time.
    for example in raised.value.params["examples"].split(", "):
        assert to_utc(parse_when(example, NEW_YORK, later), NEW_YORK)[0] > later
