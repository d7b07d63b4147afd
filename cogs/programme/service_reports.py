"""The group and programme reports: what a period held, in numbers only.

A report never holds a message's text, a crisis case's words, a vote or who gave which feedback:
sessions (held, skipped, cancelled), how many came to each, joins and leaves, agreement
acceptance, anonymous ratings where at least k answered, and how many reports and crisis cases
there were. `rows()` is the CSV; the chart draws only numbers that are among those rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.db import Database
from bot.errors import UserError
from bot.facts import Facts, MentoringCounts
from bot.i18n import N_, Translate
from cogs.programme.models import CANCELLED, HELD, SKIPPED
from cogs.programme.repository import ProgrammeRepository
from cogs.programme.repository_ratings import RatingRepository

PERIOD_MONTHS = (1, 3, 12)  # the last month, quarter or year
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: int
    end: int
    zone: str

    def day(self, moment: int) -> str:
        return datetime.fromtimestamp(moment, ZoneInfo(self.zone)).strftime("%Y-%m-%d %H:%M")

    def month(self, moment: int) -> str:
        return datetime.fromtimestamp(moment, ZoneInfo(self.zone)).strftime("%Y-%m")

    def months(self) -> list[int]:
        """The period cut at each first of a month in its zone: start, 1st, 1st, ..., end."""
        tz = ZoneInfo(self.zone)
        begin = datetime.fromtimestamp(self.start, tz)
        bounds = [self.start]
        first = datetime(begin.year, begin.month, 1, tzinfo=tz) + relativedelta(months=1)
        while int(first.timestamp()) < self.end:
            bounds.append(int(first.timestamp()))
            first += relativedelta(months=1)
        bounds.append(self.end)
        return bounds


def _read_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            N_("I couldn't read “{text}” as a date: please write it as 2027-03-31."), text=text[:40]
        ) from None


def period_of(now: int, zone: str, last: int | None, start: str | None, end: str | None) -> Period:
    """The period a report covers: the last month, quarter or year up to now, or from one day
    to another (both included), read in the server's time zone."""
    tz = ZoneInfo(zone)
    if start is None and end is None:
        months = last or 1
        if months not in PERIOD_MONTHS:
            raise UserError(N_("Please pick the last month, quarter or year, or give dates."))
        until = datetime.fromtimestamp(now, tz)
        return Period(int((until - relativedelta(months=months)).timestamp()), now, zone)
    if start is None or end is None or last is not None:
        raise UserError(
            N_("Please give both a first and a last day (or pick a period instead of dates).")
        )
    first, final = _read_day(start), _read_day(end)
    if final < first:
        raise UserError(N_("The last day comes before the first day: please swap them."))
    if (final - first).days > MAX_DAYS:
        raise UserError(N_("A report covers at most three years."))
    begin = datetime.combine(first, time(), tz)
    stop = datetime.combine(final + timedelta(days=1), time(), tz)
    return Period(int(begin.timestamp()), int(stop.timestamp()), zone)


def trend(values: list[float]) -> float | None:
    """Change per step of the least-squares line through the values (None: fewer than 2)."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return round(sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread, 2)


def number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}"


@dataclass
class Report:
    scope: str  # "group" or "programme"
    name: str
    period: Period
    held: int = 0
    skipped: int = 0
    cancelled: int = 0
    attendance: list[tuple[str, float]] = field(default_factory=list)  # label, how many came
    attendance_trend: float | None = None
    joined: int = 0
    left: int = 0
    waitlisted: int | None = None
    accepted: int | None = None
    members: int | None = None
    k: int | None = None
    ratings: list[tuple[str, int, float]] = field(default_factory=list)  # label, answered, mean
    rating_trend: float | None = None
    reports: int | None = None
    crisis_cases: int | None = None
    # The leaders' check-ins of the period (programme report): group name, answers, mean 1-5
    checkins: list[tuple[str, int, float]] = field(default_factory=list)
    checkin_words: list[tuple[str, str]] = field(default_factory=list)  # never in the CSV
    # One-to-one peer support (programme report; None: the mentoring feature is not running)
    mentoring: MentoringCounts | None = None

    def rows(self, t: Translate) -> list[tuple[str, str, str]]:
        """(section, label, value): the CSV, and every number the chart draws."""
        out = [
            (t("sessions"), t("held"), number(self.held)),
            (t("sessions"), t("skipped"), number(self.skipped)),
            (t("sessions"), t("cancelled"), number(self.cancelled)),
        ]
        out += [(t("attendance"), label, number(n)) for label, n in self.attendance]
        out.append((t("attendance"), t("trend per session"), number(self.attendance_trend)))
        out += [
            (t("members"), t("joined"), number(self.joined)),
            (t("members"), t("left"), number(self.left)),
            (t("members"), t("waitlisted"), number(self.waitlisted)),
            (t("agreement"), t("accepted"), number(self.accepted)),
            (t("agreement"), t("members"), number(self.members)),
            (t("ratings"), t("k (fewest answers shown)"), number(self.k)),
        ]
        for label, answered, mean in self.ratings:
            out.append((t("ratings"), label, number(mean)))
            out.append((t("ratings answered"), label, number(answered)))
        out += [
            (t("ratings"), t("trend per poll"), number(self.rating_trend)),
            (t("cases"), t("reports"), number(self.reports)),
            (t("cases"), t("crisis cases"), number(self.crisis_cases)),
        ]
        for name, answered, mean in self.checkins:
            out.append((t("leaders' check-in"), name, number(mean)))
            out.append((t("check-in answers"), name, number(answered)))
        if self.scope == "programme":
            out += self._mentoring_rows(t)
        return out

    def _mentoring_rows(self, t: Translate) -> list[tuple[str, str, str]]:
        """Numbers only (never words nor names); empty values when mentoring is not running.
        The active matches are those of today, not of the period."""
        m = self.mentoring
        section = t("mentoring")
        rows = [
            (section, t("requests for a mentor"), number(m.requests if m else None)),
            (section, t("offers to mentor"), number(m.offers if m else None)),
            (section, t("requests for a leader buddy"), number(m.buddies if m else None)),
            (section, t("matches started"), number(m.matches if m else None)),
            (section, t("matches declined"), number(m.declined if m else None)),
            (section, t("matches ended"), number(m.ended if m else None)),
            (section, t("days to match (mean)"), number(m.days_to_match if m else None)),
            (section, t("active matches today"), number(m.active if m else None)),
        ]
        ratings = m.ratings if m else (None,) * 5
        rows += [
            (t("mentoring check-in ratings"), str(value), number(count))
            for value, count in enumerate(ratings, start=1)
        ]
        return rows

    def csv(self, t: Translate) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([t("section"), t("item"), t("value")])
        for row in self.rows(t):
            # A spreadsheet must not read a group's name as a formula.
            writer.writerow(
                ["'" + c if c[:1] and c[0] in "=+-@" and not _numeric(c) else c for c in row]
            )
        return buffer.getvalue().encode("utf-8")


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Checkins = Callable[[int, int, int], Awaitable[dict[int, tuple[int, float, list[str]]]]]
GroupName = Callable[[int, int], Awaitable[str | None]]


class ReportService:
    def __init__(self, db: Database, facts: Facts) -> None:
        self.repo = ProgrammeRepository(db)
        self.ratings = RatingRepository(db)
        self.facts = facts
        # Set by the scheduled reports (schedule_cog.py): the leaders' check-ins, by group.
        self.checkins: tuple[Checkins, GroupName] | None = None

    async def build(
        self,
        guild_id: int,
        group_id: int | None,
        name: str,
        period: Period,
        members: int | None = None,
    ) -> Report:
        scope = "programme" if group_id is None else "group"
        report = Report(scope, name, period)
        bounds = period.months()
        counts = {HELD: 0, SKIPPED: 0, CANCELLED: 0}
        monthly: dict[int, tuple[int, int]] = {}
        for span, status, n, recorded, came in await self.repo.by_span(guild_id, group_id, bounds):
            counts[status] = counts.get(status, 0) + n
            if status == HELD and recorded:
                monthly[span] = (recorded, came)
        report.held, report.skipped, report.cancelled = (
            counts[HELD],
            counts[SKIPPED],
            counts[CANCELLED],
        )
        if group_id is not None:  # how many came to each session
            sessions = await self.repo.sessions_between(
                guild_id, group_id, period.start, period.end
            )
            report.attendance = [
                (period.day(s.starts_at), s.attended)
                for s in sessions
                if s.status == HELD and s.attended is not None
            ]
        else:  # the mean of a session, month by month
            report.attendance = [
                (period.month(bounds[i]), round(came / n, 2))
                for i, (n, came) in sorted(monthly.items())
            ]
        report.attendance_trend = trend([n for _, n in report.attendance])
        changes = await self.repo.membership_counts(guild_id, group_id, period.start, period.end)
        report.joined, report.left = changes.get("joined", 0), changes.get("left", 0)
        await self._from_sources(report, guild_id, group_id, members)
        if group_id is None and self.checkins is not None:
            answers, name_of = self.checkins
            found = await answers(guild_id, period.start, period.end)
            for gid, (answered, mean, words) in sorted(found.items()):
                name = await name_of(guild_id, gid) or f"#{gid}"
                report.checkins.append((name, answered, mean))
                report.checkin_words += [(name, w) for w in words]
        return report

    async def _from_sources(
        self, report: Report, guild_id: int, group_id: int | None, members: int | None
    ) -> None:
        facts, period = self.facts, report.period
        # Counted, as joins and leaves are, from the durable group event (`group_member_
        # waitlisted`): everyone waitlisted during the period. (`facts.waitlist` counts the
        # waitlist's rows, which go when a member gets a seat or gives up: it undercounts.)
        report.waitlisted = await self.repo.waitlisted(guild_id, group_id, period.start, period.end)
        if facts.agreements is not None and group_id is not None and members is not None:
            waiting = len(await facts.agreements.not_accepted(guild_id, group_id))
            report.members, report.accepted = members, max(members - waiting, 0)
        # The ratings kept once their poll closed (the feedback feature deletes closed polls
        # after 30 days), and those it still has (closed since the last sweep).
        found = {
            (r.group_id, r.at): r
            for r in await self.ratings.between(guild_id, period.start, period.end)
        }
        k = None
        if facts.ratings is not None:
            k = await facts.ratings.k(guild_id)
            for r in await facts.ratings.ratings(guild_id, period.start, period.end):
                found[(r.group_id, r.at)] = r
        report.k = k
        if found:
            shown = [
                r
                for r in found.values()
                if (group_id is None or r.group_id == group_id)
                and r.mean is not None
                and (k is None or r.answered >= k)
            ]
            shown.sort(key=lambda r: (r.at, r.group_id))
            report.ratings = [(period.day(r.at), r.answered, round(r.mean or 0, 2)) for r in shown]
            report.rating_trend = trend([m for _, _, m in report.ratings])
        if facts.cases is not None:
            cases = await facts.cases.counts(guild_id, group_id, period.start, period.end)
            report.reports, report.crisis_cases = cases.reports, cases.crisis_cases
        if facts.mentoring is not None and group_id is None:
            report.mentoring = await facts.mentoring.counts(guild_id, period.start, period.end)
