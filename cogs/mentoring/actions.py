"""Mentoring's glue shared by its commands and buttons: who may coordinate, the profile forms'
options, saving a profile, withdrawing, coordinators' buttons. Mixed into MentoringCog."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.checks import caller
from bot.errors import NotAllowed
from bot.i18n import N_
from bot.tree import translator
from cogs.mentoring.model import BUDDY, CRITERIA, MENTEE, MENTOR
from cogs.mentoring.pairing import PairingService
from cogs.mentoring.service import MentoringService
from cogs.mentoring.views import AboutButton

if TYPE_CHECKING:
    from bot.client import Bot

log = logging.getLogger(__name__)

NOT_COORDINATOR = N_(
    "Only mentoring coordinators (the coordinator role) and moderators can do this."
)


def _words(text: str | None) -> set[str]:
    return {w.strip().lower() for w in (text or "").replace(";", ",").split(",") if w.strip()}


class Actions:
    bot: Bot
    service: MentoringService
    pairing: PairingService
    # Handlers (handlers.py), after this class in MentoringCog's bases: annotated, not defined.
    _discard_thread: Callable[..., Awaitable[None]]

    def _disarm(self, match_id: int) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ who may

    async def _coordinator(self, interaction: discord.Interaction[Any]) -> discord.Member:
        member = caller(interaction)
        if await self.bot.access.is_moderator(member):
            return member
        role_id = (await self.service.settings(member.guild.id)).coordinator_role_id
        if role_id is not None and member.get_role(role_id) is not None:
            return member
        raise NotAllowed(NOT_COORDINATOR)

    # ------------------------------------------------------------------ profiles

    async def _cancer_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        names = await self.service.cancer_types(interaction.guild_id)
        return [
            app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()
        ][:25]

    async def _criteria_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        t = await translator(interaction)
        done, _, last = current.rpartition(",")
        prefix = f"{done}," if done else ""
        return [
            app_commands.Choice(name=f"{prefix}{key} ({t(label)})"[:100], value=f"{prefix}{key}")
            for key, label in CRITERIA.items()
            if key.startswith(last.strip().lower())
        ][:25]

    async def _save(self, interaction: discord.Interaction[Any], kind: str, **form: Any) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        languages = {form.pop("language")} | (
            {form.pop("other_language")} if form.get("other_language") else set()
        )
        form.pop("other_language", None)
        form["languages"] = languages
        form["musts"] = _words(form.pop("must_match", None))
        form["wishes"] = _words(form.pop("would_like", None))
        form["treatments"] = _words(form.pop("treatments", None))
        profile = await self.service.save_profile(member.guild.id, member.id, kind, **form)
        text = {
            MENTEE: t(
                "Thank you: your request is saved, privately. A coordinator will suggest a "
                "mentor and you will be asked before anything happens."
            ),
            MENTOR: t(
                "Thank you for offering: a coordinator will review it. Nobody is matched "
                "with you without asking you first."
            ),
            BUDDY: t("Saved: a coordinator will suggest a leader buddy and ask you both first."),
        }[kind]
        text += "\n" + t("/mentor withdraw deletes all of it at any time.")
        view = discord.ui.View(timeout=None)
        view.add_item(
            AboutButton(
                guild=member.guild.id,
                kind=profile.kind,
                user=member.id,
                label=t("Add a few words (optional)"),
            )
        )
        await interaction.response.send_message(text, view=view, ephemeral=True)

    async def about_submitted(
        self, interaction: discord.Interaction[Any], guild_id: int, kind: str, words: str
    ) -> None:
        t = await translator(interaction)
        await self.service.set_words(guild_id, interaction.user.id, kind, words)
        await interaction.response.send_message(t("Saved, privately."), ephemeral=True)

    async def _withdraw(self, guild_id: int, user_id: int) -> None:
        for match in await self.pairing.withdraw(guild_id, user_id):
            self._disarm(match.id)
            if match.status == "opening":  # the pairing was being set up: its thread goes
                await self._discard_thread(match.id, guild_id, match.thread_id)
            else:
                await self._close_thread(match.id, match.thread_id)

    async def _close_thread(self, match_id: int, thread_id: int | None) -> None:
        """Archive and lock an ended match's thread, then forget the match (intent first: the
        match was marked 'closing' with the end; start-up finishes what a crash left)."""
        if thread_id is None:
            return
        try:
            thread = self.bot.get_channel(thread_id) or await self.bot.fetch_channel(thread_id)
            if isinstance(thread, discord.Thread):
                await thread.edit(archived=True, locked=True)
        except (discord.NotFound, discord.Forbidden):
            log.warning("mentoring: thread %d is gone or out of reach; forgotten", thread_id)
        except discord.HTTPException:
            log.warning("mentoring: could not close thread %d; tried again at start", thread_id)
            return
        await self.pairing.closed(match_id)

    async def approve_pressed(self, interaction: discord.Interaction[Any], user_id: int) -> None:
        await self._approve(interaction, user_id, None)

    async def _approve(
        self, interaction: discord.Interaction[Any], user_id: int, capacity: int | None
    ) -> None:
        me = await self._coordinator(interaction)
        t = await translator(interaction)
        profile = await self.service.approve(me.guild.id, user_id, capacity, me.id)
        await interaction.response.send_message(
            t(
                "<@{user}> is approved as a mentor (up to {n} mentees at once).",
                user=user_id,
                n=profile.capacity,
            ),
            ephemeral=True,
        )

    async def confirm_pressed(
        self, interaction: discord.Interaction[Any], request: int, mentor: int
    ) -> None:
        me = await self._coordinator(interaction)
        t = await translator(interaction)
        match = await self.pairing.confirm(me.guild.id, request, mentor, me.id)
        await interaction.response.send_message(
            t("Match #{match} proposed: both people are asked privately.", match=match.id),
            ephemeral=True,
        )

    async def rematch_pressed(
        self, interaction: discord.Interaction[Any], guild_id: int, kind: str
    ) -> None:
        t = await translator(interaction)
        await self.pairing.rematch(guild_id, interaction.user.id, kind)
        await interaction.response.send_message(
            t("Your request is waiting again: a coordinator will suggest a new match."),
            ephemeral=True,
        )
