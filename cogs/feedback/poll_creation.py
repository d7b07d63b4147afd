"""Creating polls: the rules. Never imports discord. Part of `PollService` (polls.py).

A poll, its options, its roll of voters' tokens and its message in the outbox are written in one
transaction (`posting`): a crash leaves either nothing or a poll the outbox posts. Its vote
buttons are persistent, so they work whenever the message goes out; it is 'posting' until the
outbox says the message is out (`mark_posted`, from the kind's on_sent), then 'open'.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.clock import epoch
from cogs.feedback.anonymity import AnonymousService
from cogs.feedback.poll_input import clean_question, parse_options, poll_duration
from cogs.feedback.repository import Poll

log = logging.getLogger(__name__)

POLL_POST = "feedback:poll_post"  # outbox kind: a new poll's message, with its vote buttons
DEFAULT_MIN_VOTERS = 3
# One whose message failed for good is removed at once (the kind's on_failure); one still
# 'posting' a day later (its outbox row gone with a server that was left) is removed at start
# and daily.
UNPOSTED_GRACE_SECONDS = 24 * 3600
REPEAT_SECONDS = 600  # the same poll again this soon, by the same person, is a retry


@dataclass(frozen=True)
class PollDraft:
    """What /poll create asked for, checked, before the options modal."""

    guild_id: int
    channel_id: int
    group_id: int | None
    question: str
    duration: int  # seconds
    created_by: int


class PollCreation(AnonymousService):
    """Creating polls (module doc); PollService builds on it."""

    def now(self) -> int:
        return epoch(self._clock())

    async def min_voters(self, guild_id: int) -> int:
        return await self.repository.min_voters(guild_id) or DEFAULT_MIN_VOTERS

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
            duration=poll_duration(closes_in),
            created_by=created_by,
        )

    async def create(
        self, draft: PollDraft, labels: Sequence[str], eligible: Iterable[int]
    ) -> Poll:
        """The poll, its options and its roll, without its message: for tools and the storage
        tests (which compare database bytes, and an outbox row's nonce is random). The bot
        creates polls with `posting`."""
        created = await self._write(draft, labels, eligible, post=False)
        assert created is not None
        return created[0]

    async def create_session_poll(
        self, draft: PollDraft, labels: Sequence[str], eligible: Iterable[int], session: str
    ) -> Poll | None:
        """A post-session poll, once per session: None if this session was asked already."""
        created = await self.posting(draft, labels, eligible, session=session)
        return created[0] if created is not None else None

    async def posting(
        self,
        draft: PollDraft,
        labels: Sequence[str],
        eligible: Iterable[int],
        *,
        session: str | None = None,
    ) -> tuple[Poll, int] | None:
        return await self._write(draft, labels, eligible, session=session, post=True)

    async def _write(
        self,
        draft: PollDraft,
        labels: Sequence[str],
        eligible: Iterable[int],
        *,
        post: bool,
        session: str | None = None,
    ) -> tuple[Poll, int] | None:
        """Write the poll, its options, its roll and its message in the outbox, in one
        transaction: a crash leaves either nothing or a poll the outbox posts (its buttons are
        persistent, so they work whenever it goes out). It is 'posting' until the message is
        out (`mark_posted`, from the outbox's on_sent). With `session` (the occurrence of a
        post-session poll), a session is asked about once: None if it was already.
        Returns the poll and its outbox row."""
        labels = parse_options("\n".join(labels))
        now = self.now()
        min_voters = await self.min_voters(draft.guild_id)
        async with self.db.transaction() as tx:
            if session is not None:
                assert draft.group_id is not None
                claimed = await self.repository.claim_session(
                    tx, draft.guild_id, draft.group_id, session
                )
                if not claimed:
                    return None  # already asked about this session
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
            row = 0
            if post:
                row = await self._outbox.enqueue(
                    tx,
                    kind=POLL_POST,
                    guild_id=draft.guild_id,
                    channel_id=draft.channel_id,
                    payload={"poll_id": poll_id},
                )
        assert poll is not None
        log.info(
            "poll %d created in guild %d (group %s), closes at %d",
            poll.id,
            poll.guild_id,
            poll.group_id,
            poll.closes_at,
        )
        return poll, row

    async def recent_same(self, draft: PollDraft, labels: Sequence[str]) -> Poll | None:
        """The same poll (question, options, channel, creator), asked within REPEAT_SECONDS
        and not closed: a /poll create tried again because a crash cut its answer short."""
        poll_id = await self.repository.recent_poll_id(
            draft.guild_id,
            draft.channel_id,
            draft.created_by,
            draft.question,
            self.now() - REPEAT_SECONDS,
        )
        poll = await self.repository.get_poll(poll_id) if poll_id is not None else None
        if poll is None or [o.label for o in poll.options] != parse_options("\n".join(labels)):
            return None
        return poll

    async def mark_posted(self, poll_id: int, message_id: int) -> Poll | None:
        """Its message is out (idempotent): the poll is open; returns it."""
        await self.repository.mark_posted(poll_id, message_id)
        return await self.repository.get_poll(poll_id)

    async def discard(self, poll_id: int) -> None:
        """The poll message could not be posted: nothing of the poll stays."""
        await self.repository.delete_unposted(poll_id)
        await self.eraser.erase()

    async def discard_unposted(self) -> int:
        removed = await self.repository.delete_unposted_before(self.now() - UNPOSTED_GRACE_SECONDS)
        if removed:
            log.info("removed %d polls whose message was never posted", removed)
        return removed
