"""Discord Scheduled Events: each group's next session shows as a guild scheduled event.

The database says what the event should be (meeting_events is marked dirty whenever a group's
next session changes); `EventSync.sync_due` makes Discord match: it creates the event, edits its
name or times, starts it when the session starts, ends or cancels it when the session is over or
cancelled, and creates the next one. Discord's own recurrence is not used: Discord repeats events
at a fixed UTC time, which drifts an hour from the group's local time at each daylight-saving
change. A failure (the bot lacks Manage Events, Discord is down) is retried with backoff and,
once per failing streak, the group's leaders are told privately; the session itself never
depends on it.

Across a crash (issue 19): creating is the one step Discord cannot repeat harmlessly, so its
intent is recorded first (`creating`); a sync that finds the intent but no event id adopts the
event Discord made before the bot stopped (the bot's own, for the group, known to no other
group) instead of making a second one. Edits, starts and ends are repeated harmlessly.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.clock import epoch
from cogs.meetings.models import STARTED, EventState

if TYPE_CHECKING:
    from bot.client import Bot
    from cogs.meetings.service import MeetingService

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
NOT_BEFORE_START_SECONDS = 30
UNAVAILABLE_RETRY = 15  # seconds  # Discord refuses an event that starts in the past


@dataclass(frozen=True)
class Wanted:
    """The event a group should have."""

    occurrence_id: int
    name: str
    description: str
    start: datetime
    end: datetime
    voice_channel_id: int | None
    location: str | None
    active: bool

    def fingerprint(self) -> str:
        return json.dumps(
            [
                self.occurrence_id,
                self.name,
                self.description,
                epoch(self.start),
                epoch(self.end),
                self.voice_channel_id,
                self.location,
                self.active,
            ]
        )


def describe(group_name: str) -> str:
    """An event's description: the group's name (how an event is known as the group's)."""
    return group_name[:1000]


def backoff(attempts: int) -> int:
    return min(30 * 2**attempts, MAX_BACKOFF_SECONDS)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429
    return isinstance(error, aiohttp.ClientError | OSError | asyncio.TimeoutError)


class EventSync:
    def __init__(self, bot: Bot, service: MeetingService) -> None:
        self.bot = bot
        self.service = service
        self._lock = asyncio.Lock()

    async def wanted(self, state: EventState) -> Wanted | None:
        group = await self.service.groups.get(state.guild_id, state.group_id)
        if group is None or group.archived:
            return None
        session = await self.service.next_session_of_group(state.guild_id, state.group_id)
        if session is None:
            return None
        series = await self.service.series_of(session)
        active = session.status == STARTED
        now = epoch(self.service.now())
        if not active and session.starts_at < now + NOT_BEFORE_START_SECONDS:
            return None  # starting this moment: the start action will mark it active
        location = None
        guild = self.bot.get_guild(state.guild_id)
        voice = (
            guild.get_channel(group.voice_channel_id) if guild and group.voice_channel_id else None
        )
        if not isinstance(voice, discord.VoiceChannel):
            channel = guild.get_channel(group.channel_id) if guild and group.channel_id else None
            location = f"#{channel.name}" if channel is not None else group.name
        return Wanted(
            occurrence_id=session.id,
            name=series.title[:100],
            description=describe(group.name),
            start=datetime.fromtimestamp(session.starts_at, UTC),
            end=datetime.fromtimestamp(session.ends_at, UTC),
            voice_channel_id=voice.id if isinstance(voice, discord.VoiceChannel) else None,
            location=location,
            active=active,
        )

    async def sync_due(self) -> None:
        """Sync every group whose event is out of date and due for a try."""
        async with self._lock:
            for state in await self.service.dirty_events(epoch(self.service.now())):
                await self._sync_one(state)

    async def _sync_one(self, state: EventState) -> None:
        guild = self.bot.get_guild(state.guild_id)
        if guild is None:
            # Not connected yet (start-up), or the server is unavailable: try again shortly.
            # `on_guild_available` also brings it forward.
            now = epoch(self.service.now())
            await self.service.event_failed(state.group_id, now + UNAVAILABLE_RETRY, state.reported)
            return
        try:
            wanted = await self.wanted(state)
            event_id = await self._apply(guild, state, wanted)
        except Exception as error:
            await self._failed(state, error)
            return
        await self.service.event_synced(
            state,
            wanted.occurrence_id if wanted else None,
            event_id,
            wanted.fingerprint() if wanted else None,
        )

    async def _fetch(self, guild: discord.Guild, event_id: int) -> discord.ScheduledEvent | None:
        try:
            await self._pace()
            return await guild.fetch_scheduled_event(event_id)
        except discord.NotFound:
            return None  # deleted by hand in Discord: a new one is made

    async def _apply(
        self, guild: discord.Guild, state: EventState, wanted: Wanted | None
    ) -> int | None:
        """Make Discord match `wanted`; returns the event id the group now has."""
        current = await self._fetch(guild, state.event_id) if state.event_id else None
        if current is not None and current.status in (
            discord.EventStatus.completed,
            discord.EventStatus.cancelled,
        ):
            current = None
        adopted = False
        if current is None and state.creating:
            current = await self._adopt(guild, state)
            adopted = current is not None
        if current is not None and (
            wanted is None or (not adopted and state.occurrence_id != wanted.occurrence_id)
        ):
            # That session is over, cancelled, or no longer the next one.
            await self._pace()
            if current.status == discord.EventStatus.active:
                await current.end(reason="Session over")
            else:
                await current.cancel(reason="Session cancelled or moved")
            current = None
        if wanted is None:
            return None
        if current is None:
            if wanted.active:
                return None  # under way already: Discord refuses events that start in the past
            await self.service.event_creating(state.group_id)  # intent first
            return (await self._create(guild, wanted)).id
        if adopted or wanted.fingerprint() != state.fingerprint:
            if wanted.active:
                if current.status == discord.EventStatus.scheduled:
                    await self._pace()
                    await current.start(reason="Session started")
            else:
                await self._edit(current, wanted)
        return current.id

    async def _adopt(
        self, guild: discord.Guild, state: EventState
    ) -> discord.ScheduledEvent | None:
        """A create was asked of Discord and its answer never recorded (the bot stopped): the
        event Discord made, if it made one, is the bot's, scheduled, described as the group and
        known to no group. It becomes the group's; another such (there should be none) is
        cancelled, so the server never shows a session twice."""
        group = await self.service.groups.get(state.guild_id, state.group_id)
        me = self.bot.user
        if group is None or me is None:
            return None
        known = await self.service.known_event_ids(state.guild_id)
        await self._pace()
        found = [
            event
            for event in await guild.fetch_scheduled_events(with_counts=False)
            if event.creator_id == me.id
            and event.id not in known
            and event.description == describe(group.name)
            and event.status == discord.EventStatus.scheduled
        ]
        for extra in found[1:]:
            await self._pace()
            await extra.cancel(reason="A duplicate of the group's session event")
        if found:
            log.info("Discord event of group %d: adopted the one made before a restart", group.id)
        return found[0] if found else None

    async def _pace(self) -> None:
        """Before each request: the syncs of a thousand groups' events (a thousand sessions
        starting at the top of the hour) take their turn with the outbox's ordinary sends, under
        Discord's global rate limit (bot/send_budget.py); each route's own limit discord.py
        keeps by itself."""
        await self.bot.dispatcher.budget.pace()

    async def _create(self, guild: discord.Guild, wanted: Wanted) -> discord.ScheduledEvent:
        await self._pace()
        if wanted.voice_channel_id is not None:
            event = await guild.create_scheduled_event(
                name=wanted.name,
                description=wanted.description,
                start_time=wanted.start,
                end_time=wanted.end,
                entity_type=discord.EntityType.voice,
                channel=discord.Object(wanted.voice_channel_id),
                privacy_level=discord.PrivacyLevel.guild_only,
            )
        else:
            event = await guild.create_scheduled_event(
                name=wanted.name,
                description=wanted.description,
                start_time=wanted.start,
                end_time=wanted.end,
                entity_type=discord.EntityType.external,
                location=wanted.location or wanted.description,
                privacy_level=discord.PrivacyLevel.guild_only,
            )
        return event

    async def _edit(self, current: discord.ScheduledEvent, wanted: Wanted) -> None:
        await self._pace()
        if wanted.voice_channel_id is not None:
            await current.edit(
                name=wanted.name,
                description=wanted.description,
                start_time=wanted.start,
                end_time=wanted.end,
                channel=discord.Object(wanted.voice_channel_id),
                entity_type=discord.EntityType.voice,
            )
        else:
            await current.edit(
                name=wanted.name,
                description=wanted.description,
                start_time=wanted.start,
                end_time=wanted.end,
                entity_type=discord.EntityType.external,
                location=wanted.location or wanted.description,
            )

    async def _failed(self, state: EventState, error: Exception) -> None:
        now = epoch(self.service.now())
        delay = backoff(state.attempts)
        if is_transient(error) or isinstance(error, discord.Forbidden):
            # A missing permission is the server's setup, not a bug: the leaders are told.
            log.warning("Discord event of group %d: %s; retry in %ds", state.group_id, error, delay)
        else:
            log.error(
                "Discord event of group %d failed; retry in %ds",
                state.group_id,
                delay,
                exc_info=error,
            )
        report = isinstance(error, discord.Forbidden) and not state.reported
        if report:
            await self.service.tell_leaders_events_refused(state)
        await self.service.event_failed(state.group_id, now + delay, state.reported or report)
