"""The cog's side of mentoring's messages and buttons: renderers, both people's consent, the
opening of a pairing (intent first), check-in answers. Mixed into MentoringCog."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.dispatcher import PermanentFailure, Rendered, server_of
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.mentoring import rendering
from cogs.mentoring.model import BUDDY, MENTEE, MENTOR, Match
from cogs.mentoring.pairing import PairingService
from cogs.mentoring.service import MentoringService

if TYPE_CHECKING:
    from bot.client import Bot

log = logging.getLogger(__name__)


def thread_name(match_id: int) -> str:
    return f"Peer support #{match_id}"


class Handlers:
    bot: Bot
    service: MentoringService
    pairing: PairingService

    def _arm(self, match: Match) -> None:
        raise NotImplementedError

    async def _close_thread(self, match_id: int, thread_id: int | None) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ renderers

    async def _render_notice(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        return rendering.notice(t, message.payload, message.destination_id)

    async def _render_ask(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        match = await self.pairing.match(message.payload["match"])
        if match is None or match.status != "proposed":
            raise PermanentFailure("the match is no longer waiting for answers")
        user = message.payload["user"]
        other_kind = (
            BUDDY if match.kind == "leader_buddy" else MENTOR if user == match.mentee_id else MENTEE
        )
        other = await self.service.profile(match.guild_id, match.other(user), other_kind)
        return rendering.ask(t, match, user, other)

    async def _render_guide(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        match = await self.pairing.match(message.payload["match"])
        if match is None:
            raise PermanentFailure("the match has ended")
        return rendering.guide(t, match, message.payload.get("other"), None)

    async def _render_checkin(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        p = message.payload
        if await self.pairing.match(p["match"]) is None:
            raise PermanentFailure("the match has ended")
        return rendering.checkin(t, p["checkin"], p["match"], p["user"])

    async def _render_offer(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        assert message.guild_id is not None
        profile = await self.service.profile(message.guild_id, message.payload["user"], MENTOR)
        if profile is None:
            raise PermanentFailure("the offer was withdrawn")
        return rendering.offer(t, profile)

    # ------------------------------------------------------------------ consent

    async def consent_pressed(
        self, interaction: discord.Interaction[Any], match_id: int, accept: bool
    ) -> None:
        t = await translator(interaction)
        answer = await self.pairing.answer(match_id, interaction.user.id, accept)
        if answer.declined:
            text = t("Thank you for saying. Nobody is told why, and nothing more is needed.")
        elif answer.both:
            text = t("You both said yes: your introduction is on its way.")
        else:
            text = t("Thank you: we are waiting for the other person's answer.")
        await interaction.response.edit_message(content=text, view=None)
        if answer.both:
            self.bot.spawn(self.open_pairing(answer.match.id), name="mentoring: open pairing")

    async def open_pairing(self, match_id: int) -> None:
        """Intent first: the match is 'opening' (written with the second yes); the thread is
        made (or found, after a crash), both added; then 'active' with the guide."""
        opening: set[int] = self.__dict__.setdefault("_opening", set())
        if match_id in opening:
            return  # already being opened (a reconnect's catch-up meeting the second yes)
        opening.add(match_id)
        try:
            match = await self.pairing.match(match_id)
            if match is None or match.status != "opening":
                return
            thread_id = await self._make_thread(match)
            opened = await self.pairing.opened(match.id, thread_id)
            if opened is not None:
                self._arm(opened)
            else:  # withdrawn meanwhile ('closing'): the thread just made goes
                await self._discard_thread(match_id, match.guild_id, thread_id, opening=False)
        finally:
            opening.discard(match_id)

    async def _discard_thread(
        self, match_id: int, guild_id: int, thread_id: int | None, *, opening: bool = True
    ) -> None:
        """A pairing withdrawn while it was being set up: its private thread, if one was made
        (`thread_id`, else found by its name), is deleted, then the match is forgotten. While
        `open_pairing` is still making it (`opening`), that is left to it when it is done."""
        if opening and match_id in self.__dict__.setdefault("_opening", set()):
            return
        thread = await self._find_thread(match_id, guild_id, thread_id)
        if thread is not None:
            try:
                await thread.delete()
            except discord.NotFound:
                pass
            except discord.Forbidden:
                await self._empty_thread(thread)
            except discord.HTTPException:
                log.warning(
                    "mentoring: could not delete thread %d; tried again at start", thread.id
                )
                return
        await self.pairing.closed(match_id)

    async def _find_thread(
        self, match_id: int, guild_id: int, thread_id: int | None
    ) -> discord.Thread | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        if thread_id is not None:
            found = guild.get_thread(thread_id)
            if found is None:
                try:
                    fetched = await self.bot.fetch_channel(thread_id)
                except discord.NotFound:
                    return None
                found = fetched if isinstance(fetched, discord.Thread) else None
            return found
        settings = await self.service.settings(guild_id)
        parent = guild.get_channel(settings.thread_channel_id or 0)
        if not isinstance(parent, discord.TextChannel):
            return None
        name = thread_name(match_id)
        return next((th for th in parent.threads if th.name == name), None)

    async def _empty_thread(self, thread: discord.Thread) -> None:
        """Without Manage Threads the bot cannot delete it: as the private thread's maker it
        takes everyone else out, then archives and locks it."""
        log.warning("mentoring: no permission to delete thread %d; emptied instead", thread.id)
        me = self.bot.user.id if self.bot.user else 0
        for member in await thread.fetch_members():
            if member.id != me:
                await thread.remove_user(discord.Object(member.id))
        await thread.edit(archived=True, locked=True)

    def _thread_name(self, match: Match) -> str:
        return thread_name(match.id)

    async def _make_thread(self, match: Match) -> int | None:
        settings = await self.service.settings(match.guild_id)
        guild = self.bot.get_guild(match.guild_id)
        parent = (
            guild.get_channel(settings.thread_channel_id)
            if guild and (settings.thread_channel_id)
            else None
        )
        if guild is None or not isinstance(parent, discord.TextChannel):
            return None  # a DM introduction instead
        name = self._thread_name(match)
        thread = next((th for th in parent.threads if th.name == name), None)
        try:
            if thread is None:
                thread = await parent.create_thread(
                    name=name,
                    type=discord.ChannelType.private_thread,
                    invitable=False,
                    auto_archive_duration=10080,
                )
            for user_id in (match.mentee_id, match.mentor_id):
                await thread.add_user(discord.Object(user_id))
        except discord.Forbidden:
            log.warning("mentoring: no private thread in channel %d; DM introduction", parent.id)
            if thread is not None:
                try:
                    await thread.delete()
                except discord.HTTPException:
                    log.warning("mentoring: could not delete half-made thread %d", thread.id)
            return None
        return thread.id

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Pairings a crash left half-open are finished (the thread found by name, not made
        twice); ended ones' threads are archived, and withdrawn ones' deleted."""
        for match in await self.pairing.opening():
            if match.guild_id == guild.id:
                await self.open_pairing(match.id)
        for match in await self.pairing.closing():
            if match.guild_id == guild.id and match.thread_id is None:
                await self._discard_thread(match.id, guild.id, None)  # withdrawn while opening
            elif match.guild_id == guild.id:
                await self._close_thread(match.id, match.thread_id)

    # ------------------------------------------------------------------ check-ins

    async def rate_pressed(
        self, interaction: discord.Interaction[Any], checkin_id: int, rating: int
    ) -> None:
        t = await translator(interaction)
        await self.pairing.rate(checkin_id, interaction.user.id, rating)
        await interaction.response.send_message(
            t("Thank you: {n} out of 5 is noted. Only the number is counted.", n=rating),
            ephemeral=True,
        )

    async def note_submitted(
        self, interaction: discord.Interaction[Any], match_id: int | None, words: str
    ) -> None:
        t = await translator(interaction)
        await self.pairing.words_to_coordinator(
            match_id, interaction.user.id, words, guild_id=interaction.guild_id
        )
        await interaction.response.send_message(
            t("Thank you: your words went to the coordinator."), ephemeral=True
        )
