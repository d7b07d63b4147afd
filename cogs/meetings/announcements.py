"""Each session's announcement keeps showing the session as it is (issue 19): moved, renamed or
given a new length, its message in the group's channel is edited, RSVP buttons and counts
included. Discord glue only: the rules of what is stale are in the service.

The change and the announcement cannot share a transaction, so the change marks the session's
announcement stale in its own transaction (intent first), this edits the message (an edit is
repeated harmlessly), then marks it shown unless another change came meanwhile. A crash at any
point leaves it stale, and the next start edits it. The message id comes from the outbox's
`on_sent` (`MeetingService.announced`): a session changed before its announcement was posted
is edited once the id is known, if the post still showed the old session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.dispatcher import Rendered
from cogs.meetings.events import is_transient
from cogs.meetings.models import StaleAnnouncement

if TYPE_CHECKING:
    from bot.client import Bot
    from cogs.meetings.service import MeetingService

log = logging.getLogger(__name__)

Render = Callable[[int], Awaitable[Rendered | None]]  # a session's announcement, or None


class AnnouncementRefresh:
    def __init__(self, bot: Bot, service: MeetingService, render: Render) -> None:
        self.bot = bot
        self.service = service
        self.render = render
        self._lock = asyncio.Lock()

    async def refresh_due(self) -> bool:
        """Edit every stale announcement. False if one must be tried again later (Discord
        was unreachable or busy)."""
        done = True
        async with self._lock:
            for stale in await self.service.stale_announcements():
                done = await self._refresh(stale) and done
        return done

    async def _refresh(self, stale: StaleAnnouncement) -> bool:
        rendered = await self.render(stale.occurrence_id)
        if rendered is not None:
            channel = self.bot.get_partial_messageable(stale.channel_id, guild_id=stale.guild_id)
            try:
                await self.bot.dispatcher.budget.pace()  # bot/send_budget.py
                await channel.get_partial_message(stale.message_id).edit(
                    embeds=rendered.embeds, view=rendered.view
                )
            except Exception as error:
                if is_transient(error):
                    log.warning(
                        "announcement of session %d: %s; tried again later",
                        stale.occurrence_id,
                        error,
                    )
                    return False
                if not isinstance(error, discord.NotFound | discord.Forbidden):
                    raise
                # Deleted by hand, or the channel closed to the bot: nothing left to edit.
                log.warning("announcement of session %d: %s", stale.occurrence_id, error)
        await self.service.announcement_shown(stale)
        return True
