"""Anonymous polls: the rules. Never imports discord.

A vote writes who voted and nothing of what they chose: the voter's token (anonymity.py) flips
its flags in place (the roll of tokens is written before anyone votes) and the poll's count of
voters goes up. The choice goes to the poll's tally, held in memory, which is written to the
counters only in the transaction that closes the poll, and only when at least k members voted
(`min_voters`): the files then hold what the published results show, no more. A restart loses
the tallies of open polls: at start the votes they held are marked lost (`mark_lost_votes`), and
their voters are told privately to vote again (`tell_lost_votes`). Nothing here logs a member
together with a choice. The Discord side takes `Poll` and `PollOption` (read by the repository)
from here.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.db import Database, Transaction
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_
from bot.kit.timestamps import stamp
from bot.outbox import Outbox
from bot.shards import EVERY_SHARD, ShardSet
from cogs.feedback.anonymity import GroupsGetter, HistoryEraser, Tokens
from cogs.feedback.ballots import Ballot, VoteNotSaved, landed, storage_errors
from cogs.feedback.group_commit import GroupCommit
from cogs.feedback.poll_creation import POLL_POST as POLL_POST
from cogs.feedback.poll_creation import PollCreation
from cogs.feedback.poll_creation import PollDraft as PollDraft
from cogs.feedback.poll_reads import SharedReads
from cogs.feedback.repository import FeedbackRepository, Poll, PollOption
from cogs.feedback.repository_ballots import BallotRepository

log = logging.getLogger(__name__)

POLL_RESULTS = "feedback:poll_results"  # outbox kind; the poll board renders it
VOTE_LOST = "feedback:vote_lost"  # outbox kind: "your vote was lost in a restart, vote again"

MIN_VOTERS_LOWEST, MIN_VOTERS_HIGHEST = 3, 100
KEEP_CLOSED_POLLS_SECONDS = 30 * 86400

# Post-session polls: on the meetings feature's durable `meeting_ended`, groups that turned them
# on get a poll built from these through `create` (the same path as /poll create).
SESSION_POLL_QUESTION = N_("How helpful was today's session?")
SESSION_POLL_OPTIONS = ("1", "2", "3", "4", "5")
SESSION_POLL_HOURS_MIN, SESSION_POLL_HOURS_MAX, SESSION_POLL_HOURS_DEFAULT = 1, 168, 24


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


class PollService(PollCreation):
    without_secret = "polls cannot record votes"

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
        super().__init__(db, clock, outbox, tokens, groups, repository=repository, eraser=eraser)
        # poll id -> position -> votes: the only place a choice is kept while the poll is open
        self._tallies: dict[int, Counter[int]] = {}
        self._votes = GroupCommit(self._count, name="feedback: count votes")
        self.ballots = BallotRepository(db)
        self._reads = SharedReads(self.ballots)  # a crowd's presses share their reads
        # poll id -> the poll as first read for a vote: only its server and group are used (the
        # transaction that counts reads the rest again)
        self._voted_in: dict[int, Poll] = {}

    # ------------------------------------------------------------------ settings

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
        return await self._reads.poll(poll_id)

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
        return await self._reads.has_voted(self.tokens.voter(poll_id, user_id))

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

    async def pressed(self, poll_id: int, user_id: int) -> tuple[Poll | None, bool]:
        """What a press reads, both at once: the poll, and whether the member has voted."""
        poll, voted = await asyncio.gather(self.get(poll_id), self.has_voted(poll_id, user_id))
        return poll, voted

    async def ballot(
        self,
        poll_id: int,
        guild_id: int,
        user_id: int,
        position: int,
        *,
        known: tuple[Poll | None, bool] | None = None,
    ) -> tuple[Poll, PollOption]:
        """Before asking a member to confirm: may they vote, and for what. `known`: what
        `pressed` has just read (the poll, whether they voted), or None to read it here."""
        poll, voted = known if known is not None else (None, None)
        if poll is None or poll.guild_id != guild_id or poll.status == "posting":
            poll = await self.get_in_guild(poll_id, guild_id)
        self._check_open(poll)
        option = poll.option(position)
        if option is None:
            raise NotFound(N_("That option isn't part of this poll any more."))
        await self._check_eligible(poll, user_id)
        if voted if voted is not None else await self.has_voted(poll_id, user_id):
            raise UserError(_ALREADY_VOTED)
        return poll, option

    async def vote(self, poll_id: int, guild_id: int, user_id: int, position: int) -> int:
        """Count one confirmed vote; returns how many have voted. Refusals write nothing.

        What reaches the files is the same whatever the choice: the token's flags and the count
        of voters. Votes confirmed at the same moment share one transaction (`_count`)."""
        poll = self._voted_in.get(poll_id)  # its server and group never change
        if poll is None or poll.guild_id != guild_id:
            poll = self._voted_in[poll_id] = await self.get_in_guild(poll_id, guild_id)
        await self._check_eligible(poll, user_id)  # other features' reads: outside our lock
        token = self.tokens.voter(poll_id, user_id)
        try:
            return await self._votes.submit(
                Ballot(poll_id, position, token, (poll.guild_id, poll.group_id))
            )
        except storage_errors() as error:  # its batch's transaction failed
            raise VoteNotSaved() from error

    async def _count(self, ballots: Sequence[Ballot]) -> list[int | BaseException]:
        """The votes confirmed at the same moment, in one transaction: each is checked on its
        own (a refused one writes nothing), then the counts of voters go up once per poll. The
        choices join the tallies in memory while the transaction still holds the database, so
        a closing poll (which takes the same lock) never misses one; if the commit fails, they
        are taken out again: those votes were not recorded, nor are their choices."""
        outcomes: list[int | BaseException] = []
        held: list[Ballot] = []
        try:
            async with self.db.transaction() as tx:
                found = await self.ballots.polls_in(tx, [ballot.poll_id for ballot in ballots])
                polls = {ballot.poll_id: found.get(ballot.poll_id) for ballot in ballots}
                flipped = await self._mark_all(tx, ballots, polls)
                counted: Counter[int] = Counter()
                newcomer = False
                for ballot in ballots:
                    current = polls[ballot.poll_id]
                    try:
                        current = self._check_ballot(current, ballot.position)
                        if (current.guild_id, current.group_id) != ballot.home:
                            self._voted_in.pop(ballot.poll_id, None)  # its id was used again
                            raise NotFound(_GONE)
                        if ballot.token in flipped:
                            flipped.discard(ballot.token)  # counted once: a twin is refused
                        elif not await self.repository.mark_voted(tx, ballot.poll_id, ballot.token):
                            if await self.repository.on_roll(tx, ballot.token):
                                raise UserError(_ALREADY_VOTED)
                            if not await self.repository.add_voted(
                                tx, ballot.poll_id, ballot.token
                            ):
                                raise UserError(_ALREADY_VOTED)
                            newcomer = True
                    except UserError as refused:
                        outcomes.append(refused)
                        continue
                    counted[ballot.poll_id] += 1
                    outcomes.append(current.voters + counted[ballot.poll_id])
                    self._tallies.setdefault(ballot.poll_id, Counter())[ballot.position] += 1
                    held.append(ballot)
                if newcomer:
                    await self.repository.rewrite_roll(tx)  # a newcomer no longer stands out
                for poll_id, voters in counted.items():
                    await self.repository.count_voters(tx, poll_id, voters)
        except BaseException as error:
            saving = isinstance(error, storage_errors())
            if saving and held and await landed(self.ballots, held):
                return outcomes  # its COMMIT went through, only its answer was lost
            for ballot in held:
                self._tallies[ballot.poll_id][ballot.position] -= 1
            if saving:
                log.warning(  # its kind only: a database's message may quote a token
                    "%d votes confirmed together could not be saved (%s); nothing of them was "
                    "written, and their voters were asked to confirm again",
                    len(ballots),
                    type(error).__name__,
                )
            raise
        return outcomes

    async def _mark_all(
        self, tx: Transaction, ballots: Sequence[Ballot], polls: dict[int, Poll | None]
    ) -> set[bytes]:
        """Flip the tokens of the ballots that may count, one statement per poll; the rest
        (refused, or missing from the roll) are seen to one by one."""
        tokens: dict[int, list[bytes]] = {}
        for ballot in ballots:
            current = polls[ballot.poll_id]
            if current is None or (current.guild_id, current.group_id) != ballot.home:
                continue
            try:
                self._check_ballot(current, ballot.position)
            except UserError:
                continue
            tokens.setdefault(ballot.poll_id, []).append(ballot.token)
        flipped: set[bytes] = set()
        for poll_id, some in tokens.items():
            flipped |= await self.ballots.mark_many_voted(tx, poll_id, some)
        return flipped

    def _check_ballot(self, current: Poll | None, position: int) -> Poll:
        if current is None:
            raise NotFound(_GONE)
        self._check_open(current)
        if current.option(position) is None:
            raise NotFound(N_("That option isn't part of this poll any more."))
        return current

    def _forget_tally(self, poll_id: int) -> None:
        self._tallies.pop(poll_id, None)
        self._voted_in.pop(poll_id, None)

    @property
    def vote_batches(self) -> int:
        """How many transactions have counted votes."""
        return self._votes.batches

    @property
    def read_batches(self) -> int:
        return self._reads.batches

    def held_votes(self, poll_id: int) -> int:
        """How many choices of an open poll are held in memory (not its distribution)."""
        return sum(self._tallies.get(poll_id, Counter()).values())

    async def mark_lost_votes(self, shards: ShardSet = EVERY_SHARD) -> int:
        """At start, before any vote: the choices held in memory by the process that ran
        before are gone. Their tokens are marked lost (they may vote again, and are told so by
        `tell_lost_votes`) and the counts of voters are counted again: in the polls of this
        process's servers (`shards`), as another process holds its servers' votes itself."""
        async with self.db.transaction() as tx:
            lost = await self.repository.mark_lost(tx, shards)
        if lost:
            log.warning(
                "%d votes in open polls were lost in a restart; their voters will be asked "
                "privately to vote again",
                lost,
            )
        return lost

    async def tell_lost_votes(self, guild_id: int, server_members: Iterable[int]) -> list[Poll]:
        """Once a server's members are known: each member whose vote was lost is told privately
        (through the outbox, in the transaction that clears their mark), and may vote again.
        A poll that closed meanwhile (its time passed while the bot was down) kept the lost
        tokens for this, and its voters are told it closed. The tokens are matched by computing
        them for everyone who may vote; the token of someone who left stays until the poll is
        deleted. Returns the polls concerned."""
        lost = await self.repository.lost_tokens(guild_id)
        if not lost:
            return []
        everyone = set(server_members)
        told: list[Poll] = []
        for poll_id, tokens in sorted(lost.items()):
            poll = await self.get(poll_id)
            if poll is None:
                continue
            if poll.group_id is None:
                eligible = everyone
            else:
                eligible = set(await self._groups().member_ids(guild_id, poll.group_id))
            found = {self.tokens.voter(poll_id, m): m for m in eligible}
            matched = sorted((found[t], t) for t in tokens if t in found)
            if not matched:
                continue
            async with self.db.transaction() as tx:
                for user_id, token in matched:
                    closed = poll.status != "open"
                    if not await self.repository.clear_lost(tx, poll_id, token, closed=closed):
                        continue  # told already, or voted again since
                    await self._outbox.enqueue(
                        tx,
                        kind=VOTE_LOST,
                        guild_id=guild_id,
                        user_id=user_id,
                        payload={"poll_id": poll_id},
                    )
            told.append(poll)
        if any(poll.status != "open" for poll in told):
            await self.eraser.erase()  # those tokens were the last of a closed poll's roll
        return told

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
                when=stamp(poll.closes_at, "R"),
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
            # The whole tally at once, in the moment the roll goes: the files learn what the
            # results show. Below k voters, no choice is kept at all.
            await self.repository.write_tally(
                tx,
                poll_id,
                dict(self._tallies.get(poll_id, Counter())),
                keep=poll.voters >= poll.min_voters,
            )
            tx.after_commit(lambda: self._forget_tally(poll_id))
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
        removed = await self.repository.delete_closed_before(self.now() - KEEP_CLOSED_POLLS_SECONDS)
        if removed:
            await self.eraser.erase()
        return removed


_GONE = N_("I can't find that poll any more. It may have been removed.")
_ALREADY_VOTED = N_(
    "You have already voted in this poll. Votes are anonymous and final, so a vote can't be "
    "changed or seen by anyone. Thank you for taking part."
)
