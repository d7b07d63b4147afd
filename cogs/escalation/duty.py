"""Distress escalation, who is on duty: moderators on duty by hand (/duty on, for a while) or by
a weekly rota in their own time zone; the ladder an unclaimed alert pages along (the moderators
on duty, then the moderator role, then the admins, then the widest again every half hour, a few
times); and the check-in reminder to the moderator who resolved a case, a day later. The rules
only: never imports discord, never sends anything itself (the outbox does).

A rota shift is stored as a local wall time in the moderator's zone (weekday, minutes since
midnight), so "Mondays 09:00 to 17:00 in America/New_York" stays 09:00 to 17:00 there when the
clocks change. Whether someone is still a moderator of the server (they may have left, or lost
the role) is asked of `is_moderator`, which the Discord side provides: they are on duty only
while they are.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.errors import UserError
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.kit.durations import HOUR, MINUTE, parse_duration
from bot.outbox import Outbox
from cogs.escalation.models import Case, EscalationSettings
from cogs.escalation.models_duty import (
    CheckinStatus,
    DutyOverride,
    DutySettings,
    Ladder,
    ResolvedCase,
    RotaEntry,
)
from cogs.escalation.repository_duty import DutyRepository
from cogs.escalation.rota import (
    DAY_MINUTES,
    next_start,
    overlaps,
    parse_clock,
    shift_until,
    span,
    zone_of,
)

log = logging.getLogger(__name__)

# Outbox kinds (the duty cog renders them).
CHECKIN = "escalation:checkin"  # DM to the moderator who resolved a case: check in with them?
DUTY_NOTE = "escalation:duty_note"  # a line for the moderators: paged on duty, paging stopped

MemberCheck = Callable[[int, int], Awaitable[bool]]  # (guild_id, user_id) -> still a moderator

DEFAULT_ON_SECONDS = 8 * HOUR
MIN_ON_SECONDS, MAX_ON_SECONDS = 10 * MINUTE, 7 * 24 * HOUR
MIN_REPAGE_MINUTES, MAX_REPAGE_MINUTES = 1, 60
MIN_CHECKIN_SECONDS, MAX_CHECKIN_SECONDS = HOUR, 14 * 24 * HOUR
WIDEST_REPEAT_SECONDS = 30 * MINUTE  # once the admins were paged: again every half hour ...
MAX_WIDEST_REPEATS = 4  # ... four more times (two hours), then the alert waits quietly
MAX_ROTA_ENTRIES = 21
MAX_PAGED_USERS = 20

Audience = Literal["duty", "role", "admins"]
Source = Literal["hand", "rota"]


@dataclass(frozen=True)
class OnDuty:
    user_id: int
    until: int  # epoch seconds
    source: Source


@dataclass(frozen=True)
class Upcoming:
    user_id: int
    starts: int
    ends: int


@dataclass(frozen=True)
class RotaLine:
    entry: RotaEntry
    zone: str
    next_start: int | None


@dataclass(frozen=True)
class Added:
    entry: RotaEntry
    zone: str
    own_zone: bool  # False: the server's zone, the moderator has not set one
    next_start: int | None


@dataclass(frozen=True)
class OffDuty:
    was_on: bool
    back_at: int | None  # the next shift on their rota, if any within a week


@dataclass(frozen=True)
class PageStep:
    """What one due page does: whom it pings, the level the case records (0 the moderators on
    duty, 1 the role, 2 the admins), and when the next page is due (None: no more)."""

    audience: Audience
    level: int
    next_at: int | None
    users: tuple[int, ...] = ()
    repeat: int = 0  # the widest page again: 1, 2, ...
    stopped: bool = False  # the last page: paging stops after it


# ---------------------------------------------------------------------------- the service


class DutyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        guild_settings: GuildSettingsService,
        is_moderator: MemberCheck | None = None,
    ) -> None:
        self.db = db
        self.repository = DutyRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._guild_settings = guild_settings
        self._is_moderator = is_moderator

    def _now(self) -> int:
        return epoch(self._clock())

    async def _still_moderator(self, guild_id: int, user_id: int) -> bool:
        return self._is_moderator is None or await self._is_moderator(guild_id, user_id)

    # ------------------------------------------------------------------ settings

    async def settings(self, guild_id: int) -> DutySettings:
        return await self.repository.settings(guild_id)

    async def first_page_seconds(self, guild_id: int) -> int:
        """When an unclaimed alert is first paged (the server's "moderators after")."""
        return await self.repository.first_page_seconds(guild_id)

    @staticmethod
    def check_repage_every(minutes: int) -> int:
        """Seconds between pages, or a UserError; checked before anything is written."""
        if not MIN_REPAGE_MINUTES <= minutes <= MAX_REPAGE_MINUTES:
            raise UserError(
                N_("Please page again every {low} to {high} minutes."),
                low=MIN_REPAGE_MINUTES,
                high=MAX_REPAGE_MINUTES,
            )
        return minutes * MINUTE

    async def set_repage_every(self, guild_id: int, minutes: int, by: int) -> DutySettings:
        seconds = self.check_repage_every(minutes)
        async with self.db.transaction() as tx:
            current = await self.repository.settings_in(tx, guild_id)
            updated = DutySettings(guild_id, seconds, current.checkin_after_seconds)
            await self.repository.save_settings(tx, updated, by, self._now())
        return updated

    async def set_checkin_after(self, guild_id: int, text: str, by: int) -> DutySettings:
        """ "24h", "2d", or "off" (no check-in reminders on this server)."""
        if text.strip().lower() in ("off", "never", "0", "no"):
            seconds = 0
        else:
            seconds = parse_duration(text, minimum=MIN_CHECKIN_SECONDS, maximum=MAX_CHECKIN_SECONDS)
        async with self.db.transaction() as tx:
            current = await self.repository.settings_in(tx, guild_id)
            updated = DutySettings(guild_id, current.repage_every_seconds, seconds)
            await self.repository.save_settings(tx, updated, by, self._now())
        log.info("escalation: guild %d check-in after %d s", guild_id, seconds)
        return updated

    # ------------------------------------------------------------------ zones

    async def zone(self, guild_id: int, user_id: int) -> tuple[str, bool]:
        """The moderator's zone for their rota, and whether they chose it (else the server's)."""
        own = (await self.repository.zones(guild_id)).get(user_id)
        if own is not None:
            return own, True
        return (await self._guild_settings.get(guild_id)).effective_timezone, False

    async def set_zone(self, guild_id: int, user_id: int, zone: str) -> None:
        zone_of(zone)  # the kit's option already checked it against the zone list
        async with self.db.transaction() as tx:
            await self.repository.set_zone(tx, guild_id, user_id, zone)

    # ------------------------------------------------------------------ on and off

    async def go_on(self, guild_id: int, user_id: int, length: str | None) -> int:
        """On duty by hand, for `length` ("2h"; default 8 hours): when it ends."""
        seconds = DEFAULT_ON_SECONDS
        if length is not None and length.strip():
            seconds = parse_duration(length, minimum=MIN_ON_SECONDS, maximum=MAX_ON_SECONDS)
        now = self._now()
        override = DutyOverride(guild_id, user_id, "on", now, now + seconds)
        async with self.db.transaction() as tx:
            await self.repository.set_override(tx, override)
        log.info("escalation: a moderator on duty in guild %d for %d s", guild_id, seconds)
        log.debug("escalation: user %d on duty in guild %d", user_id, guild_id)
        return override.until_at

    async def go_off(self, guild_id: int, user_id: int) -> OffDuty:
        """Off duty now: by hand, and for the rest of a rota shift they are in."""
        now = self._now()
        entries = [e for e in await self.repository.rota(guild_id) if e.user_id == user_id]
        zone = zone_of((await self.zone(guild_id, user_id))[0])
        rota_until = shift_until(entries, zone, now)
        overrides = {o.user_id: o for o in await self.repository.overrides(guild_id)}
        current = overrides.get(user_id)
        on_by_hand = current is not None and current.state == "on" and current.until_at > now
        was_off = current is not None and current.state == "off" and current.until_at > now
        async with self.db.transaction() as tx:
            if rota_until is not None:
                off = DutyOverride(guild_id, user_id, "off", now, rota_until)
                await self.repository.set_override(tx, off)
            else:
                await self.repository.clear_override(tx, guild_id, user_id)
        starts = [s for e in entries if (s := next_start(e, zone, rota_until or now)) is not None]
        was_on = on_by_hand or (rota_until is not None and not was_off)
        log.info("escalation: a moderator off duty in guild %d", guild_id)
        log.debug("escalation: user %d off duty in guild %d", user_id, guild_id)
        return OffDuty(was_on, min(starts) if starts else None)

    # ------------------------------------------------------------------ who is on

    async def who(self, guild_id: int, now: int | None = None) -> list[OnDuty]:
        """The moderators on duty now, soonest to end first."""
        now = self._now() if now is None else now
        overrides = {
            o.user_id: o for o in await self.repository.overrides(guild_id) if o.until_at > now
        }
        rota: dict[int, list[RotaEntry]] = {}
        for entry in await self.repository.rota(guild_id):
            rota.setdefault(entry.user_id, []).append(entry)
        zones = await self.repository.zones(guild_id) if rota else {}
        default = (await self._guild_settings.get(guild_id)).effective_timezone if rota else None
        found: list[OnDuty] = []
        for user_id in sorted(set(overrides) | set(rota)):
            override = overrides.get(user_id)
            if override is not None and override.state == "off":
                continue
            entries = rota.get(user_id, [])
            until = shift_until(entries, zone_of(zones.get(user_id, default)), now)
            if override is not None:
                found.append(OnDuty(user_id, max(override.until_at, until or 0), "hand"))
            elif until is not None:
                found.append(OnDuty(user_id, until, "rota"))
        found = [d for d in found if await self._still_moderator(guild_id, d.user_id)]
        return sorted(found, key=lambda d: (d.until, d.user_id))

    async def on_duty_now(
        self, guild_id: int, now: int | datetime | None = None, *, exclude: int | None = None
    ) -> list[int]:
        """The user ids of the moderators on duty in the server at `now` (epoch seconds or an
        aware datetime; None: the clock's now), never `exclude` (the member an alert is about),
        still in the server and still moderators: for alerts, pages and DMs to whoever is on
        call (`EscalationService.duty.on_duty_now`)."""
        moment = epoch(now) if isinstance(now, datetime) else now
        on = [d.user_id for d in await self.who(guild_id, moment) if d.user_id != exclude]
        return sorted(on)[:MAX_PAGED_USERS]

    async def upcoming(self, guild_id: int, within: int = 24 * HOUR) -> list[Upcoming]:
        """Rota shifts starting within `within`, soonest first, of moderators not on now."""
        now = self._now()
        on = {d.user_id for d in await self.who(guild_id, now)}
        found: list[Upcoming] = []
        for line in await self.rota(guild_id):
            entry, starts = line.entry, line.next_start
            if entry.user_id in on or starts is None or starts > now + within:
                continue
            ends = shift_until([entry], zone_of(line.zone), starts) or starts
            if await self._still_moderator(guild_id, entry.user_id):
                found.append(Upcoming(entry.user_id, starts, ends))
        return sorted(found, key=lambda u: (u.starts, u.user_id))

    # ------------------------------------------------------------------ the rota

    async def rota(self, guild_id: int) -> list[RotaLine]:
        now = self._now()
        entries = await self.repository.rota(guild_id)
        zones = await self.repository.zones(guild_id)
        default = (await self._guild_settings.get(guild_id)).effective_timezone
        lines: list[RotaLine] = []
        for entry in entries:
            name = zones.get(entry.user_id, default)
            lines.append(RotaLine(entry, name, next_start(entry, zone_of(name), now)))
        return lines

    async def add_shift(
        self, guild_id: int, user_id: int, weekday: int, start: str, end: str
    ) -> Added:
        if not 0 <= weekday <= 6:
            raise UserError(N_("Please pick a day from the list."))
        start_minute = parse_clock(start)
        end_minute = parse_clock(end, end=True)
        if end_minute % DAY_MINUTES == start_minute:
            raise UserError(
                N_(
                    "A shift needs an end different from its start. For a whole day, "
                    "write 00:00 to 24:00."
                )
            )
        shift = span(weekday, start_minute, end_minute)
        zone, own = await self.zone(guild_id, user_id)
        now = self._now()
        async with self.db.transaction() as tx:
            mine = await self.repository.rota_of_in(tx, guild_id, user_id)
            if len(mine) >= MAX_ROTA_ENTRIES:
                raise UserError(
                    N_("You already have {n} shifts on the rota, the most I keep."),
                    n=MAX_ROTA_ENTRIES,
                )
            if any(overlaps(shift, span(e.weekday, e.start_minute, e.end_minute)) for e in mine):
                raise UserError(
                    N_(
                        "That overlaps a shift you already have. See /duty rota show, and "
                        "remove the old one first if you want to change it."
                    )
                )
            entry_id = await self.repository.add_rota(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                weekday=weekday,
                start_minute=start_minute,
                end_minute=end_minute,
                now=now,
            )
        entry = RotaEntry(entry_id, guild_id, user_id, weekday, start_minute, end_minute)
        log.info("escalation: a moderator added a rota shift in guild %d", guild_id)
        log.debug("escalation: user %d added a rota shift in guild %d", user_id, guild_id)
        return Added(entry, zone, own, next_start(entry, zone_of(zone), now))

    async def remove_shift(self, guild_id: int, user_id: int, entry_id: int) -> None:
        async with self.db.transaction() as tx:
            removed = await self.repository.remove_rota(tx, guild_id, user_id, entry_id)
        if not removed:
            raise UserError(N_("I couldn't find that shift among yours. See /duty rota show."))

    async def forget(self, guild_id: int, user_id: int) -> None:
        """A moderator left the server (or asked to be forgotten): their duty, zone and rota."""
        await self.repository.forget(guild_id, user_id)

    async def tidy(self) -> int:
        return await self.repository.drop_expired(self._now())

    # ------------------------------------------------------------------ the paging ladder

    async def page_step(
        self,
        tx: Transaction,
        case: Case,
        paging: EscalationSettings,
        *,
        has_role: bool,
        on_duty: Sequence[int],
        now: int,
    ) -> PageStep:
        """The next page of an unclaimed case (run_due_pages calls it inside its transaction):
        the moderators on duty (if anyone is on duty and they were not paged yet), then the
        moderator role, then the admins, each at least the server's interval after the one
        before (the admins not before the server's "admins after"); then the admins again every
        half hour, MAX_WIDEST_REPEATS times, and no more: the alert stays open, quietly."""
        ladder = await self.repository.ladder_in(tx, case.id)
        every = (await self.repository.settings_in(tx, case.guild_id)).repage_every_seconds
        admins_at = case.created_at + paging.admin_page_after_seconds
        if case.page_level == 0 and not ladder.duty_paged and on_duty:
            step = PageStep("duty", 0, now + every, users=tuple(on_duty))
            ladder = Ladder(True, ladder.page_repeats)
        elif case.page_level == 0 and has_role:
            step = PageStep("role", 1, max(now + every, admins_at))
        elif case.page_level < 2:
            step = PageStep("admins", 2, now + WIDEST_REPEAT_SECONDS)
        else:
            repeat = ladder.page_repeats + 1
            last = repeat >= MAX_WIDEST_REPEATS
            next_at = None if last else now + WIDEST_REPEAT_SECONDS
            step = PageStep("admins", 2, next_at, repeat=repeat, stopped=last)
            ladder = Ladder(ladder.duty_paged, repeat)
        await self.repository.set_ladder(tx, case.id, ladder)
        return step

    async def note_in(
        self,
        tx: Transaction,
        case: Case,
        channel_id: int | None,
        event: Literal["paged_on_duty", "paging_stopped", "checkin_failed"],
        *,
        users: Sequence[int] = (),
    ) -> None:
        """A line for the moderators about the case (no ping): in the alert's channel or the
        mod-log channel."""
        if channel_id is None:
            return
        payload: dict[str, object] = {"case_id": case.id, "event": event}
        if users:
            payload["users"] = list(users)
        await self._outbox.enqueue(
            tx, kind=DUTY_NOTE, guild_id=case.guild_id, channel_id=channel_id, payload=payload
        )

    # ------------------------------------------------------------------ check-ins

    async def due_checkins(self) -> list[ResolvedCase]:
        return await self.repository.due_checkins(self._now())

    async def resolved(self, case_id: int) -> ResolvedCase | None:
        return await self.repository.resolved(case_id)

    async def decide_checkin(self, case_id: int) -> CheckinStatus | None:
        """Send (by the outbox) or skip the check-in reminder of a resolved case, once, and
        record which on the case. Skipped when the member has a newer case (open now, or opened
        after this one closed: that case has its own moderator), when the moderator who resolved
        it is no longer a moderator here, or when the server turned check-ins off."""
        found = await self.repository.resolved(case_id)
        if found is None or found.closed_by is None:
            return None
        resolver_here = await self._still_moderator(found.guild_id, found.closed_by)
        now = self._now()
        async with self.db.transaction() as tx:
            case = await self.repository.resolved_in(tx, case_id)
            if case is None or case.checkin is not None or case.status != "resolved":
                return None
            settings = await self.repository.settings_in(tx, case.guild_id)
            outbox_id: int | None = None
            status: CheckinStatus
            if settings.checkin_after_seconds == 0:
                status = "off"
            elif await self.repository.newer_case_in(tx, case) is not None:
                status = "superseded"
            elif case.closed_by is None or not resolver_here:
                status = "resolver_gone"
            else:
                status = "sent"
                outbox_id = await self._outbox.enqueue(
                    tx,
                    kind=CHECKIN,
                    guild_id=case.guild_id,
                    user_id=case.closed_by,
                    payload={"case_id": case.id},
                )
            await self.repository.record_checkin(tx, case.id, status, now, outbox_id)
        log.info("escalation: case %d check-in reminder: %s", case_id, status)
        return status

    async def checkin_failed(self, case_id: int, mod_log_channel_id: int | None) -> None:
        """The moderator's DMs refused the reminder: recorded, and a line in the mod log."""
        async with self.db.transaction() as tx:
            await self.repository.checkin_failed(tx, case_id)
            case = await self.repository.resolved_in(tx, case_id)
            if case is not None and mod_log_channel_id is not None:
                await self._outbox.enqueue(
                    tx,
                    kind=DUTY_NOTE,
                    guild_id=case.guild_id,
                    channel_id=mod_log_channel_id,
                    payload={"case_id": case_id, "event": "checkin_failed"},
                )
        log.warning("escalation: case %d: the check-in reminder could not be delivered", case_id)
