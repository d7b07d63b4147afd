"""What is recorded about each group's Discord scheduled event, for events.py (which talks to
Discord and only to Discord): which groups need a sync, how a try went, and the leaders told
once when the bot may not manage events; and about each session's announcement message, for
announcements.py: where it is, and whether it still shows the session as it is. Never imports
discord."""

from __future__ import annotations

from bot.i18n import N_
from cogs.meetings.models import EventState, Session, StaleAnnouncement
from cogs.meetings.service_sessions import NOTICE, Sessions


class EventStates(Sessions):
    async def next_session_of_group(self, guild_id: int, group_id: int) -> Session | None:
        """The session the group's event should show: under way, or the next to come."""
        return await self.repo.next_session_of_group(guild_id, group_id)

    async def dirty_events(self, now: int) -> list[EventState]:
        """Groups whose event is out of date and due for a try."""
        return await self.repo.dirty_events(now)

    async def next_event_try_at(self) -> int | None:
        return await self.repo.next_event_try_at()

    async def retry_events_of_guild(self, guild_id: int) -> None:
        """The server is available again: its pending syncs need not wait for their backoff."""
        await self.repo.retry_events_of_guild(guild_id)

    async def event_synced(
        self,
        state: EventState,
        occurrence_id: int | None,
        event_id: int | None,
        fingerprint: str | None,
    ) -> None:
        await self.repo.event_synced(state, occurrence_id, event_id, fingerprint)

    async def event_creating(self, group_id: int) -> None:
        """Recorded before the group's event is created in Discord (intent first)."""
        await self.repo.event_creating(group_id)

    async def known_event_ids(self, guild_id: int) -> set[int]:
        return await self.repo.known_event_ids(guild_id)

    async def event_failed(self, group_id: int, next_try_at: int, reported: bool) -> None:
        await self.repo.event_failed(group_id, next_try_at, reported)

    async def announced(self, occurrence_id: int, channel_id: int, message_id: int) -> bool:
        """The session's announcement was posted (the outbox's `on_sent`, at least once).
        True if it is already out of date: the session changed before its id was known."""
        return await self.repo.announced(occurrence_id, channel_id, message_id)

    async def stale_announcements(self) -> list[StaleAnnouncement]:
        return await self.repo.stale_announcements()

    async def announcement_shown(self, announcement: StaleAnnouncement) -> None:
        await self.repo.announcement_shown(announcement.occurrence_id, announcement.stale)

    async def tell_leaders_events_refused(self, state: EventState) -> None:
        """Discord refused the group's event for want of Manage Events: its leaders are told
        privately (once per failing streak; the caller keeps count)."""
        group = await self.groups.get(state.guild_id, state.group_id)
        leaders = await self.groups.leader_ids(state.guild_id, state.group_id)
        if group is None:
            return
        async with self.db.transaction() as tx:
            for user_id in leaders:
                await self.outbox.enqueue(
                    tx,
                    kind=NOTICE,
                    guild_id=state.guild_id,
                    user_id=user_id,
                    payload={
                        "msg": N_(
                            "I couldn't put the next session of {group} on the server's Events "
                            "list: I need the Manage Events permission. The session itself is "
                            "scheduled and its reminders will go out. Please ask a server admin "
                            "to give me that permission; I'll keep trying."
                        ),
                        "params": {"group": group.name},
                    },
                )
