"""What people read about meetings: the schedule preview, announcements, reminders, lists.

Times are Discord timestamps (`<t:EPOCH:F>`, bot/kit/timestamps.py), so each reader sees their
own zone; the group's zone is named where a leader needs it (the preview says how the time was
read).
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.i18n import Translate
from bot.kit.text import escape_member_text
from bot.kit.timestamps import stamp_and_relative
from cogs.meetings.models import Series, Session
from cogs.meetings.recurrence import WEEKDAY_NAMES, describe_repeat, repeat_from_rrule
from cogs.meetings.rules import Counts, Draft, Planned, Upcoming
from cogs.meetings.zones import adjustment_note


def local_label(local: datetime, zone: str, t: Translate) -> str:
    """'Tuesday 2027-03-02 12:00 (America/New_York)': for choices, where timestamps don't
    render."""
    return t(
        "{weekday} {date} {time} ({zone})",
        weekday=t(WEEKDAY_NAMES[local.weekday()]),
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        zone=zone,
    )


def repeat_text(series: Series, t: Translate) -> str:
    repeat = repeat_from_rrule(series.rrule, series.start_local)
    return describe_repeat(repeat, series.start_local, t)


def preview(draft: Draft, t: Translate) -> discord.Embed:
    embed = discord.Embed(
        title=t(
            "Schedule {title} for {group}?",
            title=escape_member_text(draft.title),
            group=escape_member_text(draft.group_name),
        )[:256],
        description=t(
            "{repeat}, {minutes} minutes each. Times were read in the group's time zone, "
            "{zone}; below, everyone sees them in their own.",
            repeat=_sentence(describe_repeat(draft.repeat, draft.start_local, t)),
            minutes=draft.duration_minutes,
            zone=draft.zone,
        ),
        colour=discord.Colour.blurple(),
    )
    lines = [stamp_and_relative(p.starts_at) for p in draft.previews]
    label = t("Next sessions") if len(lines) > 1 else t("The session")
    embed.add_field(name=label, value="\n".join(lines), inline=False)
    notes = [
        adjustment_note(p.adjustment, p.key, draft.zone, t)
        for p in draft.previews
        if p.adjustment is not None
    ]
    if notes:
        embed.add_field(name=t("About daylight saving"), value="\n".join(notes), inline=False)
    embed.set_footer(
        text=t(
            "Nothing is saved until you press Confirm. Reminders, RSVP buttons and the "
            "server event follow once it is saved."
        )
    )
    return embed


def announcement(
    series: Series, session: Session, group_name: str, counts: Counts, t: Translate
) -> discord.Embed:
    embed = discord.Embed(
        title=escape_member_text(series.title, limit=256),
        description=t(
            "A session of {group}: {when}, {minutes} minutes.\nLet the leaders know if you're "
            "coming; only they see the names.",
            group=escape_member_text(group_name),
            when=stamp_and_relative(session.starts_at),
            minutes=(session.ends_at - session.starts_at) // 60,
        ),
        colour=discord.Colour.green(),
    )
    embed.add_field(
        name=t("Answers so far"),
        value=t(
            "Going: {going} · Maybe: {maybe} · Can't go: {no}",
            going=counts.going,
            maybe=counts.maybe,
            no=counts.no,
        ),
        inline=False,
    )
    return embed


def reminder(series: Series, session: Session, late: bool, t: Translate) -> str:
    text = t(
        "Reminder: {title} starts {when}.",
        title=escape_member_text(series.title),
        when=stamp_and_relative(session.starts_at),
    )
    if late:
        text += " " + t(
            "(This reminder comes late: I was offline when it was due. The session is still on.)"
        )
    return text


def upcoming_lines(items: list[Upcoming], group_names: dict[int, str], t: Translate) -> str:
    lines = []
    for item in items:
        group = escape_member_text(group_names.get(item.series.group_id, "?"))
        repeat = repeat_text(item.series, t)
        if item.session is None:
            lines.append(
                t(
                    "**{title}** ({group}): no upcoming session",
                    title=escape_member_text(item.series.title),
                    group=group,
                )
            )
            continue
        lines.append(
            t(
                "**{title}** ({group}): {when}, {repeat}",
                title=escape_member_text(item.series.title),
                group=group,
                when=stamp_and_relative(item.session.starts_at),
                repeat=repeat,
            )
        )
    return "\n".join(lines)


def planned_label(planned: Planned, zone: str, t: Translate) -> str:
    label = local_label(planned.local, zone, t)
    if planned.local != planned.key:
        label = t("{label} (moved)", label=label)
    return label[:100]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
