"""The confidentiality agreement, Discord side: the join gate (members accept the agreement before
they can read a group), "I agree" and "Not now", the grace periods' jobs, the reminders, and what
the outbox sends. The /confidentiality commands are in commands_cog.py. Discord glue only; the
rules are in service.py, the looks in render.py, the buttons in views.py."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext import commands

from bot.client import Bot
from bot.directory import JoinGate
from bot.dispatcher import PermanentFailure, Rendered, Renderer
from bot.event_log import DurableHandler, Event
from bot.events import (
    GROUP_LEADER_ADDED,
    GROUP_LEADER_REMOVED,
    GROUP_MEMBER_JOINED,
    JOIN_GATE_PASSED,
    MEETING_STARTED,
)
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.kit.groups import channel_key
from bot.kit.timestamps import stamp
from bot.outbox import OutboxMessage
from bot.registry import Kept
from bot.tree import translator
from cogs.confidentiality.models import SERVER, Text
from cogs.confidentiality.render import prompt
from cogs.confidentiality.service import JOIN_WHY, NOTICE, PROMPT, ConfidentialityService
from cogs.confidentiality.service_base import Once
from cogs.confidentiality.service_facts import AgreementFacts
from cogs.confidentiality.service_privacy import ConfidentialityPrivacy
from cogs.confidentiality.views import CONFIDENTIALITY_COG_NAME, DYNAMIC_ITEMS

log = logging.getLogger(__name__)


GRACE_JOB = "confidentiality:grace:{}"
MEMBER_GRACE_JOB = "confidentiality:member-grace:{}:{}"  # group, user: a former leader's grace
PURGE_JOB = "confidentiality:purge"


class ConfidentialityCog(Feature, name=CONFIDENTIALITY_COG_NAME):
    """The agreement's join gate (in core's registry, whatever order the features load in), its
    buttons, renderers and jobs, and the deletion of a member's acceptances (PRIVACY.md)."""

    persistent_items = DYNAMIC_ITEMS
    job_prefix = "confidentiality:"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = ConfidentialityService(
            bot.db, bot.clock, bot.outbox, lambda: bot.groups, bot.event_log
        )
        self._posted: set[tuple[int, int]] = set()  # (group, user) already reminded: no query
        self.service.on_grace(self._schedule_grace)
        self.service.on_member_grace(self._schedule_member_grace)
        self.privacy = ConfidentialityPrivacy(bot.db)
        self._facts = AgreementFacts(self.service, lambda: bot.groups)  # the programme's view

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.facts.agreements = self._facts

    async def cog_unload(self) -> None:
        if self.bot.facts.agreements is self._facts:
            self.bot.facts.agreements = None
        await super().cog_unload()

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            PROMPT: OutboxKind(self._render_prompt, on_failure=self._prompt_failed),
            NOTICE: self._render_notice,
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild_jobs,)

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {
            MEETING_STARTED: self._session_started,
            GROUP_MEMBER_JOINED: self._member_joined,
            GROUP_LEADER_ADDED: self._leader_added,
            GROUP_LEADER_REMOVED: self._leader_removed,
        }

    def join_gates(self) -> Sequence[JoinGate]:
        return (self,)

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        """What PRIVACY.md deletes after a member left the server and the retention period
        passed, at once: their acceptances and first posts."""
        await self.service.forget_member(guild_id, user_id)
        self._posted = {(g, u) for g, u in self._posted if u != user_id}
        await self.bot.event_log.forget((JOIN_GATE_PASSED,), guild_id, user_id)
        return await self.privacy.kept(guild_id, user_id)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.privacy.export(guild_id, user_id)

    # ------------------------------------------------------------------ scheduling

    async def _rebuild_jobs(self) -> None:
        for text in self.owned(await self.service.graces_to_enforce()):
            assert text.grace_ends_at is not None
            self._schedule_grace(text.id, text.grace_ends_at)
        for grace in self.owned(await self.service.member_graces_to_enforce()):
            self._schedule_member_grace(grace.group_id, grace.user_id, grace.ends_at)
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

    def _schedule_member_grace(self, group_id: int, user_id: int, ends_at: int) -> None:
        self.bot.scheduler.add_job(
            self.enforce_member_grace,
            "date",
            run_date=datetime.fromtimestamp(ends_at, UTC),
            args=[group_id, user_id],
            id=MEMBER_GRACE_JOB.format(group_id, user_id),
            replace_existing=True,
            misfire_grace_time=None,  # the bot was down at the time: enforce it late, once
        )

    async def enforce_member_grace(self, group_id: int, user_id: int) -> None:
        await self.service.enforce_member_grace(group_id, user_id)

    async def purge(self) -> None:
        for guild in self.bot.guilds:
            await self._returned_while_away(guild)
        if await self.service.purge(self.bot.shard_set):  # this process's servers
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
        """ "I agree", pressed by the member it was shown to (the button checked)."""
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
            content=t("You agreed on {at}. Thank you.", at=stamp(now, "f")), view=None
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
        if ref is not None and result.joining:
            if not await self.service.missing(guild_id, ref.id, user_id):
                # The groups feature may have let them in already (`join_gate_passed`).
                if await groups.complete_join(guild_id, ref.id, user_id) or await groups.is_member(
                    guild_id, ref.id, user_id
                ):
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
        """ "Not now", pressed by the member it was shown to (the button checked)."""
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
        await self.service.join_answered(group_id, user_id)
        await interaction.followup.send(
            t(
                "No problem. Your seat goes to the next person; you're welcome to join again "
                "any time with /group join."
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.service.introduce(guild.id)
        await self._returned_while_away(guild)

    def _once(self, event: Event) -> Once:
        """This listener's delivery of `event`, claimed in the transaction that acts on it."""
        return functools.partial(self.bot.event_log.claim, event=event)

    async def _leader_added(self, event: Event) -> None:
        """The durable `group_leader_added`. Leaders get the group's role without the gate (the
        group needs them); they are asked privately instead, once, and listed in
        /confidentiality status until they accept."""
        guild_id, group_id, user_id = _subject(event)
        if user_id not in await self.bot.groups.leader_ids(guild_id, group_id):
            return  # no longer leads it (e.g. /group leaders add failed and was undone)
        if not await self.service.missing(guild_id, group_id, user_id):
            return
        texts = await self.service.required(guild_id, group_id)
        await self.service.ask_privately(
            guild_id, group_id, user_id, texts, "leader", once=self._once(event)
        )

    async def _leader_removed(self, event: Event) -> None:
        """The durable `group_leader_removed`. A leader who stops leading stays as a member: the
        one exception (leaders) no longer covers them, so they accept the agreement within a
        grace period, as for a new version, or their access is held until they do."""
        guild_id, group_id, user_id = _subject(event)
        await self.service.leader_stepped_down(guild_id, group_id, user_id, once=self._once(event))

    async def _session_started(self, event: Event) -> None:
        """The durable `meeting_started`: the reminder, once per session (service_reminders)."""
        p = event.payload
        await self.service.session_started(int(p["guild_id"]), int(p["group_id"]), p["occurrence"])

    async def _member_joined(self, event: Event) -> None:
        """The durable `group_member_joined`: the welcome in the group's channel, once."""
        guild_id, group_id, user_id = _subject(event)
        await self.service.member_joined(guild_id, group_id, user_id, once=self._once(event))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        channel_id = channel_key(message.channel)  # a thread counts as its group's channel
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
            log.info("a member came back to guild %d: their records are kept", member.guild.id)

    # ------------------------------------------------------------------ renderers

    async def _render_prompt(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.languages.for_row(message)  # a member's DM: their language
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
        t = await self.bot.languages.for_row(message)  # a member's DM: their language
        return Rendered(content=t(message.payload["msg"], **message.payload.get("params", {})))


def _subject(event: Event) -> tuple[int, int, int]:
    """(guild, group, user) of a group event's payload."""
    p = event.payload
    return int(p["guild_id"]), int(p["group_id"]), int(p["user_id"])
