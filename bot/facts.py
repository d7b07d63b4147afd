"""What features may tell the programme's view (cogs/programme) without it reaching into their
tables: small read interfaces, each optional, installed on `bot.facts` by the feature that owns
the data when it loads (and removed when it unloads), like `bot.groups`.

A source answers counts and ids only: never a message's text, a crisis case's words, a vote or
who gave which feedback. A source that is not installed (its feature is not loaded, or has not
offered it yet) is None, and the programme's view says "not known" instead of guessing.

- `sessions` (meetings): the sessions starting in a window, with their RSVP counts; one session.
- `agreements` (confidentiality): who in a group has not accepted its current agreement; how many
  have.
- `guidelines` (moderation): the version of the guidelines a group follows.
- `duty` (escalation): the moderators on duty during a span of time (the on-duty rota).
- `mentoring` (mentoring): requests, offers, matches, time to match, active matches and
  check-in ratings of a period (numbers only, never words).
- `cases` (moderation, escalation): open reports in a group, members who asked to be contacted,
  and how many reports and crisis cases a period had.
- `ratings` (feedback): anonymous session ratings of a period, with how many answered, and the
  feature's k (fewer answers are never shown).
- `waitlist` (groups): how many were waitlisted in a period.
- `helplines` (escalation): a country's crisis lines not yet confirmed against their official
  page, so `/setup` can tell the admin to check them before members rely on them.

`occurrence` names one session as the meeting events do (bot/events.py):
"<series id>:<originally scheduled start>".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SCHEDULED = "scheduled"
STARTED = "started"
ENDED = "ended"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class SessionFact:
    guild_id: int
    group_id: int
    occurrence: str
    starts_at: int
    ends_at: int
    status: str  # SCHEDULED, STARTED, ENDED or CANCELLED
    going: int = 0
    maybe: int = 0
    not_going: int = 0


class SessionSource(Protocol):
    async def starting_between(self, start: int, end: int) -> list[SessionFact]:
        """Every server's sessions (cancelled ones too) that start in [start, end)."""
        ...

    async def session(self, guild_id: int, occurrence: str) -> SessionFact | None: ...


class AgreementSource(Protocol):
    async def not_accepted(self, guild_id: int, group_id: int) -> list[int]:
        """Members of the group who have not accepted its current agreement."""
        ...


@dataclass(frozen=True)
class MentoringCounts:
    """One-to-one peer support in a period (numbers only, never words nor names)."""

    requests: int  # members who asked for a mentor
    offers: int  # members who offered to mentor
    buddies: int  # leaders who asked for a leader buddy
    matches: int  # matches that started (both accepted)
    declined: int
    ended: int
    days_to_match: float | None  # mean, from the request to the start, of those matches
    active: int  # active matches now (not of the period: a state)
    ratings: tuple[int, ...]  # check-in ratings given: how many 1s, 2s, ... 5s


class MentoringSource(Protocol):
    async def counts(self, guild_id: int, start: int, end: int) -> MentoringCounts: ...


class GuidelineSource(Protocol):
    async def version(self, guild_id: int, group_id: int) -> str | None: ...


class DutySource(Protocol):
    async def on_duty(self, guild_id: int, start: int, end: int) -> list[int] | None:
        """Moderators on the rota during [start, end); None when the server has no rota."""
        ...


@dataclass(frozen=True)
class GroupNotices:
    open_reports: int = 0
    contact_requests: tuple[int, ...] = ()  # members who asked to be contacted


@dataclass(frozen=True)
class CaseCounts:
    reports: int
    crisis_cases: int


class CaseSource(Protocol):
    async def notices(self, guild_id: int, group_id: int) -> GroupNotices: ...

    async def counts(self, guild_id: int, group_id: int | None, start: int, end: int) -> CaseCounts:
        """Reports and crisis cases of [start, end), of one group or (None) the whole server."""
        ...


@dataclass(frozen=True)
class Rating:
    group_id: int
    at: int  # when the poll closed
    answered: int
    mean: float | None  # None: fewer than k answered (never shown)
    counts: tuple[int, ...] = ()  # how many gave 1, 2, ... 5 (empty: not known or not shown)


class RatingSource(Protocol):
    async def k(self, guild_id: int) -> int: ...

    async def ratings(self, guild_id: int, start: int, end: int) -> list[Rating]: ...


class WaitlistSource(Protocol):
    async def waitlisted(
        self, guild_id: int, group_id: int | None, start: int, end: int
    ) -> int: ...


@dataclass(frozen=True)
class UnconfirmedLine:
    name: str
    source: str  # the official page to open


class HelplineSource(Protocol):
    def unconfirmed(self, region: str) -> list[UnconfirmedLine]:
        """The region's crisis lines (every language's) whose number is not yet confirmed."""
        ...


class _AllCases:
    """`cases` answered by every feature that offers a part (moderation: reports; escalation:
    crisis cases and contact requests), added up."""

    def __init__(self, parts: dict[str, CaseSource]) -> None:
        self._parts = parts

    async def notices(self, guild_id: int, group_id: int) -> GroupNotices:
        reports, contact = 0, set[int]()
        for part in list(self._parts.values()):
            found = await part.notices(guild_id, group_id)
            reports += found.open_reports
            contact.update(found.contact_requests)
        return GroupNotices(open_reports=reports, contact_requests=tuple(sorted(contact)))

    async def counts(self, guild_id: int, group_id: int | None, start: int, end: int) -> CaseCounts:
        reports = crisis = 0
        for part in list(self._parts.values()):
            found = await part.counts(guild_id, group_id, start, end)
            reports += found.reports
            crisis += found.crisis_cases
        return CaseCounts(reports=reports, crisis_cases=crisis)


class Facts:
    """The installed sources (None: not offered). Set by the owning feature's cog_load and
    reset to None by its cog_unload. `cases` has several owners: each adds its part with
    `offer_cases` and takes it back with `withdraw_cases`."""

    def __init__(self) -> None:
        self.sessions: SessionSource | None = None
        self.agreements: AgreementSource | None = None
        self.mentoring: MentoringSource | None = None
        self.guidelines: GuidelineSource | None = None
        self.duty: DutySource | None = None
        self.ratings: RatingSource | None = None
        self.waitlist: WaitlistSource | None = None
        self.helplines: HelplineSource | None = None
        self._case_parts: dict[str, CaseSource] = {}

    @property
    def cases(self) -> CaseSource | None:
        return _AllCases(self._case_parts) if self._case_parts else None

    @cases.setter
    def cases(self, source: CaseSource | None) -> None:
        """Replaces every part with one source (None: none)."""
        self._case_parts = {} if source is None else {"": source}

    def offer_cases(self, owner: str, source: CaseSource) -> None:
        self._case_parts[owner] = source

    def withdraw_cases(self, owner: str, source: CaseSource) -> None:
        if self._case_parts.get(owner) is source:
            del self._case_parts[owner]
