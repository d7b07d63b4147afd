"""/confidentiality and the join gate: the agreement members accept before they can read a group,
its versions, the grace period of a new version, and the reminders. Discord glue only; the rules
are in service.py, the looks in render.py, the buttons and the modal in views.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import LEADER, MEMBER, MODERATOR, Audience
from bot.client import Bot
from bot.directory import GroupRef
from bot.dispatcher import PermanentFailure, Rendered, server_of
from bot.errors import NotFound, UserError
from bot.i18n import N_, Translate
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.confidentiality.models import SERVER, Text
from cogs.confidentiality.render import agreement_embeds, body_of, prompt, stamp
from cogs.confidentiality.service import (
    DEFAULT_TEXT,
    GRACE_DAYS_MAX,
    NOTICE,
    PROMPT,
    ConfidentialityService,
    Why,
)
from cogs.confidentiality.views import DYNAMIC_ITEMS, AgreementModal

log = logging.getLogger(__name__)


GRACE_JOB = "confidentiality:grace:{}"
PURGE_JOB = "confidentiality:purge"
STATUS_MAX = 3900  # an embed holds 4096 characters
PROMPTS_AT_ONCE = 5  # /confidentiality accept shows at most this many groups at a time
JOIN_WHY: dict[str | None, Why] = {"added": "added", "request": "request"}

NOT_YOURS = N_(
    "This agreement was shown to someone else. You can read yours with /confidentiality show."
)
WITHDRAW = N_(
    "You can withdraw at any time by leaving a group with /group leave. What you agreed to stays "
    "on record while you are a member of this server."
)


class ConfidentialityCog(commands.Cog, name="Confidentiality"):
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

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.service = ConfidentialityService(bot.db, bot.clock, bot.outbox, lambda: bot.groups)
        self._posted: set[tuple[int, int]] = set()  # (group, user) already reminded: no query
        bot.groups.add_join_gate(self)
        bot.dispatcher.register(PROMPT, self._render_prompt, on_failure=self._prompt_failed)
        bot.dispatcher.register(NOTICE, self._render_notice)
        bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.service.on_grace(self._schedule_grace)
        bot.add_rebuilder(self._rebuild_jobs)

    # ------------------------------------------------------------------ scheduling

    async def _rebuild_jobs(self) -> None:
        for text in await self.service.graces_to_enforce():
            assert text.grace_ends_at is not None
            self._schedule_grace(text.id, text.grace_ends_at)
        self.bot.scheduler.add_job(
            self.purge, "interval", hours=24, id=PURGE_JOB, replace_existing=True
        )

    def _schedule_grace(self, text_id: int, ends_at: int) -> None:
        self.bot.scheduler.add_job(
            self.enforce_grace,
            "date",
            run_date=datetime.fromtimestamp(ends_at, UTC),
            args=[text_id],
            id=GRACE_JOB.format(text_id),
            replace_existing=True,
            misfire_grace_time=None,  # the bot was down at the time: enforce it late, once
        )

    async def enforce_grace(self, text_id: int) -> None:
        await self.service.enforce_grace(text_id)

    async def purge(self) -> None:
        for guild in self.bot.guilds:
            await self._returned_while_away(guild)
        if await self.service.purge():
            self._posted.clear()  # forgotten first posts: a returning member is reminded again

    async def _returned_while_away(self, guild: discord.Guild) -> None:
        """Members recorded as gone who are in the server again (the bot was away when they
        came back): nothing of theirs is deleted while they stay."""
        departed = await self.service.departed_ids(guild.id)
        back = [u for u in departed if guild.get_member(u) is not None]
        if back and await self.service.members_came_back(guild.id, back):
            log.info("%d members came back to guild %d while the bot was away", len(back), guild.id)

    # ------------------------------------------------------------------ the join gate

    async def admit(
        self,
        guild_id: int,
        group_id: int,
        user_id: int,
        interaction: discord.Interaction[Any] | None,
    ) -> bool:
        """The groups feature's join gate: True when the member accepted every text of the
        group; else they are shown it privately and come back through "I agree"."""
        if not await self.service.missing(guild_id, group_id, user_id):
            return True
        ref = await self.bot.groups.get(guild_id, group_id)
        name = ref.name if ref else None
        texts = await self.service.required(guild_id, group_id)
        if interaction is not None:
            t = await translator(interaction)
            content, embeds, view = prompt(
                t,
                why="join",
                user_id=user_id,
                guild_id=guild_id,
                group_id=group_id,
                group_name=name,
                texts=texts,
            )
            try:
                await interaction.followup.send(content, embeds=embeds, view=view, ephemeral=True)
                return False
            except discord.HTTPException:
                log.warning("could not show the agreement in interaction %s", interaction.id)
        source = await self.bot.groups.join_source(guild_id, group_id, user_id)
        why = JOIN_WHY.get(source, "join")
        await self.service.ask_privately(guild_id, group_id, user_id, texts, why)
        return False

    async def agree(
        self,
        interaction: discord.Interaction[Any],
        user_id: int,
        group_id: int,
        text_ids: list[int],
    ) -> None:
        if interaction.user.id != user_id:
            raise UserError(NOT_YOURS)
        result = await self.service.accept(user_id, group_id, text_ids)
        t = await translator(interaction)
        guild_id = result.guild_id
        ref = await self.bot.groups.get(guild_id, group_id) if group_id != SERVER else None
        if result.stale:
            texts = (
                await self.service.required(guild_id, group_id)
                if group_id != SERVER
                else [await self.service.server_text(guild_id)]
            )
            joining = await self.bot.groups.join_source(guild_id, ref.id, user_id) if ref else None
            _, embeds, view = prompt(
                t,
                why="new_version" if joining is None else JOIN_WHY.get(joining, "join"),
                user_id=user_id,
                guild_id=guild_id,
                group_id=group_id,
                group_name=ref.name if ref else None,
                texts=texts,
            )
            await interaction.response.send_message(
                t(
                    "The agreement was updated since I showed it to you. Here is the current "
                    "version: please read it and press I agree."
                ),
                embeds=embeds,
                view=view,
                ephemeral=True,
            )
            return
        now = self.service.now()
        await interaction.response.edit_message(
            content=t("You agreed on {at}. Thank you.", at=stamp(now)), view=None
        )
        lines: list[str] = []
        groups = self.bot.groups
        for gid in result.groups:
            if await self.service.missing(guild_id, gid, user_id):
                continue
            if await groups.release_access(guild_id, gid, user_id):
                joined = await groups.get(guild_id, gid)
                lines.append(
                    t("Your access to {group} is back.", group=joined.name if joined else "")
                )
        if ref is not None and await groups.join_source(guild_id, ref.id, user_id) is not None:
            if not await self.service.missing(guild_id, ref.id, user_id):
                if await groups.complete_join(guild_id, ref.id, user_id):
                    lines.append(t("Thank you. Welcome to {group}!", group=ref.name))
                else:
                    lines.append(
                        t(
                            "The seat held for you is no longer available. Please try "
                            "/group join again."
                        )
                    )
        elif ref is not None and not await groups.is_member(guild_id, ref.id, user_id):
            lines.append(
                t(
                    "Your agreement is recorded. The seat held for you in {group} is no longer "
                    "available: please use /group join to join again.",
                    group=ref.name,
                )
            )
        if not lines:
            lines.append(t("Thank you: your agreement is recorded."))
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    async def not_now(
        self, interaction: discord.Interaction[Any], guild_id: int, user_id: int, group_id: int
    ) -> None:
        if interaction.user.id != user_id:
            raise UserError(NOT_YOURS)
        t = await translator(interaction)
        groups = self.bot.groups
        if await groups.join_source(guild_id, group_id, user_id) is None and await groups.is_member(
            guild_id, group_id, user_id
        ):
            # They joined meanwhile (e.g. through another prompt): nothing to cancel.
            await interaction.response.edit_message(
                content=t("You're already a member of this group: nothing changed."), view=None
            )
            return
        await interaction.response.edit_message(
            content=t("You chose not to join for now."), view=None
        )
        if await groups.join_source(guild_id, group_id, user_id) is not None:
            await groups.cancel_join(guild_id, group_id, user_id)
        await interaction.followup.send(
            t(
                "No problem. Your seat goes to the next person; you're welcome to join again "
                "any time with /group join."
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ helpers

    async def _find_group(self, guild_id: int, value: str) -> GroupRef:
        """A group from an autocomplete value (its id) or a typed name."""
        value = value.strip()
        groups = self.bot.groups
        if value.isdigit():
            ref = await groups.get(guild_id, int(value))
            if ref is not None and not ref.archived:
                return ref
        found = await groups.search(guild_id, value)
        exact = [g for g in found if g.name.casefold() == value.casefold()]
        if exact or len(found) == 1:
            return (exact or found)[0]
        raise NotFound(
            N_("I couldn't find a group called “{name}”. Please pick one from the list."),
            name=value[:80],
        )

    async def _group_here(self, interaction: discord.Interaction[Any]) -> GroupRef | None:
        channel = interaction.channel
        if interaction.guild_id is None or channel is None:
            return None
        channel_id = channel.id
        if isinstance(channel, discord.Thread) and channel.parent_id:
            channel_id = channel.parent_id  # a thread of the group's channel
        return await self.bot.groups.for_channel(interaction.guild_id, channel_id)

    async def _group_choices(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await self.bot.groups.search(interaction.guild_id, current)
        return [app_commands.Choice(name=g.name[:100], value=str(g.id)) for g in found]

    # ------------------------------------------------------------------ /confidentiality show

    @confidentiality.command(
        name="show",
        description=_T("Read the agreement, and what you agreed to"),
        extras=MEMBER,
    )
    @app_commands.describe(group=_T("A group (leave empty for this channel's, or the server's)"))
    async def show(self, interaction: discord.Interaction[Bot], group: str | None = None) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        guild_id = member.guild.id
        ref = (
            await self._find_group(guild_id, group)
            if group
            else await self._group_here(interaction)
        )
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
                at=stamp(at),
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
                    t("server agreement version {n} on {at}", n=a.version, at=stamp(a.accepted_at))
                    if a.text_group_id is None
                    else t(
                        "group agreement version {n} on {at}", n=a.version, at=stamp(a.accepted_at)
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

    @show.autocomplete("group")
    async def show_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current)

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
        self, interaction: discord.Interaction[Bot], group: str | None = None
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
            ref = await self._find_group(guild_id, group)
            await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
            group_text = await self.service.group_text(guild_id, ref.id)
            title = t("{group}'s own agreement", group=ref.name)
            body = body_of(group_text, t) if group_text is not None else ""
            group_id = ref.id
        await interaction.response.send_modal(AgreementModal(self, group_id, title, body, t))

    @set_text.autocomplete("group")
    async def set_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current)

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
                    at=stamp(text.grace_ends_at),
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
    async def status(self, interaction: discord.Interaction[Bot], group: str) -> None:
        ref = await self._find_group(interaction.guild_id or 0, group)
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
                at=stamp(grace_ends_at),
                relative=stamp(grace_ends_at, "R"),
            )
        return t("• {who}: not accepted yet (/confidentiality accept)", who=who)

    @status.autocomplete("group")
    async def status_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._group_choices(interaction, current)

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

    # ------------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.service.introduce(guild.id)
        await self._returned_while_away(guild)

    @commands.Cog.listener()
    async def on_group_leader_added(self, guild_id: int, group_id: int, user_id: int) -> None:
        """Leaders get the group's role without the gate (the group needs them); they are
        asked privately instead, and listed in /confidentiality status until they accept."""
        if not await self.service.missing(guild_id, group_id, user_id):
            return
        texts = await self.service.required(guild_id, group_id)
        await self.service.ask_privately(guild_id, group_id, user_id, texts, "leader")

    @commands.Cog.listener()
    async def on_meeting_started(self, guild_id: int, group_id: int, occurrence: str) -> None:
        await self.service.session_started(guild_id, group_id, occurrence)

    @commands.Cog.listener()
    async def on_group_member_joined(self, guild_id: int, group_id: int, user_id: int) -> None:
        await self.service.member_joined(guild_id, group_id, user_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        channel = message.channel
        channel_id = channel.parent_id if isinstance(channel, discord.Thread) else channel.id
        if channel_id is None:
            return
        ref = await self.bot.groups.for_channel(message.guild.id, channel_id)
        if ref is None or (ref.id, message.author.id) in self._posted:
            return
        if not await self.bot.groups.is_member(message.guild.id, ref.id, message.author.id):
            return
        await self.service.first_post(message.guild.id, ref, message.author.id)
        self._posted.add((ref.id, message.author.id))

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.service.member_left_server(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if await self.service.member_came_back(member.guild.id, member.id):
            log.info(
                "user %d came back to guild %d: their records are kept", member.id, member.guild.id
            )

    # ------------------------------------------------------------------ renderers

    async def _render_prompt(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        p = message.payload
        texts: list[Text] = await self.service.texts(p["texts"])
        if not texts:
            raise PermanentFailure("the agreement versions of this prompt are gone")
        ref = await self.bot.groups.get(message.guild_id, p["group"]) if p["group"] else None
        content, embeds, view = prompt(
            t,
            why=p["why"],
            user_id=p["user"],
            guild_id=message.guild_id,
            group_id=p["group"],
            group_name=ref.name if ref else None,
            texts=texts,
            grace_ends_at=p.get("grace_ends_at"),
        )
        return Rendered(content=content, embeds=embeds, view=view)

    async def _prompt_failed(self, message: OutboxMessage, error: Exception) -> None:
        """The agreement could not be sent privately (direct messages closed): tell the
        moderators, who can let the member know about /confidentiality accept."""
        if message.guild_id is None or message.destination_type != "user":
            return
        if not isinstance(error, discord.Forbidden):
            return  # e.g. the versions are gone: nothing waits for the member any more
        settings = await self.bot.guild_settings.get(message.guild_id)
        p = message.payload
        await self.service.prompt_undelivered(
            message.guild_id,
            int(p["user"]),
            int(p["group"]),
            p["why"],
            settings.mod_log_channel_id or settings.escalation_channel_id,
        )

    async def _render_notice(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        return Rendered(content=t(message.payload["msg"], **message.payload.get("params", {})))
