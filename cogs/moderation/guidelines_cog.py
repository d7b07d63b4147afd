"""/guidelines: the server's and each group's guidelines (versioned, edited in a modal), the pin
in each group's channel, and the reminders (on a schedule and at the start of each session).
The rules live in guidelines.py.

The server's guidelines are shown with /guidelines show only (not posted in a channel): each
server arranges its welcome channels its own way, and a pinned copy there would go stale.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import LEADER, MEMBER, Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.dispatcher import Rendered, Renderer, server_of
from bot.errors import NotAllowed, NotFound
from bot.event_log import DurableHandler, Event
from bot.events import MEETING_STARTED
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_
from bot.kit.groups import AnyGroup, LedGroup, group_here
from bot.kit.links import jump_url
from bot.kit.timestamps import stamp
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.moderation import render
from cogs.moderation.guidelines import (
    BIWEEKLY,
    MONTHLY,
    OFF,
    REMINDER,
    WEEKLY,
    GuidelineService,
)
from cogs.moderation.models import Guideline
from cogs.moderation.service_facts import GuidelineFacts
from cogs.moderation.views import GUIDELINES_COG_NAME, GuidelinesModal

log = logging.getLogger(__name__)


REMINDER_JOB = "moderation:reminder:{}"
PINS_JOB = "moderation:guideline-pins"
SESSIONS_JOB = "moderation:session-marks"
SCHEDULE_CHOICES = [
    app_commands.Choice(name=_T("off"), value=OFF),
    app_commands.Choice(name=_T("every week"), value=WEEKLY),
    app_commands.Choice(name=_T("every 2 weeks"), value=BIWEEKLY),
    app_commands.Choice(name=_T("every month"), value=MONTHLY),
]


class GuidelinesCog(Feature, name=GUIDELINES_COG_NAME):
    guidelines = app_commands.Group(
        name="guidelines",
        description=_T("The server's and the groups' guidelines"),
        guild_only=True,
    )

    def __init__(self, bot: Bot, service: GuidelineService) -> None:
        super().__init__(bot)
        self.service = service
        self._facts = GuidelineFacts(bot.db)

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {REMINDER: self._render_reminder}

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {MEETING_STARTED: self.session_started}

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.facts.guidelines = self._facts  # for the programme's view

    async def cog_unload(self) -> None:
        if self.bot.facts.guidelines is self._facts:
            self.bot.facts.guidelines = None
        await super().cog_unload()

    # ------------------------------------------------------------------ scheduling

    async def _rebuild(self) -> None:
        for reminder in self.owned(await self.service.scheduled()):  # this process's servers
            assert reminder.next_due is not None
            self._schedule(reminder.group_id, reminder.next_due)
        # Pins left half-done (a crash, Discord down) are put right at start and every 15 min.
        self.bot.scheduler.add_job(
            self.sync_pins,
            "interval",
            minutes=15,
            id=PINS_JOB,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
        self.bot.scheduler.add_job(
            self.service.prune_sessions,
            "interval",
            hours=24,
            id=SESSIONS_JOB,
            replace_existing=True,
        )

    def _schedule(self, group_id: int, due: int) -> None:
        self.bot.scheduler.add_job(
            self.reminder_job,
            "date",
            run_date=datetime.fromtimestamp(due, UTC),
            args=[group_id, due],
            id=REMINDER_JOB.format(group_id),
            replace_existing=True,
        )

    def _unschedule(self, group_id: int) -> None:
        job = self.bot.scheduler.get_job(REMINDER_JOB.format(group_id))
        if job is not None:
            job.remove()

    async def reminder_job(self, group_id: int, due: int) -> None:
        reminder = await self.service.reminder(group_id)
        if reminder is None:
            return
        group = await self.bot.groups.get(reminder.guild_id, group_id)
        live = group is not None and not group.archived
        following = await self.service.send_due(
            group_id,
            due,
            channel_id=group.channel_id if live and group is not None else None,
            timezone=group.timezone if group is not None else "UTC",
        )
        if following is not None:
            self._schedule(group_id, following)

    async def session_started(self, event: Event) -> None:
        """The durable `meeting_started` (bot/events.py): the guideline reminder, once per
        session however often the event comes (the session is marked in the reminder's own
        transaction)."""
        p = event.payload
        guild_id, group_id, occurrence = int(p["guild_id"]), int(p["group_id"]), p["occurrence"]
        group = await self.bot.groups.get(guild_id, group_id)
        if group is None or group.archived or group.channel_id is None:
            return
        await self.service.session_started(
            guild_id, group_id, occurrence, channel_id=group.channel_id
        )

    # ------------------------------------------------------------------ pins

    async def sync_pins(self) -> None:
        """Each group's newest guidelines posted and pinned; older versions unpinned (of this
        process's servers: another process posts its own servers' in their order)."""
        for guideline in self.owned(await self.service.pin_work()):
            try:
                await self._sync_pin(guideline)
            except discord.HTTPException as error:
                log.warning(
                    "guidelines: pin of version %d (group %d) not done yet: %s",
                    guideline.version,
                    guideline.group_id,
                    error,
                )

    async def _sync_pin(self, guideline: Guideline) -> None:
        current = await self.service.current(guideline.guild_id, guideline.for_group)
        if current is None or current.id != guideline.id:
            if guideline.channel_id is not None and guideline.message_id is not None:
                channel = self.bot.get_partial_messageable(
                    guideline.channel_id, guild_id=guideline.guild_id
                )
                try:
                    await channel.get_partial_message(guideline.message_id).unpin(
                        reason="Replaced by a newer version of the guidelines"
                    )
                except discord.NotFound:
                    pass  # deleted by hand: nothing left to unpin
            await self.service.pinned(guideline, False)
            return
        group = await self.bot.groups.get(guideline.guild_id, guideline.group_id)
        if group is None or group.archived or group.channel_id is None:
            return
        channel = self.bot.get_partial_messageable(group.channel_id, guild_id=group.guild_id)
        message_id = guideline.message_id
        if message_id is None:
            t = await self.bot.guild_settings.translator(group.guild_id)
            sent = await channel.send(
                embed=render.guideline_embed(guideline, t, group.name),
                nonce=guideline.post_nonce or str(guideline.id),
                allowed_mentions=discord.AllowedMentions.none(),
            )
            await self.service.posted(guideline, channel.id, sent.id)
            message_id = sent.id
        await channel.get_partial_message(message_id).pin(reason="The group's current guidelines")
        await self.service.pinned(guideline, True)

    # ------------------------------------------------------------------ /guidelines show

    @guidelines.command(
        name="show",
        description=_T("Read the server's guidelines and your group's"),
        extras=MEMBER,
    )
    @app_commands.describe(group=_T("A group whose guidelines to show (optional)"))
    async def show(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, AnyGroup] | None = None,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        found = group or await group_here(interaction)
        embeds: list[discord.Embed] = []
        server = await self.service.current(member.guild.id, None)
        if server is not None:
            embeds.append(render.guideline_embed(server, t, None))
        if found is not None:
            mine = await self.service.current(member.guild.id, found.id)
            if mine is not None:
                embeds.append(render.guideline_embed(mine, t, found.name))
        if not embeds:
            text = (
                t("Neither the server nor {group} has written guidelines yet.", group=found.name)
                if found is not None
                else t("This server has no written guidelines yet.")
            )
            await interaction.response.send_message(text, ephemeral=True)
            return
        # One message per text: Discord allows 6000 characters of embeds per message.
        await interaction.response.send_message(embed=embeds[0], ephemeral=True)
        for embed in embeds[1:]:
            await interaction.followup.send(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ /guidelines set

    @guidelines.command(
        name="set",
        description=_T("Write new guidelines for the server (moderators) or a group (its leaders)"),
        extras=LEADER,
    )
    @app_commands.describe(group=_T("The group; leave empty for the server's guidelines"))
    async def set(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup] | None = None,
    ) -> None:
        found = group
        await self._require_editor(interaction, found)
        t = await translator(interaction)
        guild_id = caller(interaction).guild.id
        current = await self.service.current(guild_id, found.id if found else None)
        title = (
            t("Guidelines of {group}", group=found.name) if found else t("The server's guidelines")
        )
        await interaction.response.send_modal(
            GuidelinesModal(
                t,
                title=title,
                group_id=found.id if found else None,
                current=current.body if current else "",
            )
        )

    async def _require_editor(
        self, interaction: discord.Interaction[Any], group: GroupRef | None
    ) -> discord.Member:
        if group is None:
            member = caller(interaction)
            access = self.bot.access
            if not await access.is_moderator(member) and await access.is_leader(member):
                raise NotAllowed(
                    N_(
                        "Only moderators can edit the server's guidelines. To edit your group's "
                        "guidelines, choose your group in the “group” option."
                    )
                )
            return await access.require(interaction, Audience.MODERATOR)
        return await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)

    async def guidelines_submitted(
        self, interaction: discord.Interaction[Any], group_id: int | None, body: str
    ) -> None:
        guild_id = caller(interaction).guild.id
        group = await self.bot.groups.get(guild_id, group_id) if group_id else None
        if group_id and (group is None or group.archived):
            raise NotFound(N_("That group no longer exists."))
        member = await self._require_editor(interaction, group)
        t = await translator(interaction)
        guideline = await self.service.publish(guild_id, group_id, body, by=member.id)
        if group is None:
            await interaction.response.send_message(
                t(
                    "Version {version} of the server's guidelines is saved. Members can read "
                    "them with /guidelines show.",
                    version=guideline.version,
                ),
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await self.sync_pins()
        except discord.HTTPException:
            log.warning("guidelines: pin sync after an edit failed", exc_info=True)
        fresh = await self.service.get(guideline.id)
        if fresh is not None and fresh.pinned:
            text = t(
                "Version {version} of the guidelines of {group} is saved, posted and pinned in "
                "<#{channel}> (it replaces the previous pin).",
                version=guideline.version,
                group=group.name,
                channel=group.channel_id,
            )
        else:
            text = t(
                "Version {version} of the guidelines of {group} is saved, but I couldn't pin it "
                "in <#{channel}> yet: I need the Pin Messages permission there. I'll keep trying.",
                version=guideline.version,
                group=group.name,
                channel=group.channel_id,
            )
        await interaction.followup.send(text, ephemeral=True)

    # ------------------------------------------------------------------ /guidelines reminders

    @guidelines.command(
        name="reminders",
        description=_T("Gentle reminders of a group's guidelines (its leaders)"),
        extras=LEADER,
    )
    @app_commands.describe(
        group=_T("The group"),
        schedule=_T("How often to remind the group"),
        at_session=_T("Also remind at the start of each session"),
    )
    @app_commands.rename(at_session=_T("at-session-start"))
    @app_commands.choices(schedule=SCHEDULE_CHOICES)
    async def reminders(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup],
        schedule: str,
        at_session: bool = False,
    ) -> None:
        found = group
        member = await self.bot.access.require(interaction, Audience.LEADER, group_id=found.id)
        t = await translator(interaction)
        reminder = await self.service.set_reminders(
            member.guild.id,
            found.id,
            timezone=found.timezone,
            cadence=schedule,
            at_session=at_session,
            by=member.id,
        )
        if reminder.next_due is None:
            self._unschedule(found.id)
        else:
            self._schedule(found.id, reminder.next_due)
        lines = [
            t(
                "Guideline reminders for {group}: {schedule}.",
                group=found.name,
                schedule=render.schedule_text(reminder.cadence, reminder.at_session, t),
            )
        ]
        if reminder.next_due is not None:
            lines.append(t("The next one: {when}.", when=stamp(reminder.next_due)))
        if reminder.cadence == OFF and not reminder.at_session:
            lines = [t("Guideline reminders for {group} are off.", group=found.name)]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    # ------------------------------------------------------------------ renderer

    async def _render_reminder(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        current = await self.service.current(message.guild_id, int(message.payload["group"]))
        url = None
        if current is not None and current.pinned:
            url = jump_url(current.guild_id, current.channel_id, current.message_id)
        why = str(message.payload.get("why", "schedule"))
        return Rendered(content=render.reminder_text(why, t, url))
