"""The words of mentoring's messages (outbox renderers' bodies) and the pairing guide."""

from __future__ import annotations

from typing import Any

import discord

from bot.dispatcher import Rendered
from bot.i18n import N_, Translate
from bot.kit.text import quote_member_text
from cogs.mentoring.model import FREQUENCIES, LANGUAGES, ROLES, Match, Profile
from cogs.mentoring.views import (
    ApproveButton,
    ConsentButton,
    NoteButton,
    RateButton,
    RematchButton,
)

GUIDE_TEXT = N_(
    "Welcome, <@{a}> and <@{b}>: a coordinator matched you for one-to-one peer support, and "
    "you both said yes.\n\n"
    "**A short guide**\n"
    "• Boundaries: agree how and how often you talk; either of you can say no or pause.\n"
    "• Confidentiality: what is shared here stays between you, unless someone is at risk.\n"
    "• A peer, not a clinician: share experience, not medical advice; questions about "
    "treatment go to your care team.\n"
    "• Help at any time: type /support to reach a moderator privately. Crisis words here are "
    "noticed and a moderator is told.\n"
    "• Either of you can end the match privately with /mentor end; nobody is told why."
)


def notice(t: Translate, payload: dict[str, Any], destination: int) -> Rendered:
    params = dict(payload.get("params") or {})
    if "words" in params:
        params["words"] = quote_member_text(str(params["words"]), limit=1000)
    view = None
    if payload.get("rematch") and payload.get("guild"):
        view = discord.ui.View(timeout=None)
        view.add_item(
            RematchButton(
                guild=payload["guild"],
                kind=payload["rematch"],
                user=destination,
                label=t("Match me again"),
            )
        )
    return Rendered(content=t(payload["msg"], **params), view=view)


def summary(t: Translate, p: Profile) -> str:
    languages = ", ".join(LANGUAGES.get(code, code) for code in sorted(p.languages))
    parts = [t(ROLES[p.role]) if p.role in ROLES else p.role]
    if p.cancer_type:
        parts.append(p.cancer_type)
    parts += [languages, p.time_zone, t(FREQUENCIES.get(p.frequency, p.frequency))]
    return " · ".join(parts)


def ask(t: Translate, match: Match, user_id: int, other: Profile | None) -> Rendered:
    other_id = match.other(user_id)
    if match.kind == "leader_buddy":
        text = t(
            "A coordinator suggests <@{other}> as your leader buddy, for peer learning.",
            other=other_id,
        )
    elif user_id == match.mentee_id:
        text = t("A coordinator suggests <@{other}> as your mentor.", other=other_id)
    else:
        text = t("A coordinator suggests you as a mentor for <@{other}>.", other=other_id)
    if other is not None:
        text += "\n" + summary(t, other)
    text += "\n" + t(
        "Would you like this match? Nothing happens unless you both say yes, and if you say no "
        "nobody is told why."
    )
    view = discord.ui.View(timeout=None)
    view.add_item(
        ConsentButton(
            match=match.id,
            answer="yes",
            user=user_id,
            label=t("Accept"),
            style=discord.ButtonStyle.success,
        )
    )
    view.add_item(ConsentButton(match=match.id, answer="no", user=user_id, label=t("Decline")))
    return Rendered(content=text, view=view)


def guide(t: Translate, match: Match, other: int | None, user_id: int | None) -> Rendered:
    text = t(GUIDE_TEXT, a=match.mentee_id, b=match.mentor_id)
    if other is not None:
        text += "\n\n" + t(
            "Threads could not be opened here, so this is your introduction by direct message: "
            "you can write to <@{other}> directly.",
            other=other,
        )
    return Rendered(content=text)


def checkin(t: Translate, checkin_id: int, match_id: int, user_id: int) -> Rendered:
    text = t(
        "How is your mentoring match going? Pick 1 (not well) to 5 (very well). Only the "
        "number is counted; you can also send a few words to the coordinator."
    )
    view = discord.ui.View(timeout=None)
    for n in range(1, 6):
        view.add_item(RateButton(checkin=checkin_id, rating=n, user=user_id, label=str(n)))
    view.add_item(NoteButton(match=match_id, user=user_id, label=t("Words to the coordinator")))
    return Rendered(content=text, view=view)


def offer(t: Translate, profile: Profile) -> Rendered:
    text = t(
        "<@{user}> offered to be a mentor (up to {n} mentees at once): {summary}",
        user=profile.user_id,
        n=profile.capacity,
        summary=summary(t, profile),
    )
    if profile.words:
        text += "\n" + quote_member_text(profile.words, limit=600)
    view = discord.ui.View(timeout=None)
    view.add_item(
        ApproveButton(user=profile.user_id, label=t("Approve"), style=discord.ButtonStyle.success)
    )
    return Rendered(content=text, view=view)
