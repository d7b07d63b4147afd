"""Distress escalation, getting an alert to a human: the chain of places it may go (the
escalation channel, the mod-log channel, the moderators by DM, the admins and the server's owner
by DM), each checked before the alert goes there (still there, private, the bot may post) and
the next one tried when Discord refuses; the member told the moderators know only once an alert
was delivered; and the admins reminded daily while no channel can take alerts. Discord glue:
the rules and the records are in service_delivery.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord

from bot import permissions
from bot.client import Bot
from bot.clock import epoch
from bot.dispatcher import PermanentFailure, Rendered
from bot.guild_settings import GuildSettings
from bot.i18n import Translate
from bot.kit.text import escape_member_text
from bot.outbox import OutboxMessage
from bot.permissions import CHAIN, ChainLink, LinkName, alert_chain, channel_problem_text
from bot.tree import translator
from cogs.escalation import render
from cogs.escalation.alerts import AlertDesk
from cogs.escalation.helplines import Helplines
from cogs.escalation.models import Case
from cogs.escalation.service import EscalationService

log = logging.getLogger(__name__)

SUPPORT_WAIT_SECONDS = 1.5  # /support waits this long for the alert before answering
SUPPORT_ANSWER_BY = 2.2  # seconds after the submission; Discord's deadline is 3
INTERACTION_EDIT_SECONDS = 14 * 60  # an interaction's token lasts 15 minutes
SETUP_CHECK_SECONDS = 10 * 60  # how often each server's alert setup is looked at


def moderators_to_dm(
    guild: discord.Guild, settings: GuildSettings, on_duty: list[int] | None = None
) -> list[discord.Member]:
    """The moderators an alert goes to by DM when no channel works: those on duty now (duty.py)
    when anyone is, else everyone with the moderator role."""
    everyone = permissions.moderators(guild, settings.moderator_role_id)
    if on_duty:
        wanted = set(on_duty)
        chosen = [m for m in everyone if m.id in wanted]
        if chosen:
            return chosen
    return everyone


def link_of(case: Case, settings: GuildSettings) -> LinkName | None:
    """The link of the chain the case's alert is on now (None: nowhere yet)."""
    if case.alert_link in CHAIN:
        return case.alert_link  # type: ignore[return-value]
    if case.alert_channel_id is None:
        return None
    if case.alert_channel_id == settings.escalation_channel_id:
        return "escalation"
    return "mod_log"


class DeliveryDesk:
    """Where an alert goes, and who hears that it arrived. The cog registers its hooks."""

    def __init__(
        self, bot: Bot, service: EscalationService, helplines: Helplines, alerts: AlertDesk
    ) -> None:
        self.bot = bot
        self.service = service
        self.helplines = helplines
        self.alerts = alerts
        self._delivered: dict[int, asyncio.Event] = {}
        # /support answers that said "help is being sought", edited once the alert arrives
        # (in memory: an interaction's token lasts 15 minutes and dies with the process).
        self._waiting_answers: dict[int, list[tuple[discord.Interaction[Any], bool, float]]] = {}
        # Resources rows rendered after the alert arrived (they already say so).
        self._rendered_told: set[int] = set()
        self._checked_setup: dict[int, int] = {}  # guild -> when its setup was last checked

    def chain(
        self,
        guild: discord.Guild,
        settings: GuildSettings,
        exclude: int | None = None,
        on_duty: list[int] | None = None,
    ) -> list[ChainLink]:
        return alert_chain(
            guild,
            settings,
            exclude=exclude,
            moderators_to_dm=lambda g, s: moderators_to_dm(g, s, on_duty),
        )

    async def chain_now(
        self, guild: discord.Guild, settings: GuildSettings, exclude: int | None = None
    ) -> list[ChainLink]:
        """The chain as it stands now, its DM link narrowed to the moderators on duty."""
        on_duty = await self.service.duty.on_duty_now(guild.id, exclude=exclude)
        return self.chain(guild, settings, exclude, on_duty)

    # ------------------------------------------------------------------ the alert in a channel

    async def render_alert(self, message: OutboxMessage) -> Rendered:
        """Check the channel before the member's words go there: deleted, readable by people
        who are not moderators, or closed to the bot sends the alert down the chain instead."""
        guild = self.bot.get_guild(message.guild_id or 0)
        if guild is not None:
            settings = await self.bot.guild_settings.get(guild.id)
            check = permissions.check_private_channel(
                guild, message.destination_id, settings.moderator_role_id
            )
            if not check.works:
                raise PermanentFailure(f"the alert channel does not work: {check.problem}")
        return await self.alerts.render_alert(message)

    async def alert_sent(self, message: OutboxMessage, message_id: int) -> None:
        await self.alerts.alert_sent(message, message_id)
        await self._arrived(int(message.payload["case_id"]))

    async def alert_failed(self, message: OutboxMessage, error: Exception) -> None:
        """Discord refused the alert for good (403 missing access or permission, 404 unknown
        channel) or the check above did: the next link of the chain."""
        case = await self.service.case(int(message.payload["case_id"]))
        if case is None or case.alert_outbox_id != message.id:
            return
        await self.advance(case)
        await self.remind_admins(case.guild_id)
        guild = self.bot.get_guild(case.guild_id)
        if guild is not None:
            settings = await self.bot.guild_settings.get(guild.id)
            check = permissions.check_private_channel(
                guild, message.destination_id, settings.moderator_role_id
            )
            if check.problem == "public":
                # Members' words must never go there: the admins hear it at once (daily).
                admin_ids = [m.id for m in permissions.admins(guild)]
                await self.service.remind_admins(
                    guild.id, admin_ids, topic=f"public:{message.destination_id}"
                )

    # ------------------------------------------------------------------ down the chain

    async def advance(self, seen: Case) -> None:
        """Send the alert of `seen` (the case as the caller read it) to the first link after
        its current one that works now; nothing if the case moved on meanwhile."""
        guild = self.bot.get_guild(seen.guild_id)
        if guild is None:
            return  # not connected yet: the next tick tries again
        settings = await self.bot.guild_settings.get(seen.guild_id)
        current = link_of(seen, settings)
        after = CHAIN.index(current) + 1 if current is not None and seen.alert_link != "none" else 0
        for link in (await self.chain_now(guild, settings, exclude=seen.user_id))[after:]:
            if not link.works:
                continue
            if link.channel is not None and link.channel.channel_id is not None:
                if link.channel.channel_id == seen.alert_channel_id:
                    continue  # the one that just failed
                await self.service.move_alert(
                    seen, link=link.name, channel_id=link.channel.channel_id
                )
                return
            if link.people:
                await self.service.alert_to_dms(seen, link=link.name, user_ids=list(link.people))
                await self.remind_admins(seen.guild_id)
                return
        await self.service.alert_nowhere(seen)
        await self.remind_admins(seen.guild_id)

    async def catch_up(self) -> None:
        """Each tick: alerts that have nowhere to go yet (no channel when the case opened, a
        failure a crash cut short, nothing worked before) try the chain again, and each server
        that cannot receive alerts has its admins reminded (daily)."""
        for case in await self.service.undelivered_cases():
            guild = self.bot.get_guild(case.guild_id)
            if guild is None:
                continue
            state = await self.service.alert_state(case)
            if state == "pending" and await self.service.stuck(case):
                await self._also_by_dm(guild, case)
                continue
            if state != "failed":
                continue
            if case.alert_link == "none":
                settings = await self.bot.guild_settings.get(case.guild_id)
                if not any(link.works for link in self.chain(guild, settings, case.user_id)):
                    continue  # still nowhere: nothing new to say
            await self.advance(case)
        for case in await self.service.dm_only_cases():
            await self._back_in_channel(case)
        now = epoch(self.bot.clock())
        for guild in list(self.bot.guilds):
            # Not at first sight: a server that just added the bot is being set up. (An alert
            # that finds no channel reminds the admins at once, in `advance`.)
            if now - self._checked_setup.setdefault(guild.id, now) < SETUP_CHECK_SECONDS:
                continue
            self._checked_setup[guild.id] = now
            await self.remind_admins(guild.id)

    async def _also_by_dm(self, guild: discord.Guild, case: Case) -> None:
        """The channel keeps failing (Discord errors, rate limits): the moderators (else the
        admins) get the alert by DM as well."""
        settings = await self.bot.guild_settings.get(guild.id)
        for link in (await self.chain_now(guild, settings, exclude=case.user_id))[2:]:
            if link.people:
                await self.service.alert_also_to_dms(
                    case, link=link.name, user_ids=list(link.people)
                )
                return

    async def _back_in_channel(self, case: Case) -> None:
        """An alert that went by DM only is posted in the first channel that works again, where
        it can be claimed and closed."""
        guild = self.bot.get_guild(case.guild_id)
        if guild is None:
            return
        settings = await self.bot.guild_settings.get(guild.id)
        for link in self.chain(guild, settings, exclude=case.user_id)[:2]:
            if link.works and link.channel is not None and link.channel.channel_id is not None:
                await self.service.alert_back_in_channel(
                    case, link=link.name, channel_id=link.channel.channel_id
                )
                return

    # ------------------------------------------------------------------ the alert by DM

    async def render_alert_dm(self, message: OutboxMessage) -> Rendered:
        case = await self.alerts.case_of(message)
        settings = await self.bot.guild_settings.get(case.guild_id)
        t = await self.bot.languages.translator(  # a moderator's DM: their language
            case.guild_id, message.destination_id, server_language=settings.language
        )
        guild = self.bot.get_guild(case.guild_id)
        embed, _ = await self.alerts.alert_parts(case.id)  # no buttons: they work in a channel
        reasons = self._channel_reasons(guild, settings, t) if guild is not None else ""
        server = escape_member_text(guild.name) if guild else case.guild_id
        if message.payload.get("stuck"):
            text = t(
                "**Alert #{case} from {server}: Discord hasn't let me post it in the alert "
                "channel for a few minutes**, so I'm also sending it to you. Please make sure "
                "someone reaches out to the member privately. The alert will appear in the "
                "channel, with its buttons, as soon as Discord lets me.",
                case=case.id,
                server=server,
            )
            return Rendered(content=text, embeds=[embed])
        text = t(
            "**Alert #{case} from {server}: no alert channel could take it** ({reasons}). I'm "
            "sending it to you because you're one of the server's {who}. Please make sure "
            "someone reaches out to the member privately, and ask an admin to fix the alert "
            "channel (/setup show).",
            case=case.id,
            server=server,
            reasons=reasons,
            who=t("moderators") if message.payload.get("link") == "moderators" else t("admins"),
        )
        return Rendered(content=text, embeds=[embed])

    async def alert_dm_sent(self, message: OutboxMessage, message_id: int) -> None:
        settled = await self.service.alert_dm_settled(message.id, sent=True)
        if settled is not None:
            await self._arrived(settled.case_id)

    async def alert_dm_failed(self, message: OutboxMessage, error: Exception) -> None:
        settled = await self.service.alert_dm_settled(message.id, sent=False)
        if settled is None or not settled.link_failed:
            return
        case = await self.service.case(settled.case_id)
        if case is not None:
            await self.advance(case)

    def _channel_reasons(self, guild: discord.Guild, settings: GuildSettings, t: Translate) -> str:
        links = self.chain(guild, settings)[:2]
        names = {"escalation": t("escalation channel"), "mod_log": t("mod-log channel")}
        parts = []
        for link in links:
            if link.channel is not None and not link.channel.works:
                problem = channel_problem_text(link.channel, t) or ""
                parts.append(f"{names[link.name]}: {problem}")
        return "; ".join(parts) or t("Discord refused it")

    # ------------------------------------------------------------------ admins reminded

    async def remind_admins(self, guild_id: int) -> None:
        """While no channel can take alerts, DM the server's admins and owner, once a day."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        settings = await self.bot.guild_settings.get(guild_id)
        links = self.chain(guild, settings)
        if any(link.works for link in links[:2]):
            await self.service.setup_fixed(guild_id)
            return
        admin_ids = [m.id for m in permissions.admins(guild)]
        await self.service.remind_admins(guild_id, admin_ids)

    async def render_setup_reminder(self, message: OutboxMessage) -> Rendered:
        guild = self.bot.get_guild(message.guild_id or 0)
        if guild is None:
            raise PermanentFailure("the server is gone")
        settings = await self.bot.guild_settings.get(guild.id)
        t = await self.bot.languages.translator(  # an admin's DM: their language
            guild.id, message.destination_id, server_language=settings.language
        )
        topic = str(message.payload.get("topic", "no_channel"))
        if topic.startswith("public:"):
            channel_id = int(topic.split(":", 1)[1])
            check = permissions.check_private_channel(guild, channel_id, settings.moderator_role_id)
            readers = ", ".join(r.mention for r in check.readers[:5]) or t("someone")
            return Rendered(
                content=t(
                    "Hi, the alert channel <#{channel}> of {server} can now be read by people "
                    "who are not moderators or admins ({readers}), so I didn't post an alert "
                    "about a member there: it went to the next place that works. Please make "
                    "the channel private again, or choose another with /setup "
                    "escalation-channel (/setup show lists where alerts go).",
                    channel=channel_id,
                    server=escape_member_text(guild.name),
                    readers=readers,
                )
            )
        text = t(
            "Hi, {server} can't receive alerts about members in distress right now "
            "({reasons}). Until it is fixed, alerts come to moderators and admins by direct "
            "message, which is easy to miss. Please run /setup show in the server to see what "
            "to fix. I'll remind you once a day until it's fixed.",
            server=escape_member_text(guild.name),
            reasons=self._channel_reasons(guild, settings, t),
        )
        return Rendered(content=text)

    # ------------------------------------------------------------------ the member is told

    async def _arrived(self, case_id: int) -> None:
        """An alert of the case reached someone: the member may now read that the moderators
        know (their resources are edited, a /support answer waiting is updated)."""
        await self.service.alert_delivered(case_id)
        event = self._delivered.pop(case_id, None)
        if event is not None:
            event.set()
        for interaction, opened, since in self._waiting_answers.pop(case_id, []):
            if time.monotonic() - since > INTERACTION_EDIT_SECONDS:
                continue
            t = await translator(interaction)
            try:
                await interaction.edit_original_response(
                    content=self._support_told_text(opened, t), embed=None
                )
            except discord.HTTPException as error:
                log.info("escalation: could not update a /support answer: %s", error)
        case = await self.service.case(case_id)
        if case is not None:
            await self._tell_member(case)

    async def _tell_member(self, case: Case) -> None:
        """The member's resources are edited to say the moderators know, then that is recorded
        (an edit a crash cut short is made again when the alert's on_sent hook runs again at
        start: editing to the same words twice changes nothing the member sees)."""
        if case.member_told_at is not None:
            return
        delivery = await self.service.resources_delivery(case)
        if delivery is None or delivery.channel_id is None or delivery.message_id is None:
            return  # not sent yet: it will be rendered saying the moderators know
        if case.resources_outbox_id not in self._rendered_told:
            rendered = await self.alerts.render_resources_for(case)
            channel = self.bot.get_partial_messageable(delivery.channel_id)
            try:
                # The words only: the member's button stays as it is (pressed or not).
                await channel.get_partial_message(delivery.message_id).edit(
                    content=rendered.content
                )
            except discord.HTTPException as error:
                log.warning(
                    "escalation: case %d: could not update the resources: %s", case.id, error
                )
                return
        await self.service.member_told(case.id)

    async def render_resources(self, message: OutboxMessage) -> Rendered:
        case = await self.alerts.case_of(message)
        if case.alert_delivered:
            self._rendered_told.add(message.id)
        elif case.alert_channel_id is None and case.alert_link is None:
            # The case opened with no channel to alert: find one now, not at the next tick.
            self.bot.spawn(self.advance(case), name=f"escalation: route alert {case.id}")
        return await self.alerts.render_resources_for(case)

    async def resources_sent(self, message: OutboxMessage, message_id: int) -> None:
        case = await self.service.case(int(message.payload["case_id"]))
        if case is not None and case.alert_delivered:
            await self._tell_member(case)

    async def wait_delivered(self, case_id: int, within: float) -> bool:
        case = await self.service.case(case_id)
        if case is None or case.alert_delivered:
            return case is not None
        event = self._delivered.setdefault(case_id, asyncio.Event())
        case = await self.service.case(case_id)  # delivered between the read and the wait
        if case is not None and case.alert_delivered:
            return True
        try:
            async with asyncio.timeout(within):
                await event.wait()
        except TimeoutError:
            return False
        return True

    async def answer_support(
        self, interaction: discord.Interaction[Any], case_id: int, *, opened: bool
    ) -> None:
        """The answer to /support: "the moderators know" only once an alert was delivered;
        until then, help is being sought, and here are the people to call meanwhile (the answer
        is updated when the alert arrives)."""
        t = await translator(interaction)
        # Discord wants an answer within 3 seconds of the submission: wait only what is left.
        elapsed = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        within = max(0.0, min(SUPPORT_WAIT_SECONDS, SUPPORT_ANSWER_BY - elapsed))
        if await self.wait_delivered(case_id, within):
            await interaction.response.send_message(
                self._support_told_text(opened, t), ephemeral=True
            )
            return
        settings = await self.bot.guild_settings.get(interaction.guild_id or 0)
        resources = self.helplines.for_region(settings.effective_region)
        text = t(
            "Thank you for reaching out. I'm getting your message to the moderators, privately, "
            "right now, and I'll update this message once they have it. While you wait, the "
            "people below are there to listen, at any hour. If you are in immediate danger, "
            "please call your local emergency number now."
        )
        await interaction.response.send_message(
            text, embed=render.resources_embed(resources, t), ephemeral=True
        )
        entry = (interaction, opened, time.monotonic())
        self._waiting_answers.setdefault(case_id, []).append(entry)
        case = await self.service.case(case_id)
        waiting = self._waiting_answers.get(case_id, [])
        if case is not None and case.alert_delivered and entry in waiting:
            # It arrived while we answered, after `_arrived` looked for answers to update.
            waiting.remove(entry)
            await interaction.edit_original_response(
                content=self._support_told_text(opened, t), embed=None
            )

    @staticmethod
    def _support_told_text(opened: bool, t: Translate) -> str:
        if opened:
            return t(
                "Thank you for reaching out. I've told the moderators privately, and one of them "
                "will contact you as soon as they can. I've also sent you a direct message with "
                "people you can talk to at any hour. If you are in immediate danger, please call "
                "your local emergency number now."
            )
        return t(
            "Thank you. The moderators already know you may need support, and I've told "
            "them you'd like to talk. One of them will contact you as soon as they can."
        )
