"""Distress escalation, the alert desk: how the outbox's messages look in Discord (the alert,
the member's crisis resources, pages, notes, mod-log lines), the alert kept up to date, and the
ways around a delivery that failed (a private thread when the member's DMs are closed). Discord
glue only: the rules are in the service.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.checks import is_admin
from bot.client import Bot
from bot.clock import epoch
from bot.dispatcher import PermanentFailure, Rendered
from bot.errors import NotFound
from bot.i18n import N_, Translate, server_translator
from bot.kit.links import message_url
from bot.kit.text import escape_member_text
from bot.outbox import OutboxMessage
from bot.permissions import is_moderator_member, moderators
from cogs.escalation import render
from cogs.escalation.helplines import Helplines
from cogs.escalation.models import Case
from cogs.escalation.render_duty import duty_page, mention_on_duty
from cogs.escalation.service import CaseView, EscalationService

log = logging.getLogger(__name__)

MAX_THREAD_MODERATORS = 25
THREAD_ARCHIVE_MINUTES = 10080  # a week


class AlertDesk:
    """The Discord side of a case's messages; the cog registers its renderers."""

    def __init__(self, bot: Bot, service: EscalationService, helplines: Helplines) -> None:
        self.bot = bot
        self.service = service
        self.helplines = helplines
        # Cases that changed while their alert was on its way (rendered, not yet known as
        # sent): edited as soon as the outbox says it was delivered.
        self._changed_in_flight: set[int] = set()

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
            place = t(
                "group {group} ({channel})", group=escape_member_text(group.name), channel=place
            )
        if case.source == "support":
            return t("/support, used in {place}", place=place)
        first = next((m for m in view.messages if m.message_id), None)
        if first is not None and first.channel_id is not None and first.message_id is not None:
            link = message_url(case.guild_id, first.channel_id, first.message_id)
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

    async def about_moderator(self, case: Case) -> bool:
        """Whether the case is about one of the server's moderators or admins (they may not
        handle it; the others are paged, never them)."""
        guild = self.bot.get_guild(case.guild_id)
        member = guild.get_member(case.user_id) if guild else None
        if member is None:
            return False
        settings = await self.bot.guild_settings.get(case.guild_id)
        return is_moderator_member(member, settings.moderator_role_id)

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
            about_moderator=await self.about_moderator(view.case),
        )
        return embed, render.alert_view(view.case, t)

    async def refresh(self, case_id: int) -> bool:
        """Edit the alert to show the case as it is now (follow-ups, contact requests). Best
        effort: if it fails, the database still holds everything and the next edit catches up."""
        # Marked before the case is read: an alert delivered while this reads is edited by
        # alert_sent (which looks at the mark once it has kept the alert's id), or here.
        self._changed_in_flight.add(case_id)
        case = await self.service.case(case_id)
        if case is None or case.alert_channel_id is None:
            return False
        message_id = case.alert_message_id
        if message_id is None:
            # Not sent yet: it will be rendered from the current case, or, if it was rendered
            # already, edited when the outbox says it was delivered (alert_sent).
            return False
        self._changed_in_flight.discard(case_id)
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

    async def case_of(self, message: OutboxMessage) -> Case:
        case = await self.service.case(int(message.payload["case_id"]))
        if case is None:
            raise PermanentFailure(f"case {message.payload.get('case_id')} does not exist")
        return case

    async def render_alert(self, message: OutboxMessage) -> Rendered:
        case = await self.case_of(message)
        self._changed_in_flight.discard(case.id)
        embed, view = await self.alert_parts(case.id)
        rendered = Rendered(embeds=[embed], view=view)
        # the moderators on duty, if anyone is (render_duty.py)
        return await mention_on_duty(
            self.bot, self.service.duty, case, message.destination_id, rendered
        )

    async def alert_sent(self, message: OutboxMessage, message_id: int) -> None:
        """The outbox's `on_sent` hook for alerts: keep the alert's Discord id (pages, notes and
        mod-log lines link to it; follow-ups edit it), then catch up on what changed meanwhile."""
        case_id = int(message.payload["case_id"])
        if not await self.service.alert_sent(case_id, message.id, message_id):
            return
        if case_id in self._changed_in_flight:
            self._changed_in_flight.discard(case_id)
            await self.refresh(case_id)

    async def render_resources(self, message: OutboxMessage) -> Rendered:
        return await self.render_resources_for(await self.case_of(message))

    async def render_resources_for(self, case: Case) -> Rendered:
        """The member's crisis resources. They say the moderators know only once an alert was
        delivered (delivery.py edits them then)."""
        settings = await self.bot.guild_settings.get(case.guild_id)
        t = await self.bot.languages.translator(
            case.guild_id, case.user_id, server_language=settings.language
        )
        resources = self.helplines.for_region(settings.effective_region, t.language)
        guild = self.bot.get_guild(case.guild_id)
        content = render.resources_content(
            case,
            resources,
            t,
            server=guild.name if guild else t("your support server"),
            name=self._member_name(case.guild_id, case.user_id),
            told=case.alert_delivered,
        )
        return Rendered(
            content=content,
            embeds=[render.resources_embed(resources, t)],
            view=render.resources_view(case, t),
        )

    def _admins_to_page(
        self, guild: discord.Guild, channel_id: int, subject: int
    ) -> list[discord.Member]:
        channel = guild.get_channel(channel_id)
        admins = [
            m
            for m in guild.members
            if not m.bot
            and m.id != subject
            and is_admin(m)
            and (channel is None or channel.permissions_for(m).view_channel)
        ]
        return sorted(admins, key=lambda m: m.id)[:20]

    async def render_page(self, message: OutboxMessage) -> Rendered:
        case = await self.case_of(message)
        settings = await self.bot.guild_settings.get(case.guild_id)
        t = server_translator(settings.language)
        if case.status != "open":
            return Rendered(content=render.page_settled_text(case, t))
        minutes = max(1, (epoch(self.bot.clock()) - case.created_at) // 60)
        level = int(message.payload.get("level", 1))
        if level == 0:  # the moderators on duty (render_duty.py); none still here: the role
            on_duty = duty_page(self.bot, case, message.payload, message.destination_id, t, minutes)
            if on_duty is not None:
                return on_duty
            level = 1 if settings.moderator_role_id is not None else 2
        text = render.page_text(case, level, t, minutes=minutes)
        guild = self.bot.get_guild(case.guild_id)
        about_moderator = await self.about_moderator(case)
        if level == 1 and settings.moderator_role_id is not None and about_moderator and guild:
            # The alert is about a moderator: page the others by name, never the one it is about.
            others = [
                m for m in moderators(guild, settings.moderator_role_id) if m.id != case.user_id
            ]
            if others:
                return _ping_users(others, text)
        elif level == 1 and settings.moderator_role_id is not None:
            role = settings.moderator_role_id
            return Rendered(
                content=f"<@&{role}> {text}",
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(role)], replied_user=False
                ),
            )
        admins = self._admins_to_page(guild, message.destination_id, case.user_id) if guild else []
        if not admins:
            return Rendered(content=text)
        return _ping_users(admins, text)

    async def render_update(self, message: OutboxMessage) -> Rendered:
        case = await self.case_of(message)
        t = await self.bot.guild_settings.translator(case.guild_id)
        return Rendered(content=render.update_text(case, str(message.payload["event"]), t))

    async def render_mod_log(self, message: OutboxMessage) -> Rendered:
        # Kept light on the database: it shares the connection with the alert and the
        # member's resources, which go out at the same moment and matter more.
        case = await self.case_of(message)
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

    async def resources_failed(self, message: OutboxMessage, error: Exception) -> None:
        case_id = int(message.payload["case_id"])
        case = await self.service.resources_refused(
            case_id, to_user=message.destination_type == "user"
        )
        if case is not None and case.resources_via == "thread_pending":
            await self.open_fallback_thread(case)
        await self.refresh(case_id)

    def _moderators(self, guild: discord.Guild, role_id: int | None, exclude: int) -> list[Any]:
        role = guild.get_role(role_id) if role_id else None
        members = role.members if role is not None else []
        chosen = [m for m in members if not m.bot and m.id != exclude]
        return sorted(chosen, key=lambda m: m.id)[:MAX_THREAD_MODERATORS]

    async def open_fallback_thread(self, case: Case) -> None:
        """DMs closed: a private thread, in the channel the member wrote in, that only they and
        the moderators can see. Idempotent: a thread already made for the case is reused."""
        guild = self.bot.get_guild(case.guild_id)
        if guild is None:
            return  # not connected yet; the next tick tries again
        parent = guild.get_channel(case.origin_channel_id or 0)
        me = guild.me
        if not isinstance(parent, discord.TextChannel):
            await self.service.fallback_failed(case.id)
            await self.refresh(case.id)
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
            await self.refresh(case.id)
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
            await self.refresh(case.id)
            return
        except discord.HTTPException as error:
            if await self.service.thread_attempt_failed(case.id):
                # A few tries (some 400s never pass); then the moderators hear that the member
                # could not be reached privately.
                log.warning(
                    "escalation: case %d: private thread failed, giving up: %s", case.id, error
                )
                await self.service.fallback_failed(case.id)
                await self.refresh(case.id)
                return
            log.warning(
                "escalation: case %d: private thread failed, will retry: %s", case.id, error
            )
            return
        await self.service.fallback_thread_opened(case.id, thread.id)
        await self.refresh(case.id)


def _ping_users(people: list[discord.Member], text: str) -> Rendered:
    return Rendered(
        content=" ".join(f"<@{p.id}>" for p in people) + f" {text}",
        allowed_mentions=discord.AllowedMentions(
            everyone=False,
            users=[discord.Object(p.id) for p in people],
            roles=False,
            replied_user=False,
        ),
    )
