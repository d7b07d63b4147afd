"""Dates and times typed in Spanish (typed_dates_es.py, read through typed_dates.py): the forms
Spanish speakers write, the same refusals as in English, and never a session at another time.

Pure functions, so plain tests: no loopback Discord needed (test_typed_dates_schedule.py drives
/meeting schedule).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest

from bot.errors import UserError
from cogs.meetings.recurrence import Term, translate_terms
from cogs.meetings.typed_dates import parse_until, parse_when
from cogs.meetings.zones import to_utc

MADRID = "Europe/Madrid"
# Monday 2026-12-07 10:00 in Madrid.
NOW = to_utc(datetime(2026, 12, 7, 10), MADRID)[0]


def shown(text: str, zone: str = MADRID, now: datetime = NOW) -> str:
    with pytest.raises(UserError) as raised:
        parse_when(text, zone, now)
    error = raised.value
    message = error.message.format(**error.params)
    assert "{" not in message  # every placeholder filled
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mañana 18:00", datetime(2026, 12, 8, 18)),
        ("Manana a las 19 h", datetime(2026, 12, 8, 19)),
        ("mañana 18 hs", datetime(2026, 12, 8, 18)),
        ("mañana 18 horas", datetime(2026, 12, 8, 18)),
        ("mañana 6h30", datetime(2026, 12, 8, 6, 30)),  # the h: a 24-hour clock
        ("mañana 9:00 h", datetime(2026, 12, 8, 9)),
        ("mañana 7 pm", datetime(2026, 12, 8, 19)),
        ("mañana 17.30", datetime(2026, 12, 8, 17, 30)),
        ("pasado mañana al mediodía", datetime(2026, 12, 9, 12)),
        ("hoy a las 8 de la noche", datetime(2026, 12, 7, 20)),
        ("esta tarde a las 5", datetime(2026, 12, 7, 17)),
        ("esta noche a las nueve y media", datetime(2026, 12, 7, 21, 30)),
        ("mañana por la mañana a las 9", datetime(2026, 12, 8, 9)),
        ("mañana a las 7 de la mañana", datetime(2026, 12, 8, 7)),
        ("mañana a la una y media de la tarde", datetime(2026, 12, 8, 13, 30)),
        ("mañana a las 7 menos cuarto de la tarde", datetime(2026, 12, 8, 18, 45)),
        ("mañana a las 2 del mediodía", datetime(2026, 12, 8, 14)),
        ("el viernes a las 10 del día", datetime(2026, 12, 11, 10)),
        ("martes 12:00", datetime(2026, 12, 8, 12)),
        ("el martes a las 10 h", datetime(2026, 12, 8, 10)),
        ("MIERCOLES 19:30", datetime(2026, 12, 9, 19, 30)),
        ("este jueves a las 4 de la tarde", datetime(2026, 12, 10, 16)),
        ("jue 10 dic 18:00", datetime(2026, 12, 10, 18)),
        ("a las 18:00 del jueves", datetime(2026, 12, 10, 18)),
        ("sábado 11 hs", datetime(2026, 12, 12, 11)),
        ("el próximo lunes 18:00", datetime(2026, 12, 14, 18)),  # today is Monday: next week's
        ("el lunes que viene a las 18:00", datetime(2026, 12, 14, 18)),
        ("el martes de la semana que viene a las 18:00", datetime(2026, 12, 15, 18)),
        ("la próxima semana, el miércoles a las 19 h", datetime(2026, 12, 16, 19)),
        ("10 dic 18:00", datetime(2026, 12, 10, 18)),
        ("10 Dic. 18:00", datetime(2026, 12, 10, 18)),
        ("el 10 de diciembre a las 18", datetime(2026, 12, 10, 18)),
        ("el día 10 de diciembre a las 6 de la tarde", datetime(2026, 12, 10, 18)),
        ("jueves 10 de diciembre 18:00", datetime(2026, 12, 10, 18)),
        ("el próximo 15 de enero a las 19:00", datetime(2027, 1, 15, 19)),
        ("1º de enero de 2027 a las 18:00", datetime(2027, 1, 1, 18)),
        ("el primero de enero a las 18:00", datetime(2027, 1, 1, 18)),
        ("22 sept. 2027 18:00", datetime(2027, 9, 22, 18)),
        ("22 set. 2027 18:00", datetime(2027, 9, 22, 18)),
        ("22 de setiembre de 2027 a las 18 hs", datetime(2027, 9, 22, 18)),
        ("3 de diciembre de 2027, 6 de la tarde", datetime(2027, 12, 3, 18)),
        ("diciembre 10 18:00", datetime(2026, 12, 10, 18)),
        ("el 2026-12-10 a las 18:00", datetime(2026, 12, 10, 18)),
        ("para mañana a las 20:00", datetime(2026, 12, 8, 20)),
    ],
)
def test_spanish_is_read(text: str, expected: datetime) -> None:
    assert parse_when(text, MADRID, NOW) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # Morning or evening? Asked, as in English, with the two readings to copy.
        (
            "mañana a las 6",
            "Is that 6 in the morning or in the evening? Please write 06:00 or 18:00",
        ),
        ("el martes a las once", "Please write 11:00 or 23:00"),
        ("mañana a la una menos cuarto", "Is that 12:45 in the morning"),
        ("mañana 6:30", "Is 6:30 in the morning or in the evening?"),
        ("mañana a las 7 y media", "Is 7:30 in the morning or in the evening?"),
        ("mañana a medianoche", "'Midnight' is easy to misread"),
        ("mañana a las 12 de la noche", "'Midnight' is easy to misread"),
        # "Next Tuesday" said on a Monday: tomorrow or in 8 days.
        ("el próximo martes 18:00", "“Next Tuesday” can mean 2026-12-08 or 2026-12-15"),
        ("el martes que viene 18:00", "“Next Tuesday” can mean"),
        ("próximo jueves 17 hs", "like 2026-12-10 17:00"),
        # Weeks start on Monday in Spain and on Sunday in much of Latin America.
        ("el domingo de la semana que viene a las 18:00", "can mean 2026-12-13 or 2026-12-20"),
        # A date without a year that has just passed, numeric dates, the past.
        ("3 dic 12:00", "would be 2027-12-03, a long way off"),
        ("10/12 18:00", "different days in different countries"),
        ("el 10/12 a las 18 hs", "different days in different countries"),
        ("ayer 18:00", "(2026-12-06 18:00) has already passed"),
        ("hoy a las 8 de la mañana", "already passed"),
        ("3 dic 9999 12:00", "more than 2 years ahead"),
        # Missing or unreadable.
        ("mañana", "add a time of day"),
        ("el jueves", "add a time of day"),
        ("mañana por la tarde", "add a time of day"),
        ("el lunes 14 a las 18:00", "the month and the day"),
        ("martes 9 de diciembre 19:30", "2026-12-09 is a Wednesday, not a Tuesday"),
        ("mañana 18:00 hora de Madrid", "No need to add a time zone"),
        ("mañana 18:00 GMT-3", "No need to add a time zone"),
        ("32 de diciembre 18:00", "couldn't read"),
        ("30 de febrero 18:00", "couldn't read"),
        ("mañana 25:00", "couldn't read"),
        ("mañana a las 18 de la mañana", "couldn't read"),  # the day part contradicts the hour
        ("mañana a las 8 pm de la mañana", "couldn't read"),
        ("mañana a las 12 de la mañana", "couldn't read"),
        ("mañana o pasado a las 18", "couldn't read"),
        ("mañana de 18:00 a 19:00", "couldn't read"),
        ("jueves y viernes 18:00", "couldn't read"),
        ("jueves, viernes 18:00", "couldn't read"),  # two days: neither is dropped
        ("todos los martes 18:00", "couldn't read"),
        ("mar 8 dic 18:00", "couldn't read"),  # 'mar' is March, never Tuesday
        ("próximo 18:00 lunes", "couldn't read"),  # 'próximo' is never dropped before a time
        ("12:00 del jueves a.m.", "12am is easy to misread"),
        ("el finde", "couldn't read"),
        ("cuando puedan", "couldn't read"),
    ],
)
def test_spanish_refusals_are_the_english_ones(text: str, says: str) -> None:
    assert says in shown(text)


def test_refusals_of_spanish_text_give_spanish_examples_that_read_back() -> None:
    later = to_utc(datetime(2027, 6, 1, 12), MADRID)[0]
    message = shown("cuando puedan", now=later)
    assert "2027-06-11 18:00, 21 jun 12:00, mañana 18:00, martes 18:30" in message
    with pytest.raises(UserError) as raised:
        parse_when("cuando puedan", MADRID, later)
    for example in raised.value.params["examples"].split(", "):
        assert to_utc(parse_when(example, MADRID, later), MADRID)[0] > later
    # English text keeps its English examples.
    assert "Jun 21 12:00, tomorrow 6pm" in shown("whenever", now=later)


def test_the_weekday_in_a_refusal_is_translated_with_it() -> None:
    with pytest.raises(UserError) as raised:
        parse_when("el domingo de la semana que viene 18:00", MADRID, NOW)
    error = raised.value
    assert isinstance(error.params["weekday"], Term)
    localized = translate_terms(error.params, lambda message, /, **_: message.upper())
    assert "“SUNDAY of next week”" in error.message.format(**localized)


def test_of_next_week_said_on_a_sunday_is_asked() -> None:
    sunday = to_utc(datetime(2026, 12, 6, 9), MADRID)[0]
    message = shown("el martes de la semana que viene a las 18:00", now=sunday)
    assert "can mean 2026-12-08 or 2026-12-15" in message


def test_spanish_works_in_every_zone() -> None:
    """The group's zone decides, whatever language the date is typed in."""
    for zone in ("America/Mexico_City", "America/Argentina/Buenos_Aires", "America/Bogota"):
        now = to_utc(datetime(2026, 12, 7, 10), zone)[0]
        local = parse_when("mañana a las 6 de la tarde", zone, now)
        assert local == datetime(2026, 12, 8, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 de junio de 2027", date(2027, 6, 30)),
        ("30 jun", date(2027, 6, 30)),
        ("mañana", date(2026, 12, 8)),
        ("hoy", date(2026, 12, 7)),
        ("pasado mañana", date(2026, 12, 9)),
    ],
)
def test_parse_until_reads_spanish(text: str, expected: date) -> None:
    assert parse_until(text, MADRID, NOW) == expected


# Monday 2026-12-07 10:00: each way of saying a day, with the date it means (None: asked).
DAYS: dict[str, date | None] = {
    "mañana": date(2026, 12, 8),
    "pasado mañana": date(2026, 12, 9),
    "hoy": date(2026, 12, 7),
    "el martes": date(2026, 12, 8),
    "este jueves": date(2026, 12, 10),
    "viernes": date(2026, 12, 11),
    "el sábado": date(2026, 12, 12),
    "el domingo": date(2026, 12, 13),
    "el próximo lunes": date(2026, 12, 14),
    "el próximo martes": None,
    "el miércoles que viene": None,
    "el martes de la semana que viene": date(2026, 12, 15),
    "el 10 de diciembre": date(2026, 12, 10),
    "10 dic.": date(2026, 12, 10),
    "jueves 10 de diciembre": date(2026, 12, 10),
    "el 15 de enero": date(2027, 1, 15),
    "22 de septiembre de 2027": date(2027, 9, 22),
    "2026-12-10": date(2026, 12, 10),
    "3 dic": None,
    "10/12": None,
    "el finde": None,
}
# Each way of saying a time, with the time it means (None: asked).
TIMES: dict[str, tuple[int, int] | None] = {
    "18:00": (18, 0),
    "a las 18:00": (18, 0),
    "18 h": (18, 0),
    "a las 18 hs": (18, 0),
    "a las 6 de la tarde": (18, 0),
    "a las seis de la tarde": (18, 0),
    "6 pm": (18, 0),
    "a las 6 p.m.": (18, 0),
    "10:30 de la mañana": (10, 30),
    "a las diez y media de la mañana": (10, 30),
    "al mediodía": (12, 0),
    "a las 12 del mediodía": (12, 0),
    "a las 8 de la noche": (20, 0),
    "a las 7 y media de la tarde": (19, 30),
    "9:00 h": (9, 0),
    "a las 7 menos cuarto de la tarde": (18, 45),
    "a las 17.30": (17, 30),
    "18h30": (18, 30),
    "a las 6": None,
    "6:30": None,
    "a medianoche": None,
    "a las 12 de la noche": None,
    "por la tarde": None,
    "": None,
}


def test_no_spanish_date_is_read_as_another_moment() -> None:
    """Every day with every time, in both orders: read as meant when a careful reader would
    read it, refused when they would ask; never another moment."""
    read = 0
    for (day, meant_day), (clock, meant_clock), day_first in itertools.product(
        DAYS.items(), TIMES.items(), (True, False)
    ):
        text = f"{day} {clock}" if day_first else f"{clock} {day}"
        meant = None
        if meant_day is not None and meant_clock is not None:
            meant = datetime(meant_day.year, meant_day.month, meant_day.day, *meant_clock)
            if to_utc(meant, MADRID)[0] <= NOW:
                meant = None  # today at a time already gone
        try:
            local = parse_when(text.strip(), MADRID, NOW)
        except UserError:
            local = None
        assert local == meant, text
        read += local is not None
    assert read > 400
