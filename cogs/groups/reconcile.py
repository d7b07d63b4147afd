"""Repair after changes made in Discord: the database says who belongs to a group, the roles
follow it. At start (and after an outage) roles are matched to the database again; a group role
given or taken by hand, a member leaving the server, a group's role or channel deleted by hand
are each turned into what the database should record. `recreate` (the button under a "role or
channel deleted" notice) makes the missing parts again. Permissions on the groups' channels and
access still to take away are `AccessKeeper`'s (access.py): these listeners call it at start,
when a member joins or leaves, when the moderator role changes and when roles move.

A mixin of GroupsCog (like the command mixins, on the base in commands.py): its listeners are
the feature's own.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from bot.checks import Audience
from bot.errors import UserError
from bot.tree import translator
from cogs.groups import provision
from cogs.groups.commands import GroupCommands
from cogs.groups.joining import reply
from cogs.groups.records import Group
from cogs.groups.roles import HELD, fetch_member
from cogs.groups.rules import channel_name

log = logging.getLogger(__name__)

# Seconds: Discord's clock and ours may differ a little; a member who joined the server and a
# group within this margin is not mistaken for one who left and came back.
REJOIN_MARGIN = 300


class GroupsReconcile(GroupCommands):
    """The listeners that keep roles and records in step, and the Recreate button."""

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """At start (and after an outage): make the roles match the database again. A member
        recorded without the role (the bot stopped between the two) gets it; a role given by
        hand while the bot was away counts as a moderator adding the member."""
        await self._left_while_away(guild)
        for group in await self.service.list(guild.id):
            role = guild.get_role(group.role_id) if group.role_id else None
            if role is None:
                continue
            recorded = {u for u, _, _ in await self.service.members(group)}
            held = await self.service.held_ids(group)
            # Marked "to remove" (Discord refused before): retried below, never read as added.
            marked = await self.service.marked(group, "role")
            for user_id in sorted(recorded - held - {m.id for m in role.members}):
                member = guild.get_member(user_id)
                if member is None:
                    continue
                try:
                    await self.roles.give(member, role, f"Member of the group {group.name}")
                except discord.HTTPException:
                    log.warning("could not give back the role of group %d to a member", group.id)
            for member in role.members:
                if member.id in held and member.id not in marked:
                    await self.roles.take_back(member, role, HELD)
                elif member.id not in recorded | marked and not member.bot:
                    await self._added_by_hand(member, group)
        # Permissions on the groups' channels, the moderator role, and what is still marked.
        await self.access.reconcile_guild(guild)

    async def _left_while_away(self, guild: discord.Guild) -> None:
        """Members on record who left the server while the bot was away (or left and came back:
        Discord says they joined the server after they joined the group) are out of it, as if
        the bot had seen them go. Someone missing counts only once the member list is complete."""
        for group in await self.service.list(guild.id, include_archived=True):
            for user_id, _, joined_at in await self.service.members(group):
                member = guild.get_member(user_id)
                if member is None and not guild.chunked:
                    continue
                came_back = (
                    member is not None
                    and member.joined_at is not None
                    and member.joined_at.timestamp() > joined_at + REJOIN_MARGIN
                )
                if member is None or came_back:
                    log.info("a member left group %d's server while the bot was away", group.id)
                    log.debug("user %d left group %d's server", user_id, group.id)
                    await self.service.leave(group, user_id, reason="left_server")

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member joined or came back: nothing of a group's follows them in unless the
        database gives it (a leader who left kept their permissions in Discord)."""
        await self.access.reconcile_member(member)

    @commands.Cog.listener()
    async def on_moderator_role_changed(
        self, guild_id: int, old_role_id: int | None, new_role_id: int | None
    ) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is not None:
            await self.access.apply_moderator_role(guild, old_role_id, new_role_id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        """A role moved or its permissions changed (e.g. the bot's role was put above the
        groups' roles): what is still marked to remove is tried again at once."""
        if before.position != after.position or before.permissions != after.permissions:
            self.access.retry_soon(after.guild)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Someone changed a group's role by hand in Discord. The database stays the truth:
        a role given by hand is a moderator adding the member (through the join gates, so
        e.g. the agreement is still asked for); a role taken away by hand removes them."""
        had, has = {r.id for r in before.roles}, {r.id for r in after.roles}
        added, removed = has - had, had - has
        if not added and not removed:
            return
        guild = after.guild
        own = self.roles.was_own_change
        added = {r for r in added if not own(guild.id, after.id, r, True)}
        removed = {r for r in removed if not own(guild.id, after.id, r, False)}
        for role_id in added:
            group = await self.service.for_role(guild.id, role_id)
            if group is None:
                continue
            if not await self.service.is_member(group, after.id):
                await self._added_by_hand(after, group)
            elif after.id in await self.service.held_ids(group):
                role = guild.get_role(role_id)
                if role is not None:
                    await self.roles.take_back(after, role, HELD)
        for role_id in removed:
            group = await self.service.for_role(guild.id, role_id)
            if group is None or not await self.service.is_member(group, after.id):
                continue
            if after.id in await self.service.held_ids(group):
                continue  # the bot took it back itself while access is held: still a member
            if await self.service.is_leader(guild.id, after.id, group.id):
                continue  # a leader keeps leading; moderators use /group leaders remove
            log.info("the role of group %d was taken from a member by hand", group.id)
            await self.service.leave(group, after.id, reason="removed")

    async def _added_by_hand(self, member: discord.Member, group: Group) -> None:
        log.info("the role of group %d was given to a member by hand", group.id)
        try:
            outcome = await self.service.request_join(group, member.id, source="added")
        except UserError:
            outcome = None  # e.g. an archived group: the role goes back
        if outcome is not None and outcome.kind == "member":
            return  # on record meanwhile (a join finished while roles were being matched)
        reason = "Group is closed; role given by hand"
        if outcome is not None and outcome.kind == "ticket":
            if await self.joining.admit(member.guild.id, group.id, member.id, None):
                return
            # A join gate asked the member first (e.g. to accept the agreement) and told them
            # why: until they answer, no role. admit() grants it when they do.
            reason = "Role given by hand; the member has not finished joining yet"
        role = member.guild.get_role(group.role_id) if group.role_id else None
        if role is not None:
            await self.roles.take_back(member, role, reason)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        left = await self.service.member_left_server(payload.guild_id, payload.user.id)
        await self.access.user_left(payload.guild_id, payload.user.id)
        if left.groups or left.waitlists or left.requests:
            log.info(
                "a member left guild %d: out of %d groups, %d waitlists, %d requests",
                payload.guild_id,
                len(left.groups),
                left.waitlists,
                left.requests,
            )

    async def forget_member(self, guild_id: int, user_id: int) -> None:
        """The data-deletion hook (GroupsCog.delete_user_data): what the feature keeps about the
        member goes at once (`GroupService.forget_member`). If they are still on the server,
        the groups' roles go too (else start-up would read them as given by hand); other
        features hear that they left their groups, as when a member leaves the server."""
        left = await self.service.forget_member(guild_id, user_id)
        for group_id in left.groups:
            group = await self.service.lookup(guild_id, group_id)
            if group is not None:
                await self.access.take_role(group, user_id, "forgotten")
                if group_id in left.led:
                    await self.access.take_overwrites(group, user_id, "forgotten")
        log.info(
            "deleted a member's groups data in guild %d: %d groups, %d waitlists, %d requests",
            guild_id,
            len(left.groups),
            left.waitlists,
            left.requests,
        )

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        group = await self.service.for_role(role.guild.id, role.id)
        if group is not None:
            log.warning("the role of group %d was deleted by hand", group.id)
            await self.service.report_missing(group, "role", "role_id")

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        group = await self.service.for_channel(channel.guild.id, channel.id)
        if group is None:
            return
        for field_name, what in (
            ("channel_id", "channel"),
            ("voice_channel_id", "voice"),
            ("leaders_channel_id", "leaders_channel"),
        ):
            if getattr(group, field_name) == channel.id:
                log.warning("the %s of group %d was deleted by hand", what, group.id)
                await self.service.report_missing(group, what, field_name)

    async def recreate(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        """The Recreate button: make the group's missing role or text channels again."""
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        guild = moderator.guild
        group = await self.service.get(guild.id, group_id)
        role = guild.get_role(group.role_id) if group.role_id else None
        need_channel = group.channel_id is None or guild.get_channel(group.channel_id) is None
        need_leaders = (
            group.leaders_channel_id is None or guild.get_channel(group.leaders_channel_id) is None
        )
        t = await translator(interaction)
        if role is not None and not need_channel and not need_leaders:
            await reply(
                interaction, t("Nothing is missing for {group} any more.", group=group.name)
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self.bot.guild_settings.get(guild.id)
        moderator_role = (
            guild.get_role(settings.moderator_role_id) if settings.moderator_role_id else None
        )
        rows = await self.service.members(group)
        leaders = [discord.Object(u, type=discord.Member) for u, r, _ in rows if r == "leader"]
        created = await provision.create_resources(
            guild,
            name=group.name,
            channel_name=channel_name(group.name),
            topic=group.topic or group.description,
            moderator_role=moderator_role,
            leaders=leaders,  # type: ignore[arg-type]
            voice=False,
            need_role=role is None,
            need_channel=need_channel,
            need_leaders_channel=need_leaders,
            existing_role=role,
            archived=group.archived,
        )
        values: dict[str, int | None] = {}
        if created.role is not None and role is None:
            values["role_id"] = created.role.id
        if created.channel is not None:
            values["channel_id"] = created.channel.id
        if created.leaders_channel is not None:
            values["leaders_channel_id"] = created.leaders_channel.id
        group = await self.service.set_resource(group, **values)
        if role is None and created.role is not None:
            await self.roles.apply_channel_access(guild, group)  # the new role sees old channels
            held = await self.service.held_ids(group)  # they get it when they accept
            await self._give_back(guild, group, created.role, [u for u, _, _ in rows], held)
        if interaction.message is not None:
            try:
                await interaction.message.edit(view=None)
            except discord.HTTPException:
                log.debug("could not remove the recreate button", exc_info=True)
        await interaction.followup.send(
            t(
                "{group} has its role and channels again; its {n} members have access.",
                group=group.name,
                n=len(rows),
            ),
            ephemeral=True,
        )

    async def _give_back(
        self,
        guild: discord.Guild,
        group: Group,
        role: discord.Role,
        user_ids: list[int],
        held: set[int],
    ) -> None:
        """A recreated role goes to the members on record (not to those whose access is held)."""
        for user_id in user_ids:
            member = await fetch_member(guild, user_id) if user_id not in held else None
            if member is not None:
                try:
                    await self.roles.give(member, role, f"Group {group.name} recreated")
                except discord.HTTPException:
                    log.warning("could not give back the role of group %d to a member", group.id)
