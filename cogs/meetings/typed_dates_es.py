"""Dates and times typed in Spanish ('mañana 18:00', '3 de diciembre a las 6 de la tarde',
'el próximo lunes 18 h'), rewritten into the English typed_dates.py reads.

The English parser then applies its own rules to the rewritten text, so Spanish and English
refuse the same things: 'el próximo martes' is 'next Tuesday' (asked when it could be either
week), 'medianoche' is 'midnight', a bare 'a las 6' is asked about, a date without a year
that has just passed is questioned. What is Spanish alone is read here: the day parts ('de la
tarde', 'por la mañana', 'del mediodía'), the 24-hour mark ('18 h', '11 hs', '18h30'), hours
in words ('las diez y media'), 'pasado mañana' and 'el martes de la semana que viene' (asked
when weeks starting on Monday or on Sunday give different days).

Accents and capitals are optional ('miercoles', 'MAÑANA'). No discord import. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta

from bot.errors import UserError
from bot.i18n import N_
from cogs.meetings.recurrence import WEEKDAY_NAMES, Term

MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")
_ENGLISH_MONTHS = tuple("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())

_MONTH_WORDS = {
    word: index
    for index, words in enumerate(
        (
            ("enero", "ene"),
            ("febrero", "feb"),
            ("marzo", "mar"),
            ("abril", "abr"),
            ("mayo", "may"),
            ("junio", "jun"),
            ("julio", "jul"),
            ("agosto", "ago"),
            ("septiembre", "setiembre", "sept", "sep", "set"),
            ("octubre", "oct"),
            ("noviembre", "nov"),
            ("diciembre", "dic"),
        )
    )
    for word in words
}
# Tuesday is never abbreviated: 'mar' is March.
_WEEKDAY_WORDS = {
    word: index
    for index, words in enumerate(
        (
            ("lunes", "lun"),
            ("martes",),
            ("miercoles", "mier", "mie"),
            ("jueves", "jue"),
            ("viernes", "vie"),
            ("sabado", "sab"),
            ("domingo", "dom"),
        )
    )
    for word in words
}
_HOUR_WORDS = {
    word: hour
    for hour, words in enumerate(
        (
            (),
            ("una", "uno"),
            ("dos",),
            ("tres",),
            ("cuatro",),
            ("cinco",),
            ("seis",),
            ("siete",),
            ("ocho",),
            ("nueve",),
            ("diez",),
            ("once",),
            ("doce",),
        )
    )
    for word in words
}


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = _alternatives(_MONTH_WORDS)
_WEEKDAY = rf"(?:{_alternatives(_WEEKDAY_WORDS)})\b\.?"
# Month names an English text may hold too.
_ENGLISH_TOO = ("feb", "mar", "may", "jun", "jul", "sep", "sept", "oct", "nov")
# Words that say the text is Spanish; text without any is left to the English parser untouched.
_SPANISH = re.compile(
    rf"\b(?:manana|pasado|hoy|ayer|anteayer|mediodia|medianoche|tarde|noche|madrugada|"
    rf"las?|el|del?|este|esta|proximo|que|viene|semana|cuando|para|finde|y|o|"
    rf"{_alternatives(w for w in _WEEKDAY_WORDS if len(w) > 3)}|"
    rf"{_alternatives(w for w in _MONTH_WORDS if w not in _ENGLISH_TOO)})"
    r"\b|\d\s*(?:hs|hrs|horas)\b|[ñáéíóú¿¡]",
)
_DAY_PART = re.compile(
    r"\b(?:(?P<this>esta)|(?:de|por|en|a)\s+la)\s+(?P<part>manana|tarde|noche|madrugada)\b"
    r"|\bdel\s+(?P<part2>mediodia|dia)\b"
)
_MIDNIGHT = re.compile(
    r"\b(?:(?:a\s+)?la\s+|a\s+)?medianoche\b"
    r"|\b(?:(?:a\s+)?las\s+)?(?:12|doce)(?:[:.]00)?\s+(?:de|en|por)\s+la\s+(?:noche|madrugada)\b"
)
_ZONE = re.compile(
    r"(?<!primera )(?<!ultima )\bhora\s+(?!(?:de\s+)?siempre\b)(?:de\s+|del\s+|en\s+)?\w"
)
_NOON = re.compile(r"(?:\b(?:al|a|el|a\s+las)\s+)?(?<!del )\bmediodia\b")
_TIME = re.compile(
    r"(?:\b(?P<pre>a\s+las?|las?)\s+)?"
    rf"(?P<h>(?<![\d:./-])(?<!\dt)\d{{1,2}}(?![\d/-])|\b(?:{_alternatives(_HOUR_WORDS)})\b)"
    rf"(?!\s*(?:º|°|ro\b)?\s*(?:de\s+)?(?:{_MONTH})\b)"
    r"(?:\s*(?P<sep>[:.]|h)(?P<m>\d{2})(?!\d)"
    r"|\s+y\s+(?P<half>media|cuarto)\b|\s+(?P<less>menos\s+cuarto)\b|\s+en\s+punto\b)?"
    r"(?P<h24>\s*(?:hs|hrs|horas|h)\b\.?)?"
    r"(?P<ampm>\s*(?P<ap>[ap])\.?\s?m\b\.?)?"
)
_DATE = re.compile(
    rf"(?<![\d:./-])(?P<d>\d{{1,2}})\s*(?:º|°|ro\b)?\s*(?:de\s+)?(?P<mon>{_MONTH})\b\.?"
    r"(?:\s*,?\s*(?:de|del)?\s*(?P<y>\d{4})(?!\d))?"
)
_BEFORE_DATE = re.compile(
    rf"\b(?:el\s+)?(?:proximo\s+)?(?:dia\s+)?(?=\d{{1,2}}\s*(?:º|°|ro\b)?\s*(?:de\s+)?(?:{_MONTH})\b)"
    r"|\b(?:el\s+)?(?:dia\s+)?(?=\d)"
)
_NEXT_WEEK = r"(?:la\s+)?(?:semana\s+que\s+viene|proxima\s+semana|semana\s+proxima)"
_WEEKDAY_OF_NEXT_WEEK = re.compile(
    rf"\b(?:el\s+)?(?P<a>{_WEEKDAY})\s+de\s+{_NEXT_WEEK}\b"
    rf"|\b{_NEXT_WEEK}\s*,?\s*(?:el\s+)?(?P<b>{_WEEKDAY})"
)
_NEXT_WEEKDAY = re.compile(
    rf"\b(?:el\s+)?(?:proximo|siguiente)\s+(?P<a>{_WEEKDAY})"
    rf"|\b(?:el\s+)?(?P<b>{_WEEKDAY})\s+(?:que\s+viene|proximo|siguiente)\b"
)


def examples_es(today: date) -> str:
    """Examples in Spanish, with dates still ahead, for a refusal of Spanish text."""
    soon, later = today + timedelta(days=10), today + timedelta(days=20)
    return (
        f"{soon.isoformat()} 18:00, {later.day} {MONTHS[later.month - 1]} 12:00, "
        "mañana 18:00, martes 18:30"
    )


def _folded(text: str) -> str:
    """Lower case without accents ('Miércoles' -> 'miercoles'; 'º' stays)."""
    lowered = " ".join(text.lower().split())
    return "".join(
        c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn"
    )


def is_spanish(text: str) -> bool:
    return _SPANISH.search(_folded(text)) is not None


def _unreadable() -> UserError:
    return UserError(
        N_("I couldn't read that date and time. Please write it like one of these: {examples}.")
    )


def as_english(text: str, today: date) -> str:
    """The text in the English typed_dates.py reads (unchanged when it has no Spanish)."""
    if not is_spanish(text) and not re.search(r"\d\s*h(?:\b|\d)", text, re.IGNORECASE):
        return text  # English (12 h, 18h30: the 24-hour mark is read in any language)
    s = _folded(text).replace(",", " ")
    s = _ZONE.sub(" timezone ", s)  # 18:00 hora de Madrid: the group's zone decides
    s = _MIDNIGHT.sub(" midnight ", s)
    s = _NOON.sub(" 12:00 ", s)
    s = _times(s)
    s = re.sub(r"\bpasado\s+manana\b", (today + timedelta(days=2)).isoformat(), s)
    s = re.sub(r"\b(?:anteayer|antier)\b", (today - timedelta(days=2)).isoformat(), s)
    s = re.sub(r"\bayer\b", (today - timedelta(days=1)).isoformat(), s)
    s = re.sub(r"\bmanana\b", "tomorrow", s)
    s = re.sub(r"\bhoy\b", "today", s)
    s = _WEEKDAY_OF_NEXT_WEEK.sub(lambda m: _of_next_week(m["a"] or m["b"], today), s)
    s = _NEXT_WEEKDAY.sub(lambda m: "next " + _english_weekday(m["a"] or m["b"]), s)
    s = re.sub(rf"\beste\s+({_WEEKDAY})", lambda m: "this " + _english_weekday(m[1]), s)
    s = re.sub(rf"\b(?:d?el\s+)?({_WEEKDAY})", lambda m: _english_weekday(m[1]), s)
    s = re.sub(r"\bprimero\s+(?=de\s)", "1 ", s)
    s = _BEFORE_DATE.sub("", s)  # el (próximo) (día) 10 de diciembre
    s = _DATE.sub(_english_date, s)
    s = re.sub(rf"\b({_MONTH})\b\.?", lambda m: _ENGLISH_MONTHS[_MONTH_WORDS[m[1]]], s)
    s = re.sub(r"^\s*para\b|\ba\s+las?\s*$|\ba(?=\s+\d)", " ", s)
    s = re.sub(r"(\d)t(\d)", r"\1T\2", s)  # 2026-12-10T18:00
    return " ".join(s.split())


def _english_date(match: re.Match[str]) -> str:
    if not 1 <= int(match["d"]) <= 31:
        raise _unreadable()
    return f"{match['d']} {_ENGLISH_MONTHS[_MONTH_WORDS[match['mon']]]} {match['y'] or ''}"


def _english_weekday(word: str) -> str:
    return WEEKDAY_NAMES[_WEEKDAY_WORDS[word.rstrip(".")]].lower()


def _of_next_week(word: str, today: date) -> str:
    """'el martes de la semana que viene': next week's, whether weeks start on Monday or on
    Sunday; asked when the two differ (said on a Sunday, or of a Sunday)."""
    weekday = _WEEKDAY_WORDS[word.rstrip(".")]
    monday = today + timedelta(days=7 - today.weekday())
    sunday = today + timedelta(days=7 - (today.weekday() + 1) % 7)
    readings = sorted(
        {monday + timedelta(days=weekday), sunday + timedelta(days=(weekday + 1) % 7)}
    )
    if len(readings) > 1:
        raise UserError(
            N_(
                "“{weekday} of next week” can mean {soon} or {later}: weeks start on Monday in "
                "some countries and on Sunday in others. Please write the date, like {example}."
            ),
            weekday=Term(WEEKDAY_NAMES[weekday]),
            soon=readings[0].isoformat(),
            later=readings[1].isoformat(),
            example=f"{readings[0].isoformat()} 18:00",
        )
    return readings[0].isoformat()


def _times(s: str) -> str:
    """The time of day in 24-hour digits ('6 de la tarde' -> 18:00, '18 h' -> 18:00) where the
    Spanish says which: a day part, the 24-hour mark, 'a las', minutes in words. What does not
    say (a bare 'a las 6') is asked; what a 24-hour clock settles is left to the English rules."""
    parts = {m["part"] or m["part2"] for m in _DAY_PART.finditer(s)}
    if len(parts) > 1:
        raise _unreadable()
    part = parts.pop() if parts else None
    if part is not None:
        today_too = any(m["this"] for m in _DAY_PART.finditer(s))
        s = _DAY_PART.sub(" ", s) + (" hoy" if today_too else "")
    found = [m for m in _TIME.finditer(s) if part or _marked(m)]
    if part is not None and not found:
        raise UserError(
            N_("Please add a time of day, like 'tomorrow 6pm' or 'Dec 3 12:00'."),
        )
    if len(found) > 1:
        raise _unreadable()
    if not found:
        return s
    match = found[0]
    return f"{s[: match.start()]} {_clock(match, part)} {s[match.end() :]}"


def _marked(match: re.Match[str]) -> bool:
    return any(match[name] for name in ("pre", "m", "half", "less", "h24", "ampm")) or match[
        0
    ].endswith("punto")


def _clock(match: re.Match[str], part: str | None) -> str:
    typed = match["h"]
    hour = int(typed) if typed.isdigit() else _HOUR_WORDS[typed]
    minute = int(match["m"]) if match["m"] else {"media": 30, "cuarto": 15}.get(match["half"], 0)
    less = 15 if match["less"] else 0  # las siete menos cuarto: 6:45
    h24 = bool(match["h24"]) or match["sep"] == "h"  # 18 h, 9:00 h, 18h30: a 24-hour clock
    if hour > 23 or minute > 59:
        raise _unreadable()
    if part is not None:
        hour = _by_day_part(hour, part)
        if match["ampm"] and (hour >= 12) != (match["ap"] == "p"):
            raise _unreadable()
    elif match["ampm"]:
        if not 1 <= hour <= 12 or less:
            raise _unreadable()
        return f"{hour}:{minute:02d}{match['ap']}m"
    elif match["m"] and not h24:
        return f"{typed}{match['sep']}{match['m']}"  # 6:30, 10:30, 6.30: the English rules
    elif not h24 and ((1 <= hour <= 11 and not match["half"]) or (1 <= hour <= 12 and less)):
        face = divmod((hour * 60 + minute - less) % (12 * 60), 60)
        raise UserError(
            N_("Is that {hour} in the morning or in the evening? Please write {am} or {pm}."),
            hour=f"{face[0] or 12}:{face[1]:02d}" if minute or less else str(hour),
            am=f"{face[0]:02d}:{face[1]:02d}",
            pm=f"{face[0] + 12}:{face[1]:02d}",
        )
    hour, minute = divmod((hour * 60 + minute - less) % (24 * 60), 60)
    if part is None and not h24 and hour < 10:
        return f"{hour}:{minute:02d}"  # 'a las 7 y media' is 7:30: asked by the English rules
    return f"{hour:02d}:{minute:02d}"


def _by_day_part(hour: int, part: str) -> int:
    """6 de la tarde -> 18; 10 de la noche -> 22; 2 de la noche -> 2; 12 del mediodía -> 12.
    An hour the day part contradicts (8 de la tarde is fine, 18 de la mañana is not) is refused."""
    readings = {
        "manana": range(1, 12),
        "madrugada": range(1, 7),
        "dia": range(6, 13),
        "mediodia": (12, 13, 14, 15),
        "tarde": range(12, 24),
        "noche": (*range(1, 6), *range(18, 24)),
    }[part]
    for reading in (hour, hour + 12):
        if hour and reading in readings and (hour <= 12 or reading == hour):
            return reading
    raise _unreadable()
