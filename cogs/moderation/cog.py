"""Moderation, the Discord side: /warn, /warnings, /timeout, /untimeout, and the renderers of the
mod log (for every feature's entries) and of the member's notices. Reports are in reports_cog.py,
guidelines in guidelines_cog.py; the rules live in service.py and guidelines.py.

Nothing here logs the text of a member's message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import LEADER, MODERATOR, Audience
from bot.client import Bot
from bot.clock import epoch
from bot.directory import GroupRef
from bot.dispatcher import PermanentFailure, Rendered, Renderer
from bot.errors import NotAllowed, UserError
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_, Translate
from bot.kit.groups import group_here
from bot.kit.text import escape_member_text
from bot.kit.timestamps import stamp
from bot.modlog import ENTRY, ActionText, ModLogEntry
from bot.outbox import OutboxMessage
from bot.registry import Kept
from bot.tree import translator
from cogs.moderation import render
from cogs.moderation.actions import ACTIONS, WARN
from cogs.moderation.guidelines import GuidelineService
from cogs.moderation.service import (
    MEMBER_NOTICE,
    UNDELIVERED,
    ModerationService,
    Target,
    check_target,
    parse_timeout,
)
from cogs.moderation.service_privacy import ModerationPrivacy, warning_expired
from cogs.moderation.timeouts import reconcile_timeouts, refuse_a_retry, refused

log = logging.getLogger(__name__)


DELIVERY_WAIT_SECONDS = 3.0  # how long /warn waits to say whether the member's DM arrived
TIMEOUT_PRESETS = (
    ("10m", N_("10 minutes")),
    ("1h", N_("1 hour")),
    ("12h", N_("12 hours")),
    ("1d", N_("1 day")),
    ("3d", N_("3 days")),
    ("7d", N_("1 week")),
    ("28d", N_("28 days (the longest Discord allows)")),
)
HISTORY_LINES = 20
FORGET_JOB = "moderation:forget"  # warnings and reports of members who asked to be erased


class ModerationCog(Feature, name="Moderation"):
    """The moderation feature's main cog: it owns the feature's mod-log kinds and renders every
    feature's mod-log entries. Its scheduler jobs (the reports' purge, the guidelines' pins and
    reminders, all "moderation:...") go when the feature unloads.

    Its data-rights hooks (`/privacy`) export a member's warnings, reports and guidelines, and
    erase them as far as safety allows (service_privacy.py); leaving the server erases nothing:
    PRIVACY.md keeps the mod log, warnings and reports; the words of a report go after the
    retention period, whoever is still here."""

    job_prefix = "moderation:"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = ModerationService(bot.db, bot.clock, bot.outbox, bot.modlog)
        self.guidelines = GuidelineService(bot.db, bot.clock, bot.outbox, bot.modlog)
        self.privacy = ModerationPrivacy(bot.db, bot.clock, bot.guild_settings, bot.modlog)
        self._timeouts_in_flight: set[int] = set()  # intents this process is carrying out

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            ENTRY: self._render_entry,
            MEMBER_NOTICE: OutboxKind(self._render_member_notice, on_failure=self._notice_failed),
            UNDELIVERED: self._render_undelivered,
        }

    def mod_log_actions(self) -> Mapping[str, ActionText]:
        return ACTIONS

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._schedule_forgetting,)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.privacy.export(guild_id, user_id)

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        return await self.privacy.erase(guild_id, user_id)

    async def _schedule_forgetting(self) -> None:
        self.bot.scheduler.add_job(
            self.privacy.forget_due, "interval", hours=6, id=FORGET_JOB, replace_existing=True
        )

    # ------------------------------------------------------------------ reconciliation

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._reconcile_timeouts(guild)

    async def _reconcile_timeouts(self, guild: discord.Guild) -> None:
        await reconcile_timeouts(self.service, guild, skip=self._timeouts_in_flight)

    # ------------------------------------------------------------------ helpers

    def _action_text(self, kind: str) -> ActionText:
        text = self.bot.modlog.action_text(kind)
        if text is None:  # its feature is not loaded (yet): the entry waits for it
            raise LookupError(f"mod-log action {kind!r} is not declared")
        return text

    async def _group_name(self, guild_id: int, group_id: int | None) -> str | None:
        if not group_id:
            return None
        group = await self.bot.groups.get(guild_id, group_id)
        return group.name if group is not None else None

    async def _target(self, guild: discord.Guild, member: discord.Member) -> Target:
        me = guild.me
        above = member.id == guild.owner_id or member.top_role >= me.top_role
        return Target(
            user_id=member.id,
            is_bot=member.bot,
            is_staff=await self.bot.access.is_moderator(member),
            above_bot=above,
        )

    async def _warn_group(
        self, caller: discord.Member, target: discord.Member, here: GroupRef | None
    ) -> GroupRef | None:
        """A leader warns within a group they lead that the member belongs to (`here`, the
        group of this channel, first). Moderators warn server-wide (the channel's group, if
        any)."""
        groups = self.bot.groups
        if await self.bot.access.is_moderator(caller):
            return here
        led = await groups.led_by(caller.guild.id, caller.id)
        theirs = {g.id for g in await groups.groups_of(caller.guild.id, target.id)}
        shared = [g for g in led if g.id in theirs]
        if not shared:
            raise NotAllowed(
                N_(
                    "Only the moderators and the leaders of {member}'s groups can warn them, and "
                    "you don't lead any of their groups. Please ask a moderator if something "
                    "needs attention."
                ),
                member=target.mention,
            )
        if here is not None and any(g.id == here.id for g in shared):
            return here
        return shared[0]

    # ------------------------------------------------------------------ /warn

    @app_commands.command(
        name="warn",
        description=_T("Warn a member privately and kindly (moderators; leaders in their group)"),
        extras=LEADER,
    )
    @app_commands.guild_only()
    @app_commands.describe(
        member=_T("Who to warn"),
        reason=_T("What happened; the member will read this"),
        guideline=_T("The guidelines it goes against (optional)"),
    )
    async def warn(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.Member,
        reason: str,
        guideline: str | None = None,
    ) -> None:
        caller = await self.bot.access.require(interaction, Audience.LEADER)
        check_target(caller.id, await self._target(caller.guild, member))
        group = await self._warn_group(caller, member, await group_here(interaction))
        guideline_id = (
            int(guideline)
            if guideline and guideline.isascii() and guideline.isdigit() and len(guideline) < 19
            else None
        )
        if guideline and guideline_id is None:
            raise UserError(N_("Please pick the guidelines from the list."))
        t = await translator(interaction)
        warned = await self.service.warn(
            caller.guild.id,
            member.id,
            by=caller.id,
            reason=reason,
            group_id=group.id if group else None,
            guideline_id=guideline_id,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        status = await self.bot.dispatcher.outcome(
            warned.notice_outbox_id, within=DELIVERY_WAIT_SECONDS
        )
        lines = [t("Warning recorded as case #{case}.", case=warned.case_number)]
        if status == "sent":
            lines.append(t("{member} was told privately.", member=member.mention))
        elif status == "failed":
            lines.append(
                t(
                    "{member} couldn't be told: their direct messages are closed. You may want "
                    "to speak with them another way.",
                    member=member.mention,
                )
            )
        else:
            lines.append(t("The message to {member} is on its way.", member=member.mention))
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    @warn.autocomplete("guideline")
    async def guideline_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        t = await translator(interaction)
        choices: list[app_commands.Choice[str]] = []
        for item in await self.guidelines.all_current(interaction.guild_id):
            group_name = await self._group_name(item.guild_id, item.for_group)
            if item.for_group is not None and group_name is None:
                continue
            name = render.guideline_name(item, group_name, t)
            if current.casefold() in name.casefold():
                choices.append(app_commands.Choice(name=name[:100], value=str(item.id)))
        return choices[:25]

    # ------------------------------------------------------------------ /warnings

    @app_commands.command(
        name="warnings",
        description=_T("A member's moderation history (moderators)"),
        extras=MODERATOR,
    )
    @app_commands.guild_only()
    @app_commands.describe(member=_T("Whose history to show"))
    async def warnings(self, interaction: discord.Interaction[Bot], member: discord.User) -> None:
        caller = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        history = await self.service.history(caller.guild.id, member.id)
        days = await self.privacy.warning_expiry_days(caller.guild.id)
        now = epoch(self.bot.clock())
        expired = {
            e.id for e in history if e.action == WARN and warning_expired(e.created_at, days, now)
        }
        warnings = [e for e in history if e.action == WARN and e.id not in expired]
        embed = discord.Embed(
            title=t("Moderation history of {member}", member=member.display_name)[:256],
            colour=discord.Colour.dark_grey(),
        )
        if not history:
            embed.description = t("{member} has no warnings or other cases.", member=member.mention)
        else:
            lines = [
                t.plural(
                    "{member} has {n} warning.",
                    "{member} has {n} warnings.",
                    len(warnings),
                    member=member.mention,
                )
            ]
            if expired:
                lines[0] += " " + t.plural(
                    "{n} older warning has expired and no longer counts ({days} days).",
                    "{n} older warnings have expired and no longer count ({days} days).",
                    len(expired),
                    days=days,
                )
            for entry in history[:HISTORY_LINES]:
                line = await self._history_line(entry, t)
                if entry.id in expired:
                    line += " " + t("(expired: no longer counts)")
                lines.append(line)
            if len(history) > HISTORY_LINES:
                lines.append(t("… and {n} older cases.", n=len(history) - HISTORY_LINES))
            embed.description = "\n".join(lines)[:4000]
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _history_line(self, entry: ModLogEntry, t: Translate) -> str:
        group_name = await self._group_name(entry.guild_id, entry.group_id)
        line = f"**#{entry.case_number}** {stamp(entry.created_at, 'd')} · "
        line += render.entry_sentence(entry, self._action_text(entry.action), t, group_name)
        if entry.reason:
            line += " " + t("Reason: {reason}", reason=escape_member_text(entry.reason, limit=200))
        return line

    # ------------------------------------------------------------------ /timeout, /untimeout

    @app_commands.command(
        name="timeout",
        description=_T("Pause a member's messages for a while (moderators)"),
        extras=MODERATOR,
    )
    @app_commands.guild_only()
    @app_commands.describe(
        member=_T("Who to time out"),
        duration=_T("How long, e.g. 10m, 1h, 1d (at most 28 days)"),
        reason=_T("Why; the member will read this"),
    )
    async def timeout(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.Member,
        duration: str,
        reason: str,
    ) -> None:
        caller = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        seconds = parse_timeout(duration)
        cleaned = reason.strip()
        if not cleaned or len(cleaned) > 500:
            raise UserError(N_("Please give a reason of at most 500 characters."))
        await self._check_can_moderate(caller, member)
        until = self.bot.clock() + timedelta(seconds=seconds)
        await refuse_a_retry(self.service, self.bot.clock(), caller, member, cleaned)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The intent first, then Discord, then the case: a crash between leaves the intent,
        # which the start-up reconciliation completes or drops (`_reconcile_timeouts`).
        stamp_until = int(until.timestamp())
        intent = await self.service.intend_timeout(
            caller.guild.id, member.id, by=caller.id, until=stamp_until, reason=cleaned
        )
        self._timeouts_in_flight.add(intent)
        try:
            try:
                await member.timeout(until, reason=cleaned)
            except discord.HTTPException as error:
                await self.service.drop_timeout(intent)  # Discord refused it: nothing happened
                raise refused(error) or error  # noqa: B904 (a clear answer, or the error as it was)
            except Exception:
                # Not known whether Discord applied it: the reconciliation finds out now (a
                # crash, which runs no code at all, leaves it to the next start).
                self._timeouts_in_flight.discard(intent)
                if not self.bot.is_closed():  # a bot shutting down leaves it to its next start
                    self.bot.spawn(self._reconcile_timeouts(caller.guild), name="timeouts")
                raise
            case = await self.service.record_timeout(
                caller.guild.id,
                member.id,
                by=caller.id,
                until=stamp_until,
                reason=cleaned,
                intent=intent,
            )
        finally:
            self._timeouts_in_flight.discard(intent)
        if case is None:  # completed by another process's reconciliation: its case is logged
            await interaction.followup.send(
                t(
                    "{member} is timed out until {until}. They'll be told privately.",
                    member=member.mention,
                    until=stamp(stamp_until),
                ),
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            t(
                "{member} is timed out until {until} (case #{case}). They'll be told privately.",
                member=member.mention,
                until=stamp(int(until.timestamp())),
                case=case,
            ),
            ephemeral=True,
        )

    @timeout.autocomplete("duration")
    async def duration_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        t = await translator(interaction)
        return [
            app_commands.Choice(name=t(label), value=value)
            for value, label in TIMEOUT_PRESETS
            if current.lower() in value or current.lower() in t(label).lower()
        ]

    @app_commands.command(
        name="untimeout",
        description=_T("End a member's timeout early (moderators)"),
        extras=MODERATOR,
    )
    @app_commands.guild_only()
    @app_commands.describe(member=_T("Whose timeout to end"), reason=_T("Why (optional)"))
    async def untimeout(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.Member,
        reason: str | None = None,
    ) -> None:
        caller = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        until = member.timed_out_until
        if until is None or until <= self.bot.clock():
            raise UserError(N_("{member} is not timed out."), member=member.mention)
        await self._check_can_moderate(caller, member)
        cleaned = (reason or "").strip()[:500] or None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await member.timeout(None, reason=cleaned)
        case = await self.service.record_untimeout(
            caller.guild.id, member.id, by=caller.id, reason=cleaned
        )
        await interaction.followup.send(
            t("{member}'s timeout has ended (case #{case}).", member=member.mention, case=case),
            ephemeral=True,
        )

    async def _check_can_moderate(self, caller: discord.Member, member: discord.Member) -> None:
        guild = caller.guild
        target = await self._target(guild, member)
        check_target(caller.id, target)
        if not guild.me.guild_permissions.moderate_members:
            raise UserError(
                N_(
                    "I don't have the Moderate Members permission, so I can't time anyone out. "
                    "A server admin can give it to my role in Server Settings > Roles."
                )
            )
        if target.above_bot:
            raise UserError(
                N_(
                    "I can't time out {member}: their highest role is at or above mine. A server "
                    "admin can move my role higher in Server Settings > Roles."
                ),
                member=member.mention,
            )

    # ------------------------------------------------------------------ renderers

    async def _render_entry(self, message: OutboxMessage) -> Rendered:
        entry = await self.bot.modlog.entry(int(message.payload["entry"]))
        if entry is None:
            raise PermanentFailure("mod-log entry not found")
        t = await self.bot.guild_settings.translator(entry.guild_id)
        group_name = await self._group_name(entry.guild_id, entry.group_id)
        text = self._action_text(entry.action)
        return Rendered(embeds=[render.modlog_embed(entry, text, t, group_name)])

    async def _render_member_notice(self, message: OutboxMessage) -> Rendered:
        if message.guild_id is None:
            raise PermanentFailure("a member notice belongs to a server")
        entry = await self.bot.modlog.case(message.guild_id, int(message.payload["case"]))
        if entry is None:
            raise PermanentFailure("case not found")
        t = await self.bot.languages.for_row(message)  # the member's language
        guild = self.bot.get_guild(entry.guild_id)
        group_name = await self._group_name(entry.guild_id, entry.group_id)
        guideline_text = None
        guideline_id = entry.details.get("guideline")
        if guideline_id is not None:
            guideline = await self.guidelines.get(int(guideline_id))
            if guideline is not None:
                name = await self._group_name(guideline.guild_id, guideline.for_group)
                guideline_text = render.guideline_name(guideline, name, t)
        text = render.member_notice(
            entry,
            t,
            server=guild.name if guild is not None else t("the server"),
            group_name=group_name,
            guideline=guideline_text,
        )
        return Rendered(content=text)

    async def _notice_failed(self, message: OutboxMessage, error: Exception) -> None:
        if message.guild_id is None:
            return
        settings = await self.bot.guild_settings.get(message.guild_id)
        await self.service.notice_undelivered(
            message.guild_id, int(message.payload["case"]), settings.mod_log_channel_id
        )

    async def _render_undelivered(self, message: OutboxMessage) -> Rendered:
        if message.guild_id is None:
            raise PermanentFailure("a note about a case belongs to a server")
        entry = await self.bot.modlog.case(message.guild_id, int(message.payload["case"]))
        if entry is None:
            raise PermanentFailure("case not found")
        t = await self.bot.guild_settings.translator(entry.guild_id)
        return Rendered(
            content=t(
                "I couldn't tell {member} about case #{case} privately: Discord refused the "
                "direct message (their DMs may be closed, or they left the server).",
                member=render.user(entry.target_id, t),
                case=entry.case_number,
            )
        )
