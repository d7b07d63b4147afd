"""Distress escalation, the catch-up's Discord side (issue 17): at start and after a gateway
session that could not be resumed, read what was posted while the bot was away and scan it as
if it had just arrived. The rules and the marks are in service_catchup.py.

Which channels: those the feature scans live (every text channel, text-in-voice and stage
chat, and active thread the bot can read), except the escalation and mod-log channels and their
threads; and the DM channels with the bot it knows (a DM channel is known once the member has
written in it while the bot was reading), the `MAX_DM_CHANNELS` written in most recently.

The bound, per channel or thread: the newest `MAX_MESSAGES` messages, none older than
`MAX_HOURS` hours, after the last message read there (a channel or thread new since the bot
was last reading: after that moment). Channels over the bound are named to the moderators.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord

from bot.client import Bot
from cogs.escalation.service_catchup import (
    MAX_HOURS,
    MAX_MESSAGES,
    CatchupReport,
    CatchupService,
)

log = logging.getLogger(__name__)

Consider = Callable[..., Awaitable[bool]]  # EscalationCog.consider(message, edited=, posted_at=)


def _snowflake(moment: int) -> int:
    return discord.utils.time_snowflake(datetime.fromtimestamp(moment, UTC))


class CatchupReader:
    def __init__(self, bot: Bot, service: CatchupService, consider: Consider) -> None:
        self.bot = bot
        self.service = service
        self.consider = consider
        self._lock = asyncio.Lock()

    def channels(self, guild: discord.Guild, private: set[int]) -> list[Any]:
        """The channels and threads the feature scans that the bot may read back."""
        me = guild.me
        found: list[Any] = []
        places: list[Any] = [
            *guild.text_channels,
            *guild.voice_channels,
            *guild.stage_channels,
            *guild.threads,
        ]
        for channel in places:
            parent = channel.parent_id if isinstance(channel, discord.Thread) else None
            if channel.id in private or parent in private:
                continue
            perms = channel.permissions_for(me)
            if perms.view_channel and perms.read_message_history:
                found.append(channel)
        return found

    async def catch_up(self) -> None:
        """Every server, one after the other. A server that fails keeps its marks: read again
        at the next catch-up."""
        generation = self.service.begin()
        try:
            async with self._lock:
                for guild in list(self.bot.guilds):
                    try:
                        await self._guild(guild)
                    except Exception:
                        log.exception("escalation: the catch-up of guild %d failed", guild.id)
                try:
                    await self._dms()
                except Exception:
                    log.exception("escalation: the catch-up of direct messages failed")
        finally:
            self.service.done(generation)

    async def _guild(self, guild: discord.Guild) -> None:
        now = self.service.now()
        seen = await self.service.seen(guild.id)
        settings = await self.bot.guild_settings.get(guild.id)
        private = {settings.escalation_channel_id, settings.mod_log_channel_id} - {None}
        channels = self.channels(guild, {c for c in private if c is not None})
        if seen.alive_at is None:
            marks = {c.id: c.last_message_id for c in channels if c.last_message_id}
            await self.service.first_read(guild.id, marks)
            return
        report = CatchupReport(guild.id, seen.alive_at, now)
        floor = _snowflake(now - MAX_HOURS * 3600)
        new_since = _snowflake(seen.alive_at)
        messages: list[discord.Message] = []
        for channel in channels:
            after = max(seen.channels.get(channel.id, new_since), floor)
            # Discord says with each channel which message is its newest: nothing new, no
            # request (an empty channel has none).
            last = channel.last_message_id
            if last is None or last <= after:
                continue
            try:
                batch = [
                    m
                    async for m in channel.history(
                        limit=MAX_MESSAGES + 1, after=discord.Object(after), oldest_first=False
                    )
                ]
            except (discord.Forbidden, discord.NotFound):
                continue
            if len(batch) > MAX_MESSAGES:
                batch = sorted(batch, key=lambda m: m.id)[-MAX_MESSAGES:]
                report.truncated.append(channel.id)
            if batch:
                report.marks[channel.id] = max(m.id for m in batch)
            messages += batch
        # In the order they were posted, so that each member's messages are read together.
        for message in sorted(messages, key=lambda m: m.id):
            if message.author.bot or message.webhook_id is not None:
                continue
            if self.service.was_read_live(message.id):
                continue  # it arrived while the catch-up was reading
            report.read += 1
            posted = int(message.created_at.timestamp())
            if await self.consider(message, edited=False, posted_at=posted):
                report.attention += 1
        alert_channel = settings.escalation_channel_id or settings.mod_log_channel_id
        await self.service.caught_up(report, alert_channel)

    async def _dms(self) -> None:
        """DM channels with the bot it knows (members who wrote to it before): a crisis DM
        while it was away goes to one community as any other, marked as posted offline. Not
        part of a server's summary: a DM belongs to no server until it is routed."""
        marks = await self.service.seen_dms()
        floor = _snowflake(self.service.now() - MAX_HOURS * 3600)
        read_to: dict[int, int] = {}
        messages: list[discord.Message] = []
        for channel_id, mark in marks.items():
            channel = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)
            try:
                batch = [
                    m
                    async for m in channel.history(
                        limit=MAX_MESSAGES,
                        after=discord.Object(max(mark, floor)),
                        oldest_first=False,
                    )
                ]
            except (discord.Forbidden, discord.NotFound):
                continue
            if batch:
                read_to[channel_id] = max(m.id for m in batch)
            messages += batch
        read = attention = 0
        for message in sorted(messages, key=lambda m: m.id):
            if message.author.bot or self.service.was_read_live(message.id):
                continue
            read += 1
            posted = int(message.created_at.timestamp())
            if await self.consider(message, edited=False, posted_at=posted):
                attention += 1
        await self.service.dms_caught_up(read_to, read, attention)
