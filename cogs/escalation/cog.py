"""Distress escalation: Discord glue. Reads every message the bot can see (channels, threads,
edits, DMs), hands matches to the service, renders what the outbox sends, and answers the
alert's buttons, the member's "contact me" button, /support and /escalation.

Never replies in public, never deletes the member's message, never logs its text above DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import ADMIN, MEMBER, MODERATOR, Audience, is_admin
from bot.client import Bot
from bot.clock import epoch
from bot.dispatcher import PermanentFailure, Rendered
from bot.errors import NotFound, UserError
from bot.i18n import N_, Translate, server_translator
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.escalation import render
from cogs.escalation.detector import CATEGORIES, Detector, Lexicon
from cogs.escalation.helplines import Helplines
from cogs.escalation.models import Case
from cogs.escalation.service import (
    ALERT,
    MOD_LOG,
    PAGE,
    RESOURCES,
    UPDATE,
    CaseView,
    EscalationService,
    Incoming,
)
from cogs.escalation.views import (
    COG_NAME,
    CaseAction,
    CaseButton,
    ContactButton,
    NoteModal,
    SupportModal,
)

log = logging.getLogger(__name__)


TICK_SECONDS = 10  # pages, alert ids, pending private threads, redactions
PURGE_HOURS = 1
SCANNED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
REPORT_ATTEMPTS = 3
MAX_THREAD_MODERATORS = 25
THREAD_ARCHIVE_MINUTES = 10080  # a week

CATEGORY_CHOICES = [
    app_commands.Choice(name=_T(render.CATEGORY_NAMES[c]), value=c) for c in CATEGORIES
]
SEVERITY_CHOICES = [
    app_commands.Choice(name=_T(label), value=key) for key, label in render.SEVERITY_LABELS.items()
]


class EscalationCog(commands.Cog, name=COG_NAME):
    escalation_group = app_commands.Group(
        name="escalation",
        description=_T("Distress escalation: phrases and paging (moderators)"),
        guild_only=True,
    )
    phrases_group = app_commands.Group(
        name="phrases",
        description=_T("The phrases that raise a distress alert on this server"),
        parent=escalation_group,
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.detector = Detector(Lexicon.load())
        self.helplines = Helplines.load()
        self.service = EscalationService(
            bot.db, bot.clock, bot.outbox, bot.guild_settings, self.detector
        )
        self._background: set[asyncio.Task[None]] = set()
        bot.dispatcher.register(ALERT, self._render_alert, on_failure=self._alert_failed)
        bot.dispatcher.register(
            RESOURCES, self._render_resources, on_failure=self._resources_failed
        )
        bot.dispatcher.register(PAGE, self._render_page)
        bot.dispatcher.register(UPDATE, self._render_update)
        bot.dispatcher.register(MOD_LOG, self._render_mod_log)
        bot.add_rebuilder(self._schedule)

    async def cog_load(self) -> None:
        _ = self.detector.builtin  # compile the automaton now, not on the first message
        self.bot.add_dynamic_items(CaseButton, ContactButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CaseButton, ContactButton)
        for job_id in ("escalation:tick", "escalation:purge"):
            if self.bot.scheduler.get_job(job_id) is not None:
                self.bot.scheduler.remove_job(job_id)
        for task in list(self._background):
            task.cancel()

    # ------------------------------------------------------------------ scheduled work

    async def _schedule(self) -> None:
        """Rebuilt at every start: all state is in the database, the jobs only look at it."""
        now = datetime.now(UTC)
        self.bot.scheduler.add_job(
            self.tick,
            "interval",
            seconds=TICK_SECONDS,
            id="escalation:tick",
            replace_existing=True,
            next_run_time=now,
        )
        self.bot.scheduler.add_job(
            self.purge,
            "interval",
            hours=PURGE_HOURS,
            id="escalation:purge",
            replace_existing=True,
            next_run_time=now,
        )

    async def tick(self) -> None:
        steps: list[Callable[[], Awaitable[object]]] = [
            self.service.run_due_pages,
            self.service.learn_alert_ids,
            self._retry_threads,
            self._redact_alerts,
        ]
        for step in steps:
            try:
                await step()
            except Exception:
                log.exception("escalation: %s failed; trying again at the next tick", step)

    async def purge(self) -> None:
        await self.service.purge_due()
        await self._redact_alerts()

    async def _retry_threads(self) -> None:
        for case in await self.service.cases_waiting_for_thread():
            await self._open_fallback_thread(case)

    async def _redact_alerts(self) -> None:
        """After the retention purge, the alert in Discord must stop showing the words too."""
        for case in await self.service.alerts_to_redact():
            if await self.refresh_alert(case.id):
                await self.service.alert_redacted(case.id)

    # ------------------------------------------------------------------ reading messages

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._consider(message, edited=False)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        before = payload.cached_message
        if before is not None and before.content == payload.message.content:
            return  # an embed appeared, a pin: the words did not change
        await self._consider(payload.message, edited=True)

    async def _consider(self, message: discord.Message, *, edited: bool) -> None:
        author = message.author
        if author.bot or message.webhook_id is not None or message.type not in SCANNED_TYPES:
            return
        text = message.content
        if not text:
            return
        if message.guild is None:
            guild_ids = [g.id for g in self.bot.guilds if g.get_member(author.id) is not None]
        else:
            guild_ids = [message.guild.id]
        if not guild_ids:
            return
        detection = await self.service.detect(guild_ids, text)
        if detection is None or not detection.alert:
            return
        channel = message.channel
        parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
        if message.guild is not None:
            settings = await self.bot.guild_settings.get(message.guild.id)
            private = {settings.escalation_channel_id, settings.mod_log_channel_id} - {None}
            if channel.id in private or parent_id in private:
                return  # moderators talking about a case are not a new case
        log.debug("escalation: message %d matched: %r", message.id, text)
        incoming = Incoming(
            user_id=author.id,
            channel_id=channel.id,
            parent_channel_id=parent_id,
            message_id=message.id,
            text=text,
            in_dm=message.guild is None,
            edited=edited,
        )
        for attempt in range(1, REPORT_ATTEMPTS + 1):
            try:
                outcomes = await self.service.report(incoming, detection, guild_ids)
                break
            except Exception:
                log.exception(
                    "escalation: could not record message %d from user %d (attempt %d)",
                    message.id,
                    author.id,
                    attempt,
                )
                if attempt == REPORT_ATTEMPTS:
                    return
                await asyncio.sleep(0.2 * attempt)
        for outcome in outcomes:
            if outcome.what in ("joined", "updated"):
                self._in_background(self.refresh_alert(outcome.case_id))

    def _in_background(self, work: Awaitable[object]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("escalation: background work failed")

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ shared rendering

    def _member_name(self, guild_id: int, user_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        if member is not None:
            return member.display_name
        user = self.bot.get_user(user_id)
        return user.display_name if user else None

    async def _where(self, view: CaseView, t: Translate) -> str:
        case = view.case
        if case.source == "dm":
            return t("a direct message to the bot")
        if case.source == "contact":
            return t("the button under their crisis resources")
        origin = case.origin_channel_id
        if origin is None:
            return t("unknown channel")
        place = f"<#{case.channel_id}>"
        group = await self.bot.groups.for_channel(case.guild_id, origin)
        if group is not None:
            place = t("group {group} ({channel})", group=group.name, channel=place)
        if case.source == "support":
            return t("/support, used in {place}", place=place)
        first = next((m for m in view.messages if m.message_id), None)
        if first is not None and first.channel_id is not None and first.message_id is not None:
            link = render.message_link(case.guild_id, first.channel_id, first.message_id)
            return t("{place}, [jump to the message]({link})", place=place, link=link)
        return place

    def _short_where(self, case: Case, t: Translate) -> str:
        if case.source == "dm":
            return t("a direct message to the bot")
        if case.source == "contact":
            return t("the button under their crisis resources")
        if case.channel_id is None:
            return t("unknown channel")
        if case.source == "support":
            return t("/support, used in {place}", place=f"<#{case.channel_id}>")
        return f"<#{case.channel_id}>"

    async def alert_parts(self, case_id: int) -> tuple[discord.Embed, discord.ui.View | None]:
        view = await self.service.view(case_id)
        if view is None:
            raise NotFound(N_("I couldn't find that case."))
        t = await self.bot.guild_settings.translator(view.case.guild_id)
        embed = render.alert_embed(
            view,
            t,
            member_name=self._member_name(view.case.guild_id, view.case.user_id),
            where=await self._where(view, t),
        )
        return embed, render.alert_view(view.case, t)

    async def refresh_alert(self, case_id: int) -> bool:
        """Edit the alert to show the case as it is now (follow-ups, contact requests). Best
        effort: if it fails, the database still holds everything and the next edit catches up."""
        case = await self.service.case(case_id)
        if case is None or case.alert_channel_id is None:
            return False
        message_id = await self.service.alert_message_id(case)
        if message_id is None:
            return False  # not sent yet: it will be rendered from the current case
        embed, view = await self.alert_parts(case_id)
        channel = self.bot.get_partial_messageable(case.alert_channel_id, guild_id=case.guild_id)
        try:
            await channel.get_partial_message(message_id).edit(embed=embed, view=view)
        except discord.NotFound:
            log.warning("escalation: the alert of case %d was deleted", case_id)
            return True
        except discord.HTTPException as error:
            log.warning("escalation: could not update the alert of case %d: %s", case_id, error)
            return False
        return True

    # ------------------------------------------------------------------ outbox renderers

    async def _case(self, message: OutboxMessage) -> Case:
        case = await self.service.case(int(message.payload["case_id"]))
        if case is None:
            raise PermanentFailure(f"case {message.payload.get('case_id')} does not exist")
        return case

    async def _render_alert(self, message: OutboxMessage) -> Rendered:
        case = await self._case(message)
        embed, view = await self.alert_parts(case.id)
        return Rendered(embeds=[embed], view=view)

    async def _render_resources(self, message: OutboxMessage) -> Rendered:
        case = await self._case(message)
        settings = await self.bot.guild_settings.get(case.guild_id)
        t = server_translator(settings.language)
        resources = self.helplines.for_region(settings.effective_region)
        guild = self.bot.get_guild(case.guild_id)
        content = render.resources_content(
            case,
            resources,
            t,
            server=guild.name if guild else t("your support server"),
            name=self._member_name(case.guild_id, case.user_id),
        )
        return Rendered(
            content=content,
            embeds=[render.resources_embed(resources, t)],
            view=render.resources_view(case, t),
        )

    def _admins_to_page(self, guild: discord.Guild, channel_id: int) -> list[discord.Member]:
        channel = guild.get_channel(channel_id)
        admins = [
            m
            for m in guild.members
            if not m.bot
            and is_admin(m)
            and (channel is None or channel.permissions_for(m).view_channel)
        ]
        return sorted(admins, key=lambda m: m.id)[:20]

    async def _render_page(self, message: OutboxMessage) -> Rendered:
        case = await self._case(message)
        await self.service.alert_message_id(case)
        case = await self._case(message)
        settings = await self.bot.guild_settings.get(case.guild_id)
        t = server_translator(settings.language)
        if case.status != "open":
            return Rendered(content=render.page_settled_text(case, t))
        minutes = max(1, (epoch(self.bot.clock()) - case.created_at) // 60)
        level = int(message.payload.get("level", 1))
        text = render.page_text(case, level, t, minutes=minutes)
        if level == 1 and settings.moderator_role_id is not None:
            role = settings.moderator_role_id
            return Rendered(
                content=f"<@&{role}> {text}",
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(role)], replied_user=False
                ),
            )
        guild = self.bot.get_guild(case.guild_id)
        admins = self._admins_to_page(guild, message.destination_id) if guild else []
        if not admins:
            return Rendered(content=text)
        return Rendered(
            content=" ".join(f"<@{a.id}>" for a in admins) + f" {text}",
            allowed_mentions=discord.AllowedMentions(
                everyone=False,
                users=[discord.Object(a.id) for a in admins],
                roles=False,
                replied_user=False,
            ),
        )

    async def _render_update(self, message: OutboxMessage) -> Rendered:
        case = await self._case(message)
        await self.service.alert_message_id(case)
        case = await self._case(message)
        t = await self.bot.guild_settings.translator(case.guild_id)
        return Rendered(content=render.update_text(case, str(message.payload["event"]), t))

    async def _render_mod_log(self, message: OutboxMessage) -> Rendered:
        # Kept light on the database: it shares the connection with the alert and the
        # member's resources, which go out at the same moment and matter more.
        case = await self._case(message)
        if case.alert_message_id is None and await self.service.alert_message_id(case) is not None:
            case = await self._case(message)
        t = await self.bot.guild_settings.translator(case.guild_id)
        by = message.payload.get("by")
        text = render.mod_log_text(
            case,
            str(message.payload["event"]),
            t,
            by=int(by) if by is not None else None,
            where=self._short_where(case, t),
        )
        return Rendered(content=text)

    # ------------------------------------------------------------------ delivery problems

    async def _resources_failed(self, message: OutboxMessage, error: Exception) -> None:
        case_id = int(message.payload["case_id"])
        case = await self.service.resources_refused(
            case_id, to_user=message.destination_type == "user"
        )
        if case is not None and case.resources_via == "thread_pending":
            await self._open_fallback_thread(case)
        await self.refresh_alert(case_id)

    async def _alert_failed(self, message: OutboxMessage, error: Exception) -> None:
        await self.service.alert_refused(int(message.payload["case_id"]), message.destination_id)

    def _moderators(self, guild: discord.Guild, role_id: int | None, exclude: int) -> list[Any]:
        role = guild.get_role(role_id) if role_id else None
        members = role.members if role is not None else []
        chosen = [m for m in members if not m.bot and m.id != exclude]
        return sorted(chosen, key=lambda m: m.id)[:MAX_THREAD_MODERATORS]

    async def _open_fallback_thread(self, case: Case) -> None:
        """DMs closed: a private thread, in the channel the member wrote in, that only they and
        the moderators can see. Idempotent: a thread already made for the case is reused."""
        guild = self.bot.get_guild(case.guild_id)
        if guild is None:
            return  # not connected yet; the next tick tries again
        parent = guild.get_channel(case.origin_channel_id or 0)
        me = guild.me
        if not isinstance(parent, discord.TextChannel):
            await self.service.fallback_failed(case.id)
            await self.refresh_alert(case.id)
            return
        perms = parent.permissions_for(me)
        if not (
            perms.view_channel and perms.create_private_threads and perms.send_messages_in_threads
        ):
            log.warning(
                "escalation: case %d: no permission for a private thread in channel %d",
                case.id,
                parent.id,
            )
            await self.service.fallback_failed(case.id)
            await self.refresh_alert(case.id)
            return
        t = await self.bot.guild_settings.translator(case.guild_id)
        name = t("private check-in {case}", case=case.id)
        thread = next(
            (th for th in parent.threads if th.name == name and th.owner_id == me.id), None
        )
        settings = await self.bot.guild_settings.get(case.guild_id)
        try:
            if thread is None:
                thread = await parent.create_thread(
                    name=name,
                    type=discord.ChannelType.private_thread,
                    invitable=False,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
            await thread.add_user(discord.Object(case.user_id))
            for moderator in self._moderators(guild, settings.moderator_role_id, case.user_id):
                await thread.add_user(moderator)
        except (discord.Forbidden, discord.NotFound) as error:
            log.warning("escalation: case %d: private thread refused: %s", case.id, error)
            await self.service.fallback_failed(case.id)
            await self.refresh_alert(case.id)
            return
        except discord.HTTPException as error:
            log.warning(
                "escalation: case %d: private thread failed, will retry: %s", case.id, error
            )
            return
        await self.service.fallback_thread_opened(case.id, thread.id)
        await self.refresh_alert(case.id)

    # ------------------------------------------------------------------ buttons and modals

    async def case_button(
        self, interaction: discord.Interaction[Any], action: CaseAction, case_id: int
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        view = await self.service.view(case_id)
        if view is None or view.case.guild_id != member.guild.id:
            raise NotFound(N_("I couldn't find that case."))
        if interaction.message is not None:
            message = interaction.message
            await self.service.alert_pressed(view.case, message.channel.id, message.id)
        if action == "claim":
            await self.service.claim(case_id, member.guild.id, member.id)
            embed, buttons = await self.alert_parts(case_id)
            await interaction.response.edit_message(embed=embed, view=buttons)
            return
        if not view.case.is_open:
            raise UserError(N_("This case is already closed."))
        await interaction.response.send_modal(NoteModal(case_id, action, t))

    async def note_submitted(
        self,
        interaction: discord.Interaction[Any],
        case_id: int,
        action: Literal["resolve", "false"],
        note: str,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        status: Literal["resolved", "false_alarm"] = (
            "resolved" if action == "resolve" else "false_alarm"
        )
        await self.service.close(case_id, member.guild.id, member.id, status, note)
        embed, buttons = await self.alert_parts(case_id)
        if interaction.message is not None:
            await interaction.response.edit_message(embed=embed, view=buttons)
        else:
            t = await translator(interaction)
            await interaction.response.send_message(t("The case is closed."), ephemeral=True)

    async def contact_button(self, interaction: discord.Interaction[Any], case_id: int) -> None:
        t = await translator(interaction)
        outcome = await self.service.request_contact(case_id, interaction.user.id)
        if outcome.what == "already_requested":
            text = t(
                "You've already asked, and the moderators know. One of them will contact you "
                "as soon as they can."
            )
        else:
            text = t(
                "Thank you for telling us. I've let the moderators know, privately, that you'd "
                "like one of them to contact you. They will as soon as they can. If you are in "
                "immediate danger, please call your local emergency number now."
            )
        await interaction.response.send_message(text, ephemeral=True)
        self._in_background(self.refresh_alert(outcome.case_id))

    async def support_submitted(self, interaction: discord.Interaction[Any], words: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        channel = interaction.channel
        parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
        outcome = await self.service.request_support(
            guild_id=member.guild.id,
            user_id=member.id,
            channel_id=interaction.channel_id,
            parent_channel_id=parent_id,
            words=words,
        )
        if outcome.what == "opened":
            text = t(
                "Thank you for reaching out. I've told the moderators privately, and one of them "
                "will contact you as soon as they can. I've also sent you a direct message with "
                "people you can talk to at any hour. If you are in immediate danger, please call "
                "your local emergency number now."
            )
        else:
            text = t(
                "Thank you. The moderators already know you may need support, and I've told "
                "them you'd like to talk. One of them will contact you as soon as they can."
            )
        await interaction.response.send_message(text, ephemeral=True)
        if outcome.what != "opened":
            self._in_background(self.refresh_alert(outcome.case_id))

    # ------------------------------------------------------------------ /support

    @app_commands.command(
        name="support",
        description=_T("Privately ask a moderator for help, at any time"),
        extras=MEMBER,
    )
    @app_commands.guild_only()
    async def support(self, interaction: discord.Interaction[Bot]) -> None:
        await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        await interaction.response.send_modal(SupportModal(t))

    # ------------------------------------------------------------------ /escalation phrases

    @phrases_group.command(
        name="add",
        description=_T("Add a phrase that raises a distress alert on this server"),
        extras=MODERATOR,
    )
    @app_commands.describe(
        phrase=_T("Words to look for, e.g. a local expression"),
        category=_T("What the phrase signals"),
        severity=_T("How urgent it is (low never alerts on its own)"),
    )
    @app_commands.choices(category=CATEGORY_CHOICES, severity=SEVERITY_CHOICES)
    async def phrases_add(
        self,
        interaction: discord.Interaction[Bot],
        phrase: str,
        category: str,
        severity: str,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        added = await self.service.add_phrase(
            member.guild.id, phrase, category, severity, member.id
        )
        await interaction.response.send_message(
            t(
                "Added “{phrase}” ({category}, {severity}). Messages on this server that contain "
                "it now raise an alert.",
                phrase=added.phrase,
                category=render.category_name(added.category, t),
                severity=render.severity_name(added.severity, t),
            ),
            ephemeral=True,
        )

    @phrases_group.command(
        name="remove",
        description=_T("Remove one of this server's own phrases"),
        extras=MODERATOR,
    )
    @app_commands.describe(phrase=_T("The phrase to remove"))
    async def phrases_remove(self, interaction: discord.Interaction[Bot], phrase: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        await self.service.remove_phrase(member.guild.id, phrase, member.id)
        await interaction.response.send_message(
            t("Removed “{phrase}” from this server's phrases.", phrase=phrase), ephemeral=True
        )

    @phrases_remove.autocomplete("phrase")
    async def phrases_remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            return []
        if not await self.bot.access.is_moderator(interaction.user):
            return []
        phrases = await self.service.phrases(interaction.guild_id)
        current = current.casefold()
        return [
            app_commands.Choice(name=p.phrase[:100], value=p.phrase[:100])
            for p in phrases
            if current in p.phrase.casefold()
        ][:25]

    @phrases_group.command(
        name="list",
        description=_T("Show this server's own distress phrases"),
        extras=MODERATOR,
    )
    async def phrases_list(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        phrases = await self.service.phrases(member.guild.id)
        builtin = len(self.detector.builtin)
        embed = discord.Embed(
            title=t("Distress phrases on {server}", server=member.guild.name),
            colour=discord.Colour.blurple(),
        )
        if phrases:
            lines = [
                f"• {discord.utils.escape_markdown(p.phrase)} · "
                f"{render.category_name(p.category, t)} · {render.severity_name(p.severity, t)}"
                for p in phrases
            ]
            text = "\n".join(lines)
            embed.description = text if len(text) <= 4000 else text[:3990] + "\n…"
        else:
            embed.description = t(
                "This server has no phrases of its own yet. Add one with /escalation phrases add."
            )
        embed.set_footer(
            text=t(
                "Plus {n} built-in phrases every server shares (cogs/escalation/data).",
                n=builtin,
            )
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ /escalation paging

    @escalation_group.command(
        name="paging",
        description=_T("Choose when unclaimed alerts page the moderators, then the admins"),
        extras=ADMIN,
    )
    @app_commands.describe(
        moderators_after=_T("Minutes before the moderator role is pinged (default 5)"),
        admins_after=_T("Minutes before the admins are pinged (default 10)"),
    )
    @app_commands.rename(moderators_after="moderators-after", admins_after="admins-after")
    async def paging(
        self, interaction: discord.Interaction[Bot], moderators_after: int, admins_after: int
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.service.set_paging(
            member.guild.id, moderators_after, admins_after, member.id
        )
        await interaction.response.send_message(
            t(
                "Unclaimed alerts will page the moderator role after {moderators} minutes and "
                "the admins after {admins} minutes.",
                moderators=settings.page_after_seconds // 60,
                admins=settings.admin_page_after_seconds // 60,
            ),
            ephemeral=True,
        )
