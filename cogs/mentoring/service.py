"""The rules of one-to-one peer support: profiles by consent, approval, suggestions, consent of
both people, the pairing, check-ins, ending, withdrawal. Never sends anything itself: every
message is an outbox row written with the change it reports (rendered in cog.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.errors import NotFound, UserError
from bot.i18n import N_
from bot.outbox import Outbox
from cogs.mentoring import matching
from cogs.mentoring.model import (
    BUDDY,
    CRITERIA,
    MENTEE,
    MENTOR,
    Profile,
    Settings,
    Suggestion,
)
from cogs.mentoring.repository import MentoringRepository

NOTICE = "mentoring:notice"  # plain words to a member or the coordinators' channel
ASK = "mentoring:ask"  # "will you be matched?" with Accept / Decline
GUIDE = "mentoring:guide"  # the introduction and the guide, in the thread or by DM
CHECKIN = "mentoring:checkin"  # "how is it going?" 1-5
OFFER = "mentoring:offer"  # a new mentor offer, with Approve, to the coordinators

FIRST_CHECKIN = timedelta(days=14)
NEXT_CHECKIN = timedelta(days=30)
MAX_CAPACITY = 5
MAX_WORDS = 600


@dataclass(frozen=True)
class Ended:
    thread_id: int | None


class MentoringService:
    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.repo = MentoringRepository(db)

    def now(self) -> int:
        return epoch(self.clock())

    # ------------------------------------------------------------------ settings

    async def settings(self, guild_id: int) -> Settings:
        return await self.repo.settings(guild_id)

    async def set_setting(self, guild_id: int, column: str, value: int | None, by: int) -> None:
        async with self.db.transaction() as tx:
            await self.repo.set_setting(tx, guild_id, column, value, by, self.now())

    async def cancer_types(self, guild_id: int) -> list[str]:
        from cogs.mentoring.model import CANCER_TYPES

        return list(CANCER_TYPES) + await self.repo.cancer_types(guild_id)

    async def add_cancer_type(self, guild_id: int, name: str) -> bool:
        name = " ".join(name.split())
        if not 2 <= len(name) <= 40:
            raise UserError(N_("A cancer type's name is 2 to 40 characters long."))
        if name.lower() in {c.lower() for c in await self.cancer_types(guild_id)}:
            return False
        async with self.db.transaction() as tx:
            return await self.repo.add_cancer_type(tx, guild_id, name)

    # ------------------------------------------------------------------ profiles

    async def save_profile(self, guild_id: int, user_id: int, kind: str, **form: Any) -> Profile:
        """A member's request, offer or buddy profile, by their consent; a new form replaces
        their old one of that kind (a matched request stays matched)."""
        if form.get("cancer_type") and form["cancer_type"] not in await self.cancer_types(guild_id):
            raise UserError(N_("Please pick a cancer type from the list offered."))
        unknown = (set(form["musts"]) | set(form["wishes"])) - set(CRITERIA)
        if unknown:
            raise UserError(
                N_("I don't know the preference {words}. Pick from the list offered."),
                words=", ".join(sorted(unknown)),
            )
        if len(form.get("words", "")) > MAX_WORDS:
            raise UserError(N_("Please keep your words under {n} characters."), n=MAX_WORDS)
        capacity = int(form.get("capacity") or 0)
        if kind == MENTOR and not 1 <= capacity <= MAX_CAPACITY:
            raise UserError(N_("A mentor can take 1 to {n} mentees at once."), n=MAX_CAPACITY)
        settings = await self.repo.settings(guild_id)
        async with self.db.transaction() as tx:
            old = await self._existing(tx, guild_id, user_id, kind)
            status = {MENTEE: "open", MENTOR: "pending", BUDDY: "open"}[kind]
            if old is not None and old.status in ("matched", "approved"):
                status = old.status
            values = {
                "guild_id": guild_id,
                "user_id": user_id,
                "kind": kind,
                "status": status,
                "role": form["role"],
                "cancer_type": form.get("cancer_type"),
                "stage": form.get("stage"),
                "treatments": ",".join(sorted(form.get("treatments", ()))),
                "age_band": form.get("age_band"),
                "gender": form.get("gender"),
                "languages": ",".join(sorted(form["languages"])),
                "time_zone": form["time_zone"],
                "musts": ",".join(sorted(form["musts"])),
                "wishes": ",".join(sorted(form["wishes"])),
                "frequency": form["frequency"],
                "words": form.get("words", ""),
                "capacity": capacity if kind == MENTOR else 1,
                "created_at": old.created_at if old else self.now(),
            }
            profile_id = await self.repo.save_profile(tx, values)
            if old is None:
                await self.repo.tally(
                    tx,
                    guild_id,
                    {MENTEE: "requests", MENTOR: "offers", BUDDY: "buddies"}[kind],
                    at=self.now(),
                )
                await self._tell_coordinators(tx, guild_id, settings, kind, profile_id, user_id)
            profile = await self.repo.profile_in(tx, profile_id)
        assert profile is not None
        return profile

    async def _existing(
        self, tx: Transaction, guild_id: int, user_id: int, kind: str
    ) -> Profile | None:
        return await self.repo.profile_for(tx, guild_id, user_id, kind)

    async def _tell_coordinators(
        self,
        tx: Transaction,
        guild_id: int,
        settings: Settings,
        kind: str,
        profile_id: int,
        user_id: int,
    ) -> None:
        if settings.notice_channel_id is None:
            return
        if kind == MENTOR:
            await self.outbox.enqueue(
                tx,
                kind=OFFER,
                guild_id=guild_id,
                channel_id=settings.notice_channel_id,
                payload={"profile": profile_id, "user": user_id},
            )
            return
        msg = (
            N_("<@{user}> asked for a mentor. See suggestions with /mentor suggest.")
            if kind == MENTEE
            else N_("<@{user}> would like a leader buddy. See suggestions with /mentor suggest.")
        )
        await self._notice(tx, guild_id, msg, channel=settings.notice_channel_id, user=user_id)

    async def _notice(
        self,
        tx: Transaction,
        guild_id: int,
        msg: str,
        *,
        channel: int | None = None,
        to: int | None = None,
        rematch: str | None = None,
        **params: Any,
    ) -> None:
        payload: dict[str, Any] = {"msg": msg, "params": params, "guild": guild_id}
        if rematch:
            payload["rematch"] = rematch
        await self.outbox.enqueue(
            tx, kind=NOTICE, guild_id=guild_id, channel_id=channel, user_id=to, payload=payload
        )

    async def profiles_of(self, guild_id: int, user_id: int) -> list[Profile]:
        return await self.repo.profiles_of(guild_id, user_id)

    async def approve(self, guild_id: int, user_id: int, capacity: int | None, by: int) -> Profile:
        offer = await self.repo.profile(guild_id, user_id, MENTOR)
        if offer is None:
            raise NotFound(N_("That member has not offered to be a mentor (/mentor offer)."))
        capacity = capacity or offer.capacity
        if not 1 <= capacity <= MAX_CAPACITY:
            raise UserError(N_("A mentor can take 1 to {n} mentees at once."), n=MAX_CAPACITY)
        async with self.db.transaction() as tx:
            await self.repo.approve(tx, offer.id, capacity, by)
            await self._notice(
                tx,
                guild_id,
                N_(
                    "Thank you for offering to mentor: a coordinator approved you. You will be "
                    "asked privately before anyone is matched with you."
                ),
                to=user_id,
            )
        approved = await self.repo.profile(guild_id, user_id, MENTOR)
        assert approved is not None
        return approved

    # ------------------------------------------------------------------ suggestions

    async def suggest(
        self, guild_id: int, user_id: int, *, top: int = 5
    ) -> tuple[Profile, list[Suggestion]]:
        request = await self.repo.profile(guild_id, user_id, MENTEE) or await self.repo.profile(
            guild_id, user_id, BUDDY
        )
        if request is None:
            raise NotFound(N_("That member has no request for a mentor or a leader buddy."))
        if request.status != "open":
            raise UserError(N_("That member's request is not waiting for a match just now."))
        if request.kind == MENTEE:
            pool = await self.repo.candidates(guild_id, MENTOR, "approved")
            busy = await self.repo.busy(guild_id)
        else:
            pool = await self.repo.candidates(guild_id, BUDDY, "open")
            busy = {}
        return request, matching.suggest(request, pool, top=top, busy=busy)

    async def set_words(self, guild_id: int, user_id: int, kind: str, words: str) -> None:
        words = words.strip()
        if len(words) > MAX_WORDS:
            raise UserError(N_("Please keep your words under {n} characters."), n=MAX_WORDS)
        async with self.db.transaction() as tx:
            if not await self.repo.set_words(tx, guild_id, user_id, kind, words):
                raise NotFound(N_("Your profile is gone (withdrawn?): nothing was saved."))

    async def profile(self, guild_id: int, user_id: int, kind: str) -> Profile | None:
        return await self.repo.profile(guild_id, user_id, kind)
