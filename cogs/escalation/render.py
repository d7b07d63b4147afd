"""What people read: the moderators' alert, the member's crisis resources, pages, mod-log lines.

Everything goes through the translation layer. Alerts and mod-log lines are in the server's
language; mentions inside embeds never ping, and message contents mention only on purpose (the
moderator role or the admins in a page).
"""

from __future__ import annotations

import discord

from bot.i18n import N_, Translate
from bot.kit.links import jump_url
from bot.kit.text import escape_member_text
from bot.kit.timestamps import stamp_and_relative
from cogs.escalation.detection import SEVERITY_NAMES
from cogs.escalation.helplines import Contact, Helpline, Resources
from cogs.escalation.models import Case, CaseMessage
from cogs.escalation.render_catchup import offline_note
from cogs.escalation.service import SUPPORT_REQUEST, CaseView
from cogs.escalation.views import CaseButton, ContactButton

CATEGORY_NAMES = {
    "intent_or_plan": N_("intent or plan"),
    "suicidal_ideation": N_("suicidal ideation"),
    "self_harm": N_("self-harm"),
    "hopelessness": N_("hopelessness"),
    SUPPORT_REQUEST: N_("asked for help"),
}
SEVERITY_LABELS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
}
# The C-SSRS levels (cogs.escalation.detection.model.LEVELS), in words for the moderators.
LEVEL_NAMES = {
    "wish_dead": N_("Wish to be dead"),
    "active_thoughts": N_("Suicidal thoughts"),
    "method": N_("Thoughts with a method"),
    "intent": N_("Intent"),
    "plan": N_("Intent with a plan"),
    "preparatory": N_("Preparing"),
    "attempt": N_("Attempt"),
    "nssi": N_("Self-harm"),
    "hopelessness": N_("Hopelessness"),
    "burdensomeness": N_("Feeling a burden"),
    "entrapment": N_("Feeling trapped"),
}
MODIFIER_NAMES = {
    "negated": N_("negated"),
    "past": N_("past tense"),
    "reported": N_("reported speech"),
    "third_person": N_("about someone else"),
}
SEVERITY_COLOURS = {
    1: discord.Colour.gold(),
    2: discord.Colour.orange(),
    3: discord.Colour.red(),
    4: discord.Colour.dark_red(),
}
FIELD_LIMIT = 1024
QUOTE_LIMIT = 900
FOLLOW_UPS_SHOWN = 3


def category_name(category: str, t: Translate) -> str:
    return t(CATEGORY_NAMES.get(category, category))


def severity_name(severity: int, t: Translate) -> str:
    return t(SEVERITY_LABELS[SEVERITY_NAMES.get(severity, "high")])


def level_name(level: str, t: Translate) -> str:
    return t(LEVEL_NAMES[level]) if level in LEVEL_NAMES else level


def why(level: str | None, cue: str | None, t: Translate) -> str:
    """The C-SSRS level in words and the cue, the member's words that raised it, in quotes
    ("a + b" when two signals were read together). Empty when the level is unknown."""
    if not level:
        return ""
    text = level_name(level, t)
    if cue:
        parts = (escape_member_text(p.strip()) for p in cue.split(" + "))
        text += " · " + " + ".join(f"“{p}”" for p in parts if p)
    return text[:FIELD_LIMIT]


def alert_link(case: Case) -> str:
    """The jump link to the case's alert; empty until the outbox said it was sent."""
    return jump_url(case.guild_id, case.alert_channel_id, case.alert_message_id) or ""


def _quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    text = escape_member_text(text.strip())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def _words(message: CaseMessage, t: Translate, limit: int = QUOTE_LIMIT) -> str:
    if message.text is None:
        return t("(deleted after the retention period)")
    quoted = _quote(message.text, limit)
    if message.modifiers:
        names = ", ".join(t(MODIFIER_NAMES.get(m, m)) for m in message.modifiers)
        quoted += "\n" + t("Severity lowered: {reasons}.", reasons=names)
    if message.source == "edit":
        quoted += "\n" + t("(the member edited their message to say this)")
    if message.posted_at is not None:
        quoted += "\n" + offline_note(message.posted_at, t)
    if message.forwarded:
        quoted += "\n" + t(
            "(a message the member forwarded: the words may first have been someone else's)"
        )
    if message.source == "support" and message.category != SUPPORT_REQUEST:
        quoted += "\n" + t(
            "Their words signal {category}, {severity}.",
            category=category_name(message.category, t),
            severity=severity_name(message.severity, t),
        )
    return quoted


# ---------------------------------------------------------------------------- the alert


def _status_line(case: Case, t: Translate) -> str:
    if case.status == "open":
        return t("**Unclaimed.** If you can reach out to the member, please claim it.")
    if case.status == "claimed":
        return t(
            "**Claimed** by <@{moderator}> <t:{at}:R>.",
            moderator=case.claimed_by,
            at=case.claimed_at,
        )
    if case.status == "resolved":
        return t(
            "**Resolved** by <@{moderator}> <t:{at}:R>.",
            moderator=case.closed_by,
            at=case.closed_at,
        )
    return t(
        "**Closed as a false alarm** by <@{moderator}> <t:{at}:R>.",
        moderator=case.closed_by,
        at=case.closed_at,
    )


def _resources_line(case: Case, t: Translate) -> str:
    if case.resources_via == "dm":
        if case.source == "contact":
            return t("Already given with an earlier case.")
        return t("Sent to the member by direct message.")
    if case.resources_via == "thread_pending":
        return t("The member's DMs are closed: opening a private thread for them.")
    if case.resources_via == "thread":
        return t(
            "The member's DMs are closed: sent in a private thread only they and the "
            "moderators can see (<#{thread}>).",
            thread=case.fallback_thread_id,
        )
    if case.resources_via == "undeliverable":
        return t("⚠️ Could not be delivered privately. Please reach out to the member another way.")
    return t("Already given with their other open case.")


def alert_embed(
    view: CaseView,
    t: Translate,
    *,
    member_name: str | None,
    where: str,
    about_moderator: bool = False,
) -> discord.Embed:
    case = view.case
    title = (
        t("Alert #{case}: a member asked for a human", case=case.id)
        if case.category == SUPPORT_REQUEST
        else t("Alert #{case}: a member may need help", case=case.id)
    )
    lines = [_status_line(case, t)]
    if about_moderator and case.is_open:
        lines.append(
            t(
                "⚠️ This alert is about a moderator: <@{member}> can't claim or close it. "
                "Another moderator or an admin, please take it.",
                member=case.user_id,
            )
        )
    if case.note:
        lines.append(t("Note: {note}", note=_quote(case.note, 600)))
    if case.contact_requested_at is not None:
        lines.append(
            t(
                "🙋 The member asked a moderator to contact them <t:{at}:R>.",
                at=case.contact_requested_at,
            )
        )
    colour = SEVERITY_COLOURS.get(case.severity, discord.Colour.red())
    if not case.is_open:
        colour = discord.Colour.dark_grey()
    embed = discord.Embed(title=title, description="\n".join(lines), colour=colour)
    member = f"<@{case.user_id}>"
    if member_name:
        member += f" ({escape_member_text(member_name)})"
    embed.add_field(name=t("Member"), value=member, inline=True)
    embed.add_field(name=t("Where"), value=where[:FIELD_LIMIT], inline=True)
    embed.add_field(
        name=t("Category and severity"),
        value=f"{category_name(case.category, t)} · {severity_name(case.severity, t)}",
        inline=True,
    )
    reason = why(case.level, case.cue, t)
    if reason:
        embed.add_field(name=t("Why"), value=reason, inline=False)
    words = [m for m in view.messages]
    if words:
        embed.add_field(
            name=t("What they wrote"), value=_words(words[0], t)[:FIELD_LIMIT], inline=False
        )
    elif case.text_purged_at is None and case.category == SUPPORT_REQUEST:
        embed.add_field(
            name=t("What they wrote"),
            value=t("(nothing: they only asked for a human)"),
            inline=False,
        )
    follow_ups = words[1:]
    if follow_ups:
        shown = follow_ups[-FOLLOW_UPS_SHOWN:]
        text = "\n".join(_words(m, t, 280) for m in shown)
        embed.add_field(
            name=t("Follow-ups ({n})", n=len(follow_ups)), value=text[:FIELD_LIMIT], inline=False
        )
    if case.text_purged_at is not None:
        embed.add_field(
            name=t("Privacy"),
            value=t("The member's words were deleted after this server's retention period."),
            inline=False,
        )
    embed.add_field(name=t("Crisis resources"), value=_resources_line(case, t), inline=False)
    embed.add_field(name=t("Opened"), value=stamp_and_relative(case.created_at), inline=False)
    embed.set_footer(text=t("Only moderators can see this. Never discuss it where members can."))
    return embed


def alert_view(case: Case, t: Translate) -> discord.ui.View | None:
    if not case.is_open:
        return None
    view = discord.ui.View(timeout=None)
    if case.status == "open":
        view.add_item(
            CaseButton(
                action="claim", case_id=case.id, label=t("Claim"), style=discord.ButtonStyle.primary
            )
        )
    view.add_item(
        CaseButton(
            action="resolve",
            case_id=case.id,
            label=t("Resolved"),
            style=discord.ButtonStyle.success,
        )
    )
    view.add_item(CaseButton(action="false", case_id=case.id, label=t("False alarm")))
    return view


# ---------------------------------------------------------------------------- crisis resources


def _contact(contact: Contact, t: Translate) -> str:
    if contact.type == "call":
        return t("Call {number}", number=contact.value)
    if contact.type == "text":
        if contact.keyword:
            return t("Text {keyword} to {number}", keyword=contact.keyword, number=contact.value)
        return t("Text {number}", number=contact.value)
    if contact.type == "chat":
        return t("Chat online: {address}", address=contact.value)
    return contact.value


def _helpline(line: Helpline, t: Translate) -> str:
    parts = [_contact(c, t) for c in line.contacts]
    if line.hours == "24/7":
        parts.append(t("Open 24 hours a day, every day."))
    return "\n".join(parts)


def resources_content(
    case: Case,
    resources: Resources,
    t: Translate,
    *,
    server: str,
    name: str | None,
    told: bool = True,
) -> str:
    """`told`: an alert reached the moderators; until then the member reads that help is being
    sought, never that the moderators know."""
    hello = t("Hi {name},", name=name) if name else t("Hi,")
    if not told and case.category == SUPPORT_REQUEST:
        body = t(
            "you asked for someone to talk to, and that took courage. I'm getting your message "
            "to the moderators of {server}, privately, right now; I'll update this message once "
            "they have it. While you wait, the people below are there to listen, at any hour.",
            server=server,
        )
    elif not told:
        body = t(
            "I'm the support bot of {server}. Something you wrote made us want to check in with "
            "you. You're not in trouble. I'm letting the server's moderators know, privately, "
            "right now; nobody else will be told. If things feel very hard right now, you don't "
            "have to face it alone: the people below are there to listen, at any hour.",
            server=server,
        )
    elif case.category == SUPPORT_REQUEST:
        body = t(
            "you asked for someone to talk to, and that took courage. The moderators of {server} "
            "have been told, privately, and one of them will contact you as soon as they can. "
            "While you wait, the people below are there to listen, at any hour.",
            server=server,
        )
    else:
        body = t(
            "I'm the support bot of {server}. Something you wrote made us want to check in with "
            "you. You're not in trouble, and only the server's moderators know; nobody else "
            "has been told. If things feel very hard right now, you don't have to face it "
            "alone: the people below are there to listen, at any hour.",
            server=server,
        )
    if resources.emergency:
        danger = t(
            "If you are in immediate danger, please call {number} (or your local emergency "
            "number) now.",
            number=resources.emergency,
        )
    else:
        danger = t("If you are in immediate danger, please call your local emergency number now.")
    lines = [f"{hello} {body}", "", f"**{danger}**"]
    if case.contact_requested_at is None:
        lines += [
            "",
            t(
                "If you'd like one of the moderators to reach out to you privately, press the "
                "button below."
            ),
        ]
    return "\n".join(lines)


def resources_embed(resources: Resources, t: Translate) -> discord.Embed:
    embed = discord.Embed(
        title=t("People you can talk to"),
        colour=discord.Colour.teal(),
    )
    for line in resources.lines:
        embed.add_field(name=line.name, value=_helpline(line, t)[:FIELD_LIMIT], inline=False)
    international = "\n".join(
        f"{line.name}: {_helpline(line, t)}" for line in resources.international
    )
    embed.add_field(
        name=t("Anywhere in the world"),
        value=(
            t("These sites list free, confidential helplines in every country:")
            + "\n"
            + international
        )[:FIELD_LIMIT],
        inline=False,
    )
    return embed


def resources_view(case: Case, t: Translate) -> discord.ui.View | None:
    if case.contact_requested_at is not None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(ContactButton(case_id=case.id, label=t("Ask a moderator to contact me")))
    return view


# ---------------------------------------------------------------------------- pages and logs


def page_text(case: Case, level: int, t: Translate, *, minutes: int) -> str:
    link = alert_link(case)
    if level == 1:
        return t(
            "Alert #{case} has waited {minutes} minutes and nobody has claimed it yet. Please "
            "open the alert and claim it if you can reach out. {link}",
            case=case.id,
            minutes=minutes,
            link=link,
        ).strip()
    return t(
        "Alert #{case} is still unclaimed after {minutes} minutes, even after paging the "
        "moderators. Admins, please make sure someone reaches out. {link}",
        case=case.id,
        minutes=minutes,
        link=link,
    ).strip()


def page_settled_text(case: Case, t: Translate) -> str:
    return t(
        "Alert #{case} needed a page, but it has been taken care of meanwhile. {link}",
        case=case.id,
        link=alert_link(case),
    ).strip()


MOD_LOG_TEXTS = {
    "opened": N_("Alert #{case} opened for <@{member}>: {category}, {severity}, {where}."),
    "paged_moderators": N_(
        "Alert #{case}: nobody had claimed it in time; the moderator role was paged."
    ),
    "paged_admins": N_("Alert #{case}: still unclaimed; the server admins were paged."),
    "claimed": N_("Alert #{case} claimed by <@{by}>."),
    "resolved": N_("Alert #{case} resolved by <@{by}>."),
    "false_alarm": N_("Alert #{case} closed as a false alarm by <@{by}>."),
    "contact_requested": N_("Alert #{case}: the member asked a moderator to contact them."),
    "support_requested": N_("Alert #{case}: the member used /support to ask for a human."),
    "resources_thread": N_(
        "Alert #{case}: the member's DMs are closed; the crisis resources went to a private thread."
    ),
    "resources_undeliverable": N_(
        "Alert #{case}: the crisis resources could not be delivered privately."
    ),
    "alert_moved": N_(
        "Alert #{case}: the escalation channel refused the alert, so it was posted here. "
        "Please check /setup escalation-channel."
    ),
    "alert_to_moderators": N_(
        "Alert #{case}: no alert channel could take it, so it was sent to the moderators by "
        "direct message. Please check /setup show."
    ),
    "alert_to_admins": N_(
        "Alert #{case}: no alert channel or moderator could take it, so it was sent to the "
        "admins by direct message. Please check /setup show."
    ),
    "alert_stuck": N_(
        "Alert #{case}: Discord has not let me post it in the alert channel for a few minutes, "
        "so it was also sent to the moderators by direct message."
    ),
    "alert_undelivered": N_(
        "Alert #{case}: nobody could be told (no alert channel works and no DM got through). "
        "Please check /setup show."
    ),
    "purged": N_("Alert #{case}: the member's words were deleted after the retention period."),
}

UPDATE_TEXTS = {
    "contact_requested": N_("Alert #{case}: the member asked a moderator to contact them. {link}"),
    "support_requested": N_("Alert #{case}: the member used /support to ask for a human. {link}"),
    "resources_undeliverable": N_(
        "Alert #{case}: I could not send the crisis resources to the member privately (their "
        "DMs are closed and no private thread was possible). Please reach out to them another "
        "way. {link}"
    ),
}


def mod_log_text(case: Case, event: str, t: Translate, *, by: int | None, where: str) -> str:
    template = MOD_LOG_TEXTS.get(event, N_("Alert #{case}: {event}."))
    text = t(
        template,
        case=case.id,
        member=case.user_id,
        category=category_name(case.category, t),
        severity=severity_name(case.severity, t),
        where=where,
        by=by,
        event=event,
    )
    link = alert_link(case)
    return f"{text} {link}".strip()


def update_text(case: Case, event: str, t: Translate) -> str:
    template = UPDATE_TEXTS.get(event, N_("Alert #{case}: {event}. {link}"))
    return t(template, case=case.id, event=event, link=alert_link(case)).strip()
