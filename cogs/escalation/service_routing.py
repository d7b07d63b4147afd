"""Distress escalation: a crisis DM to the bot goes to one community (issue 17). Never imports
discord.

- The member shares one server with the bot that can receive alerts (it has an escalation or a
  mod-log channel), or has an open case in some: that server (those servers) as any message.
- Several: the crisis resources go at once with a question, "which community should I tell?"
  (buttons); the member's words wait in `escalation_dm_route_words`. Their press opens the case
  there; after `ROUTE_WAIT_SECONDS` without one, the server where they last wrote is told.
- None (a former member, or servers without alerts): the resources of their last server's
  region, else the international list. No alert anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.errors import NotAllowed, NotFound, UserError
from bot.guild_settings import GuildSettingsService
from bot.i18n import N_
from bot.outbox import Outbox
from cogs.escalation.detection import Detection
from cogs.escalation.repository_catchup import CatchupRepository, Route, RouteWords
from cogs.escalation.service import EscalationService, Incoming

__all__ = ["DM_QUESTION", "DM_RESOURCES", "DmOutcome", "DmRouting", "Route", "Settled"]

log = logging.getLogger(__name__)

DM_QUESTION = "escalation:dm_question"  # the resources and "which community should I tell?"
DM_RESOURCES = "escalation:dm_resources"  # the resources alone (no community to tell)
ROUTE_WAIT_SECONDS = 60
MAX_CHOICES = 10  # buttons offered: the servers the member was last active in first
RESOURCES_QUIET_SECONDS = 10 * 60  # one resources-only DM per member in this time


@dataclass(frozen=True)
class StoredCue:
    """The cue of a signal read before a restart (Detection reads `best.cue`)."""

    cue: str


@dataclass(frozen=True)
class DmOutcome:
    what: Literal["reported", "asked", "waiting", "resources_only", "quiet"]
    guild_ids: tuple[int, ...] = ()
    route_id: int | None = None


@dataclass(frozen=True)
class Settled:
    route: Route
    guild_id: int
    by: Literal["member", "timeout"]
    already: bool = False  # settled earlier (a second press)
    opened: tuple[int, ...] = ()  # the case opened with the route's words


def stored_detection(words: RouteWords) -> Detection:
    return Detection(
        severity=words.severity,
        category=words.category,
        threshold=0,  # it alerted when it was read
        level=words.level or "",
        modifiers=frozenset(words.modifiers),
        best=StoredCue(words.cue) if words.cue else None,
    )


class DmRouting:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        guild_settings: GuildSettingsService,
        cases: EscalationService,
    ) -> None:
        self.db = db
        self.repository = CatchupRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._guild_settings = guild_settings
        self._cases = cases
        self._lock = asyncio.Lock()  # one route settled at a time: a press and a timeout race
        self._quiet_until: dict[int, int] = {}

    def _now(self) -> int:
        return epoch(self._clock())

    async def can_alert(self, guild_id: int) -> bool:
        settings = await self._guild_settings.get(guild_id)
        return (settings.escalation_channel_id or settings.mod_log_channel_id) is not None

    async def receive(
        self,
        incoming: Incoming,
        detection: Detection,
        shared: Sequence[int],
        *,
        last_active: Mapping[int, int],
        joined: Mapping[int, int],
    ) -> DmOutcome:
        """A crisis DM. `shared`: the servers the member shares with the bot; `last_active`:
        server -> when they last wrote there (any server, also ones they left); `joined`:
        server -> when they joined (for members who never wrote)."""
        candidates = [g for g in shared if await self.can_alert(g)]
        if not candidates:
            return await self._resources_only(incoming.user_id, last_active)
        with_case = await self._open_cases(incoming.user_id, candidates)
        if with_case or len(candidates) == 1:
            targets = with_case or candidates
            await self._cases.report(incoming, detection, targets)
            return DmOutcome("reported", tuple(targets))
        ranked = sorted(
            candidates,
            key=lambda g: (last_active.get(g, 0), joined.get(g, 0), -g),
            reverse=True,
        )[:MAX_CHOICES]
        now = self._now()
        async with self.db.transaction() as tx:
            route = await self.repository.pending_route_in(tx, incoming.user_id)
            if route is not None:
                await self._add_words(tx, route.id, incoming, detection, now)
                return DmOutcome("waiting", route.guild_ids, route.id)
            route_id = await self.repository.insert_route(
                tx,
                user_id=incoming.user_id,
                guild_ids=ranked,
                fallback_guild_id=ranked[0],
                now=now,
                due_at=now + ROUTE_WAIT_SECONDS,
            )
            await self._add_words(tx, route_id, incoming, detection, now)
            await self._outbox.enqueue(
                tx,
                kind=DM_QUESTION,
                guild_id=None,
                user_id=incoming.user_id,
                payload={"route_id": route_id},
            )
        log.info(
            "escalation: crisis DM: asked which of %d servers to tell (route %d)",
            len(ranked),
            route_id,
        )
        log.debug("escalation: route %d: user %d", route_id, incoming.user_id)
        return DmOutcome("asked", tuple(ranked), route_id)

    async def _open_cases(self, user_id: int, guild_ids: Sequence[int]) -> list[int]:
        found: list[int] = []
        async with self.db.transaction() as tx:
            for guild_id in guild_ids:
                if await self._cases.repository.open_case_for(tx, guild_id, user_id):
                    found.append(guild_id)
        return found

    async def _add_words(
        self, tx: Transaction, route_id: int, incoming: Incoming, detection: Detection, now: int
    ) -> None:
        await self.repository.add_words(
            tx,
            route_id=route_id,
            channel_id=incoming.channel_id,
            message_id=incoming.message_id,
            text=incoming.text,
            category=detection.category,
            severity=detection.severity,
            modifiers=detection.modifiers,
            level=detection.level or None,
            cue=detection.cue or None,
            forwarded=incoming.forwarded,
            posted_at=incoming.posted_at,
            now=now,
        )

    async def _resources_only(self, user_id: int, last_active: Mapping[int, int]) -> DmOutcome:
        now = self._now()
        if self._quiet_until.get(user_id, 0) > now:
            return DmOutcome("quiet")
        last = max(last_active, key=lambda g: last_active[g]) if last_active else None
        region, language = None, None
        if last is not None:
            settings = await self._guild_settings.get(last)
            region, language = settings.region, settings.language
        async with self.db.transaction() as tx:
            await self._outbox.enqueue(
                tx,
                kind=DM_RESOURCES,
                guild_id=None,
                user_id=user_id,
                payload={"region": region, "language": language},
            )
        self._quiet_until[user_id] = now + RESOURCES_QUIET_SECONDS
        log.info(
            "escalation: crisis DM from a member who shares no server with alerts: resources "
            "only (region %s)",
            region or "international",
        )
        return DmOutcome("resources_only")

    # ------------------------------------------------------------------ settling a route

    async def choose(self, route_id: int, user_id: int, guild_id: int) -> Settled:
        """The member pressed the button of a community."""
        route = await self.repository.route(route_id)
        if route is None:
            raise NotFound(N_("I couldn't find that message any more."))
        if route.user_id != user_id:
            raise NotAllowed(N_("This button is for the person this message was sent to."))
        if guild_id not in route.guild_ids:
            raise UserError(N_("That community is not one of the choices."))
        return await self._settle(route, guild_id, "member")

    async def settle_due(self) -> list[Settled]:
        """Routes whose minute is over (or whose choice a restart interrupted)."""
        settled: list[Settled] = []
        for route in await self.repository.routes_to_settle(self._now()):
            by: Literal["member", "timeout"] = (
                "member" if route.chosen_by == "member" else "timeout"
            )
            settled.append(await self._settle(route, route.fallback_guild_id, by))
        return settled

    async def _settle(
        self, route: Route, guild_id: int, by: Literal["member", "timeout"]
    ) -> Settled:
        async with self._lock:
            current = await self.repository.route(route.id)
            assert current is not None
            if current.settled_at is not None:
                chosen = current.chosen_guild_id or current.fallback_guild_id
                return Settled(current, chosen, by, already=True)
            if current.chosen_guild_id is None:
                async with self.db.transaction() as tx:
                    await self.repository.choose(tx, route.id, guild_id, by)
                chosen, chosen_by = guild_id, by
            else:
                chosen = current.chosen_guild_id
                chosen_by = "member" if current.chosen_by == "member" else "timeout"
            # Each message as it was read (a repeat after a restart joins nothing twice: the
            # case knows its messages), then the route is settled and its words deleted.
            opened: list[int] = []
            for words in await self.repository.words(route.id):
                incoming = Incoming(
                    user_id=current.user_id,
                    channel_id=words.channel_id,
                    parent_channel_id=None,
                    message_id=words.message_id,
                    text=words.text,
                    in_dm=True,
                    forwarded=words.forwarded,
                    posted_at=words.posted_at,
                    resources_sent=True,
                )
                outcomes = await self._cases.report(incoming, stored_detection(words), [chosen])
                opened += [o.case_id for o in outcomes if o.what == "opened"]
            async with self.db.transaction() as tx:
                await self.repository.settle(tx, route.id, self._now())
            settled = await self.repository.route(route.id)
        assert settled is not None
        log.info(
            "escalation: route %d settled on guild %d (%s)",
            route.id,
            chosen,
            chosen_by,
        )
        return Settled(settled, chosen, chosen_by, opened=tuple(opened))

    async def question_failed(self, route_id: int) -> list[int]:
        """The resources and the question could not be delivered: the community is told now
        (the one where the member last wrote, unless they chose), and its moderators learn that
        the resources did not reach the member. The cases concerned."""
        route = await self.repository.route(route_id)
        if route is None:
            return []
        settled = await self._settle(route, route.fallback_guild_id, "timeout")
        case_ids = list(settled.opened)
        if not case_ids:
            async with self.db.transaction() as tx:
                case = await self._cases.repository.open_case_for(
                    tx, settled.guild_id, route.user_id
                )
            case_ids = [case.id] if case is not None else []
        for case_id in case_ids:
            await self._cases.resources_refused(case_id, to_user=True)
        return case_ids

    async def question_sent(self, route_id: int, message_id: int) -> None:
        await self.repository.set_question_message(route_id, message_id)

    async def route(self, route_id: int) -> Route | None:
        return await self.repository.route(route_id)
