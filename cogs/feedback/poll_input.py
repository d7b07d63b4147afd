"""What people type when they make a poll: the limits, and the readers of a duration (the kit's
reader, bot/kit/durations.py, with the poll's range and words), a question and a list of
options. Refusals are UserErrors a member can read. Never imports discord."""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.i18n import N_
from bot.kit.durations import parse_duration

MIN_OPTIONS, MAX_OPTIONS = 2, 10
OPTION_MAX_LENGTH = 80  # Discord's limit for a button's label
QUESTION_MAX_LENGTH = 200
DEFAULT_DURATION = "3d"
MIN_DURATION_SECONDS = 10 * 60
MAX_DURATION_SECONDS = 30 * 86400
_BULLET = re.compile(r"^(?:[-*•]\s+)")

UNREADABLE_DURATION = N_(
    "I couldn't read “{value}” as a length of time. Write it like 12h, 3d or 1w "
    "(hours, days, weeks), or pick one from the list."
)
DURATION_OUT_OF_RANGE = N_("A poll can stay open from 10 minutes to 30 days. Please pick a time.")


def poll_duration(text: str) -> int:
    """'3d', '12h', '1d 12h', '90m', '2 weeks' -> seconds (10 minutes to 30 days), read by the
    kit's one reader of durations, with the poll's range and words."""
    return parse_duration(
        text,
        minimum=MIN_DURATION_SECONDS,
        maximum=MAX_DURATION_SECONDS,
        unreadable=UNREADABLE_DURATION,
        out_of_range=DURATION_OUT_OF_RANGE,
    )


def clean_question(text: str) -> str:
    question = " ".join(text.split())
    if not question:
        raise UserError(N_("Please write the question people will answer."))
    if len(question) > QUESTION_MAX_LENGTH:
        raise UserError(
            N_("The question is {length} characters long; please keep it to {limit}."),
            length=len(question),
            limit=QUESTION_MAX_LENGTH,
        )
    return question


def parse_options(text: str) -> list[str]:
    """One option per line: 2 to 10, each up to 80 characters, no two alike."""
    options = [_BULLET.sub("", " ".join(line.split())) for line in text.splitlines()]
    options = [option for option in options if option]
    if len(options) < MIN_OPTIONS:
        raise UserError(
            N_(
                "A poll needs at least 2 options, one per line. I found {count}. "
                "Please run /poll create again and add another."
            ),
            count=len(options),
        )
    if len(options) > MAX_OPTIONS:
        raise UserError(
            N_(
                "A poll can have at most 10 options (one button each), and I found {count}. "
                "Please run /poll create again with a shorter list."
            ),
            count=len(options),
        )
    for number, option in enumerate(options, start=1):
        if len(option) > OPTION_MAX_LENGTH:
            raise UserError(
                N_(
                    "Option {number} is {length} characters long, and a button shows at most "
                    "80. Please run /poll create again with a shorter wording for “{start}…”."
                ),
                number=number,
                length=len(option),
                start=option[:30],
            )
    seen: set[str] = set()
    for option in options:
        key = option.casefold()
        if key in seen:
            raise UserError(
                N_(
                    "“{option}” is in the list twice. Each option needs its own wording so "
                    "people can tell the buttons apart. Please run /poll create again."
                ),
                option=option,
            )
        seen.add(key)
    return options
