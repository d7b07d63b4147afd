"""The rules of guidelines and their reminders. No discord import.

Guidelines are versioned texts: the server's (moderators edit them) and each group's (its leaders
and the moderators). A group's current version is posted and pinned in its channel by the cog;
the database remembers which message is pinned so a new version replaces it, even after a crash.

Reminders are short and kind and never ping. Per group: on a schedule (weekly, every 2 weeks,
monthly, at 10:00 in the group's time zone) and/or at the start of each session (the
`meeting_started` event). Each send is written to the outbox in the same transaction that moves
`next_due` on (or marks the session), so a due time or a session gets exactly one reminder,
across restarts.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock, epoch
from bot.db import Database
from bot.errors import UserError
from bot.i18n import N_
from bot.modlog import ModLog
from bot.outbox import Outbox, new_nonce
from cogs.moderation.actions import GUIDELINES, REMINDERS
from cogs.moderation.models import SERVER, Guideline, Reminder
from cogs.moderation.repository import ModerationRepository

log = logging.getLogger(__name__)

REMINDER = "moderation:reminder"  # outbox kind: payload {"group": id, "why": "schedule"|"session"}

BODY_MAX = 4000  # a modal's paragraph field holds 4000; an embed's description 4096
REMINDER_HOUR = 10  # scheduled reminders go out at 10:00 in the group's time zone
KEEP_SESSION_MARKS_SECONDS = 60 * 86400
OFF, WEEKLY, BIWEEKLY, MONTHLY = "off", "weekly", "biweekly", "monthly"
CADENCES = (OFF, WEEKLY, BIWEEKLY, MONTHLY)


def _add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(after: int, cadence: str, timezone: str) -> int | None:
    """The next scheduled reminder after `after` (epoch): one step of the cadence on from that
    day, at 10:00 wall-clock time in the group's zone (so daylight saving never moves it)."""
    if cadence == OFF:
        return None
    zone = ZoneInfo(timezone)
    day = datetime.fromtimestamp(after, zone).date()
    if cadence == WEEKLY:
        day += timedelta(days=7)
    elif cadence == BIWEEKLY:
        day += timedelta(days=14)
    elif cadence == MONTHLY:
        day = _add_month(day)
    else:
        raise ValueError(cadence)
    return epoch(datetime.combine(day, time(REMINDER_HOUR), zone))


def clean_body(text: str) -> str:
    body = text.strip()
    if not body:
        raise UserError(N_("The guidelines are empty. Please write at least a line."))
    if len(body) > BODY_MAX:
        raise UserError(
            N_(
                "The guidelines are {length} characters long; Discord can show {limit}. "
                "Please shorten them a little."
            ),
            length=len(body),
            limit=BODY_MAX,
        )
    return body


class GuidelineService:
    def __init__(self, db: Database, clock: Clock, outbox: Outbox, modlog: ModLog) -> None:
        self.db = db
        self.repo = ModerationRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._modlog = modlog

    def now(self) -> int:
        return epoch(self._clock())

    # ------------------------------------------------------------------ versions

    async def current(self, guild_id: int, group_id: int | None) -> Guideline | None:
        return await self.repo.current_guideline(guild_id, group_id or SERVER)

    async def get(self, guideline_id: int) -> Guideline | None:
        return await self.repo.guideline(guideline_id)

    async def all_current(self, guild_id: int) -> list[Guideline]:
        return await self.repo.guidelines_of(guild_id)

    async def publish(
        self, guild_id: int, group_id: int | None, body: str, *, by: int
    ) -> Guideline:
        """A new version; the old one stays in the history. Recorded in the mod log."""
        text = clean_body(body)
        scope = group_id or SERVER
        current = await self.repo.current_guideline(guild_id, scope)
        if current is not None and current.body == text:
            raise UserError(N_("Nothing changed: these are already the current guidelines."))
        async with self.db.transaction() as tx:
            version = await self.repo.latest_version_in(tx, guild_id, scope) + 1
            guideline_id = await self.repo.insert_guideline(
                tx,
                guild_id=guild_id,
                group_id=scope,
                version=version,
                body=text,
                by=by,
                nonce=new_nonce() if group_id else None,
                now=self.now(),
            )
            await self._modlog.record_in(
                tx,
                guild_id=guild_id,
                action=GUIDELINES,
                actor_id=by,
                group_id=group_id,
                details={"version": version},
            )
        guideline = await self.repo.guideline(guideline_id)
        assert guideline is not None
        return guideline

    async def pin_work(self) -> list[Guideline]:
        return await self.repo.pin_work()

    async def posted(self, guideline: Guideline, channel_id: int, message_id: int) -> None:
        await self.repo.set_posted(guideline.id, channel_id, message_id)

    async def pinned(self, guideline: Guideline, pinned: bool) -> None:
        await self.repo.set_pinned(guideline.id, pinned)

    # ------------------------------------------------------------------ reminders

    async def reminder(self, group_id: int) -> Reminder | None:
        return await self.repo.reminder(group_id)

    async def scheduled(self) -> list[Reminder]:
        return await self.repo.scheduled_reminders()

    async def set_reminders(
        self,
        guild_id: int,
        group_id: int,
        *,
        timezone: str,
        cadence: str,
        at_session: bool,
        by: int,
    ) -> Reminder:
        if cadence not in CADENCES:
            raise UserError(N_("Please pick a schedule from the list."))
        now = self.now()
        due = next_due(now, cadence, timezone)
        async with self.db.transaction() as tx:
            await self.repo.save_reminder(
                tx,
                group_id=group_id,
                guild_id=guild_id,
                cadence=cadence,
                at_session=at_session,
                next_due=due,
                by=by,
                now=now,
            )
            await self._modlog.record_in(
                tx,
                guild_id=guild_id,
                action=REMINDERS,
                actor_id=by,
                group_id=group_id,
                details={"cadence": cadence, "at_session": int(at_session)},
            )
            reminder = await self.repo.reminder_in(tx, group_id)
        assert reminder is not None
        return reminder

    async def send_due(
        self, group_id: int, due: int, *, channel_id: int | None, timezone: str
    ) -> int | None:
        """The scheduled job: send the reminder due at `due` once, move `next_due` on, and
        return it (None: nothing more to schedule). A job that is stale (the schedule changed,
        or this due time was already sent) sends nothing. Without a channel (the group was
        archived or deleted) the schedule stops; its leaders can turn it on again."""
        now = self.now()
        async with self.db.transaction() as tx:
            reminder = await self.repo.reminder_in(tx, group_id)
            if reminder is None or reminder.next_due is None:
                return None
            if reminder.next_due != due or due > now:
                return reminder.next_due
            if channel_id is None:
                await self.repo.advance_reminder(tx, group_id, reminder.last_sent, None)
                log.info("guidelines: group %d has no channel; its reminders stopped", group_id)
                return None
            following = next_due(due, reminder.cadence, timezone)
            while following is not None and following <= now:
                following = next_due(following, reminder.cadence, timezone)
            await self.repo.advance_reminder(tx, group_id, now, following)
            await self._outbox.enqueue(
                tx,
                kind=REMINDER,
                guild_id=reminder.guild_id,
                channel_id=channel_id,
                payload={"group": group_id, "why": "schedule"},
            )
        return following

    async def session_started(
        self, guild_id: int, group_id: int, occurrence: str, *, channel_id: int
    ) -> bool:
        """A session begins: one reminder for it if the group asked for that."""
        reminder = await self.repo.reminder(group_id)
        if reminder is None or not reminder.at_session or reminder.guild_id != guild_id:
            return False
        async with self.db.transaction() as tx:
            if not await self.repo.mark_session(tx, group_id, occurrence, self.now()):
                return False
            await self._outbox.enqueue(
                tx,
                kind=REMINDER,
                guild_id=guild_id,
                channel_id=channel_id,
                payload={"group": group_id, "why": "session"},
            )
        return True

    async def prune_sessions(self) -> int:
        return await self.repo.prune_sessions(self.now() - KEEP_SESSION_MARKS_SECONDS)
