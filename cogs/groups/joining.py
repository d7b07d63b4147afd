"""The join flow, Discord side: a wish to join (command or button), the join gates other features
add (e.g. the confidentiality agreement), the role once every gate agrees, held access, and the
answers to join requests (leaders) and seat offers (members). The rules are in service_joining.py.

The gates live in core's registry, `bot.join_gates` (bot/registry.py): other features declare
theirs on their Feature, and the join flow asks `bot.join_gates.admit(...)`.
`GroupsDirectory` is `bot.groups`: the service's read side plus the join steps and held access.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import discord

from bot.checks import Audience
from bot.client import Bot
from bot.errors import UserError
from bot.event_log import Event
from bot.i18n import N_
from bot.tree import translator
from cogs.groups import render
from cogs.groups.access import AccessKeeper
from cogs.groups.records import Group
from cogs.groups.roles import GroupRoles, fetch_member
from cogs.groups.service import Directory, GroupService
from cogs.groups.service_joining import WELCOME
from cogs.groups.views import DeclineModal

log = logging.getLogger(__name__)


async def reply(interaction: discord.Interaction[Any], text: str, **kwargs: Any) -> None:
    """A private answer, whether or not the interaction was deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, **kwargs)


class JoinFlow:
    """Joining, Discord side: GroupsCog builds one."""

    def __init__(
        self, bot: Bot, service: GroupService, roles: GroupRoles, access: AccessKeeper
    ) -> None:
        self.bot = bot
        self.service = service
        self.roles = roles
        self.access = access
        # (guild, group, user) being admitted: how many admissions wait, and their turn.
        self._live: Counter[tuple[int, int, int]] = Counter()
        self._turns: dict[tuple[int, int, int], asyncio.Lock] = {}

    def is_live(self, guild_id: int, group_id: int, user_id: int) -> bool:
        """A join of this member is running in this process (start-up recovery leaves it)."""
        return (guild_id, group_id, user_id) in self._live

    async def gate_passed(self, event: Event) -> None:
        """The durable `join_gate_passed` (bot/events.py): a gate recorded the member's answer
        (e.g. "I agree"); if they still hold a seat, the gates are asked again and they are let
        in, told privately in the same transaction. The gate's own answer does the same through
        `complete_join`; one after the other (`admit` takes turns), the second finds no seat
        left to fill, so this runs as often as it is delivered and lets them in once."""
        p = event.payload
        guild_id, group_id, user_id = int(p["guild_id"]), int(p["group_id"]), int(p["user_id"])
        group = await self.service.lookup(guild_id, group_id)
        if group is None or await self.service.join_source(group, user_id) is None:
            return  # let in already, or the seat went (they were told so)
        await self.admit(guild_id, group_id, user_id, None)

    async def join_by_id(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        """The Join button of the panel and the directory."""
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        group = await self.service.get(member.guild.id, group_id)
        await self.join(interaction, member, group)

    async def join(
        self, interaction: discord.Interaction[Any], member: discord.Member, group: Group
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.service.request_join(group, member.id, asked=True)
        t = await translator(interaction)
        if outcome.kind == "ticket":
            await self.admit(member.guild.id, group.id, member.id, interaction)
            return
        await interaction.followup.send(render.outcome_text(outcome, t), ephemeral=True)

    async def admit(
        self,
        guild_id: int,
        group_id: int,
        user_id: int,
        interaction: discord.Interaction[Any] | None,
    ) -> bool:
        """Ask the join gates (`bot.join_gates`), then grant the role. A gate may ask the member
        something and come back through `bot.groups.complete_join`. Once the gates were asked
        the ticket says so: a ticket whose flow stopped before is asked at start-up."""
        key = (guild_id, group_id, user_id)
        self._live[key] += 1
        turn = self._turns.setdefault(key, asyncio.Lock())
        try:
            async with turn:  # one admission of a member to a group at a time
                return await self._admit(guild_id, group_id, user_id, interaction)
        finally:
            self._live[key] -= 1
            if not self._live[key]:
                del self._live[key]
                self._turns.pop(key, None)

    async def _admit(
        self,
        guild_id: int,
        group_id: int,
        user_id: int,
        interaction: discord.Interaction[Any] | None,
    ) -> bool:
        if not await self.bot.join_gates.admit(guild_id, group_id, user_id, interaction):
            await self.service.gates_asked(group_id, user_id)
            return False
        guild = self.bot.get_guild(guild_id)
        group = await self.service.complete_join(
            guild_id, group_id, user_id, welcome=interaction is None
        )
        if group is not None and guild is None:
            # On record (e.g. a durable event heard at start-up, before the server is known):
            # the role follows when the server is available (reconcile.py).
            return True
        if group is None or guild is None:
            if interaction is not None:
                t = await translator(interaction)
                await reply(
                    interaction,
                    t(
                        "The seat held for you is no longer available. "
                        "Please try /group join again."
                    ),
                )
            return False
        member = await fetch_member(guild, user_id)
        role = guild.get_role(group.role_id) if group.role_id else None
        try:
            if member is None:
                raise UserError(N_("You're no longer on this server."))
            if role is None:
                raise UserError(
                    N_(
                        "The group's role is missing, so I can't let you in right now. The "
                        "moderators have been told; please try again later."
                    )
                )
            await self.roles.give(member, role, f"Joined the group {group.name}")
        except (discord.HTTPException, UserError) as error:
            await self.service.leave(group, user_id)
            log.warning("could not grant the role of group %d: %s", group.id, error)
            log.debug("could not grant the role of group %d to %d", group.id, user_id)
            if interaction is not None:
                raise
            await self.service.notify(
                guild_id,
                user_id,
                N_(
                    "I couldn't give you access to {group} because of a problem on the server. "
                    "Please try /group join again later, or ask a moderator."
                ),
                group=group.name,
            )
            return False
        if interaction is not None:
            t = await translator(interaction)
            await reply(interaction, t(WELCOME, group=group.name, channel=group.channel_id))
        # Without an interaction the welcome went into the outbox with the membership.
        return True

    async def set_access_held(self, guild_id: int, group_id: int, user_id: int, held: bool) -> bool:
        """`bot.groups.hold_access` / `release_access`: the database first (so the role change
        that follows is not read as the member leaving), then the role."""
        group = await self.service.lookup(guild_id, group_id)
        if group is None or not await self.service.set_access_held(group, user_id, held):
            return False
        if held:
            # Refused by Discord: marked "to remove", the moderators told, tried again.
            await self.access.take_role(group, user_id, "held")
            return True
        guild = self.bot.get_guild(guild_id)
        role = guild.get_role(group.role_id) if guild is not None and group.role_id else None
        member = await fetch_member(guild, user_id) if guild is not None else None
        if role is None or member is None:
            return True  # the role follows at start-up reconciliation, or when recreated
        await self.service.drop_mark(group, user_id, "role")  # entitled again
        if role not in member.roles:
            try:
                await self.roles.give(member, role, f"Access to the group {group.name} restored")
            except discord.HTTPException:
                log.warning("could not give back the role of group %d to a member", group.id)
        return True

    # ------------------------------------------------------------------ requests and offers

    async def approve_request(self, interaction: discord.Interaction[Any], request_id: int) -> None:
        guild_id = interaction.guild_id or 0
        request, group = await self.service.request_group(guild_id, request_id)
        leader = await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        _, outcome = await self.service.approve_request(guild_id, request_id, leader.id)
        if outcome.kind == "ticket":
            await self.admit(guild_id, group.id, request.user_id, None)
        t = await translator(interaction)
        await _close_request_message(
            interaction,
            t("Approved by {leader}.", leader=leader.mention),
        )
        await interaction.followup.send(
            t("Approved: <@{user}> has been told.", user=request.user_id), ephemeral=True
        )

    async def ask_decline_reason(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> None:
        _, group = await self.service.request_group(interaction.guild_id or 0, request_id)
        await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        t = await translator(interaction)
        await interaction.response.send_modal(DeclineModal(request_id, t))

    async def decline_request(
        self, interaction: discord.Interaction[Any], request_id: int, reason: str | None
    ) -> None:
        guild_id = interaction.guild_id or 0
        request, group = await self.service.request_group(guild_id, request_id)
        leader = await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        await self.service.decline_request(guild_id, request_id, leader.id, reason)
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _close_request_message(interaction, t("Declined by {leader}.", leader=leader.mention))
        await interaction.followup.send(
            t("Declined: <@{user}> has been told kindly.", user=request.user_id), ephemeral=True
        )

    async def accept_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.service.accept_offer(entry_id, interaction.user.id)
        if interaction.message is not None:
            try:
                await interaction.message.edit(view=None)
            except discord.HTTPException:
                log.debug("could not remove the offer buttons", exc_info=True)
        if outcome.kind == "ticket":
            await self.admit(
                outcome.group.guild_id, outcome.group.id, interaction.user.id, interaction
            )
        else:
            t = await translator(interaction)
            await interaction.followup.send(render.outcome_text(outcome, t), ephemeral=True)

    async def decline_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None:
        group = await self.service.decline_offer(entry_id, interaction.user.id)
        t = await translator(interaction)
        if interaction.message is not None:
            await interaction.response.edit_message(view=None)
        else:
            await interaction.response.defer()
        if group is not None:
            await interaction.followup.send(
                t(
                    "No problem: the seat in {group} will go to the next person. You're welcome "
                    "to join again later.",
                    group=group.name,
                ),
                ephemeral=True,
            )


async def _close_request_message(interaction: discord.Interaction[Any], outcome: str) -> None:
    """The join request in the leaders' channel: its buttons go, the decision is added."""
    message = interaction.message
    if message is None:
        return
    embeds = message.embeds
    if embeds:
        embeds[0].add_field(name="\u200b", value=outcome, inline=False)
    try:
        await message.edit(embeds=embeds, view=None)
    except discord.HTTPException:
        log.warning("could not update the join request message %s", message.id)


class GroupsDirectory(Directory):
    """`bot.groups`: the read side from service.py, plus the join steps (Discord side)."""

    def __init__(self, service: GroupService, joining: JoinFlow) -> None:
        super().__init__(service)
        self._joining = joining

    async def complete_join(self, guild_id: int, group_id: int, user_id: int) -> bool:
        if not self._joining.bot.owns_guild(guild_id):
            # A gate answered in a direct message reaches shard 0's process, and the server is
            # another process's (SHARD_IDS, bot/shards.py): this one has no cache of it to
            # grant the role from. The durable `join_gate_passed` the gate wrote lets the
            # member in there, role and welcome included; here, only whether a seat is still
            # held for them.
            return await self.join_source(guild_id, group_id, user_id) is not None
        return await self._joining.admit(guild_id, group_id, user_id, None)

    async def cancel_join(self, guild_id: int, group_id: int, user_id: int) -> None:
        group = await self._service.get(guild_id, group_id)
        await self._service.cancel_ticket(group, user_id)

    async def hold_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return await self._joining.set_access_held(guild_id, group_id, user_id, True)

    async def release_access(self, guild_id: int, group_id: int, user_id: int) -> bool:
        return await self._joining.set_access_held(guild_id, group_id, user_id, False)
