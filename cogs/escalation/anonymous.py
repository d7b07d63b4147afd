"""Distress escalation, the Discord side of alerts from anonymous feedback: the alert in the
escalation channel and the private ask to the group's leaders. Both name nobody and quote
nothing: the feedback's text is not even available here (the outbox row holds the group, the
category, the severity and the C-SSRS level, never a cue). Rendered in the server's language;
no buttons, no pings.
"""

from __future__ import annotations

import discord

from bot.client import Bot
from bot.dispatcher import Rendered, server_of
from bot.i18n import Translate
from bot.kit.text import escape_member_text
from bot.outbox import OutboxMessage
from cogs.escalation import render
from cogs.escalation.service import EscalationService


class AnonymousAlerts:
    """Renderers of FEEDBACK_ALERT and FEEDBACK_LEADERS; the cog registers them."""

    def __init__(self, bot: Bot, service: EscalationService) -> None:
        self.bot = bot
        self.service = service

    async def _group_name(self, guild_id: int, group_id: int | None) -> str | None:
        if group_id is None:
            return None
        group = await self.bot.groups.get(guild_id, group_id)
        return escape_member_text(group.name) if group is not None else None

    async def render_alert(self, message: OutboxMessage) -> Rendered:
        guild_id = server_of(message)
        payload = message.payload
        group_id = payload.get("group_id")
        t = await self.bot.guild_settings.translator(guild_id)
        name = await self._group_name(guild_id, group_id)
        severity = int(payload["severity"])
        embed = discord.Embed(
            title=t("Anonymous feedback: someone may need help"),
            description=_who(group_id, name, t),
            colour=render.SEVERITY_COLOURS.get(severity, discord.Colour.red()),
        )
        embed.add_field(
            name=t("Category and severity"),
            value=f"{render.category_name(str(payload['category']), t)} · "
            f"{render.severity_name(severity, t)}",
            inline=False,
        )
        level = payload.get("level")
        if level:  # the level in words only: a cue would quote the feedback
            embed.add_field(name=t("Why"), value=render.level_name(str(level), t), inline=False)
        embed.add_field(
            name=t("What happens now"),
            value=_next_step(group_id, int(payload.get("leaders", 0)), t),
            inline=False,
        )
        embed.set_footer(
            text=t(
                "Anonymous: nobody is named, and this alert was sent a random few minutes after "
                "the feedback, so its time says nothing either. Only moderators can see this."
            )
        )
        return Rendered(embeds=[embed])

    async def alert_failed(self, message: OutboxMessage, error: Exception) -> None:
        await self.service.feedback_alert_refused(
            server_of(message), message.destination_id, dict(message.payload)
        )

    async def render_leaders(self, message: OutboxMessage) -> Rendered:
        guild_id = server_of(message)
        t = await self.bot.languages.for_row(message)  # a leader's DM: their language
        guild = self.bot.get_guild(guild_id)
        name = await self._group_name(guild_id, message.payload.get("group_id"))
        text = t(
            "Hi, I'm the support bot of {server}. Anonymous feedback suggests that someone in "
            "{group} may be going through a very hard time. Nobody is named, and please don't "
            "try to find out who.\n\nCould you remind the group, at your next session or in the "
            "group's channel, that anyone can use /support at any time to reach a moderator "
            "privately? Thank you for looking after your group.",
            server=escape_member_text(guild.name) if guild else t("your server"),
            group=t("your group **{group}**", group=name) if name else t("your group"),
        )
        return Rendered(content=text)


def _who(group_id: int | None, name: str | None, t: Translate) -> str:
    if group_id is None:
        return t(
            "Someone in the server may be in crisis, according to anonymous feedback to the "
            "moderators."
        )
    return t(
        "Someone in group **{group}** may be in crisis, according to anonymous feedback.",
        group=name or t("(a group that no longer exists)"),
    )


def _next_step(group_id: int | None, leaders: int, t: Translate) -> str:
    if group_id is None:
        return t(
            "Please consider reminding members that /support reaches a moderator privately, "
            "at any time."
        )
    if leaders:
        return t(
            "I've asked the group's leaders, privately, to remind the group that /support "
            "reaches a moderator at any time."
        )
    return t(
        "The group has no leaders I could ask: please remind the group that /support reaches "
        "a moderator at any time."
    )
