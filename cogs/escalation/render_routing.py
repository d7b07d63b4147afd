"""What a member reads when they write to the bot privately in crisis (issue 17): the crisis
resources with "which community should I tell?", what happened once it is settled, and the
resources alone when no community can be told. Never quotes the member's words."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.i18n import Translate
from bot.kit.text import escape_member_text
from cogs.escalation.helplines import Resources
from cogs.escalation.views_routing import RouteButton


def _hello(name: str | None, t: Translate) -> str:
    return t("Hi {name},", name=name) if name else t("Hi,")


def _danger(resources: Resources, t: Translate) -> str:
    if resources.emergency:
        return t(
            "If you are in immediate danger, please call {number} (or your local emergency "
            "number) now.",
            number=resources.emergency,
        )
    return t("If you are in immediate danger, please call your local emergency number now.")


def _opening(name: str | None, resources: Resources, t: Translate) -> list[str]:
    body = t(
        "thank you for writing to me. Something you wrote made me want to check in with you. "
        "You don't have to face this alone: the people below are there to listen, at any hour."
    )
    return [f"{_hello(name, t)} {body}", "", f"**{_danger(resources, t)}**"]


def question_content(name: str | None, resources: Resources, t: Translate) -> str:
    lines = _opening(name, resources, t)
    lines += [
        "",
        t(
            "I'd also like to let the moderators of one of your communities know, privately, "
            "so one of them can reach out to you. Which community should I tell? If you don't "
            "choose within a minute, I'll tell the one where you last wrote."
        ),
    ]
    return "\n".join(lines)


def settled_content(
    name: str | None, resources: Resources, t: Translate, *, server: str, chosen: bool
) -> str:
    server = escape_member_text(server)
    lines = _opening(name, resources, t)
    if chosen:
        told = t(
            "I've let the moderators of **{server}** know, privately. One of them will reach out "
            "to you as soon as they can.",
            server=server,
        )
    else:
        told = t(
            "I've let the moderators of **{server}**, where you last wrote, know privately. One "
            "of them will reach out to you as soon as they can.",
            server=server,
        )
    return "\n".join([*lines, "", told])


def question_view(route_id: int, servers: Sequence[tuple[int, str]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for guild_id, server in servers[:25]:
        view.add_item(RouteButton(route=route_id, guild=guild_id, label=server))
    return view


def resources_only_content(name: str | None, resources: Resources, t: Translate) -> str:
    lines = _opening(name, resources, t)
    lines += [
        "",
        t(
            "I can't pass this on to the moderators of a community from here, so nobody else "
            "has been told. If there is someone you trust, reaching out to them can help too."
        ),
    ]
    return "\n".join(lines)
