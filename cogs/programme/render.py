"""The words of the programme's messages: the leaders' briefing and the attendance prompt.

Members are named by mention: these are private messages to a group's leaders, where a mention
pings nobody (and the outbox sends with no mentions allowed anyway); @everyone and roles are
never written. A group's name was typed by a leader: it is escaped."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translate
from bot.kit.text import escape_member_text
from bot.kit.timestamps import stamp, stamp_and_relative
from bot.permissions import MAX_READERS_NAMED, bot_missing, permission_names, unwanted_readers

BRIEFING_TITLE = N_("Before the session of {group}")


def mentions(user_ids: list[int], t: Translate, limit: int = 30) -> str:
    shown = ", ".join(f"<@{u}>" for u in user_ids[:limit])
    more = len(user_ids) - limit
    return shown if more <= 0 else t("{shown} and {more} more", shown=shown, more=more)


def briefing(
    payload: dict[str, Any], group_name: str, moderator_role: str | None, t: Translate
) -> str:
    """The briefing, from the ids and counts the service gathered (never any member's words)."""
    group = escape_member_text(group_name, limit=100)
    lines = [
        "**" + t(BRIEFING_TITLE, group=group) + "**",
        t("The session starts {when}.", when=stamp_and_relative(payload["starts_at"])),
    ]
    rsvp = payload.get("rsvp")
    if rsvp is not None:
        lines.append(
            t(
                "RSVPs: {going} going, {maybe} maybe, {no} can't go.",
                going=rsvp[0],
                maybe=rsvp[1],
                no=rsvp[2],
            )
        )
    joined = payload["joined"]
    lines.append(
        t(
            "New since the last session (you may want to welcome them): {who}.",
            who=mentions(joined, t),
        )
        if joined
        else t("Nobody new since the last session.")
    )
    waiting = payload.get("not_accepted")
    if waiting is None:
        lines.append(t("Agreement: I can't tell who has accepted it."))
    elif waiting:
        lines.append(t("Not yet accepted the current agreement: {who}.", who=mentions(waiting, t)))
    else:
        lines.append(t("Everyone has accepted the current agreement."))
    version = payload.get("guidelines")
    lines.append(
        t("Guidelines: version {version}.", version=escape_member_text(str(version), limit=40))
        if version
        else t("Guidelines: version not known.")
    )
    on_duty = payload.get("on_duty")
    if on_duty:
        lines.append(t("Moderators on duty during the session: {who}.", who=mentions(on_duty, t)))
    elif moderator_role:
        lines.append(
            t(
                "Moderators: anyone with the {role} role.",
                role=escape_member_text(moderator_role, limit=100),
            )
        )
    else:
        lines.append(t("Moderators: no moderator role is set up yet."))
    notes: list[str] = []
    if payload.get("open_reports"):
        notes.append(
            t.plural(
                "{n} open report in the group.",
                "{n} open reports in the group.",
                payload["open_reports"],
            )
        )
    if payload.get("contact"):
        notes.append(t("Asked to be contacted: {who}.", who=mentions(payload["contact"], t)))
    if notes:
        lines.append(t("Good to know: {notes}", notes=" ".join(notes)))
    return "\n".join(lines)


def attendance_prompt(group_name: str, starts_at: int, t: Translate) -> str:
    return t(
        "The session of {group} on {when} has ended. Who came? It helps the group's reports "
        "(they show counts only). You can also skip it.",
        group=escape_member_text(group_name, limit=100),
        when=stamp(starts_at),
    )


def recorded(count: int | None, t: Translate) -> str:
    if count is None:
        return t("Skipped: nothing is recorded for this session.")
    return t.plural("Saved: {n} person came.", "Saved: {n} people came.", count)


def channel_problem(channel: Any, moderator_role_id: int | None, t: Translate) -> str | None:
    """The organisation's channel gets the leaders' words about their groups: only moderators,
    admins and the bot may read it (bot.permissions), and the bot must be able to post there."""
    readers = unwanted_readers(channel, moderator_role_id)
    if readers:
        named = [r.mention for r in readers[:MAX_READERS_NAMED]]
        if len(readers) > MAX_READERS_NAMED:
            named.append(t("and {n} more", n=len(readers) - MAX_READERS_NAMED))
        return t(
            "{channel} can be read by people who are not moderators or admins: {readers}. The "
            "reports hold what leaders say about their groups, so please choose a channel only "
            "moderators can see (or make this one private first).",
            channel=channel.mention,
            readers=", ".join(named),
        )
    missing = bot_missing(channel)
    if missing:
        return t(
            "I can't post in {channel} yet: I'm missing {permissions} there. Give my role "
            "those permissions in the channel's settings, then try again.",
            channel=channel.mention,
            permissions=permission_names(missing),
        )
    return None


def schedule_set(on: bool, channel: str, interval: str, first: int | None, t: Translate) -> str:
    if not on:
        return t("The programme report is no longer posted on a schedule.")
    how = t("every month") if interval == "monthly" else t("every quarter")
    return t(
        "The programme report will be posted in {channel} {how}, the first one {when}. Each "
        "group's leaders get their group's report privately, with a short check-in.",
        channel=channel,
        how=how,
        when=stamp(first or 0),
    )
