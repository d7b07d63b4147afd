"""/confidentiality: members read the agreement and accept what waits for them; moderators and
leaders edit it, see who has not accepted yet, and set the grace period. Discord glue only; the
rules are in service.py, the looks in render.py, the modal in views.py."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import LEADER, MEMBER, MODERATOR, Audience
from bot.client import Bot
from bot.directory import GroupRef
from bot.errors import NotFound, UserError
from bot.feature import Feature
from bot.i18n import N_, Translate
from bot.kit.groups import AnyGroup, LedGroup, group_here
from bot.kit.timestamps import stamp
from bot.tree import translator
from cogs.confidentiality.models import Text
from cogs.confidentiality.render import agreement_embeds, body_of, prompt
from cogs.confidentiality.service import (
    DEFAULT_TEXT,
    GRACE_DAYS_MAX,
    JOIN_WHY,
    ConfidentialityService,
    Why,
)
from cogs.confidentiality.views import AgreementModal

STATUS_MAX = 3900  # an embed holds 4096 characters
PROMPTS_AT_ONCE = 5  # /confidentiality accept shows at most this many groups at a time

WITHDRAW = N_(
    "You can withdraw at any time by leaving a group with /group leave. What you agreed to stays "
    "on record while you are a member of this server."
)


class ConfidentialityCommandsCog(Feature, name="Confidentiality commands"):
    confidentiality = app_commands.Group(
        name="confidentiality",
        description=_T("What is shared here stays here: the groups' agreement"),
        guild_only=True,
    )
    settings = app_commands.Group(
        name="settings",
        description=_T("How the agreement works in this server (moderators)"),
        parent=confidentiality,
    )

    def __init__(self, bot: Bot, service: ConfidentialityService) -> None:
        super().__init__(bot)
        self.service = service

    # ------------------------------------------------------------------ /confidentiality show

    @confidentiality.command(
        name="show",
        description=_T("Read the agreement, and what you agreed to"),
        extras=MEMBER,
    )
    @app_commands.describe(group=_T("A group (leave empty for this channel's, or the server's)"))
    async def show(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, AnyGroup] | None = None,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        guild_id = member.guild.id
        ref = group or await group_here(interaction)
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if ref is not None:
            content, embeds, view = await self._show_group(ref, member.id, t)
        else:
            content, embeds = await self._show_server(guild_id, member.id, t)
            view = None
        content += "\n\n" + t(WITHDRAW)
        if view is not None:
            await interaction.followup.send(content, embeds=embeds, view=view, ephemeral=True)
        else:
            await interaction.followup.send(content, embeds=embeds, ephemeral=True)
        if ref is not None:
            older = await self._older_accepted(ref, member.id)
            if older:
                await interaction.followup.send(
                    t("What you agreed to before the current version:"),
                    embeds=agreement_embeds(older, ref.name, t),
                    ephemeral=True,
                )

    async def _older_accepted(self, ref: GroupRef, user_id: int) -> list[Text]:
        """For each text (the server's, the group's) whose current version the member has not
        accepted yet: the latest version they did accept for this group, if any."""
        accepted = [
            a for a in await self.service.acceptances(ref.guild_id, user_id) if a.group_id == ref.id
        ]
        done = {a.text_id for a in accepted}
        required = await self.service.required(ref.guild_id, ref.id)
        waiting = {x.group_id is None for x in required if x.id not in done}
        latest: dict[bool, Text] = {}
        for a in accepted:
            scope = a.text_group_id is None
            if scope not in waiting:
                continue
            if scope not in latest or latest[scope].version < a.version:
                (text,) = await self.service.texts([a.text_id])
                latest[scope] = text
        return [latest[scope] for scope in (True, False) if scope in latest]

    async def _show_group(
        self, ref: GroupRef, user_id: int, t: Translate
    ) -> tuple[str, list[discord.Embed], Any]:
        texts = await self.service.required(ref.guild_id, ref.id)
        missing = await self.service.missing(ref.guild_id, ref.id, user_id)
        view = None
        if not missing:
            times = {
                a.text_id: a.accepted_at
                for a in await self.service.acceptances(ref.guild_id, user_id)
                if a.group_id == ref.id
            }
            at = max(times.get(x.id, 0) for x in texts)
            content = t(
                "The agreement of {group}. You accepted this version on {at}.",
                group=ref.name,
                at=stamp(at, "f"),
            )
        else:
            content = t(
                "The agreement of {group}. You haven't accepted this version yet.", group=ref.name
            )
            member = await self.bot.groups.is_member(ref.guild_id, ref.id, user_id)
            joining = await self.bot.groups.join_source(ref.guild_id, ref.id, user_id)
            if member or joining is not None:
                _, _, view = prompt(
                    t,
                    why="new_version" if member else "join",
                    user_id=user_id,
                    guild_id=ref.guild_id,
                    group_id=ref.id,
                    group_name=ref.name,
                    texts=texts,
                )
        return content, agreement_embeds(texts, ref.name, t), view

    async def _show_server(
        self, guild_id: int, user_id: int, t: Translate
    ) -> tuple[str, list[discord.Embed]]:
        server = await self.service.server_text(guild_id)
        lines = [t("Our server's agreement applies to every group.")]
        accepted = await self.service.acceptances(guild_id, user_id)
        mine = await self.bot.groups.groups_of(guild_id, user_id)
        if mine:
            lines.append(t("**What you agreed to:**"))
        for ref in mine:
            parts = [
                (
                    t(
                        "server agreement version {n} on {at}",
                        n=a.version,
                        at=stamp(a.accepted_at, "f"),
                    )
                    if a.text_group_id is None
                    else t(
                        "group agreement version {n} on {at}",
                        n=a.version,
                        at=stamp(a.accepted_at, "f"),
                    )
                )
                for a in accepted
                if a.group_id == ref.id
            ]
            missing = await self.service.missing(guild_id, ref.id, user_id)
            if missing:
                parts.append(t("the current version is not accepted yet (/confidentiality accept)"))
            lines.append(t("• {group}: {what}", group=ref.name, what="; ".join(parts)))
        return "\n".join(lines), agreement_embeds([server], None, t)

    # ------------------------------------------------------------------ /confidentiality accept

    @confidentiality.command(
        name="accept",
        description=_T("Accept the agreement of your groups, if anything is waiting"),
        extras=MEMBER,
    )
    async def accept(self, interaction: discord.Interaction[Bot]) -> None:
        """For members whose direct messages are closed: the prompts they would have had."""
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        guild_id = member.guild.id
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        waiting: list[tuple[GroupRef, Why]] = []
        mine = {g.id for g in await self.bot.groups.groups_of(guild_id, member.id)}
        for ref in await self.bot.groups.search(guild_id, "", limit=10**6):
            joining = await self.bot.groups.join_source(guild_id, ref.id, member.id)
            if ref.id not in mine and joining is None:
                continue
            if await self.service.missing(guild_id, ref.id, member.id):
                held = member.id in await self.bot.groups.held_ids(guild_id, ref.id)
                why: Why = JOIN_WHY.get(joining, "join") if ref.id not in mine else "new_version"
                waiting.append((ref, "held" if held else why))
        if not waiting:
            await interaction.followup.send(
                t(
                    "Nothing is waiting for you: you have accepted the agreement of all your "
                    "groups."
                ),
                ephemeral=True,
            )
            return
        for ref, why in waiting[:PROMPTS_AT_ONCE]:
            content, embeds, view = prompt(
                t,
                why=why,
                user_id=member.id,
                guild_id=guild_id,
                group_id=ref.id,
                group_name=ref.name,
                texts=await self.service.required(guild_id, ref.id),
            )
            if why == "new_version":
                content = t("The agreement of {group} is waiting for you.", group=ref.name)
            await interaction.followup.send(content, embeds=embeds, view=view, ephemeral=True)

    # ------------------------------------------------------------------ /confidentiality set

    @confidentiality.command(
        name="set",
        description=_T("Edit the agreement (server: moderators; a group's stricter one: leaders)"),
        extras=LEADER,
    )
    @app_commands.describe(group=_T("A group, for its own stricter text (empty: the server's)"))
    async def set_text(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup] | None = None,
    ) -> None:
        guild_id = interaction.guild_id or 0
        t = await translator(interaction)
        if group is None:
            await self.bot.access.require(interaction, Audience.MODERATOR)
            current = await self.service.server_text(guild_id)
            title = t("The server's agreement")
            body = body_of(current, t)
            group_id = None
        else:
            ref = group
            await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
            group_text = await self.service.group_text(guild_id, ref.id)
            title = t("{group}'s own agreement", group=ref.name)
            body = body_of(group_text, t) if group_text is not None else ""
            group_id = ref.id
        await interaction.response.send_modal(AgreementModal(self, group_id, title, body, t))

    async def save_text(
        self, interaction: discord.Interaction[Any], group_id: int | None, body: str
    ) -> None:
        guild_id = interaction.guild_id or 0
        ref: GroupRef | None = None
        if group_id is None:
            moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        else:
            ref = await self.bot.groups.get(guild_id, group_id)
            if ref is None:
                raise NotFound(N_("That group no longer exists."))
            moderator = await self.bot.access.require(
                interaction, Audience.LEADER, group_id=group_id
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        t = await translator(interaction)
        if ref is None and (await self.service.server_text(guild_id)).body is None:
            if body.strip() == t(DEFAULT_TEXT).strip():
                raise UserError(
                    N_("That is the same text as the current version: nothing changed.")
                )
        text, asked = await self.service.set_text(guild_id, ref, body, moderator.id)
        lines = [
            t("Version {n} of the server's agreement is saved.", n=text.version)
            if ref is None
            else t(
                "Version {n} of {group}'s own agreement is saved. Members see it together with "
                "the server's.",
                n=text.version,
                group=ref.name,
            )
        ]
        if asked and text.grace_ends_at is not None:
            lines.append(
                t.plural(
                    "{n} member was asked privately to accept it; they keep access until {at}.",
                    "{n} members were asked privately to accept it; they keep access until {at}.",
                    asked,
                    at=stamp(text.grace_ends_at, "f"),
                )
            )
        else:
            lines.append(t("New members will be asked to accept it when they join."))
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    # ------------------------------------------------------------------ /confidentiality status

    @confidentiality.command(
        name="status",
        description=_T("Who has not accepted a group's current agreement yet"),
        extras=LEADER,
    )
    @app_commands.describe(group=_T("The group"))
    async def status(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup],
    ) -> None:
        ref = group
        await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        pending = await self.service.pending(ref.guild_id, ref)
        texts = await self.service.required(ref.guild_id, ref.id)
        versions = ", ".join(
            t("server version {n}", n=x.version)
            if x.group_id is None
            else t("group version {n}", n=x.version)
            for x in texts
        )
        embed = discord.Embed(
            title=t("Agreement of {group}: {versions}", group=ref.name, versions=versions)[:256],
            colour=discord.Colour.blurple(),
        )
        if not pending:
            embed.description = t(
                "Everyone in {group} has accepted the current agreement.", group=ref.name
            )
        else:
            lines = [
                self._pending_line(p.user_id, p.leader, p.held, p.grace_ends_at, t) for p in pending
            ]
            shown: list[str] = []
            for line in lines:
                if sum(len(x) + 1 for x in shown) + len(line) > STATUS_MAX:
                    shown.append(t("… and {n} more", n=len(lines) - len(shown)))
                    break
                shown.append(line)
            embed.description = (
                t("Not accepted yet ({n}):", n=len(pending)) + "\n" + "\n".join(shown)
            )
        await interaction.followup.send(embed=embed, ephemeral=True)

    def _pending_line(
        self, user_id: int, leader: bool, held: bool, grace_ends_at: int | None, t: Translate
    ) -> str:
        who = f"<@{user_id}>" + (" " + t("(leader)") if leader else "")
        if held:
            return t("• {who}: access paused until they accept", who=who)
        if grace_ends_at is not None:
            return t(
                "• {who}: keeps access until {at} ({relative})",
                who=who,
                at=stamp(grace_ends_at, "f"),
                relative=stamp(grace_ends_at, "R"),
            )
        return t("• {who}: not accepted yet (/confidentiality accept)", who=who)

    # ------------------------------------------------------------------ settings

    @settings.command(
        name="grace-days",
        description=_T("Days members keep access after a new version before they must accept"),
        extras=MODERATOR,
    )
    @app_commands.describe(days=_T("From 0 (at once) to 60; 7 by default"))
    async def grace_days(
        self,
        interaction: discord.Interaction[Bot],
        days: app_commands.Range[int, 0, GRACE_DAYS_MAX],
    ) -> None:
        moderator = await self.bot.access.require(interaction, Audience.MODERATOR)
        saved = await self.service.set_grace_days(moderator.guild.id, days, moderator.id)
        t = await translator(interaction)
        await interaction.response.send_message(
            t.plural(
                "After a new version, members keep access for {n} day before they must accept it.",
                "After a new version, members keep access for {n} days before they must accept it.",
                saved,
            ),
            ephemeral=True,
        )
