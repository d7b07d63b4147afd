"""/group: topic groups with a private channel and role. Discord glue only.

GroupsCog is the groups feature (a `Feature`, bot/feature.py) and wires it together: the /group
commands (commands_manage.py and commands_membership.py, on the base in commands.py), the
repair after changes made in Discord (reconcile.py), access that follows the database
(access.py: what nobody is entitled to is taken away, what Discord refuses is retried), the
start-up recovery of flows a crash cut short (recovery.py), the join flow (joining.py), the
role bookkeeping (roles.py), the texts and embeds (render.py) and the buttons (views.py). The
rules are in service.py, the role and channel work in provision.py.

What it declares to core: its outbox kinds (notices, seat offers, join requests, lost roles or
channels), its buttons, the rebuild of its jobs (`groups:`), the mod-log actions it records
(a removal, and access the bot took away), the deletion of a member's data, and its listener
of the durable `join_gate_passed` (a gate's answer lets the member in, after a crash too). The
group events it writes are durable too (bot/events.py): the service appends them in the
transaction of the change (`SeatService._announce`) and dispatches them in memory after it.
It installs `bot.groups` (what other features may ask about groups) and the leader lookup of
`bot.access`.
The join gates other features declare are core's (`bot.join_gates`); the join flow asks them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord

from bot.client import Bot
from bot.directory import JoinGate, NoGroups
from bot.dispatcher import PermanentFailure, Rendered, Renderer, server_of
from bot.errors import NotFound
from bot.event_log import DurableHandler
from bot.events import (
    GROUP_LEADER_ADDED,
    GROUP_LEADER_REMOVED,
    GROUP_MEMBER_JOINED,
    GROUP_MEMBER_LEFT,
    JOIN_GATE_PASSED,
)
from bot.feature import OutboxKind, Rebuilder
from bot.i18n import N_
from bot.kit.text import escape_detail
from bot.modlog import ActionText
from bot.outbox import OutboxMessage
from bot.registry import Kept
from bot.ui import BaseView
from cogs.groups import render
from cogs.groups.access import AccessKeeper

# commands_manage before commands_membership: the order Discord receives the subcommands in.
from cogs.groups.commands_manage import ManageCommands
from cogs.groups.commands_membership import MembershipCommands
from cogs.groups.joining import GroupsDirectory, JoinFlow
from cogs.groups.reconcile import GroupsReconcile
from cogs.groups.recovery import GroupsRecovery
from cogs.groups.roles import GroupRoles
from cogs.groups.service import GroupService
from cogs.groups.service_access import (
    ACCESS_REMOVED,
    MODERATOR_ROLE_MOVED,
    PERMISSIONS_REMOVED,
    ROLE_ACCESS_REMOVED,
)
from cogs.groups.service_facts import WaitlistFacts
from cogs.groups.service_privacy import GroupsPrivacy
from cogs.groups.service_seats import GROUP_REMOVAL, MISSING, NOTICE, OFFER, REQUEST
from cogs.groups.views import PERSISTENT_ITEMS, OfferButton, RecreateButton, RequestButton

log = logging.getLogger(__name__)

OFFER_JOB = "groups:offer:{}"
# The group events that name a member (forgotten with the member's data).
MEMBER_EVENTS = (GROUP_MEMBER_JOINED, GROUP_MEMBER_LEFT, GROUP_LEADER_ADDED, GROUP_LEADER_REMOVED)
REMOVAL_TEXT = ActionText(
    N_("Removed from a group"),
    N_("{actor} removed {target} from the group {group}."),
    colour=0xE67E22,  # discord.Colour.orange()
)

# What the bot took away by itself (access.py): the reason field says why.
ACCESS_TEXTS = {
    ACCESS_REMOVED: ActionText(
        N_("Group role taken away"),
        N_("{actor} took the role of {group} from {target}."),
        colour=0xE67E22,
    ),
    PERMISSIONS_REMOVED: ActionText(
        N_("Channel permissions taken away"),
        N_("{actor} removed the own permissions of {target} on the channels of {group}."),
        colour=0xE67E22,
    ),
    ROLE_ACCESS_REMOVED: ActionText(
        N_("Role taken off group channels"),
        N_("{actor} removed the role {role} from the channels of {group}."),
        colour=0xE67E22,
    ),
    MODERATOR_ROLE_MOVED: ActionText(
        N_("Group channels follow the moderator role"),
        N_(
            "{actor} gave the moderator role {role} access to the channels of {count} groups "
            "and took it from {old}."
        ),
        colour=0x3498DB,
    ),
}


class GroupsCog(ManageCommands, MembershipCommands, GroupsReconcile, GroupsRecovery, name="Groups"):
    persistent_items = PERSISTENT_ITEMS
    job_prefix = "groups:"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = GroupService(
            bot.db,
            bot.clock,
            bot.outbox,
            bot.guild_settings,
            bot.modlog,
            events=bot.event_log,  # the group events are durable (bot/events.py)
            dispatch=bot.dispatch,
        )
        self._facts = WaitlistFacts(bot.db)
        self.roles = GroupRoles(self.service)
        self.access = AccessKeeper(bot, self.service, self.roles)
        self.joining = JoinFlow(bot, self.service, self.roles, self.access)
        self.directory = GroupsDirectory(self.service, self.joining)
        self.service.on_offer(self._schedule_offer_expiry)
        self.privacy = GroupsPrivacy(bot.db)
        self.live_setups: set[int] = set()  # /group create running in this process
        self.recovered_guilds: set[int] = set()  # start-up recovery done (recovery.py)

    # ------------------------------------------------------------------ the contract

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            NOTICE: self._render_notice,
            OFFER: OutboxKind(self._render_offer, on_failure=self.offer_failed),
            REQUEST: self._render_request,
            MISSING: self._render_missing,
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild_jobs,)

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {JOIN_GATE_PASSED: self.joining.gate_passed}

    def mod_log_actions(self) -> Mapping[str, ActionText]:
        return {GROUP_REMOVAL: REMOVAL_TEXT, **ACCESS_TEXTS}

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        """PRIVACY.md: memberships, waitlist places, seats held and join requests (with the
        leaders' reasons) go at once; removals too (the mod log keeps their case); and the
        group events about them (what they would lead to is being deleted too)."""
        await self.forget_member(guild_id, user_id)
        kept = await self.privacy.erase(guild_id, user_id)
        await self.bot.event_log.forget(MEMBER_EVENTS, guild_id, user_id)
        return kept

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.privacy.export(guild_id, user_id)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.groups = self.directory
        self.bot.access.set_leader_lookup(self.service.is_leader)
        self.bot.facts.waitlist = self._facts  # for the programme's view

    async def cog_unload(self) -> None:
        if self.bot.facts.waitlist is self._facts:
            self.bot.facts.waitlist = None
        if self.bot.groups is self.directory:
            self.bot.groups = NoGroups()
            self.bot.access.set_leader_lookup(_no_leaders)
        await super().cog_unload()

    @property
    def gates(self) -> list[JoinGate]:
        """The join gates a join passes, in order: core's registry (`bot.join_gates`)."""
        return list(self.bot.join_gates)

    # ------------------------------------------------------------------ scheduling

    async def _rebuild_jobs(self) -> None:
        for entry in self.owned(await self.service.open_offers()):
            assert entry.offer_expires_at is not None
            self._schedule_offer_expiry(entry.id, entry.offer_expires_at)
        self.bot.scheduler.add_job(
            self.service.expire_tickets,
            "interval",
            args=[self.bot.shard_set],  # this process's servers' (bot/shards.py)
            minutes=15,
            id="groups:ticket-expiry",
            replace_existing=True,
        )
        self.bot.scheduler.add_job(
            self.access.retry_all,
            "interval",
            minutes=15,
            id="groups:access-retry",
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

    # `recreate` (the Recreate button) is GroupsReconcile's.

    # ------------------------------------------------------------------ renderers

    async def _render_notice(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.languages.for_row(message)  # a member's DM: their language
        params = message.payload.get("params", {})  # names and reasons people typed: escaped
        safe = {k: escape_detail(v) if isinstance(v, str) else v for k, v in params.items()}
        return Rendered(content=t(message.payload["msg"], **safe))

    async def _render_offer(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.languages.for_row(message)  # a member's DM: their language
        p = message.payload
        view = BaseView(timeout=None)
        view.add_item(OfferButton.make("accept", p["entry"], t("Accept the seat")))
        view.add_item(OfferButton.make("decline", p["entry"], t("No thanks")))
        return Rendered(embeds=[render.offer_embed(p["group"], p["expires_at"], t)], view=view)

    async def _render_request(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        try:
            request, group = await self.service.request_group(
                message.guild_id, message.payload["request"]
            )
        except NotFound as gone:  # the member's data was deleted before it went out
            raise PermanentFailure("the join request no longer exists") from gone
        embed = render.request_embed(request, group, t)
        if request.status != "pending":
            return Rendered(embeds=[embed])
        view = BaseView(timeout=None)
        view.add_item(RequestButton.make("approve", request.id, t("Approve")))
        view.add_item(RequestButton.make("decline", request.id, t("Decline")))
        return Rendered(embeds=[embed], view=view)

    async def _render_missing(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        group = await self.service.get(message.guild_id, message.payload["group"])
        what = message.payload["what"]
        view = BaseView(timeout=None)
        if what != "voice":
            view.add_item(RecreateButton(group=group.id, label=t("Recreate")))
        return Rendered(embeds=[render.missing_embed(group, what, t)], view=view)


async def _no_leaders(guild_id: int, user_id: int, group_id: int | None) -> bool:
    """The leader lookup once the groups feature is gone: nobody leads a group."""
    return False
