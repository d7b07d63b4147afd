"""/group list, mine, join and leave (members), members and remove (a group's leaders), and
panel (admins: a message with a Join button per group). A mixin of GroupsCog (see commands.py)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import ADMIN, LEADER, MEMBER, Audience
from bot.client import Bot
from bot.errors import UserError
from bot.i18n import N_
from bot.tree import translator
from bot.ui import BaseView
from cogs.groups import render
from cogs.groups.commands import GROUP, GroupCommands
from cogs.groups.views import DirectoryView, OfferButton


class MembershipCommands(GroupCommands):
    # ------------------------------------------------------------------ directory

    @GROUP.command(
        name="list", description=_T("See the support groups you can join"), extras=MEMBER
    )
    async def list_groups(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        groups = await self.service.list(member.guild.id)
        t = await translator(interaction)
        view = DirectoryView(groups, t, member.id)
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)

    @GROUP.command(
        name="mine", description=_T("The groups you belong to or wait for"), extras=MEMBER
    )
    async def mine(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        lines: list[str] = []
        offers: list[tuple[int, str]] = []  # (waitlist entry, group name) of open seat offers
        for g in await self.service.groups_of(member.guild.id, member.id):
            lead = await self.service.is_leader(member.guild.id, member.id, g.id)
            where = f"<#{g.channel_id}>" if g.channel_id else ""
            lines.append(
                t("• {group} {channel} (you lead it)", group=g.name, channel=where)
                if lead
                else t("• {group} {channel}", group=g.name, channel=where)
            )
        for g in await self.service.list(member.guild.id):
            position = 0
            for entry in await self.service.waitlist(g):
                position += entry.offered_at is None  # people holding an offer are not in line
                if entry.user_id != member.id:
                    continue
                if entry.offer_expires_at is not None:
                    offers.append((entry.id, g.name))
                    lines.append(
                        t(
                            "• {group}: a seat is held for you until <t:{at}:f>. Take it with "
                            "the button below (or /group join), or let it go to the next person.",
                            group=g.name,
                            at=entry.offer_expires_at,
                        )
                    )
                else:
                    lines.append(
                        t("• {group}: number {n} on the waitlist", group=g.name, n=position)
                    )
        if not lines:
            lines.append(
                t("You're not in any group yet. /group list shows the groups you can join.")
            )
        view = BaseView(timeout=None)
        for entry_id, group_name in offers[:12]:  # two buttons each, 25 at most on a message
            label = t("Accept the seat in {group}", group=group_name)
            view.add_item(OfferButton.make("accept", entry_id, label))
            view.add_item(OfferButton.make("decline", entry_id, t("No thanks")))
        await interaction.response.send_message(
            "\n".join(lines), view=view if offers else discord.utils.MISSING, ephemeral=True
        )

    # ------------------------------------------------------------------ join and leave

    @GROUP.command(name="join", description=_T("Join a support group"), extras=MEMBER)
    @app_commands.describe(group=_T("The group to join"))
    async def join(self, interaction: discord.Interaction[Bot], group: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        found = await self.service.find(member.guild.id, group)
        await self.joining.join(interaction, member, found)

    @join.autocomplete("group")
    async def join_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "active")

    @GROUP.command(name="leave", description=_T("Leave a group (or its waitlist)"), extras=MEMBER)
    @app_commands.describe(group=_T("The group to leave"))
    async def leave(self, interaction: discord.Interaction[Bot], group: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        found = await self.service.find(member.guild.id, group)
        t = await translator(interaction)
        if await self.service.is_leader(member.guild.id, member.id, found.id):
            raise UserError(
                N_(
                    "You lead {group}. Please ask a moderator to hand it to another leader "
                    "first (/group leaders remove), then you can leave."
                ),
                group=found.name,
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await self.service.leave(found, member.id, mark=True):
            await interaction.followup.send(
                t("You're not in {group} or on its waitlist.", group=found.name), ephemeral=True
            )
            return
        gone = await self.access.take_role(found, member.id, "left")
        if not gone:
            await interaction.followup.send(
                t(
                    "You're no longer on the list of {group}, but Discord didn't let me take "
                    "the group's channel away from you yet. The moderators have been told and "
                    "I'll keep trying. You're welcome back any time with /group join.",
                    group=found.name,
                ),
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            t(
                "You've left {group}. You're welcome back any time with /group join.",
                group=found.name,
            ),
            ephemeral=True,
        )

    @leave.autocomplete("group")
    async def leave_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "mine")

    # ------------------------------------------------------------------ leaders' tools

    @GROUP.command(
        name="members",
        description=_T("Who is in a group (its leaders and moderators)"),
        extras=LEADER,
    )
    @app_commands.describe(group=_T("The group"))
    async def members(self, interaction: discord.Interaction[Bot], group: str) -> None:
        found = await self.service.find(interaction.guild_id or 0, group)
        await self._require_leader_of(interaction, found)
        t = await translator(interaction)
        rows = await self.service.members(found)
        waitlist = await self.service.waitlist(found)
        embed = render.members_embed(found, rows, waitlist, t)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @members.autocomplete("group")
    async def members_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "led")

    @GROUP.command(
        name="remove", description=_T("Remove a member from a group, with a reason"), extras=LEADER
    )
    @app_commands.describe(
        group=_T("The group"),
        member=_T("The member to remove"),
        reason=_T("Why (moderators see this; the member is told kindly, without it)"),
    )
    async def remove(
        self,
        interaction: discord.Interaction[Bot],
        group: str,
        member: discord.Member,
        reason: str,
    ) -> None:
        found = await self.service.find(interaction.guild_id or 0, group)
        leader = await self._require_leader_of(interaction, found)
        if member.id == leader.id:
            raise UserError(N_("To leave a group yourself, use /group leave."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.remove(found, member.id, by=leader.id, reason=reason)
        # Told "removed" (the leader and the member) only once the role is gone; until then
        # they are marked to remove, the moderators are told and the bot keeps trying.
        gone = await self.access.take_role(found, member.id, "removed")
        t = await translator(interaction)
        if not gone:
            await interaction.followup.send(
                t(
                    "{member} is off the list of {group} and your reason is recorded for the "
                    "moderators, but Discord didn't let me take away their access to the "
                    "group's channel yet, so they can still read it. The moderators have been "
                    "told and I'll keep trying; {member} is told only once it's done.",
                    member=member.mention,
                    group=found.name,
                ),
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            t(
                "{member} is no longer in {group}. They were told privately and kindly; your "
                "reason is recorded for the moderators.",
                member=member.mention,
                group=found.name,
            ),
            ephemeral=True,
        )

    @remove.autocomplete("group")
    async def remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current, "led")

    # ------------------------------------------------------------------ panel

    @GROUP.command(
        name="panel",
        description=_T("Post a groups panel with Join buttons in a channel"),
        extras=ADMIN,
    )
    @app_commands.describe(channel=_T("Where to post it, e.g. your welcome channel"))
    async def panel(
        self, interaction: discord.Interaction[Bot], channel: discord.TextChannel
    ) -> None:
        admin = await self.bot.access.require(interaction, Audience.ADMIN)
        me = channel.permissions_for(channel.guild.me)
        if not (me.view_channel and me.send_messages and me.embed_links):
            raise UserError(
                N_(
                    "I can't post in {channel}: I need View Channel, Send Messages and Embed "
                    "Links there."
                ),
                channel=channel.mention,
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel_id = await self.service.add_panel(admin.guild.id, channel.id, admin.id)
        embed, view = await self._panel_content(admin.guild)
        message = await channel.send(embed=embed, view=view)
        await self.service.set_panel_message(panel_id, message.id)
        t = await translator(interaction)
        await interaction.followup.send(
            t(
                "The groups panel is in {channel}. I'll keep it up to date when groups change.",
                channel=channel.mention,
            ),
            ephemeral=True,
        )
