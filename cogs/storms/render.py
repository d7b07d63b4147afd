"""What the storms feature's messages say (Discord glue: embeds and texts)."""

from __future__ import annotations

from typing import Any

import discord

from bot.directory import GroupRef
from bot.i18n import Translate
from bot.kit.text import escape_member_text, leader_text
from bot.kit.timestamps import stamp
from cogs.storms.models import Remembrance
from cogs.storms.resources import checked, resources_for
from cogs.storms.service import MESSAGE_MAX, Candidates

CALM = 0x6B7B8C


def name_of(user: Any) -> str:
    """A member's name as text (never a mention: nothing pings)."""
    return escape_member_text(getattr(user, "display_name", None) or str(user), limit=80)


def words(draft: str) -> str:
    """The leader's words as the group will read them: their formatting, no mention."""
    return leader_text(draft, limit=MESSAGE_MAX)


def _group(group: GroupRef | None, t: Translate) -> str:
    return escape_member_text(group.name) if group else t("a group that no longer exists")


def preview_embed(t: Translate, group: GroupRef) -> discord.Embed:
    return discord.Embed(
        title=t("Preview: only you can see this"),
        colour=CALM,
        description=t(
            "Above is the message for {group}, with grief resources below. "
            "Nothing is posted until you press Post; Edit lets you write it in your own words, "
            "Cancel posts nothing. The bot will not write to the member privately again.",
            group=escape_member_text(group.name),
        ),
    )


def resources_embed(t: Translate, region: str | None) -> discord.Embed:
    embed = discord.Embed(title=t("Support with grief"), colour=CALM)
    lines = [
        f"**{r.name}** ({r.where}): {r.what}\n<{r.url}>" for r in resources_for(t.language, region)
    ]
    embed.description = "\n\n".join(lines)
    embed.set_footer(
        text=t(
            "Sources: each organisation's own website, checked {date}. If you are in crisis, "
            "please contact your local emergency number.",
            date=checked(),
        )
    )
    return embed


def checkin_note(t: Translate, group: GroupRef | None, row: Remembrance) -> str:
    if row.checked_in_at is not None:
        return t(
            "A member of {group} is being remembered. <@{moderator}> checked in with its "
            "leaders. Thank you.",
            group=_group(group, t),
            moderator=row.checked_in_by,
        )
    return t(
        "A member of {group} is being remembered (recorded by <@{leader}>). Please check in "
        "with the group's leaders: how are they, and does the group need anything? Press the "
        "button when someone has; if nobody has by {when}, I'll remind the moderators "
        "privately.",
        group=_group(group, t),
        leader=row.recorded_by,
        when=stamp(row.checkin_due_at, "R"),
    )


def checkin_reminder(t: Translate, group: GroupRef | None, row: Remembrance) -> str:
    return t(
        "A gentle reminder: a member of {group} was remembered {when}, and nobody has checked "
        "in with its leaders yet. Could you reach out to them? Then press \"I've checked in "
        "with the leaders\" on the note in the moderators' channel.",
        group=_group(group, t),
        when=stamp(row.recorded_at, "R"),
    )


def candidates(t: Translate, group: GroupRef, found: Candidates, since: int | None) -> str:
    name = escape_member_text(group.name)
    lines: list[str] = []
    if since is not None:
        lines.append(
            t("{group} has had no leader since {when}.", group=name, when=stamp(since, "f"))
        )
    if found.leaders:
        lines.append(t("{group} is led by:", group=name))
        lines += [f"- <@{user_id}>" for user_id in found.leaders]
    elif found.regulars:
        lines.append(
            t(
                "{group} has no leader. Its most regular members, by the sessions they said "
                "they were going to (the bot keeps those answers until a week after each "
                "session), might lead it:",
                group=name,
            )
        )
        lines += [
            "- " + t.plural("<@{user}>: {n} session", "<@{user}>: {n} sessions", n, user=user)
            for user, n in found.regulars
        ]
    else:
        lines.append(
            t(
                "{group} has no leader, and I don't know of regular members to suggest. "
                "/group members shows who is in it.",
                group=name,
            )
        )
    if not found.leaders:
        lines.append(
            t("Ask someone first, then appoint them with /group leaders add. Nobody is told.")
        )
    return "\n".join(lines)
