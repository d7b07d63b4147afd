"""The programme's rules: the leaders' briefing before each session, and who came to it.

Briefings: a sweep (the `programme:sweep` job, every few minutes, and once at start) asks the
meetings feature (`bot.facts.sessions`) which sessions start in the next two days, keeps its own
record of them, and queues each due briefing (a set time before the session, per group) through
the outbox, in the transaction that marks the session briefed: exactly once per session across
restarts, late after an outage rather than never, never once the session has started.

Attendance: the durable `meeting_started` marks a session live (the voice channel's members are
noted from then), `meeting_ended` asks the leaders privately who came, once per session.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupDirectory
from bot.errors import NotAllowed, NotFound, UserError
from bot.facts import Facts
from bot.i18n import N_
from bot.outbox import Outbox
from bot.registry import iso
from cogs.programme.models import (
    ASKED,
    LATE_END_SECONDS,
    MAX_BRIEFING_MINUTES,
    RECORDED,
    ProgrammeSession,
)
from cogs.programme.repository import ProgrammeRepository
from cogs.programme.repository_ratings import RatingRepository

log = logging.getLogger(__name__)

BRIEFING = "programme:briefing"
ATTENDANCE = "programme:attendance"
HORIZON_SECONDS = MAX_BRIEFING_MINUTES * 60 + 3600
MAX_MEMBERS_SHOWN = 100  # four selects of 25
KEEP_RATINGS_BACK = 30 * 86400  # the feedback feature keeps closed polls this long


class ProgrammeService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        groups: Callable[[], GroupDirectory],
        facts: Facts,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self._groups = groups
        self.facts = facts
        self.repo = ProgrammeRepository(db)
        self.ratings = RatingRepository(db)

    def now(self) -> int:
        return epoch(self.clock())

    @property
    def groups(self) -> GroupDirectory:
        return self._groups()

    # ------------------------------------------------------------------ briefings

    async def sweep(self) -> int:
        """Note the sessions about to come, mark the ones that never took place, and queue
        every briefing that is due. Returns how many sessions were briefed."""
        now = self.now()
        source = self.facts.sessions
        if source is not None:
            facts = await source.starting_between(now - LATE_END_SECONDS, now + HORIZON_SECONDS)
            if facts:
                async with self.db.transaction() as tx:
                    await self.repo.note_sessions(tx, facts)
        async with self.db.transaction() as tx:
            await self.repo.mark_skipped(tx, now - LATE_END_SECONDS)
        briefed = 0
        for due in await self.repo.due_briefings(now):
            briefed += await self._brief(due.session)
        return briefed

    async def _brief(self, session: ProgrammeSession) -> int:
        group = await self.groups.get(session.guild_id, session.group_id)
        leaders = await self.groups.leader_ids(session.guild_id, session.group_id)
        payload = await self._briefing(session) if group and not group.archived else None
        async with self.db.transaction() as tx:
            if not await self.repo.mark_briefed(
                tx, session.guild_id, session.occurrence, self.now()
            ):
                return 0
            for leader in leaders if payload is not None else []:
                await self.outbox.enqueue(
                    tx, kind=BRIEFING, guild_id=session.guild_id, user_id=leader, payload=payload
                )
        log.info("programme: briefed %d leaders of group %d", len(leaders), session.group_id)
        return 1

    async def _briefing(self, session: ProgrammeSession) -> dict[str, Any]:
        """What the leaders should know before the session: ids and counts, never words."""
        guild, group = session.guild_id, session.group_id
        members = set(await self.groups.member_ids(guild, group))
        since = await self.repo.last_held_end(guild, group, session.starts_at)
        if since is None:
            since = session.starts_at - int(timedelta(days=30).total_seconds())
        joined = [u for u in await self.repo.joined_since(guild, group, since) if u in members]
        facts = self.facts
        fact = await facts.sessions.session(guild, session.occurrence) if facts.sessions else None
        payload: dict[str, Any] = {
            "group_id": group,
            "occurrence": session.occurrence,
            "starts_at": fact.starts_at if fact else session.starts_at,
            "ends_at": fact.ends_at if fact else session.ends_at,
            "joined": joined,
            "rsvp": [fact.going, fact.maybe, fact.not_going] if fact else None,
            "not_accepted": None,
            "guidelines": None,
            "on_duty": None,
            "open_reports": None,
            "contact": None,
        }
        if facts.agreements is not None:
            waiting = await facts.agreements.not_accepted(guild, group)
            payload["not_accepted"] = [u for u in waiting if u in members]
        if facts.guidelines is not None:
            payload["guidelines"] = await facts.guidelines.version(guild, group)
        if facts.duty is not None:
            payload["on_duty"] = await facts.duty.on_duty(guild, session.starts_at, session.ends_at)
        if facts.cases is not None:
            notices = await facts.cases.notices(guild, group)
            payload["open_reports"] = notices.open_reports
            payload["contact"] = list(notices.contact_requests)
        return payload

    async def set_briefing_minutes(self, guild_id: int, group_id: int, minutes: int) -> int:
        if not 0 <= minutes <= MAX_BRIEFING_MINUTES:
            raise UserError(N_("The briefing can go out from 0 to 48 hours before a session."))
        async with self.db.transaction() as tx:
            await self.repo.set_briefing_minutes(tx, guild_id, group_id, minutes, self.now())
        return minutes

    async def briefing_minutes(self, group_id: int) -> int:
        return await self.repo.briefing_minutes(group_id)

    # ------------------------------------------------------------------ sessions held

    async def _known(self, guild_id: int, group_id: int, occurrence: str) -> ProgrammeSession:
        known = await self.repo.session(guild_id, occurrence)
        if known is not None:
            return known
        source = self.facts.sessions
        fact = await source.session(guild_id, occurrence) if source else None
        now = self.now()
        starts, ends = (fact.starts_at, fact.ends_at) if fact else (now, now)
        return ProgrammeSession(guild_id, group_id, occurrence, starts, ends, "held")

    async def session_started(
        self, guild_id: int, group_id: int, occurrence: str, in_voice: list[int]
    ) -> None:
        session = await self._known(guild_id, group_id, occurrence)
        async with self.db.transaction() as tx:
            await self.repo.held(tx, session, self.now(), end=False)
            await self.repo.add_seen(tx, guild_id, occurrence, in_voice)

    async def session_ended(self, guild_id: int, group_id: int, occurrence: str) -> int:
        """Ask the group's leaders who came, once per session. Returns how many were asked."""
        session = await self._known(guild_id, group_id, occurrence)
        leaders = await self.groups.leader_ids(guild_id, group_id)
        async with self.db.transaction() as tx:
            await self.repo.held(tx, session, self.now(), end=True)
            if not await self.repo.ask_attendance(tx, guild_id, occurrence):
                return 0
            for leader in leaders:
                await self.outbox.enqueue(
                    tx,
                    kind=ATTENDANCE,
                    guild_id=guild_id,
                    user_id=leader,
                    payload={"group_id": group_id, "occurrence": occurrence},
                )
        return len(leaders)

    async def seen_in_voice(self, guild_id: int, group_id: int, user_id: int) -> bool:
        occurrence = await self.repo.live_session(guild_id, group_id, self.now())
        if occurrence is None:
            return False
        async with self.db.transaction() as tx:
            await self.repo.add_seen(tx, guild_id, occurrence, [user_id])
        return True

    # ------------------------------------------------------------------ attendance

    async def attendance_form(
        self, guild_id: int, occurrence: str, user_id: int
    ) -> tuple[ProgrammeSession, list[int], set[int]]:
        """The session, its group's members (to choose from) and who is chosen already."""
        session = await self._leads(guild_id, occurrence, user_id)
        members = sorted(await self.groups.member_ids(guild_id, session.group_id))
        source = RECORDED if session.attendance == RECORDED else "voice"
        chosen = set(await self.repo.attendees(guild_id, occurrence, source))
        return session, members[:MAX_MEMBERS_SHOWN], chosen

    async def record(
        self, guild_id: int, occurrence: str, user_id: int, came: list[int] | None
    ) -> int | None:
        """Keep who came (None: the leaders skip it). Returns how many came."""
        session = await self._leads(guild_id, occurrence, user_id)
        if came is not None:
            members = set(await self.groups.member_ids(guild_id, session.group_id))
            came = sorted(set(came) & members)
        async with self.db.transaction() as tx:
            await self.repo.record(tx, guild_id, occurrence, came)
        return None if came is None else len(came)

    async def _leads(self, guild_id: int, occurrence: str, user_id: int) -> ProgrammeSession:
        session = await self.repo.session(guild_id, occurrence)
        if session is None or session.attendance not in (ASKED, RECORDED, "skipped"):
            raise NotFound(N_("I can't find that session any more."))
        if user_id not in await self.groups.leader_ids(guild_id, session.group_id):
            raise NotAllowed(N_("Only this group's leaders can record who came."))
        return session

    # ------------------------------------------------------------------ joins and leaves

    async def membership(
        self,
        guild_id: int,
        group_id: int,
        user_id: int,
        change: str,
        *,
        at: int | None = None,
        once: Callable[[Transaction], Awaitable[bool]] | None = None,
    ) -> bool:
        """Count a join or a leave (at `at`, else now). `once`: the
        durable event's delivery, claimed in the same transaction (False: counted already)."""
        async with self.db.transaction() as tx:
            if once is not None and not await once(tx):
                return False
            when = self.now() if at is None else at
            await self.repo.note_membership(tx, guild_id, group_id, user_id, change, when)
        return True

    async def waitlisted(
        self,
        guild_id: int,
        group_id: int,
        *,
        at: int,
        once: Callable[[Transaction], Awaitable[bool]],
    ) -> bool:
        """Count someone put on a group's waitlist (the durable event never says who), once."""
        async with self.db.transaction() as tx:
            if not await once(tx):
                return False
            await self.repo.note_waitlisted(tx, guild_id, group_id, at)
        return True

    # ------------------------------------------------------------------ ratings kept

    async def keep_ratings(self, guild_ids: list[int]) -> int:
        """Copy the anonymous ratings of newly closed polls (where at least k answered: never
        who) from the feedback feature (`bot.facts.ratings`), which deletes closed polls after
        30 days, so the reports keep them. From an hour before the latest kept (a poll's close
        may commit a little late), or the last 30 days. Returns how many were new."""
        source = self.facts.ratings
        if source is None:
            return 0
        now, kept = self.now(), 0
        for guild_id in guild_ids:
            latest = await self.ratings.latest(guild_id)
            since = now - KEEP_RATINGS_BACK if latest is None else latest - 3600
            k = await source.k(guild_id)
            found = [
                r
                for r in await source.ratings(guild_id, since, now + 1)
                if r.mean is not None and r.answered >= k
            ]
            if found:
                async with self.db.transaction() as tx:
                    for rating in found:
                        kept += await self.ratings.keep(tx, guild_id, rating)
        return kept

    # ------------------------------------------------------------------ retention, privacy

    async def forget_old(self, retention_days: Callable[[int], Any]) -> int:
        gone = 0
        for guild_id in await self.repo.guilds():
            days = await retention_days(guild_id)
            async with self.db.transaction() as tx:
                gone += await self.repo.forget_before(tx, guild_id, self.now() - days * 86400)
        return gone

    async def forget_member(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await self.repo.forget_member(tx, guild_id, user_id)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        records = await self.repo.member_records(guild_id, user_id)
        out: dict[str, Any] = {}
        if records["attended"]:
            out["Sessions you came to"] = [
                {"group": r["group_id"], "session_start": iso(r["starts_at"]), "how": r["source"]}
                for r in records["attended"]
            ]
        if records["changes"]:
            out["Groups you joined or left"] = [
                {"group": r["group_id"], "change": r["change"], "at": iso(r["at"])}
                for r in records["changes"]
            ]
        return out

    async def repo_session(self, guild_id: int, occurrence: str) -> ProgrammeSession | None:
        return await self.repo.session(guild_id, occurrence)
