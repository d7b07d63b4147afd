"""Reports, the Discord side: "Report to moderators" on a message, the moderators' copy of each
report with its Claim / Resolve / Dismiss buttons, and the report's text taken out of that copy
after the retention period. The rules live in service.py.

Nothing here logs the text of a member's message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import MEMBER, Audience
from bot.client import Bot
from bot.dispatcher import PermanentFailure, Rendered, Renderer
from bot.errors import NotAllowed, NotConfigured, UserError
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_, server_translator
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.moderation import render
from cogs.moderation.models import Report
from cogs.moderation.service import REPORT_POST, ModerationService, snapshot_of
from cogs.moderation.service_facts import ReportFacts
from cogs.moderation.views import (
    REPORTS_COG_NAME,
    ReportAction,
    ReportButton,
    ReportModal,
    report_view,
)

log = logging.getLogger(__name__)


PURGE_JOB = "moderation:purge"
PURGE_EVERY_HOURS = 6  # and once at each start, so a bot restarted often still purges


class ReportsCog(Feature, name=REPORTS_COG_NAME):
    persistent_items = (ReportButton,)

    def __init__(self, bot: Bot, service: ModerationService) -> None:
        super().__init__(bot)
        self.service = service
        self._facts = ReportFacts(bot.db, lambda: bot.groups)
        self.report_menu = app_commands.ContextMenu(
            name=_T("Report to moderators"),
            callback=self.report_message,
            extras=MEMBER,
        )
        self.report_menu.guild_only = True
        bot.tree.add_command(self.report_menu)

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            REPORT_POST: OutboxKind(
                self._render_report, on_failure=self._report_failed, on_sent=self._report_posted
            )
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._schedule,)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.facts.offer_cases("moderation", self._facts)  # for the programme's view

    async def cog_unload(self) -> None:
        self.bot.facts.withdraw_cases("moderation", self._facts)
        self.bot.tree.remove_command(self.report_menu.name, type=self.report_menu.type)
        await super().cog_unload()

    async def _schedule(self) -> None:
        self.bot.scheduler.add_job(
            self.purge,
            "interval",
            hours=PURGE_EVERY_HOURS,
            id=PURGE_JOB,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )

    # ------------------------------------------------------------------ reports

    async def report_message(
        self, interaction: discord.Interaction[Bot], message: discord.Message
    ) -> None:
        caller = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        if self.bot.user is not None and message.author.id == self.bot.user.id:
            raise UserError(
                N_(
                    "That's one of my own messages. If something about it worries you, please "
                    "tell a moderator directly."
                )
            )
        if message.author.id == caller.id:
            raise UserError(
                N_(
                    "That's your own message. If you'd like it removed or want to talk to "
                    "someone, you can delete it or ask for a moderator with /support."
                )
            )
        settings = await self.bot.guild_settings.get(caller.guild.id)
        if (settings.escalation_channel_id or settings.mod_log_channel_id) is None:
            raise NotConfigured(
                N_(
                    "The moderators haven't set up a place for reports yet. Please contact a "
                    "moderator directly; thank you for looking out for others."
                )
            )
        snapshot = snapshot_of(message.content, len(message.attachments))
        await interaction.response.send_modal(
            ReportModal(
                t,
                author_id=message.author.id,
                channel_id=message.channel.id,
                message_id=message.id,
                snapshot=snapshot,
            )
        )

    async def report_submitted(
        self, interaction: discord.Interaction[Any], modal: ReportModal
    ) -> None:
        caller = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.get(caller.guild.id)
        channel_id = settings.escalation_channel_id or settings.mod_log_channel_id
        if channel_id is None:
            raise NotConfigured(
                N_("The moderators haven't set up a place for reports yet. Please contact one.")
            )
        await self.service.open_report(
            caller.guild.id,
            reporter_id=caller.id,
            author_id=modal.author_id,
            channel_id=modal.channel_id,
            message_id=modal.message_id,
            snapshot=modal.snapshot,
            reason=modal.reason.value,
            alert_channel_id=channel_id,
        )
        await interaction.response.send_message(
            t(
                "Thank you for telling us. The moderators have your report and will look at it "
                "soon. Nobody else will know that you reported this message."
            ),
            ephemeral=True,
        )

    async def report_button(
        self, interaction: discord.Interaction[Any], action: ReportAction, report_id: int
    ) -> None:
        caller = await self.bot.access.require(interaction, Audience.MODERATOR)
        report = await self.service.report(caller.guild.id, report_id)
        if report.author_id == caller.id:
            # A moderator reported: they must not handle it, nor learn who reported them.
            raise NotAllowed(
                N_(
                    "This report is about one of your own messages, so another moderator will "
                    "look at it. Thank you for understanding."
                )
            )
        if interaction.message is not None:
            await self.service.learn_alert_message(
                report, interaction.message.channel.id, interaction.message.id
            )
        if action == "claim":
            report = await self.service.claim_report(caller.guild.id, report_id, caller.id)
        else:
            outcome = "resolved" if action == "resolve" else "dismissed"
            report = await self.service.close_report(caller.guild.id, report_id, caller.id, outcome)
        embed, view = await self._report_parts(report)
        await interaction.response.edit_message(embed=embed, view=view)
        await self.service.post_shown(report.id)  # a crash before this: edited at start
        if action == "claim" and await self._author_can_read(report):
            # The post does not name the reporter; the moderator who takes it on is told alone.
            t = await translator(interaction)
            await interaction.followup.send(
                t(
                    "You've claimed report #{case}. It was made by {reporter}. The post doesn't "
                    "say so because {author} can read that channel: please keep it between the "
                    "moderators.",
                    case=report.case_number,
                    reporter=render.user(report.reporter_id, t),
                    author=render.user(report.author_id, t),
                ),
                ephemeral=True,
            )

    async def _report_parts(self, report: Report) -> tuple[discord.Embed, discord.ui.View | None]:
        settings = await self.bot.guild_settings.get(report.guild_id)
        t = server_translator(settings.language)
        embed = render.report_embed(
            report,
            t,
            settings.retention_days,
            hide_reporter=await self._author_can_read(report),
        )
        return embed, report_view(report, t)

    async def _author_can_read(self, report: Report) -> bool:
        """Whether the reported member can read the channel where the moderators' copy is (they
        are a moderator, or the channel was opened to members since /setup): then that copy
        must not name the reporter. When in doubt, yes."""
        guild = self.bot.get_guild(report.guild_id)
        if guild is None:
            return True
        author = guild.get_member(report.author_id)
        if author is None:
            return False  # no longer in the server
        if await self.bot.access.is_moderator(author):
            return True
        channel_id = report.alert_channel_id
        channel = guild.get_channel_or_thread(channel_id) if channel_id is not None else None
        if channel is None:
            return True
        return channel.permissions_for(author).view_channel

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """At start: the posts a crash left showing an older state than their report's (it
        was claimed or closed, and the bot stopped before the post was edited)."""
        for report in await self.service.stale_posts(guild.id):
            if await self._show(report):
                await self.service.post_shown(report.id)

    async def _show(self, report: Report) -> bool:
        """Edit the report's post to show it as it is. True when done or when there is no post
        to edit; False to try again at the next start."""
        post = await self.service.report_post(report)
        if post is None:
            return True
        channel_id, message_id = post
        channel = self.bot.get_partial_messageable(channel_id, guild_id=report.guild_id)
        embed, view = await self._report_parts(report)
        try:
            await channel.get_partial_message(message_id).edit(embed=embed, view=view)
        except discord.NotFound:
            return True
        except discord.HTTPException as error:
            log.warning("moderation: report %d's post not updated (%s)", report.id, error.status)
            return error.status == 403
        return True

    # ------------------------------------------------------------------ retention

    async def purge(self) -> None:
        """At start and every few hours: the text of reports closed longer ago than the
        retention is taken out of the moderators' copy in Discord, then out of the database."""

        async def retention(guild_id: int) -> int:
            return (await self.bot.guild_settings.get(guild_id)).retention_days

        await self.service.purge_reports(retention, self._redact)

    async def _redact(self, report: Report) -> bool:
        """The moderators' post of `report` shown without its text. True when done or when
        there is nothing left to edit; False to try again later (Discord failed for now)."""
        post = await self.service.report_post(report)
        if post is None:
            return True  # never posted
        channel_id, message_id = post
        # Not from the cache: at start the guilds may not have arrived yet.
        channel = self.bot.get_partial_messageable(channel_id, guild_id=report.guild_id)
        embed, view = await self._report_parts(report)
        try:
            await channel.get_partial_message(message_id).edit(embed=embed, view=view)
        except discord.NotFound:
            return True  # the post or its channel was deleted: nothing shows the text
        except discord.Forbidden as error:
            # The bot lost access: the post can't be edited, the database copy still goes.
            log.warning(
                "moderation: could not redact report %d's post (%s); a moderator may delete it",
                report.id,
                error.status,
            )
            return True
        except discord.HTTPException as error:
            log.warning(
                "moderation: report %d's post not redacted yet (%s)", report.id, error.status
            )
            return False
        return True

    # ------------------------------------------------------------------ renderer

    async def _report_posted(self, message: OutboxMessage, message_id: int) -> None:
        await self.service.report_posted(
            int(message.payload["report"]), message.id, message.destination_id, message_id
        )

    async def _report_failed(self, message: OutboxMessage, error: Exception) -> None:
        """A report must reach a human: if its channel refuses it, the mod-log channel."""
        report_id = int(message.payload["report"])
        settings = await self.bot.guild_settings.get(message.guild_id or 0)
        fallback = settings.mod_log_channel_id
        if fallback is None or not await self.service.repost_report(report_id, fallback):
            log.error("report %d could not be delivered to the moderators: %s", report_id, error)

    async def _render_report(self, message: OutboxMessage) -> Rendered:
        report = await self.service.find_report(int(message.payload["report"]))
        if report is None:
            raise PermanentFailure("report not found")
        embed, view = await self._report_parts(report)
        return Rendered(embeds=[embed], view=view)
