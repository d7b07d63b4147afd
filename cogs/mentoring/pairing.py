"""A match from the coordinator's confirmation to its end: both people's consent, the pairing
(intent first: 'opening' is written before the thread is made, 'active' after), check-ins,
ending, withdrawal and the member's data rights. Never imports discord."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db import Transaction
from bot.errors import NotFound, UserError
from bot.i18n import N_
from cogs.mentoring.model import BUDDY, MATCH_BUDDY, MATCH_MENTOR, MENTEE, MENTOR, Match
from cogs.mentoring.service import (
    ASK,
    CHECKIN,
    FIRST_CHECKIN,
    GUIDE,
    NEXT_CHECKIN,
    MentoringService,
)

NEUTRAL_END = N_(
    "Your mentoring match has come to an end. This happens for many reasons and is nobody's "
    "fault. Thank you for the time you gave. If you would like to be matched again, press the "
    "button below."
)
NOT_GOING_AHEAD = N_(
    "The match a coordinator suggested will not go ahead this time. Nothing is needed from you: "
    "a coordinator will look for another match."
)


@dataclass(frozen=True)
class Answer:
    match: Match
    both: bool  # both accepted: the pairing opens now
    declined: bool


class PairingService:
    def __init__(self, profiles: MentoringService) -> None:
        self.profiles = profiles
        self.db = profiles.db
        self.repo = profiles.repo
        self.outbox = profiles.outbox

    def now(self) -> int:
        return self.profiles.now()

    # ------------------------------------------------------------------ confirm and consent

    async def confirm(self, guild_id: int, request_user: int, mentor_user: int, by: int) -> Match:
        """The coordinator's choice: the match is proposed and both people are asked privately."""
        async with self.db.transaction() as tx:
            request = await self.repo.profile_for(tx, guild_id, request_user, MENTEE)
            request = request or await self.repo.profile_for(tx, guild_id, request_user, BUDDY)
            if request is None or request.status != "open":
                raise UserError(N_("That request is no longer waiting for a match."))
            other_kind = MENTOR if request.kind == MENTEE else BUDDY
            mentor = await self.repo.profile_for(tx, guild_id, mentor_user, other_kind)
            if mentor is None or mentor.status != ("approved" if other_kind == MENTOR else "open"):
                raise UserError(N_("That person cannot be matched just now. Please pick another."))
            if other_kind == MENTOR and await self.repo.busy_in(tx, guild_id, mentor_user) >= (
                mentor.capacity
            ):
                raise UserError(
                    N_("That mentor has no room for another mentee just now (capacity {n})."),
                    n=mentor.capacity,
                )
            if await self.repo.open_pair(tx, guild_id, request_user, mentor_user):
                raise UserError(N_("These two already have a match."))
            match_id = await self.repo.insert_match(
                tx,
                {
                    "guild_id": guild_id,
                    "kind": MATCH_MENTOR if request.kind == MENTEE else MATCH_BUDDY,
                    "mentee_id": request_user,
                    "mentor_id": mentor_user,
                    "confirmed_by": by,
                    "requested_at": request.created_at,
                    "confirmed_at": self.now(),
                },
            )
            await self.repo.set_profile_status(tx, guild_id, request_user, request.kind, "matched")
            if other_kind == BUDDY:
                await self.repo.set_profile_status(tx, guild_id, mentor_user, BUDDY, "matched")
            for user in (request_user, mentor_user):
                await self.outbox.enqueue(
                    tx,
                    kind=ASK,
                    guild_id=guild_id,
                    user_id=user,
                    payload={"match": match_id, "user": user},
                )
            match = await self.repo.match_in(tx, match_id)
        assert match is not None
        return match

    async def answer(self, match_id: int, user_id: int, accept: bool) -> Answer:
        async with self.db.transaction() as tx:
            match = await self.repo.match_in(tx, match_id)
            if match is None or not match.includes(user_id):
                raise NotFound(N_("This match is no longer open."))
            if match.status != "proposed":
                raise UserError(N_("You have already answered: thank you."))
            if not accept:
                await self._undo(tx, match, user_id, told=NOT_GOING_AHEAD, rematch=False)
                await self.repo.tally(tx, match.guild_id, "declined", at=self.now())
                await self._coordinators(
                    tx,
                    match.guild_id,
                    N_(
                        "Match #{match} will not go ahead. The request is waiting again in "
                        "/mentor suggest."
                    ),
                    match=match.id,
                )
                return Answer(match, both=False, declined=True)
            await self.repo.answer(
                tx, match.id, "mentee_ok" if user_id == match.mentee_id else "mentor_ok"
            )
            match = await self.repo.match_in(tx, match_id)
            assert match is not None
            both = match.mentee_ok and match.mentor_ok
            if both:
                await self.repo.set_status(tx, match.id, "opening")
        return Answer(match, both=both, declined=False)

    async def _undo(
        self, tx: Transaction, match: Match, user_id: int, *, told: str, rematch: bool
    ) -> None:
        """Delete a match; the other person is told `told` (never why), and their request
        waits again (or waits for their word, when `rematch` offers it)."""
        if match.status == "opening" or (match.status == "active" and match.thread_id):
            # The thread is archived next; an opening match's thread (being made, or made
            # before a crash) is deleted, found by its name (intent first: 'closing').
            await self.repo.close_match(tx, match.id)
        else:
            await self.repo.delete_match(tx, match.id)
        request_kind = MENTEE if match.kind == MATCH_MENTOR else BUDDY
        if match.mentee_id != user_id:
            status = "paused" if rematch else "open"
            await self.repo.set_profile_status(
                tx, match.guild_id, match.mentee_id, request_kind, status
            )
        if match.kind == MATCH_BUDDY and match.mentor_id != user_id:
            await self.repo.set_profile_status(
                tx, match.guild_id, match.mentor_id, BUDDY, "paused" if rematch else "open"
            )
        if user_id in (match.mentee_id, match.mentor_id):
            own = request_kind if (user_id == match.mentee_id or request_kind == BUDDY) else None
            if own is not None:
                await self.repo.set_profile_status(
                    tx, match.guild_id, user_id, own, "paused" if rematch else "open"
                )
        other = match.other(user_id)
        await self.profiles._notice(
            tx,
            match.guild_id,
            told,
            to=other,
            rematch=(
                request_kind
                if rematch and (other == match.mentee_id or request_kind == BUDDY)
                else None
            ),
        )

    async def _coordinators(self, tx: Transaction, guild_id: int, msg: str, **params: Any) -> None:
        settings = await self.repo.settings(guild_id)
        if settings.notice_channel_id is not None:
            await self.profiles._notice(
                tx, guild_id, msg, channel=settings.notice_channel_id, **params
            )

    # ------------------------------------------------------------------ the pairing

    async def opened(self, match_id: int, thread_id: int | None) -> Match | None:
        """The thread was made (or, None, the introduction goes by DM): active, the guide
        sent, the first check-in due in two weeks, the coordinators told."""
        async with self.db.transaction() as tx:
            match = await self.repo.match_in(tx, match_id)
            if match is None or match.status != "opening":
                return None
            now = self.now()
            next_at = now + int(FIRST_CHECKIN.total_seconds())
            await self.repo.set_status(
                tx, match.id, "active", started_at=now, thread_id=thread_id, next_checkin_at=next_at
            )
            await self.repo.tally(tx, match.guild_id, "matches", at=now)
            await self.repo.tally(
                tx, match.guild_id, "seconds_to_match", now - match.requested_at, at=now
            )
            if thread_id is not None:
                await self.outbox.enqueue(
                    tx,
                    kind=GUIDE,
                    guild_id=match.guild_id,
                    channel_id=thread_id,
                    payload={"match": match.id},
                )
            else:
                for user in (match.mentee_id, match.mentor_id):
                    await self.outbox.enqueue(
                        tx,
                        kind=GUIDE,
                        guild_id=match.guild_id,
                        user_id=user,
                        payload={"match": match.id, "other": match.other(user)},
                    )
            await self._coordinators(
                tx,
                match.guild_id,
                N_("Match #{match} has started: both people accepted."),
                match=match.id,
            )
            return await self.repo.match_in(tx, match.id)

    async def opening(self) -> list[Match]:
        """Pairings whose opening a crash interrupted (finished at start-up)."""
        return await self.repo.matches_with("opening")

    async def closing(self) -> list[Match]:
        """Ended matches whose thread is still to be archived (or, with no thread id: withdrawn
        while opening, whose thread, if one was made, is still to be deleted)."""
        return await self.repo.matches_with("closing")

    async def closed(self, match_id: int) -> None:
        async with self.db.transaction() as tx:
            match = await self.repo.match_in(tx, match_id)
            if match is not None and match.status == "closing":
                await self.repo.delete_match(tx, match_id)

    async def active(self) -> list[Match]:
        return await self.repo.matches_with("active")

    async def match(self, match_id: int) -> Match | None:
        return await self.repo.match(match_id)

    # ------------------------------------------------------------------ check-ins

    async def check_in(self, match_id: int) -> Match | None:
        """Ask both people how it is going (once per due time); the next one a month later."""
        async with self.db.transaction() as tx:
            match = await self.repo.match_in(tx, match_id)
            now = self.now()
            if match is None or match.status != "active" or match.next_checkin_at is None:
                return None
            if match.next_checkin_at > now:
                return match  # not due yet (a job fired early, or twice)
            for user in (match.mentee_id, match.mentor_id):
                checkin = await self.repo.ask(tx, match.id, user, now)
                await self.outbox.enqueue(
                    tx,
                    kind=CHECKIN,
                    guild_id=match.guild_id,
                    user_id=user,
                    payload={"checkin": checkin, "user": user, "match": match.id},
                )
            await self.repo.set_status(
                tx, match.id, "active", next_checkin_at=now + int(NEXT_CHECKIN.total_seconds())
            )
            return await self.repo.match_in(tx, match.id)

    async def rate(self, checkin_id: int, user_id: int, rating: int) -> int:
        if not 1 <= rating <= 5:
            raise UserError(N_("Please pick a number from 1 to 5."))
        match_id = await self.repo.checkin_match(checkin_id)
        match = await self.repo.match(match_id) if match_id else None
        if match is None:
            raise NotFound(N_("This match has ended, so there is nothing to rate."))
        async with self.db.transaction() as tx:
            if not await self.repo.rate(tx, checkin_id, user_id, rating):
                raise UserError(N_("You have already answered this check-in: thank you."))
            await self.repo.tally(tx, match.guild_id, f"rating_{rating}", at=self.now())
        return match.id

    async def words_to_coordinator(
        self, match_id: int | None, user_id: int, words: str, *, guild_id: int | None = None
    ) -> None:
        """Words for the coordinators about a match (`match_id` None: the member's one active
        match in `guild_id`). Sent, never kept by mentoring."""
        if match_id is None:
            ongoing = [
                m
                for m in (await self.repo.matches_of(guild_id, user_id) if guild_id else [])
                if m.status == "active"
            ]
            if len(ongoing) != 1:
                raise NotFound(
                    N_(
                        "You have no active match to write about. You can reach a moderator at "
                        "any time with /support."
                    )
                    if not ongoing
                    else N_("You have several matches: please use the button of a check-in.")
                )
            match_id = ongoing[0].id
        match = await self.repo.match(match_id)
        if match is None or not match.includes(user_id):
            raise NotFound(N_("This match has ended."))
        words = words.strip()[:1000]
        if not words:
            return
        settings = await self.repo.settings(match.guild_id)
        if settings.notice_channel_id is None:
            raise UserError(
                N_(
                    "No coordinator channel is set up yet, so I could not pass this "
                    "on. You can reach a moderator at any time with /support."
                )
            )
        async with self.db.transaction() as tx:
            await self.profiles._notice(
                tx,
                match.guild_id,
                N_("A check-in note from <@{user}> about match #{match}:\n{words}"),
                channel=settings.notice_channel_id,
                user=user_id,
                match=match.id,
                words=words,
            )

    # ------------------------------------------------------------------ ending and withdrawing

    async def end(self, guild_id: int, user_id: int, match_id: int | None) -> Match:
        """Either person ends the match privately: the other gets a kind neutral message and a
        re-match offer, the coordinators are told."""
        ongoing = [m for m in await self.repo.matches_of(guild_id, user_id) if m.status == "active"]
        chosen = [m for m in ongoing if match_id is None or m.id == match_id]
        if not chosen:
            raise NotFound(N_("You have no active match to end."))
        if len(chosen) > 1:
            raise UserError(N_("You have several matches: say which (the `match` option)."))
        match = chosen[0]
        async with self.db.transaction() as tx:
            await self._undo(tx, match, user_id, told=NEUTRAL_END, rematch=True)
            await self.repo.tally(tx, guild_id, "ended", at=self.now())
            await self._coordinators(
                tx,
                guild_id,
                N_("Match #{match} has ended. Both people were offered a new match."),
                match=match.id,
            )
        return match

    async def rematch(self, guild_id: int, user_id: int, kind: str) -> None:
        profile = await self.repo.profile(guild_id, user_id, kind)
        if profile is None:
            raise NotFound(N_("Your request is gone: please start again with /mentor request."))
        if profile.status != "paused":
            raise UserError(N_("Your request is already waiting for a match."))
        async with self.db.transaction() as tx:
            await self.repo.set_profile_status(tx, guild_id, user_id, kind, "open")
            await self._coordinators(
                tx,
                guild_id,
                N_("<@{user}> would like a new match. See suggestions with /mentor suggest."),
                user=user_id,
            )

    async def withdraw(self, guild_id: int, user_id: int) -> list[Match]:
        """Everything about the member goes: profiles, matches, check-ins. The other person of
        each match is told kindly (never why); the tallies keep numbers that name nobody.
        Returns the matches as they were: an active one's thread is archived next, an opening
        one's (its pairing was being set up) deleted."""
        async with self.db.transaction() as tx:
            matches = [
                m
                for m in await self.repo.matches_of(guild_id, user_id, via=tx)
                if m.status != "closing"
            ]
            for match in matches:
                told = NEUTRAL_END if match.status == "active" else NOT_GOING_AHEAD
                await self._undo(tx, match, user_id, told=told, rematch=match.status == "active")
            await self.repo.delete_profiles(tx, guild_id, user_id)
            if matches:
                await self._coordinators(
                    tx,
                    guild_id,
                    N_("A member withdrew from mentoring; {n} match(es) ended."),
                    n=len(matches),
                )
        return matches

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        profiles = await self.repo.profiles_of(guild_id, user_id)
        if not profiles:
            return {}
        out: dict[str, Any] = {
            "Your mentoring profiles": [
                {
                    "kind": p.kind,
                    "status": p.status,
                    "role": p.role,
                    "cancer_type": p.cancer_type,
                    "stage": p.stage,
                    "treatments": sorted(p.treatments),
                    "age_band": p.age_band,
                    "gender": p.gender,
                    "languages": sorted(p.languages),
                    "time_zone": p.time_zone,
                    "must_match": sorted(p.musts),
                    "would_like": sorted(p.wishes),
                    "how_often": p.frequency,
                    "your_words": p.words,
                    "capacity": p.capacity,
                    "created_at": p.created_at,
                }
                for p in profiles
            ],
        }
        matches = await self.repo.matches_of(guild_id, user_id)
        if matches:
            out["Your mentoring matches"] = [
                {
                    "match": m.id,
                    "kind": m.kind,
                    "with": m.other(user_id),
                    "status": m.status,
                    "started_at": m.started_at,
                    "thread_id": m.thread_id,
                }
                for m in matches
            ]
        checkins = await self.repo.checkins_of(guild_id, user_id)
        if checkins:
            out["Your mentoring check-ins"] = [
                {"match": r["match_id"], "asked_at": r["asked_at"], "rating": r["rating"]}
                for r in checkins
            ]
        return out

    async def stats(self, guild_id: int) -> dict[str, Any]:
        """Numbers only, never words nor names."""
        tallies = await self.repo.tallies(guild_id)
        matches = tallies.get("matches", 0)
        ratings = {n: tallies.get(f"rating_{n}", 0) for n in range(1, 6)}
        rated = sum(ratings.values())
        return {
            "requests": tallies.get("requests", 0),
            "offers": tallies.get("offers", 0),
            "buddies": tallies.get("buddies", 0),
            "matches": matches,
            "declined": tallies.get("declined", 0),
            "ended": tallies.get("ended", 0),
            "active": await self.repo.active_count(guild_id),
            "days_to_match": (
                round(tallies.get("seconds_to_match", 0) / matches / 86400, 1) if matches else None
            ),
            "ratings": ratings,
            "average_rating": round(sum(n * c for n, c in ratings.items()) / rated, 2)
            if rated
            else None,
        }
