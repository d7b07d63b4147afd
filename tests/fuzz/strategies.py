"""Hypothesis strategies for what people type into the bot: one per option type, read from the
option itself (its type, bounds, choices, autocomplete), so a new option is fuzzed as it lands.

Strings mix the awkward on purpose: empty and blank, Discord's longest, unicode (right-to-left,
zero-width, combining marks, emoji), markdown and mentions (`@everyone`, a role, a user), `$`
(the chart's mathematics), backslashes, SQL-ish text, format fields. Options that take a time
or a length of time (by their name) mostly get typed dates and durations at and past the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

JSON = dict[str, Any]
T = TypeVar("T")

DISCORD_STRING_MAX = 6000  # a string option with no max_length: Discord's own limit
DISCORD_INTEGER_LIMIT = 2**53  # integer options: -2^53..2^53 (JSON-safe)

AWKWARD = [
    "",
    " ",
    "\u200b",  # zero-width space only
    "\t\n",
    "@everyone",
    "@here",
    "<@&1>",
    "<@1>",
    "<#1>",
    "**bold** _it_ ~~s~~ `code` ||spoiler||",
    "```py\nprint(1)\n```",
    "> quote\n# heading",
    "$x^2$",
    "$$\\frac{1}{0}$$",
    "100$ and 5$",
    "\\",
    "C:\\new\\table",
    "'; DROP TABLE groups; --",
    '" OR 1=1 --',
    "%s %d %(name)s",
    "{0} {name} {}",
    "שלום עולם",  # right-to-left
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا 123",
    "e\u0301\u0301\u0301",  # combining marks
    "🎗️🫶🏽👩‍👩‍👧",
    "ＦＵＬＬＷＩＤＴＨ",
    "null",
    "None",
    "0",
    "-1",
    "99999999999999999999999999",
    "NaN",
]

TIMES = [
    "9999-12-31 23:59",
    "0001-01-01 00:00",
    "1970-01-01 00:00",
    "2027-02-30 10:00",
    "2027-03-14 02:30",  # a time that does not exist in New York (the clocks go forward)
    "2027-11-07 01:30",  # a time that happens twice in New York
    "tomorrow 25:61",
    "next blursday",
    "yesterday",
    "now",
    "in 1e309 days",
    "inf",
    "-inf",
    "nan",
    "1e309",
    "-1h",
    "0",
    "0m",
    "-0",
    "1e-9s",
    "99999999999999999999d",
    "9" * 400,
    "10m",
    "1d 12h",
    "2 weeks",
    "1.5h",
    "24h, 1h",
    "24h,,1h",
    "1h, 1h, 1h, 1h, 1h, 1h, 1h, 1h, 1h, 1h, 1h, 1h, 1h",
    "10:00",
    "24:00",
    "mon 10:00",
    "2027-03-01T12:00:00Z",
    "2027-03-01 12:00 +14:00",
    "12/31/2027",
    "31/12/2027",
]

# Ids as an autocomplete option's value, typed by hand: past SQLite's INTEGER, not ASCII digits.
IDS = ["0", "-1", "²", "١٢", "9223372036854775807", "9223372036854775808", "9" * 30, " 1 "]

# Option names that take a date, a time or a length of time.
TIME_NAMES = frozenset(
    {"when", "until", "times", "closes-in", "duration", "for", "after", "start", "end", "every"}
)


def text_for(
    max_length: int, min_length: int = 0, *, timeish: bool = False
) -> st.SearchStrategy[str]:
    """A string a person could type into an option or a form field of these bounds."""
    fits = [s for s in AWKWARD + TIMES if min_length <= len(s) <= max_length]
    longest = max(min_length, max_length)
    pieces: list[st.SearchStrategy[str]] = [
        st.sampled_from(fits),
        st.text(min_size=min_length, max_size=min(max_length, 60)),
        # Discord's longest (or a little under), made of an awkward piece repeated
        st.sampled_from(["a", "é", "🎗️", "$", "\\", "@everyone ", "\u200b"]).map(
            lambda piece: (piece * longest)[:longest]
        ),
    ]
    if timeish:
        times = [s for s in TIMES if min_length <= len(s) <= max_length]
        return st.one_of(st.sampled_from(times), st.sampled_from(times), *pieces)
    return st.one_of(*pieces).filter(lambda s: min_length <= len(s) <= max_length)


def integer_for(low: int | None, high: int | None) -> st.SearchStrategy[int]:
    lo = -DISCORD_INTEGER_LIMIT if low is None else low
    hi = DISCORD_INTEGER_LIMIT if high is None else high
    edges = [v for v in (lo, hi, 0, 1, -1, lo + 1, hi - 1, 2**31, 2**63 - 1) if lo <= v <= hi]
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


def number_for(low: float | None, high: float | None) -> st.SearchStrategy[float]:
    lo = -float(DISCORD_INTEGER_LIMIT) if low is None else float(low)
    hi = float(DISCORD_INTEGER_LIMIT) if high is None else float(high)
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def choice_of(values: Sequence[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(values))


def pick(data: st.DataObject, pool: Sequence[T], label: str) -> T:
    """One of `pool`, by an index drawn from a fixed range: the pool (autocomplete choices, the
    channels a person sees) depends on the bot's state, and what Hypothesis draws must not."""
    assert pool, f"nothing to pick for {label}"
    return pool[data.draw(st.integers(0, 2**16), label=f"{label} (index)") % len(pool)]


def form_values(inputs: Sequence[JSON], typed: Sequence[str]) -> dict[str, Any]:
    """A form filled with `typed` (one text per input, in order), fitted to each input's
    bounds as Discord's client would enforce them."""
    values: dict[str, Any] = {}
    texts = iter(typed)
    for field in inputs:
        cid = str(field["custom_id"])
        if field.get("type") == 4:
            required = field.get("required", True) is not False
            low = int(field.get("min_length") or (1 if required else 0))
            high = int(field.get("max_length") or 4000)
            text = next(texts, "")[:high]
            values[cid] = text if len(text) >= low else (text + "a" * low)[: max(low, 1)]
        elif field.get("options"):
            values[cid] = [field["options"][0]["value"]]
    return values
