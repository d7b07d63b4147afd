"""The words of the programme's messages: the leaders' briefing and the attendance prompt.

Members are named by mention: these are private messages to a group's leaders, where a mention
pings nobody (and the outbox sends with no mentions allowed anyway); @everyone and roles are
never written. A group's name was typed by a leader: it is escaped."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translate
from bot.kit.text import escape_member_text
from bot.kit.timestamps import stamp, stamp_and_relative

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
