"""/group: topic groups with a private channel and role. Discord glue only.

GroupsCog wires the feature together: the /group commands (commands_manage.py and
commands_membership.py, on the base in commands.py), the join flow (joining.py), the role
bookkeeping (roles.py), the repair after changes made in Discord (reconcile.py, a Cog of its
own), the texts and embeds (render.py) and the buttons (views.py). The rules are in service.py,
the role and channel work in provision.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import discord

from bot.client import Bot
from bot.dispatcher import Rendered, server_of
from bot.outbox import OutboxMessage
from bot.ui import BaseView
from cogs.groups import render

# commands_manage before commands_membership: the order Discord receives the subcommands in.
from cogs.groups.commands_manage import ManageCommands
from cogs.groups.commands_membership import MembershipCommands
from cogs.groups.joining import GroupsDirectory, JoinFlow
from cogs.groups.reconcile import GroupsReconcile
from cogs.groups.roles import GroupRoles
from cogs.groups.service import GroupService
from cogs.groups.service_seats import MISSING, NOTICE, OFFER, REQUEST
from cogs.groups.views import DYNAMIC_ITEMS, OfferButton, RecreateButton, RequestButton

log = logging.getLogger(__name__)

OFFER_JOB = "groups:offer:{}"


class GroupsCog(ManageCommands, MembershipCommands, name="Groups"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.service = GroupService(bot.db, bot.clock, bot.outbox, bot.guild_settings, bot.modlog)
        self.roles = GroupRoles(self.service)
        self.joining = JoinFlow(bot, self.service, self.roles)
        self.reconcile = GroupsReconcile(bot, self.service, self.roles, self.joining)
        bot.groups = GroupsDirectory(self.service, self.joining)
        bot.access.set_leader_lookup(self.service.is_leader)
        bot.dispatcher.register(NOTICE, self._render_notice)
        bot.dispatcher.register(OFFER, self._render_offer)
        bot.dispatcher.register(REQUEST, self._render_request)
        bot.dispatcher.register(MISSING, self._render_missing)
        bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.service.on_offer(self._schedule_offer_expiry)
        bot.add_rebuilder(self._rebuild_jobs)

    # ------------------------------------------------------------------ scheduling

    async def _rebuild_jobs(self) -> None:
        for entry in await self.service.open_offers():
            assert entry.offer_expires_at is not None
            self._schedule_offer_expiry(entry.id, entry.offer_expires_at)
        self.bot.scheduler.add_job(
            self.service.expire_tickets,
            "interval",
            minutes=15,
            id="groups:ticket-expiry",
            replace_existing=True,
        )
        self.bot.scheduler.add_job(
            self.service.purge,
            "interval",
            hours=24,
            id="groups:purge",
            replace_existing=True,
        )

    def _schedule_offer_expiry(self, entry_id: int, expires_at: int) -> None:
        self.bot.scheduler.add_job(
            self.expire_offer,
            "date",
            run_date=datetime.fromtimestamp(expires_at, UTC),
            args=[entry_id],
            id=OFFER_JOB.format(entry_id),
            replace_existing=True,
            misfire_grace_time=None,  # late (the bot was down) is still better than never
        )

    async def expire_offer(self, entry_id: int) -> None:
        if not await self.service.expire_offer(entry_id):
            log.debug("offer %d was settled before it expired", entry_id)

    # ------------------------------------------------------------------ buttons (GroupsActions)

    async def join_by_id(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        await self.joining.join_by_id(interaction, group_id)

    async def accept_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None:
        await self.joining.accept_offer(interaction, entry_id)

    async def decline_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None:
        await self.joining.decline_offer(interaction, entry_id)

    async def approve_request(self, interaction: discord.Interaction[Any], request_id: int) -> None:
        await self.joining.approve_request(interaction, request_id)

    async def ask_decline_reason(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> None:
        await self.joining.ask_decline_reason(interaction, request_id)

    async def decline_request(
        self, interaction: discord.Interaction[Any], request_id: int, reason: str | None
    ) -> None:
        await self.joining.decline_request(interaction, request_id, reason)

    async def recreate(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        await self.reconcile.recreate(interaction, group_id)

    # ------------------------------------------------------------------ renderers

    async def _render_notice(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        return Rendered(content=t(message.payload["msg"], **message.payload.get("params", {})))

    async def _render_offer(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        p = message.payload
        view = BaseView(timeout=None)
        view.add_item(OfferButton("accept", p["entry"], t("Accept the seat")))
        view.add_item(OfferButton("decline", p["entry"], t("No thanks")))
        return Rendered(embeds=[render.offer_embed(p["group"], p["expires_at"], t)], view=view)

    async def _render_request(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        request, group = await self.service.request_group(
            message.guild_id, message.payload["request"]
        )
        embed = render.request_embed(request, group, t)
        if request.status != "pending":
            return Rendered(embeds=[embed])
        view = BaseView(timeout=None)
        view.add_item(RequestButton("approve", request.id, t("Approve")))
        view.add_item(RequestButton("decline", request.id, t("Decline")))
        return Rendered(embeds=[embed], view=view)

    async def _render_missing(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        group = await self.service.get(message.guild_id, message.payload["group"])
        what = message.payload["what"]
        view = BaseView(timeout=None)
        if what != "voice":
            view.add_item(RecreateButton(group.id, t("Recreate")))
        return Rendered(embeds=[render.missing_embed(group, what, t)], view=view)
