"""Anonymous polls and free-text feedback: the rules. Never imports discord.

What keeps it anonymous (PRIVACY.md says it for members):
- A vote is an option counter going up by one and a voter token's flag flipping in place, in one
  transaction. The token is HMAC-SHA256(ANON_SECRET, poll id + member id); the secret is never
  stored. Tokens are written for everyone who may vote before anyone votes (the roll), in key
  order, so a vote adds no row and moves none: the pages keep no order of voting. With the
  secret one can tell whether a member voted, never for what.
- After each anonymous write the write-ahead log is emptied into the database file and deleted
  content is zeroed (`StorageHygiene`), so no earlier page image pairs a token with a counter.
- Free text is stored without an author under a random key; the daily limit counts per-day
  tokens. Both small tables are rewritten in key order whenever they change, and the text is
  delivered in shuffled batches (once a day, or as soon as three have gathered).
- Nothing here logs a member together with a choice or a text, at any level; custom ids carry
  the poll and the option, never the member.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupDirectory, GroupRef
from bot.errors import NotAllowed, NotConfigured, NotFound, UserError
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.outbox import Outbox
from cogs.feedback.repository import (
    FeedbackItem,
    FeedbackRepository,
    Poll,
    PollOption,
    QuotaEntry,
    StorageHygiene,
)

log = logging.getLogger(__name__)

# Outbox kinds; the cog renders them.
POLL_RESULTS = "feedback:poll_results"
DIGEST = "feedback:digest"

MIN_OPTIONS, MAX_OPTIONS = 2, 10
OPTION_MAX_LENGTH = 80  # Discord's limit for a button's label
QUESTION_MAX_LENGTH = 200
DEFAULT_MIN_VOTERS = 3
MIN_VOTERS_LOWEST, MIN_VOTERS_HIGHEST = 3, 100
DEFAULT_DURATION = "3d"
MIN_DURATION_SECONDS = 10 * 60
MAX_DURATION_SECONDS = 30 * 86400
UNPOSTED_GRACE_SECONDS = 10 * 60  # a poll still 'posting' after this was never shown: removed
KEEP_CLOSED_POLLS_SECONDS = 30 * 86400

FEEDBACK_PER_DAY = 3
FEEDBACK_BATCH = 3  # a destination's items go out as soon as this many have gathered
FEEDBACK_MAX_LENGTH = 1000
DIGEST_ITEMS_PER_MESSAGE = 5  # 5 x 1000 characters stays under Discord's 6000 per message
DAY = 86400

# Post-session polls: on the meetings feature's `meeting_ended`, groups that turned them on get
# a poll built from these through FeedbackCog.post_poll (the same path as /poll create).
SESSION_POLL_QUESTION = N_("How helpful was today's session?")
SESSION_POLL_OPTIONS = ("1", "2", "3", "4", "5")
SESSION_POLL_HOURS_MIN, SESSION_POLL_HOURS_MAX, SESSION_POLL_HOURS_DEFAULT = 1, 168, 24

_UNITS = {"w": 7 * DAY, "d": DAY, "h": 3600, "m": 60}
_DURATION_PART = re.compile(
    r"(\d+)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)(?![a-z])", re.IGNORECASE
)
_BULLET = re.compile(r"^(?:[-*•]\s+)")


# ---------------------------------------------------------------------------- tokens


class Tokens:
    """HMAC-SHA256 keyed with ANON_SECRET. Only these tokens reach the database."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("ANON_SECRET is empty")
        self._key = secret.encode("utf-8")

    def __repr__(self) -> str:  # never print the secret
        return "Tokens(<ANON_SECRET>)"

    def _mac(self, message: str) -> bytes:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).digest()

    def voter(self, poll_id: int, user_id: int) -> bytes:
        return self._mac(f"poll:{poll_id}:member:{user_id}")

    def quota(self, guild_id: int, user_id: int, day: int) -> bytes:
        return self._mac(f"feedback:{guild_id}:member:{user_id}:day:{day}")


class HistoryEraser:
    """Empties the write-ahead log after anonymous writes. Callers that arrive while a
    checkpoint runs share the next one, so many votes at once cost few checkpoints."""

    def __init__(self, hygiene: StorageHygiene) -> None:
        self._hygiene = hygiene
        self._lock = asyncio.Lock()
        self._requested = 0
        self._done = 0

    async def prepare(self) -> None:
        await self._hygiene.harden()
        await self.erase()

    async def erase(self) -> None:
        self._requested += 1
        ticket = self._requested
        async with self._lock:
            if self._done >= ticket:  # a checkpoint that started after our write covered it
                return
            target = self._requested
            await self._hygiene.erase_history()
            self._done = target


# ---------------------------------------------------------------------------- parsing


def parse_duration(text: str) -> int:
    """'3d', '12h', '1d 12h', '90m', '2 weeks' -> seconds (10 minutes to 30 days)."""
    raw = text.strip().lower()
    parts = _DURATION_PART.findall(raw)
    leftover = _DURATION_PART.sub("", raw).replace(",", "").replace("and", "").strip()
    if not parts or leftover:
        raise UserError(
            N_(
                "I couldn't read “{value}” as a length of time. Write it like 12h, 3d or 1w "
                "(hours, days, weeks), or pick one from the list."
            ),
            value=text.strip()[:50],
        )
    seconds = sum(int(number) * _UNITS[unit[0]] for number, unit in parts)
    if not MIN_DURATION_SECONDS <= seconds <= MAX_DURATION_SECONDS:
        raise UserError(N_("A poll can stay open from 10 minutes to 30 days. Please pick a time."))
    return seconds


def clean_question(text: str) -> str:
    question = " ".join(text.split())
    if not question:
        raise UserError(N_("Please write the question people will answer."))
    if len(question) > QUESTION_MAX_LENGTH:
        raise UserError(
            N_("The question is {length} characters long; please keep it to {limit}."),
            length=len(question),
            limit=QUESTION_MAX_LENGTH,
        )
    return question


def parse_options(text: str) -> list[str]:
    """One option per line: 2 to 10, each up to 80 characters, no two alike."""
    options = [_BULLET.sub("", " ".join(line.split())) for line in text.splitlines()]
    options = [option for option in options if option]
    if len(options) < MIN_OPTIONS:
        raise UserError(
            N_(
                "A poll needs at least 2 options, one per line. I found {count}. "
                "Please run /poll create again and add another."
            ),
            count=len(options),
        )
    if len(options) > MAX_OPTIONS:
        raise UserError(
            N_(
                "A poll can have at most 10 options (one button each), and I found {count}. "
                "Please run /poll create again with a shorter list."
            ),
            count=len(options),
        )
    for number, option in enumerate(options, start=1):
        if len(option) > OPTION_MAX_LENGTH:
            raise UserError(
                N_(
                    "Option {number} is {length} characters long, and a button shows at most "
                    "80. Please run /poll create again with a shorter wording for “{start}…”."
                ),
                number=number,
                length=len(option),
                start=option[:30],
            )
    seen: set[str] = set()
    for option in options:
        key = option.casefold()
        if key in seen:
            raise UserError(
                N_(
                    "“{option}” is in the list twice. Each option needs its own wording so "
                    "people can tell the buttons apart. Please run /poll create again."
                ),
                option=option,
            )
        seen.add(key)
    return options


def percentages(votes: Sequence[int]) -> list[int]:
    """Whole percentages that add up to 100 (largest remainder), or all 0 without votes."""
    total = sum(votes)
    if total == 0:
        return [0 for _ in votes]
    exact = [v * 100 / total for v in votes]
    floors = [int(x) for x in exact]
    short = 100 - sum(floors)
    order = sorted(range(len(votes)), key=lambda i: (exact[i] - floors[i], votes[i]), reverse=True)
    for i in order[:short]:
        floors[i] += 1
    return floors


# ---------------------------------------------------------------------------- polls


@dataclass(frozen=True)
class PollDraft:
    """What /poll create asked for, checked, before the options modal."""

    guild_id: int
    channel_id: int
    group_id: int | None
    question: str
    duration: int  # seconds
    created_by: int


@dataclass(frozen=True)
class ResultRow:
    label: str
    votes: int
    percent: int


@dataclass(frozen=True)
class PollResults:
    poll: Poll
    shown: bool  # False: fewer than k voters, only the number of voters is told
    rows: tuple[ResultRow, ...]


GroupsGetter = Callable[[], GroupDirectory]


class PollService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        tokens: Tokens | None,
        groups: GroupsGetter,
        *,
        repository: FeedbackRepository | None = None,
        eraser: HistoryEraser | None = None,
    ) -> None:
        self.db = db
        self.repository = repository or FeedbackRepository(db)
        self.eraser = eraser or HistoryEraser(StorageHygiene(db))
        self._clock = clock
        self._outbox = outbox
        self._token_maker = tokens
        self._groups = groups

    def now(self) -> int:
        return epoch(self._clock())

    @property
    def tokens(self) -> Tokens:
        if self._token_maker is None:
            raise RuntimeError("ANON_SECRET is not set: polls cannot record votes")
        return self._token_maker

    # ------------------------------------------------------------------ settings

    async def min_voters(self, guild_id: int) -> int:
        return await self.repository.min_voters(guild_id) or DEFAULT_MIN_VOTERS

    async def set_min_voters(self, guild_id: int, value: int, by: int) -> int:
        if not MIN_VOTERS_LOWEST <= value <= MIN_VOTERS_HIGHEST:
            raise UserError(
                N_(
                    "Choose a number from {low} to {high}. Below 3, people who voted could work "
                    "out each other's answers from the results."
                ),
                low=MIN_VOTERS_LOWEST,
                high=MIN_VOTERS_HIGHEST,
            )
        async with self.db.transaction() as tx:
            await self.repository.set_min_voters(tx, guild_id, value, by, self.now())
        return value

    # ------------------------------------------------------------------ post-session polls

    async def set_session_poll(
        self, guild_id: int, group_id: int, hours: int | None, by: int
    ) -> None:
        """Turn the post-session poll on (open for `hours`) or off (None) for a group."""
        if hours is not None and not SESSION_POLL_HOURS_MIN <= hours <= SESSION_POLL_HOURS_MAX:
            raise UserError(
                N_("Choose how many hours the poll stays open, from {low} to {high}."),
                low=SESSION_POLL_HOURS_MIN,
                high=SESSION_POLL_HOURS_MAX,
            )
        async with self.db.transaction() as tx:
            await self.repository.set_session_poll(tx, guild_id, group_id, hours, by, self.now())

    async def session_poll_hours(self, guild_id: int, group_id: int) -> int | None:
        return await self.repository.session_poll_hours(guild_id, group_id)

    async def claim_session(self, guild_id: int, group_id: int, occurrence: str) -> bool:
        """A session is asked about once, however often its end is announced."""
        async with self.db.transaction() as tx:
            return await self.repository.claim_session(tx, guild_id, group_id, occurrence)

    async def release_session(self, guild_id: int, group_id: int, occurrence: str) -> None:
        async with self.db.transaction() as tx:
            await self.repository.release_session(tx, guild_id, group_id, occurrence)

    def session_draft(
        self,
        *,
        guild_id: int,
        channel_id: int,
        group_id: int,
        question: str,
        hours: int,
        created_by: int,
    ) -> PollDraft:
        """`question` is SESSION_POLL_QUESTION in the server's language."""
        return PollDraft(
            guild_id=guild_id,
            channel_id=channel_id,
            group_id=group_id,
            question=question,
            duration=hours * 3600,
            created_by=created_by,
        )

    # ------------------------------------------------------------------ creating

    def draft(
        self,
        *,
        guild_id: int,
        channel_id: int,
        group_id: int | None,
        question: str,
        closes_in: str,
        created_by: int,
    ) -> PollDraft:
        return PollDraft(
            guild_id=guild_id,
            channel_id=channel_id,
            group_id=group_id,
            question=clean_question(question),
            duration=parse_duration(closes_in),
            created_by=created_by,
        )

    async def create(
        self, draft: PollDraft, labels: Sequence[str], eligible: Iterable[int]
    ) -> Poll:
        """Write the poll, its options and its roll ('posting' until its message is out)."""
        labels = parse_options("\n".join(labels))
        now = self.now()
        min_voters = await self.min_voters(draft.guild_id)
        async with self.db.transaction() as tx:
            poll_id = await self.repository.insert_poll(
                tx,
                guild_id=draft.guild_id,
                channel_id=draft.channel_id,
                group_id=draft.group_id,
                question=draft.question,
                min_voters=min_voters,
                closes_at=now + draft.duration,
                created_by=draft.created_by,
                now=now,
            )
            await self.repository.insert_options(tx, poll_id, labels)
            await self.repository.add_to_roll(
                tx, poll_id, [self.tokens.voter(poll_id, user_id) for user_id in set(eligible)]
            )
            poll = await self.repository.get_poll_in(tx, poll_id)
        assert poll is not None
        log.info(
            "poll %d created in guild %d (group %s), closes at %d",
            poll.id,
            poll.guild_id,
            poll.group_id,
            poll.closes_at,
        )
        return poll

    async def mark_posted(self, poll_id: int, message_id: int) -> None:
        await self.repository.mark_posted(poll_id, message_id)

    async def discard(self, poll_id: int) -> None:
        """The poll message could not be posted: nothing of the poll stays."""
        await self.repository.delete_unposted(poll_id)
        await self.eraser.erase()

    async def discard_unposted(self) -> int:
        removed = await self.repository.delete_unposted_before(self.now() - UNPOSTED_GRACE_SECONDS)
        if removed:
            log.info("removed %d polls whose message was never posted", removed)
        return removed

    async def enroll(self, guild_id: int, user_id: int, group_id: int | None) -> None:
        """A member joined the server (group_id None) or a group: they may vote in its open
        polls, so their token joins those rolls now, long before any vote."""
        poll_ids = await self.repository.open_poll_ids(guild_id, group_id)
        if not poll_ids:
            return
        async with self.db.transaction() as tx:
            for poll_id in poll_ids:
                await self.repository.add_to_roll(
                    tx, poll_id, [self.tokens.voter(poll_id, user_id)]
                )

    # ------------------------------------------------------------------ reading

    async def get(self, poll_id: int) -> Poll | None:
        return await self.repository.get_poll(poll_id)

    async def get_in_guild(self, poll_id: int, guild_id: int) -> Poll:
        poll = await self.get(poll_id)
        if poll is None or poll.guild_id != guild_id or poll.status == "posting":
            raise NotFound(N_("I can't find that poll any more. It may have been removed."))
        return poll

    async def open_polls(self, guild_id: int | None = None) -> list[Poll]:
        return await self.repository.open_polls(guild_id)

    async def can_vote(self, poll: Poll, user_id: int) -> bool:
        if poll.group_id is None:
            return True
        return await self._groups().is_member(poll.guild_id, poll.group_id, user_id)

    async def has_voted(self, poll_id: int, user_id: int) -> bool:
        return await self.repository.has_voted(self.tokens.voter(poll_id, user_id))

    async def group_name(self, poll: Poll) -> str | None:
        if poll.group_id is None:
            return None
        group = await self._groups().get(poll.guild_id, poll.group_id)
        return group.name if group is not None else None

    # ------------------------------------------------------------------ voting

    def _check_open(self, poll: Poll) -> None:
        if poll.status != "open" or poll.closes_at <= self.now():
            raise UserError(N_("This poll has closed, so it doesn't take votes any more."))

    async def _check_eligible(self, poll: Poll, user_id: int) -> None:
        if await self.can_vote(poll, user_id):
            return
        name = await self.group_name(poll)
        raise NotAllowed(
            N_(
                "This poll is for the members of {group}, so only they can vote in it. "
                "Thank you for wanting to help!"
            ),
            group=name or N_("a group"),
        )

    async def ballot(
        self, poll_id: int, guild_id: int, user_id: int, position: int
    ) -> tuple[Poll, PollOption]:
        """Before asking a member to confirm: may they vote, and for what."""
        poll = await self.get_in_guild(poll_id, guild_id)
        self._check_open(poll)
        option = poll.option(position)
        if option is None:
            raise NotFound(N_("That option isn't part of this poll any more."))
        await self._check_eligible(poll, user_id)
        if await self.has_voted(poll_id, user_id):
            raise UserError(_ALREADY_VOTED)
        return poll, option

    async def vote(self, poll_id: int, guild_id: int, user_id: int, position: int) -> int:
        """Count one confirmed vote; returns how many have voted. Refusals write nothing."""
        poll = await self.get_in_guild(poll_id, guild_id)
        await self._check_eligible(poll, user_id)  # other features' reads: outside our lock
        token = self.tokens.voter(poll_id, user_id)
        async with self.db.transaction() as tx:
            current = await self.repository.get_poll_in(tx, poll_id)
            if current is None:
                raise NotFound(N_("I can't find that poll any more. It may have been removed."))
            self._check_open(current)
            if current.option(position) is None:
                raise NotFound(N_("That option isn't part of this poll any more."))
            late = False
            if not await self.repository.mark_voted(tx, poll_id, token):
                if await self.repository.on_roll(tx, token):
                    raise UserError(_ALREADY_VOTED)
                late = await self.repository.add_voted(tx, poll_id, token)
                if not late:
                    raise UserError(_ALREADY_VOTED)
            if not await self.repository.count_vote(tx, poll_id, position):
                raise NotFound(N_("That option isn't part of this poll any more."))
            if late:
                await self.repository.rewrite_roll(tx)
        await self.eraser.erase()
        return current.voters + 1

    # ------------------------------------------------------------------ closing

    async def close_due(self, poll_id: int) -> Poll | None:
        """The scheduler's call at the closing time: closes once, whatever happens around it."""
        return await self._close(poll_id, by=None, only_if_due=True)

    async def close_early(
        self, poll_id: int, guild_id: int, user_id: int, *, is_moderator: bool
    ) -> Poll:
        poll = await self.get_in_guild(poll_id, guild_id)
        if poll.created_by != user_id and not is_moderator:
            raise NotAllowed(
                N_(
                    "Only the person who created this poll, or a moderator, can close it early. "
                    "It will close by itself {when}."
                ),
                when=f"<t:{poll.closes_at}:R>",  # a Discord timestamp
            )
        closed = await self._close(poll_id, by=user_id, only_if_due=False)
        if closed is None:
            raise UserError(N_("This poll has already closed."))
        return closed

    async def _close(self, poll_id: int, *, by: int | None, only_if_due: bool) -> Poll | None:
        now = self.now()
        async with self.db.transaction() as tx:
            poll = await self.repository.get_poll_in(tx, poll_id)
            if poll is None or poll.status != "open":
                return None
            if only_if_due and poll.closes_at > now:
                return None
            if not await self.repository.close_poll(tx, poll_id, now, by):
                return None
            await self._outbox.enqueue(
                tx,
                kind=POLL_RESULTS,
                guild_id=poll.guild_id,
                channel_id=poll.channel_id,
                payload={"poll_id": poll_id},
            )
            # Once closed nobody votes again: the roll (who voted) is no longer needed.
            await self.repository.drop_roll(tx, poll_id)
            closed = await self.repository.get_poll_in(tx, poll_id)
        await self.eraser.erase()
        log.info("poll %d closed (%s)", poll_id, "early" if by is not None else "at its time")
        return closed

    async def results(self, poll_id: int) -> PollResults | None:
        poll = await self.get(poll_id)
        if poll is None:
            return None
        votes = [option.votes for option in poll.options]
        shown = poll.voters >= poll.min_voters
        rows = tuple(
            ResultRow(option.label, option.votes, percent)
            for option, percent in zip(poll.options, percentages(votes), strict=True)
        )
        return PollResults(poll=poll, shown=shown, rows=rows if shown else ())

    async def prune(self) -> int:
        return await self.repository.delete_closed_before(self.now() - KEEP_CLOSED_POLLS_SECONDS)


_ALREADY_VOTED = N_(
    "You have already voted in this poll. Votes are anonymous and final, so a vote can't be "
    "changed or seen by anyone. Thank you for taking part."
)


# ---------------------------------------------------------------------------- free text


@dataclass(frozen=True)
class Destination:
    """Where a server's or a group's feedback goes."""

    guild_id: int
    group_id: int | None
    group_name: str | None
    channel_id: int | None  # the moderators' mod-log channel
    leader_ids: tuple[int, ...]  # the group's leaders, each by direct message


class FeedbackService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        tokens: Tokens | None,
        groups: GroupsGetter,
        guild_settings: GuildSettingsService,
        *,
        repository: FeedbackRepository | None = None,
        eraser: HistoryEraser | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.repository = repository or FeedbackRepository(db)
        self.eraser = eraser or HistoryEraser(StorageHygiene(db))
        self._clock = clock
        self._outbox = outbox
        self._token_maker = tokens
        self._groups = groups
        self._guild_settings = guild_settings
        self._rng = rng or random.SystemRandom()

    def today(self) -> int:
        return epoch(self._clock()) // DAY

    @property
    def tokens(self) -> Tokens:
        if self._token_maker is None:
            raise RuntimeError("ANON_SECRET is not set: feedback cannot be counted")
        return self._token_maker

    async def destination(self, guild_id: int, group_id: int | None) -> Destination:
        """Where feedback would go now; refuses kindly when it can't reach anyone."""
        if group_id is None:
            settings = await self._guild_settings.get(guild_id)
            if settings.mod_log_channel_id is None:
                raise NotConfigured(
                    N_(
                        "The moderators can't receive feedback here yet: no private mod-log "
                        "channel has been set up. Please let a server admin know "
                        "(/setup mod-log-channel)."
                    )
                )
            return Destination(guild_id, None, None, settings.mod_log_channel_id, ())
        group = await self._group(guild_id, group_id)
        leaders = tuple(sorted(set(await self._groups().leader_ids(guild_id, group_id))))
        if not leaders:
            raise UserError(
                N_(
                    "{group} has no leaders right now, so there is no one to read it. You can "
                    "send your feedback to the moderators instead (leave the group empty)."
                ),
                group=group.name,
            )
        return Destination(guild_id, group_id, group.name, None, leaders)

    async def _group(self, guild_id: int, group_id: int) -> GroupRef:
        group = await self._groups().get(guild_id, group_id)
        if group is None or group.archived:
            raise NotFound(N_("I can't find that group. Please pick one from the list."))
        return group

    async def check_can_send(
        self, guild_id: int, user_id: int, group_id: int | None
    ) -> Destination:
        """Before the modal opens (and again at sending): the member won't write for nothing."""
        if group_id is not None:
            group = await self._group(guild_id, group_id)
            if not await self._groups().is_member(guild_id, group_id, user_id):
                raise NotAllowed(
                    N_(
                        "You can send feedback to the leaders of groups you belong to, and "
                        "{group} isn't one of yours. You can write to the moderators instead."
                    ),
                    group=group.name,
                )
        destination = await self.destination(guild_id, group_id)
        token = self.tokens.quota(guild_id, user_id, self.today())
        if await self.repository.quota_used(token) >= FEEDBACK_PER_DAY:
            raise UserError(_QUOTA_REACHED, limit=FEEDBACK_PER_DAY)
        return destination

    async def submit(self, guild_id: int, user_id: int, group_id: int | None, text: str) -> None:
        """Store one piece of feedback without its author; deliver its batch when full."""
        body = text.strip()
        if not body:
            raise UserError(N_("Your message was empty, so nothing was sent."))
        if len(body) > FEEDBACK_MAX_LENGTH:
            raise UserError(
                N_("Please keep it to {limit} characters; nothing was sent."),
                limit=FEEDBACK_MAX_LENGTH,
            )
        destination = await self.check_can_send(guild_id, user_id, group_id)
        day = self.today()
        token = self.tokens.quota(guild_id, user_id, day)
        async with self.db.transaction() as tx:
            quota = {q.token: q for q in await self.repository.all_quota(tx) if q.day >= day}
            used = quota[token].used if token in quota else 0
            if used >= FEEDBACK_PER_DAY:
                raise UserError(_QUOTA_REACHED, limit=FEEDBACK_PER_DAY)
            quota[token] = QuotaEntry(token, day, used + 1)
            items = await self.repository.all_items(tx)
            items.append(FeedbackItem(secrets.token_bytes(16), guild_id, group_id, body))
            waiting = [i for i in items if (i.guild_id, i.group_id) == (guild_id, group_id)]
            if len(waiting) >= FEEDBACK_BATCH:
                await self._deliver(tx, destination, waiting)
                items = [i for i in items if i not in waiting]
            await self.repository.rewrite_feedback(tx, items, list(quota.values()))
        await self.eraser.erase()

    async def deliver_waiting(self) -> int:
        """The daily digest: every destination with something waiting gets it now."""
        delivered = 0
        for guild_id, group_id in await self.repository.pending_destinations():
            try:
                destination = await self.destination(guild_id, group_id)
            except UserError:
                log.warning(
                    "feedback for guild %d (group %s) is waiting: nobody can receive it yet",
                    guild_id,
                    group_id,
                )
                continue
            async with self.db.transaction() as tx:
                items = await self.repository.all_items(tx)
                waiting = [i for i in items if (i.guild_id, i.group_id) == (guild_id, group_id)]
                if not waiting:
                    continue
                await self._deliver(tx, destination, waiting)
                rest = [i for i in items if i not in waiting]
                quota = [q for q in await self.repository.all_quota(tx) if q.day >= self.today()]
                await self.repository.rewrite_feedback(tx, rest, quota)
            delivered += len(waiting)
        if delivered:
            await self.eraser.erase()
        return delivered

    async def purge_quota(self) -> None:
        """Yesterday's counts are no longer needed by anyone."""
        async with self.db.transaction() as tx:
            quota = await self.repository.all_quota(tx)
            today = [q for q in quota if q.day >= self.today()]
            if len(today) == len(quota):
                return
            await self.repository.rewrite_feedback(tx, await self.repository.all_items(tx), today)
        await self.eraser.erase()

    async def _deliver(
        self, tx: Transaction, destination: Destination, items: list[FeedbackItem]
    ) -> None:
        texts = [item.body for item in items]
        self._rng.shuffle(texts)
        for start in range(0, len(texts), DIGEST_ITEMS_PER_MESSAGE):
            payload = {
                "group_id": destination.group_id,
                "group_name": destination.group_name,
                "items": texts[start : start + DIGEST_ITEMS_PER_MESSAGE],
            }
            if destination.channel_id is not None:
                await self._outbox.enqueue(
                    tx,
                    kind=DIGEST,
                    guild_id=destination.guild_id,
                    channel_id=destination.channel_id,
                    payload=payload,
                )
            for leader_id in destination.leader_ids:
                await self._outbox.enqueue(
                    tx,
                    kind=DIGEST,
                    guild_id=destination.guild_id,
                    user_id=leader_id,
                    payload=payload,
                )
        log.info(
            "delivering %d anonymous feedback messages in guild %d (group %s)",
            len(items),
            destination.guild_id,
            destination.group_id,
        )


_QUOTA_REACHED = N_(
    "You've sent {limit} pieces of feedback today, the most for one day. Thank you for them! "
    "Please try again tomorrow."
)
