"""What the moderation feature shows: the mod-log entry (one format for every action, whoever
recorded it), the moderators' copy of a report, guidelines, reminders and the member's notices.

Nothing here can ping: mentions in embeds never notify, and every send uses allowed_mentions
none. Text members typed (a reported message) is shown escaped, inside a quote.
"""

from __future__ import annotations

import discord

from bot.i18n import N_, Translate
from bot.kit.links import message_url
from bot.kit.text import escape_detail, escape_member_text, leader_text, quote_member_text
from bot.kit.timestamps import stamp
from bot.modlog import SETTING, ActionText, ModLogEntry
from cogs.moderation.actions import GUIDELINES, REMINDERS, REPORT, TIMEOUT, UNTIMEOUT, WARN
from cogs.moderation.models import Guideline, Report

CADENCE_NAMES = {
    "off": N_("no scheduled reminders"),
    "weekly": N_("every week"),
    "biweekly": N_("every 2 weeks"),
    "monthly": N_("every month"),
}
SETTING_NAMES = {
    "moderator_role": N_("moderator role"),
    "escalation_channel": N_("escalation channel"),
    "mod_log_channel": N_("mod-log channel"),
    "region": N_("region for crisis resources"),
    "timezone": N_("default time zone"),
    "language": N_("language"),
    "retention_days": N_("days private words are kept"),
}
DEFAULT_COLOUR = discord.Colour.dark_grey()  # a kind declared without a colour (SETTING)


def colour_of(text: ActionText) -> discord.Colour:
    if text.colour is not None:
        return discord.Colour(text.colour)
    return DEFAULT_COLOUR


def user(user_id: int | None, t: Translate) -> str:
    if not user_id:
        return t("the bot")
    return f"<@{user_id}>"


def schedule_text(cadence: str, at_session: bool, t: Translate) -> str:
    text = t(CADENCE_NAMES.get(cadence, cadence))
    if at_session:
        text = t("{schedule}, and at the start of each session", schedule=text)
    return text


def _setting_value(setting: str, value: str | int) -> str:
    if setting == "moderator_role":
        return f"<@&{value}>"
    if setting.endswith("_channel"):
        return f"<#{value}>"
    return escape_member_text(str(value))


def entry_sentence(
    entry: ModLogEntry, text: ActionText, t: Translate, group_name: str | None
) -> str:
    """What happened, in `text`'s sentence (the entry's kind as declared to `bot.modlog`)."""
    details = entry.details
    group = group_name or (t("a deleted group") if entry.group_id else "")
    # Any detail can appear in an action's sentence as {name}; a few are shown specially.
    params: dict[str, object] = {
        key: escape_detail(value) if isinstance(value, str) else value
        for key, value in details.items()
    }
    params |= {
        "actor": user(entry.actor_id, t),
        "target": user(entry.target_id, t) if entry.target_id else "",
        "group": escape_member_text(group),
    }
    if entry.action == TIMEOUT:
        params["until"] = stamp(int(details.get("until", 0)))
    elif entry.action == GUIDELINES:
        params["scope"] = (
            t("the guidelines of {group}", group=params["group"])
            if entry.group_id
            else t("the server's guidelines")
        )
    elif entry.action == REMINDERS:
        params["schedule"] = schedule_text(
            str(details.get("cadence", "off")), bool(details.get("at_session")), t
        )
    elif entry.action == SETTING:
        setting = str(details.get("setting", ""))
        params["setting"] = t(SETTING_NAMES[setting]) if setting in SETTING_NAMES else setting
    return t(text.sentence, **params)


def modlog_embed(
    entry: ModLogEntry, text: ActionText, t: Translate, group_name: str | None
) -> discord.Embed:
    """The one format of the mod log, for every action."""
    embed = discord.Embed(
        title=t("Case #{case} · {action}", case=entry.case_number, action=t(text.title)),
        description=entry_sentence(entry, text, t, group_name),
        colour=colour_of(text),
    )
    if entry.target_id:
        embed.add_field(name=t("Member"), value=user(entry.target_id, t), inline=True)
    if entry.action != REPORT:  # who reported is for the report's own post only
        embed.add_field(name=t("By"), value=user(entry.actor_id, t), inline=True)
    if group_name:
        embed.add_field(name=t("Group"), value=escape_member_text(group_name), inline=True)
    if entry.action == SETTING and "value" in entry.details:
        embed.add_field(
            name=t("New value"),
            value=_setting_value(str(entry.details.get("setting")), entry.details["value"]),
            inline=True,
        )
    if entry.reason:
        embed.add_field(
            name=t("Reason"), value=escape_member_text(entry.reason, limit=1024), inline=False
        )
    embed.add_field(name=t("When"), value=stamp(entry.created_at), inline=False)
    return embed


# ---------------------------------------------------------------------- reports


def quoted(text: str) -> str:
    """Member text, shown safely: markdown escaped, inside a quote block."""
    return quote_member_text(text)


def report_status(report: Report, t: Translate) -> str:
    if report.status == "resolved":
        return t(
            "Resolved by {who} {when}",
            who=user(report.closed_by, t),
            when=stamp(report.closed_at or 0, "R"),
        )
    if report.status == "dismissed":
        return t(
            "Dismissed by {who} {when}",
            who=user(report.closed_by, t),
            when=stamp(report.closed_at or 0, "R"),
        )
    if report.claimed_by:
        return t("Open, claimed by {who}", who=user(report.claimed_by, t))
    return t("Open: nobody has claimed it yet")


def report_embed(
    report: Report, t: Translate, retention_days: int, *, hide_reporter: bool = False
) -> discord.Embed:
    """The moderators' copy. `hide_reporter` when the reported member can read its channel."""
    if report.snapshot is not None:
        description = quoted(report.snapshot)[:3500] if report.snapshot else t("(no text)")
    else:
        description = t(
            "The reported text was deleted {days} days after the report was closed.",
            days=retention_days,
        )
    colour = {
        "open": discord.Colour.orange(),
        "resolved": discord.Colour.green(),
        "dismissed": discord.Colour.light_grey(),
    }[report.status]
    embed = discord.Embed(
        title=t("Report #{case}", case=report.case_number), description=description, colour=colour
    )
    embed.add_field(name=t("Written by"), value=user(report.author_id, t), inline=True)
    embed.add_field(name=t("In"), value=f"<#{report.channel_id}>", inline=True)
    reporter = (
        t(
            "Not shown here, because {author} can read this channel. Whoever claims the report "
            "is told privately.",
            author=user(report.author_id, t),
        )
        if hide_reporter
        else user(report.reporter_id, t)
    )
    embed.add_field(name=t("Reported by"), value=reporter, inline=not hide_reporter)
    if report.reason:
        embed.add_field(name=t("Their reason"), value=quoted(report.reason)[:1024], inline=False)
    embed.add_field(
        name=t("Message"),
        value=t(
            "[Jump to the message]({url}) (it may have been edited or deleted since)",
            url=message_url(report.guild_id, report.channel_id, report.message_id),
        ),
        inline=False,
    )
    embed.add_field(name=t("Status"), value=report_status(report, t), inline=False)
    embed.add_field(name=t("Reported"), value=stamp(report.created_at), inline=False)
    return embed


# ---------------------------------------------------------------------- guidelines


def guideline_embed(guideline: Guideline, t: Translate, group_name: str | None) -> discord.Embed:
    title = (
        t("Guidelines of {group}", group=escape_member_text(group_name))
        if group_name
        else t("The server's guidelines")
    )
    embed = discord.Embed(
        title=title[:256], description=leader_text(guideline.body, limit=4096), colour=0x5B8DEF
    )
    embed.add_field(
        name=t("Version {version}", version=guideline.version),
        value=t("Updated {when}", when=stamp(guideline.created_at, "D")),
        inline=False,
    )
    return embed


def reminder_text(why: str, t: Translate, pinned_url: str | None) -> str:
    if why == "session":
        text = t(
            "Welcome to today's session. A gentle reminder of this group's guidelines, so "
            "everyone can feel safe: be kind and respectful, share your own experience rather "
            "than medical advice, and keep what is shared here within the group."
        )
    else:
        text = t(
            "A gentle reminder of this group's guidelines, so everyone can feel safe: be kind "
            "and respectful, share your own experience rather than medical advice, and keep "
            "what is shared here within the group."
        )
    if pinned_url:
        return text + "\n" + t("You can read them in full here: {url}", url=pinned_url)
    return text + "\n" + t("You can read them in full with /guidelines show.")


# ---------------------------------------------------------------------- the member's notices


def member_notice(
    entry: ModLogEntry,
    t: Translate,
    *,
    server: str,
    group_name: str | None,
    guideline: str | None,
) -> str:
    """The private, kind word a member gets about a warning or a timeout. It never says who."""
    server = escape_member_text(server)
    if entry.action == WARN:
        who = (
            t("the leaders of {group}", group=escape_member_text(group_name))
            if group_name
            else t("the moderators")
        )
        lines = [
            t("Hello. This is a note from {who} in {server}.", who=who, server=server),
            t("Reason: {reason}", reason=escape_member_text(entry.reason or "")),
        ]
        if guideline:
            lines.append(t("Guidelines concerned: {guideline}", guideline=guideline))
        lines.append(
            t(
                "This is a reminder, not a punishment: you're still welcome, and we want the "
                "space to feel safe for everyone, you included."
            )
        )
        lines.append(
            t(
                "What you can do next: read the guidelines again with /guidelines show. If "
                "you'd like to talk about it, or you feel this wasn't fair, use /support in "
                "{server} to reach a moderator privately. (Case #{case})",
                server=server,
                case=entry.case_number,
            )
        )
        return "\n".join(lines)
    if entry.action == TIMEOUT:
        until = int(entry.details.get("until", 0))
        return "\n".join(
            [
                t(
                    "Hello. The moderators of {server} have paused your messages until {until} "
                    "({relative}). You can still read the channels.",
                    server=server,
                    until=stamp(until),
                    relative=stamp(until, "R"),
                ),
                t("Reason: {reason}", reason=escape_member_text(entry.reason or "")),
                t(
                    "If you'd like to talk about it, you can message a moderator, or use "
                    "/support in the server once the pause is over to reach one privately. "
                    "(Case #{case})",
                    case=entry.case_number,
                ),
            ]
        )
    if entry.action == UNTIMEOUT:
        return t(
            "Hello. Your timeout in {server} has been lifted: you can write again. (Case #{case})",
            server=server,
            case=entry.case_number,
        )
    raise ValueError(f"no member notice for {entry.action}")


def guideline_name(guideline: Guideline, group_name: str | None, t: Translate) -> str:
    if guideline.for_group is None:
        return t("the server's guidelines, version {version}", version=guideline.version)
    return t(
        "the guidelines of {group}, version {version}",
        group=escape_member_text(group_name or "?"),
        version=guideline.version,
    )
