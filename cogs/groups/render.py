"""How groups look: a group's card and the directory, what a join led to, the members list,
the groups panel, and the messages the outbox sends (a seat offer, a join request, a lost role
or channel). Embeds and texts only; their buttons are in views.py."""

from __future__ import annotations

import discord

from bot.i18n import Translate
from bot.kit.text import escape_member_text
from cogs.groups.records import Group, JoinRequest, WaitlistEntry
from cogs.groups.service_joining import JoinOutcome

PANEL_BUTTONS = 25  # Discord's limit of buttons on one message


def seats_text(group: Group, t: Translate) -> str:
    if group.seats_left is None:
        return t("no limit")
    if group.seats_left == 0:
        return (
            t.plural("full ({n} waiting)", "full ({n} waiting)", group.waiting)
            if group.waiting
            else t("full")
        )
    return str(group.seats_left)


def group_embed(group: Group, t: Translate) -> discord.Embed:
    embed = discord.Embed(
        title=escape_member_text(group.name, limit=256),
        description=escape_member_text(group.description, limit=4096)
        if group.description
        else None,
    )
    if group.topic:
        embed.add_field(
            name=t("Topic"), value=escape_member_text(group.topic, limit=1024), inline=False
        )
    if group.language:
        embed.add_field(name=t("Language"), value=group.language, inline=True)
    embed.add_field(
        name=t("Access"),
        value=t("Open") if not group.restricted else t("Restricted: leaders approve"),
        inline=True,
    )
    embed.add_field(name=t("Seats left"), value=seats_text(group, t), inline=True)
    embed.add_field(name=t("Time zone"), value=group.timezone, inline=True)
    return embed


def directory_embed(groups: list[Group], page: int, pages: int, t: Translate) -> discord.Embed:
    embed = discord.Embed(title=t("Support groups"))
    if not groups:
        embed.description = t("There are no groups yet.")
    for g in groups:
        access = t("open") if not g.restricted else t("restricted")
        details = [
            escape_member_text(g.topic or ""),
            g.language,
            access,
            t("seats: {seats}", seats=seats_text(g, t)),
        ]
        embed.add_field(
            name=escape_member_text(g.name, limit=256),
            value=" · ".join(x for x in details if x)[:1024],
            inline=False,
        )
    embed.set_footer(text=t("Page {page} of {pages}", page=page + 1, pages=pages))
    return embed


def outcome_text(outcome: JoinOutcome, t: Translate) -> str:
    """What a wish to join led to, when it did not let the member in right away."""
    group = outcome.group
    if outcome.kind == "member":
        return t(
            "You're already in {group}: its channel is <#{channel}>.",
            group=escape_member_text(group.name),
            channel=group.channel_id,
        )
    if outcome.kind == "requested":
        if outcome.already:
            return t(
                "Your request to join {group} is with its leaders. I'll message you as "
                "soon as they decide.",
                group=escape_member_text(group.name),
            )
        return t(
            "{group} is a restricted group, so I've sent your request to its leaders. "
            "I'll message you privately as soon as they decide.",
            group=escape_member_text(group.name),
        )
    if outcome.already:
        return t(
            "You're already on the waitlist for {group}: you are number {position}. "
            "I'll message you privately when a seat is free.",
            group=escape_member_text(group.name),
            position=outcome.position,
        )
    return t(
        "{group} is full right now, so I've put you on its waitlist: you are number "
        "{position}. When a seat frees up I'll message you privately, and you'll have "
        "{hours} hours to take it.",
        group=escape_member_text(group.name),
        position=outcome.position,
        hours=group.offer_hours,
    )


def members_embed(
    group: Group,
    rows: list[tuple[int, str, int]],
    waitlist: list[WaitlistEntry],
    t: Translate,
) -> discord.Embed:
    """/group members: its leaders, its members and who waits, as mentions."""
    leaders = [f"<@{u}>" for u, r, _ in rows if r == "leader"]
    members = [f"<@{u}>" for u, r, _ in rows if r == "member"]
    waiting = [f"<@{e.user_id}>" for e in waitlist]
    embed = discord.Embed(title=t("Members of {group}", group=escape_member_text(group.name)))
    embed.add_field(name=t("Leaders"), value=", ".join(leaders)[:1024] or "—", inline=False)
    embed.add_field(
        name=t("Members ({n})", n=len(members)),
        value=", ".join(members)[:1024] or "—",
        inline=False,
    )
    if waiting:
        embed.add_field(
            name=t("Waitlist ({n})", n=len(waiting)),
            value=", ".join(waiting)[:1024],
            inline=False,
        )
    return embed


def panel_embed(groups: list[Group], t: Translate) -> discord.Embed:
    """The groups panel: a field per group (as many as there are Join buttons)."""
    embed = discord.Embed(
        title=t("Our support groups"),
        description=t(
            "Press a group's button to join it. Every group has a private channel; what is "
            "shared there stays there. /group list shows more about each group."
        ),
        colour=discord.Colour.blurple(),
    )
    for g in groups[:PANEL_BUTTONS]:
        access = t("open") if not g.restricted else t("leaders approve")
        details = [escape_member_text(g.topic or ""), g.language, access]
        embed.add_field(
            name=escape_member_text(g.name, limit=256),
            value=" · ".join(x for x in details if x)[:1024],
            inline=False,
        )
    if len(groups) > PANEL_BUTTONS:
        embed.set_footer(text=t("More groups: use /group list."))
    if not groups:
        embed.add_field(name="\u200b", value=t("No groups yet: check back soon."), inline=False)
    return embed


def offer_embed(group_name: str, expires_at: int, t: Translate) -> discord.Embed:
    return discord.Embed(
        title=t("A seat is free in {group}", group=escape_member_text(group_name)),
        description=t(
            "You were on the waitlist, and a seat has opened up for you. It is held for you "
            "until <t:{at}:f> (<t:{at}:R>); after that it goes to the next person.",
            at=expires_at,
        ),
        colour=discord.Colour.green(),
    )


def request_embed(request: JoinRequest, group: Group, t: Translate) -> discord.Embed:
    return discord.Embed(
        title=t("Join request for {group}", group=escape_member_text(group.name)),
        description=t(
            "<@{user}> would like to join. Approve to let them in (they will be told "
            "privately), or decline with an optional kind reason.",
            user=request.user_id,
        ),
        colour=discord.Colour.blurple(),
    )


def missing_embed(group: Group, what: str, t: Translate) -> discord.Embed:
    """`what` is the payload's word: role, channel, voice or leaders_channel."""
    shown = {
        "role": t("role"),
        "channel": t("private channel"),
        "voice": t("voice channel"),
        "leaders_channel": t("leaders' channel"),
    }.get(what, what)
    return discord.Embed(
        title=t("A group lost its {what}", what=shown),
        description=t(
            "The {what} of the group {group} was deleted in Discord. The group's members are "
            "still on record. A moderator can recreate it with the button below.",
            what=shown,
            group=escape_member_text(group.name),
        ),
        colour=discord.Colour.orange(),
    )
