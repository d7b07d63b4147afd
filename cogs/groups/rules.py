"""What a group is made of, checked: its name (and the channel name Discord's rules make of
it), its texts and its seats. Pure functions and dataclasses; no discord, no database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.errors import UserError
from bot.guild_settings import validate_timezone
from bot.i18n import N_

NAME_MAX = 60
DESCRIPTION_MAX = 1000
TOPIC_MAX = 100
LANGUAGE_MAX = 40
CAPACITY_MAX = 1000
REASON_MAX = 500

Access = Literal["open", "restricted"]


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def channel_name(name: str) -> str:
    """Discord's text-channel name rules: lowercase, no spaces, letters, digits, - and _ only,
    at most 100 characters. Unicode letters are allowed."""
    text = unicodedata.normalize("NFKC", name).lower().strip()
    text = re.sub(r"[\s]+", "-", text)
    text = re.sub(r"[^\w-]", "", text)
    text = re.sub(r"-{2,}", "-", text).strip("-_")
    return text[:100]


def clean_text(value: str | None, limit: int, what: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise UserError(
            N_("The {what} is too long: please keep it under {limit} characters."),
            what=what,
            limit=limit,
        )
    return text


@dataclass(frozen=True)
class GroupSpec:
    """What an admin typed for a new group, checked."""

    name: str
    description: str
    topic: str
    language: str
    capacity: int | None
    access: Access
    timezone: str

    @property
    def channel_name(self) -> str:
        return channel_name(self.name)


def check_spec(
    *,
    name: str,
    description: str | None,
    topic: str | None,
    language: str | None,
    capacity: int | None,
    access: str,
    timezone: str,
) -> GroupSpec:
    name = " ".join(name.split())
    if not name:
        raise UserError(N_("Please give the group a name."))
    if len(name) > NAME_MAX:
        raise UserError(
            N_("That name is too long: please keep it under {limit} characters."), limit=NAME_MAX
        )
    if not channel_name(name):
        raise UserError(
            N_(
                "The name needs at least one letter or number, so the group's channel can be "
                "named after it."
            )
        )
    check_capacity(capacity)
    if access not in ("open", "restricted"):
        raise UserError(N_("Access is either open or restricted (leaders approve each member)."))
    return GroupSpec(
        name=name,
        description=clean_text(description, DESCRIPTION_MAX, N_("description")),
        topic=clean_text(topic, TOPIC_MAX, N_("topic")),
        language=clean_text(language, LANGUAGE_MAX, N_("language")),
        capacity=capacity,
        access=access,  # type: ignore[arg-type]  # checked just above
        timezone=validate_timezone(timezone),
    )


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
        raise UserError(
            N_(
                "Capacity is the number of members' seats, from 1 to {limit}. Leave it empty "
                "for no limit."
            ),
            limit=CAPACITY_MAX,
        )
