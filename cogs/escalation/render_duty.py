"""What people read about who is on duty: the mention of the moderators on duty above an alert,
their page, the notes for the moderators (paged on duty, paging stopped, a check-in reminder
that could not be delivered), the check-in reminder itself, and the /duty replies. Discord glue:
the rules are in duty.py.

Mentions ping exactly the moderators on duty (users, never a role, never @everyone), and never
the member an alert is about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.client import Bot
from bot.dispatcher import PermanentFailure, Rendered
from bot.i18n import N_, Translate
from bot.kit.links import jump_url
from bot.kit.timestamps import stamp
from bot.outbox import OutboxMessage
from cogs.escalation.duty import (
    MAX_PAGED_USERS,
    MAX_WIDEST_REPEATS,
    WIDEST_REPEAT_SECONDS,
    DutyService,
    OnDuty,
    RotaLine,
    Upcoming,
)
from cogs.escalation.models import Case
from cogs.escalation.models_duty import DutySettings, ResolvedCase, RotaEntry

DAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
MAX_LINES = 40

NOTES = {
    "paged_on_duty": N_(
        "Alert #{case}: nobody had claimed it in time; the moderators on duty were paged "
        "({people}). {link}"
    ),
    "paging_stopped": N_(
        "Alert #{case} is still unclaimed. I've paged everyone I can, {n} times over the last "
        "two hours, and will stop pinging now so this channel stays readable. The alert stays "
        "open here: whoever can, please claim it. {link}"
    ),
    "checkin_failed": N_(
        "Alert #{case}: I couldn't send the check-in reminder to <@{by}> (their DMs are closed). "
        "{link}"
    ),
}


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def shift_text(entry: RotaEntry, t: Translate) -> str:
    return t(
        "{day} {start}–{end}",
        day=t(DAY_NAMES[entry.weekday]),
        start=clock_text(entry.start_minute),
        end=clock_text(entry.end_minute),
    )


def _mentions(users: Sequence[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(
        everyone=False,
        users=[discord.Object(u) for u in users],
        roles=False,
        replied_user=False,
    )


def _link(guild_id: int, channel_id: int | None, message_id: int | None) -> str:
    return jump_url(guild_id, channel_id, message_id) or ""


def reachable(bot: Bot, guild_id: int, channel_id: int, users: Sequence[int]) -> list[int]:
    """The users still in the server who can read the channel (a mention elsewhere would ping
    someone who cannot open the alert)."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return []
    channel = guild.get_channel(channel_id)
    found: list[int] = []
    for user_id in users:
        member = guild.get_member(user_id)
        if member is None or member.bot:
            continue
        if channel is not None and not channel.permissions_for(member).view_channel:
            continue
        found.append(user_id)
    return found[:MAX_PAGED_USERS]


# ---------------------------------------------------------------------------- the alert and pages


async def mention_on_duty(
    bot: Bot, duty: DutyService, case: Case, channel_id: int, rendered: Rendered
) -> Rendered:
    """The alert, mentioning the moderators on duty when anyone is (and the case is still
    unclaimed); otherwise unchanged."""
    if case.status != "open":
        return rendered
    on_duty = await duty.on_duty_now(case.guild_id, exclude=case.user_id)
    users = reachable(bot, case.guild_id, channel_id, on_duty)
    if not users:
        return rendered
    t = await bot.guild_settings.translator(case.guild_id)
    people = " ".join(f"<@{u}>" for u in users)
    rendered.content = t("{people}: you're on duty, and this alert needs someone.", people=people)
    rendered.allowed_mentions = _mentions(users)
    return rendered


def duty_page(
    bot: Bot, case: Case, payload: Mapping[str, Any], channel_id: int, t: Translate, minutes: int
) -> Rendered | None:
    """The page of the moderators on duty; None when none of them is still here (the caller
    pages the role instead)."""
    wanted = [int(u) for u in payload.get("users") or [] if int(u) != case.user_id]
    users = reachable(bot, case.guild_id, channel_id, wanted)
    if not users:
        return None
    people = " ".join(f"<@{u}>" for u in users)
    text = t(
        "{people} Alert #{case} has waited {minutes} minutes and nobody has claimed it yet. "
        "You're on duty: please open the alert and claim it if you can reach out. {link}",
        people=people,
        case=case.id,
        minutes=minutes,
        link=_link(case.guild_id, case.alert_channel_id, case.alert_message_id),
    ).strip()
    return Rendered(content=text, allowed_mentions=_mentions(users))


# ---------------------------------------------------------------------------- outbox renderers


class DutyDesk:
    """The duty cog's renderers: notes for the moderators and the check-in reminder."""

    def __init__(self, bot: Bot, duty: DutyService) -> None:
        self.bot = bot
        self.duty = duty

    async def _case(self, message: OutboxMessage) -> ResolvedCase:
        case = await self.duty.resolved(int(message.payload["case_id"]))
        if case is None:
            raise PermanentFailure(f"case {message.payload.get('case_id')} does not exist")
        return case

    async def render_note(self, message: OutboxMessage) -> Rendered:
        case = await self._case(message)
        t = await self.bot.guild_settings.translator(case.guild_id)
        event = str(message.payload["event"])
        users = [int(u) for u in message.payload.get("users") or []]
        text = t(
            NOTES.get(event, N_("Alert #{case}: {event}. {link}")),
            case=case.id,
            event=event,
            people=", ".join(f"<@{u}>" for u in users),
            n=MAX_WIDEST_REPEATS + 1,
            by=case.closed_by,
            link=_link(case.guild_id, case.alert_channel_id, case.alert_message_id),
        )
        return Rendered(content=text.strip())  # names people without pinging them

    def _member_name(self, guild_id: int, user_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        user = member or self.bot.get_user(user_id)
        return discord.utils.escape_markdown(user.display_name) if user else ""

    async def render_checkin(self, message: OutboxMessage) -> Rendered:
        case = await self._case(message)
        t = await self.bot.languages.for_row(message)  # a moderator's DM: their language
        guild = self.bot.get_guild(case.guild_id)
        name = self._member_name(case.guild_id, case.user_id)
        who = f"{name} (<@{case.user_id}>)" if name else f"<@{case.user_id}>"
        link = _link(case.guild_id, case.alert_channel_id, case.alert_message_id)
        text = t(
            "You resolved alert #{case} about {who} on {server} {when}. If it feels right, "
            "this may be a good moment to check in with them and see how they are doing. "
            "The case: {link}",
            case=case.id,
            who=who,
            server=discord.utils.escape_markdown(guild.name) if guild else t("your server"),
            when=stamp(case.closed_at or 0, "R"),
            link=link,
        )
        return Rendered(content=text.strip())

    async def checkin_failed(self, message: OutboxMessage, error: Exception) -> None:
        case_id = int(message.payload["case_id"])
        guild_id = message.guild_id
        settings = await self.bot.guild_settings.get(guild_id) if guild_id else None
        await self.duty.checkin_failed(case_id, settings.mod_log_channel_id if settings else None)


# ---------------------------------------------------------------------------- /duty replies


def who_embed(
    on: Sequence[OnDuty],
    upcoming: Sequence[Upcoming],
    settings: DutySettings,
    page_after_minutes: int,
    t: Translate,
) -> discord.Embed:
    embed = discord.Embed(title=t("Who is on duty"), colour=discord.Colour.blurple())
    if on:
        lines = [
            t(
                "<@{user}> until {until} ({relative}) · {how}",
                user=d.user_id,
                until=stamp(d.until, "f"),
                relative=stamp(d.until, "R"),
                how=t("by hand") if d.source == "hand" else t("rota"),
            )
            for d in on[:MAX_LINES]
        ]
        embed.description = "\n".join(lines)
    else:
        embed.description = t(
            "Nobody is on duty right now. A new alert pages the moderator role after {minutes} "
            "minutes if nobody has claimed it.",
            minutes=page_after_minutes,
        )
    if upcoming:
        lines = [
            t(
                "<@{user}> from {starts} to {ends}",
                user=u.user_id,
                starts=stamp(u.starts, "f"),
                ends=stamp(u.ends, "t"),
            )
            for u in upcoming[:10]
        ]
        embed.add_field(name=t("Next on the rota (24 hours)"), value="\n".join(lines)[:1024])
    embed.set_footer(
        text=t(
            "Unclaimed alerts page again every {every} minutes: the moderators on duty, then "
            "the moderator role, then the admins; then every {widest} minutes, {n} more times.",
            every=settings.repage_every_seconds // 60,
            widest=WIDEST_REPEAT_SECONDS // 60,
            n=MAX_WIDEST_REPEATS,
        )
    )
    return embed


def rota_embed(lines: Sequence[RotaLine], me: int, t: Translate) -> discord.Embed:
    embed = discord.Embed(title=t("The duty rota"), colour=discord.Colour.blurple())
    if not lines:
        embed.description = t(
            "Nobody has a rota shift yet. Add yours with /duty rota add (in your own time zone, "
            "set with /duty timezone)."
        )
        return embed
    by_user: dict[int, list[RotaLine]] = {}
    for line in lines:
        by_user.setdefault(line.entry.user_id, []).append(line)
    text: list[str] = []
    for user_id in sorted(by_user, key=lambda u: (u != me, u)):
        shifts = by_user[user_id]
        text.append(t("<@{user}> ({zone})", user=user_id, zone=shifts[0].zone))
        for line in shifts:
            nxt = t(" · next {when}", when=stamp(line.next_start, "f")) if line.next_start else ""
            mine = f" `#{line.entry.id}`" if user_id == me else ""
            text.append(f"• {shift_text(line.entry, t)}{nxt}{mine}")
    body = "\n".join(text[:MAX_LINES])
    embed.description = body if len(body) <= 4000 else body[:3990] + "\n…"
    return embed
