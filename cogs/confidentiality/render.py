"""How the agreement looks: the texts as embeds, and the prompt that asks a member to accept.

The same prompt is sent privately in answer to a join (ephemeral) and by direct message through
the outbox (a join without an interaction, a new version, access held), so it is built here once.
"""

from __future__ import annotations

import discord

from bot.i18n import N_, Translate
from bot.kit.text import escape_member_text, leader_text
from bot.kit.timestamps import stamp_and_relative
from bot.ui import BaseView
from cogs.confidentiality.models import SERVER, Text
from cogs.confidentiality.service import DEFAULT_TEXT, Why
from cogs.confidentiality.views import AgreeButton, NotNowButton

EMBED_TEXT_MAX = 4096

INTRO: dict[str, str] = {
    "join": N_(
        "Before you join {group}, please read our confidentiality agreement below. You'll get "
        "access as soon as you press **I agree**. **Not now** gives your seat to the next "
        "person; you're welcome to come back any time."
    ),
    "request": N_(
        "Good news: the leaders of {group} approved your request. Before you join, please "
        "read our confidentiality agreement below and press **I agree**."
    ),
    "added": N_(
        "A moderator added you to {group}. Before its channel opens for you, please read our "
        "confidentiality agreement below and press **I agree**. Until then the group's role "
        "is kept back: nothing is wrong, it's only this one step."
    ),
    "leader": N_(
        "You now lead {group}: thank you. Leaders keep the group's access, and the members "
        "you welcome accept the confidentiality agreement below before they join. Please read "
        "it and press **I agree**, so that your promise is on record too."
    ),
    "demoted": N_(
        "You no longer lead {group}: thank you for all you did. You stay in the group as a "
        "member, and members read it after accepting our confidentiality agreement below. "
        "Please read it and press **I agree**."
    ),
    "held": N_(
        "Your access to {group} is paused because the updated confidentiality agreement has "
        "not been accepted yet. Your seat is kept: press **I agree** whenever you're ready and "
        "your access comes straight back. If you'd rather not, you can leave the group with "
        "/group leave."
    ),
}
NEW_SERVER_VERSION = N_(
    "Our server's confidentiality agreement has been updated (version {version}). Please read "
    "it below and press **I agree**."
)
NEW_GROUP_VERSION = N_(
    "{group} has updated its own confidentiality agreement (version {version}). Please read "
    "it below and press **I agree**."
)
GRACE = N_(
    "You keep access to your groups until {at}; after that, access pauses until you agree. If "
    "you'd rather not, you can leave a group with /group leave."
)


def body_of(text: Text, t: Translate) -> str:
    return text.body if text.body is not None else t(DEFAULT_TEXT)


def agreement_embeds(
    texts: list[Text], group_name: str | None, t: Translate
) -> list[discord.Embed]:
    embeds = []
    for text in texts:
        if text.group_id is None:
            title = t("Our confidentiality agreement (version {n})", n=text.version)
        else:
            title = t(
                "{group}: the group's own agreement (version {n})",
                group=escape_member_text(group_name or ""),
                n=text.version,
            )
        embeds.append(
            discord.Embed(
                title=title[:256],
                description=leader_text(body_of(text, t), limit=EMBED_TEXT_MAX),
                colour=discord.Colour.blurple(),
            )
        )
    return embeds


def prompt(
    t: Translate,
    *,
    why: Why,
    user_id: int,
    guild_id: int,
    group_id: int,
    group_name: str | None,
    texts: list[Text],
    grace_ends_at: int | None = None,
) -> tuple[str, list[discord.Embed], BaseView]:
    """The words, the agreement and the buttons for one member."""
    if why == "new_version":
        newest = max(texts, key=lambda x: x.created_at)
        intro = (
            t(NEW_SERVER_VERSION, version=newest.version)
            if group_id == SERVER
            else t(
                NEW_GROUP_VERSION,
                group=escape_member_text(group_name or ""),
                version=newest.version,
            )
        )
        if grace_ends_at is not None:
            intro += "\n" + t(GRACE, at=stamp_and_relative(grace_ends_at, "f"))
    else:
        intro = t(INTRO[why], group=escape_member_text(group_name) if group_name else group_name)
        if why == "demoted" and grace_ends_at is not None:
            intro += "\n" + t(GRACE, at=stamp_and_relative(grace_ends_at, "f"))
    view = BaseView(timeout=None)
    view.add_item(
        AgreeButton(user=user_id, group=group_id, texts=[x.id for x in texts], label=t("I agree"))
    )
    if why in ("join", "request", "added"):
        view.add_item(
            NotNowButton(guild=guild_id, user=user_id, group=group_id, label=t("Not now"))
        )
    return intro, agreement_embeds(texts, group_name, t), view
