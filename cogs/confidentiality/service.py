"""The rules of the confidentiality agreement. No discord import.

Which texts apply to a group: the server's current version, plus the group's own stricter text
when its leaders set one. A member has access to a group only with an acceptance of every text
that applies, recorded for that group (member, group, version, time). Accepting the server's
text covers all of the member's groups at once: it is one promise.

A new version does not lock anyone out at once: the members it concerns are asked privately, and
keep access for the server's grace period; then `enforce_grace` holds the access of those who
have not accepted (through `bot.groups.hold_access`) until they do.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import Clock
from bot.db import Database, Transaction
from bot.directory import GroupDirectory, GroupRef
from bot.errors import NotFound, UserError
from bot.event_log import EventLog
from bot.events import JOIN_GATE_PASSED
from bot.i18n import N_
from bot.outbox import Outbox
from cogs.confidentiality.models import SERVER, Acceptance, MemberGrace, Text
from cogs.confidentiality.service_base import (
    JOIN_EVENT_HOURS,
    JOIN_WHY,
    NOTICE,
    PROMPT,
    Once,
    Why,
)
from cogs.confidentiality.service_reminders import (
    KEEP_SESSION_REMINDERS_DAYS,
    RemindersAndRetention,
)

__all__ = [
    "BODY_MAX",
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_TEXT",
    "GRACE_DAYS_MAX",
    "JOIN_WHY",
    "KEEP_SESSION_REMINDERS_DAYS",
    "NOTICE",
    "PROMPT",
    "Accepted",
    "ConfidentialityService",
    "Pending",
    "Why",
    "check_body",
    "check_grace_days",
]

log = logging.getLogger(__name__)


DEFAULT_GRACE_DAYS = 7
GRACE_DAYS_MAX = 60
# A message's embeds hold 6000 characters in all: the server's text and a group's, with their
# titles, must fit in one prompt, as nobody should agree to a text cut short.
BODY_MAX = 2800

# Version 1 of every server's agreement, stored as "the default" (no text in the database):
# members who accepted v1 accepted exactly these words. Never edit them in place (a test pins
# them); to change the default, add a migration that stores this text as v1 of servers that use
# it, then change it here.
DEFAULT_TEXT = N_(
    "What is shared here stays here.\n\n"
    "• I will not share anything another member says, writes or shows in this group, "
    "outside the group: not their words, their story, their name or anything that could "
    "identify them.\n"
    "• I will not take screenshots, recordings or copies of the group's messages, voice or "
    "video.\n"
    "• I speak for myself: my own story is mine to share where I like, other people's are not.\n"
    "• If I am worried about someone's safety, I tell a moderator rather than anyone else.\n"
    "• If I can no longer keep this promise, I leave the group.\n\n"
    "Leaders and moderators keep this promise too. The only exception is a risk to someone's "
    "safety, which moderators may need to act on."
)

GraceListener = Callable[[int, int], None]  # (text id, grace ends at)
MemberGraceListener = Callable[[int, int, int], None]  # (group id, user id, grace ends at)


@dataclass(frozen=True)
class Accepted:
    """What an "I agree" did: `stale` when the versions shown were replaced meanwhile."""

    stale: bool
    guild_id: int
    groups: list[int]  # the groups the acceptance was recorded for
    joining: bool = False  # the member held a seat in the group shown (`join_gate_passed`)


@dataclass(frozen=True)
class Pending:
    """A member of a group who has not accepted everything that applies."""

    user_id: int
    leader: bool
    held: bool
    missing: list[Text]

    @property
    def grace_ends_at(self) -> int | None:
        ends = [t.grace_ends_at for t in self.missing if t.grace_ends_at is not None]
        return min(ends) if ends else None


def check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise UserError(N_("The agreement can't be empty. Please write a few words."))
    if len(text) > BODY_MAX:
        raise UserError(
            N_("The agreement is too long: please keep it under {limit} characters."),
            limit=BODY_MAX,
        )
    return text


def check_grace_days(days: int) -> int:
    if not 0 <= days <= GRACE_DAYS_MAX:
        raise UserError(N_("The grace period is from 0 to {limit} days."), limit=GRACE_DAYS_MAX)
    return days


class ConfidentialityService(RemindersAndRetention):
    """The whole service: the texts, asking, accepting and grace periods are here; reminders and
    retention in service_reminders.py, what they share in service_base.py."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        groups: Callable[[], GroupDirectory],
        events: EventLog | None = None,
    ) -> None:
        super().__init__(db, clock, outbox, groups, events)
        self._grace_listeners: list[GraceListener] = []
        self._member_grace_listeners: list[MemberGraceListener] = []

    def on_grace(self, listener: GraceListener) -> None:
        """Called after a transaction that started a grace period commits (to schedule it)."""
        self._grace_listeners.append(listener)

    def _after_grace(self, tx: Transaction, text_id: int, ends_at: int) -> None:
        for listener in self._grace_listeners:
            tx.after_commit(functools.partial(listener, text_id, ends_at))

    # ------------------------------------------------------------------ texts

    async def server_text(self, guild_id: int) -> Text:
        """The server's current agreement; the shipped default (version 1) if none was set."""
        text = await self.repo.current(guild_id, None)
        if text is not None:
            return text
        await self.introduce(guild_id)
        text = await self.repo.current(guild_id, None)
        assert text is not None
        return text

    async def introduce(self, guild_id: int) -> None:
        """At start: the default agreement for a server that has none. Groups that already have
        members (the feature arrived after them) get it as a new version, with a grace period."""
        if await self.repo.current(guild_id, None) is not None:
            return
        pairs = await self._memberships(guild_id, None)
        grace = await self.grace_days(guild_id)
        now = self.now()
        async with self.db.transaction() as tx:
            if not await self.repo.insert_default(tx, guild_id, now):
                return
            if pairs:
                text = await self.repo.current_in(tx, guild_id, None)
                assert text is not None
                ends_at = now + grace * 86400
                await self.repo.set_grace(tx, text.id, ends_at)
                await self._ask_everyone(tx, guild_id, None, text.id, pairs, ends_at)
                self._after_grace(tx, text.id, ends_at)

    async def group_text(self, guild_id: int, group_id: int) -> Text | None:
        return await self.repo.current(guild_id, group_id)

    async def required(self, guild_id: int, group_id: int) -> list[Text]:
        """The texts a member of this group must have accepted: the server's, then the
        group's own when it has one."""
        texts = [await self.server_text(guild_id)]
        group_text = await self.repo.current(guild_id, group_id)
        if group_text is not None:
            texts.append(group_text)
        return texts

    async def missing(self, guild_id: int, group_id: int, user_id: int) -> list[Text]:
        texts = await self.required(guild_id, group_id)
        done = await self.repo.accepted(user_id, group_id, [t.id for t in texts])
        return [t for t in texts if t.id not in done]

    async def texts(self, text_ids: list[int]) -> list[Text]:
        found = [await self.repo.text(i) for i in text_ids]
        return [t for t in found if t is not None]

    async def set_text(
        self, guild_id: int, group: GroupRef | None, body: str, by: int
    ) -> tuple[Text, int]:
        """A new version of the server's (group None) or a group's agreement. Its members are
        asked privately and keep access for the grace period. Returns the version and how many
        members were asked."""
        body = check_body(body)
        group_id = group.id if group is not None else None
        if group_id is None:
            await self.server_text(guild_id)  # version 1 is the default every server starts with
        current = await self.repo.current(guild_id, group_id)
        if current is not None and current.body is not None and current.body == body:
            raise UserError(N_("That is the same text as the current version: nothing changed."))
        pairs = await self._memberships(guild_id, group)
        grace = await self.grace_days(guild_id)
        now = self.now()
        ends_at = now + grace * 86400
        async with self.db.transaction() as tx:
            latest = await self.repo.current_in(tx, guild_id, group_id)
            version = (latest.version if latest else 0) + 1
            text_id = await self.repo.insert_text(
                tx,
                guild_id=guild_id,
                group_id=group_id,
                version=version,
                body=body,
                now=now,
                by=by,
                grace_ends_at=ends_at if pairs else None,
            )
            if pairs:
                await self._ask_everyone(tx, guild_id, group_id, text_id, pairs, ends_at)
                self._after_grace(tx, text_id, ends_at)
        text = await self.repo.text(text_id)
        assert text is not None
        log.info(
            "confidentiality: version %d of %s agreement set in guild %d",
            version,
            f"group {group_id}'s" if group_id else "the server's",
            guild_id,
        )
        log.debug("confidentiality: agreement version %d set by %d", version, by)
        return text, len({u for _, u in pairs})

    async def _memberships(self, guild_id: int, group: GroupRef | None) -> list[tuple[int, int]]:
        """(group id, user id) for everyone a new version concerns: one group's members, or the
        members of every active group for the server's text."""
        groups = self._groups()
        refs = [group] if group is not None else await groups.search(guild_id, "", limit=10**6)
        pairs: list[tuple[int, int]] = []
        for ref in refs:
            pairs.extend((ref.id, u) for u in await groups.member_ids(guild_id, ref.id))
        return pairs

    async def _ask_everyone(
        self,
        tx: Transaction,
        guild_id: int,
        group_id: int | None,
        text_id: int,
        pairs: list[tuple[int, int]],
        ends_at: int,
    ) -> None:
        """One private message per member: for the server's text it covers all their groups."""
        for user_id in sorted({u for _, u in pairs}):
            await self._prompt(
                tx,
                guild_id,
                user_id,
                group_id or SERVER,
                [text_id],
                "new_version",
                grace_ends_at=ends_at,
            )

    # ------------------------------------------------------------------ accepting

    async def accept(self, user_id: int, group_id: int, text_ids: list[int]) -> Accepted:
        """An "I agree" for the versions in `text_ids` (as shown). `group_id` SERVER: the
        server's text, for all of the member's groups."""
        texts = await self.texts(text_ids)
        if not texts or len(texts) != len(text_ids):
            raise NotFound(N_("I couldn't find that agreement any more."))
        guild_id = texts[0].guild_id
        if any(t.guild_id != guild_id for t in texts):
            raise NotFound(N_("I couldn't find that agreement any more."))
        groups = self._groups()
        if group_id != SERVER:
            ref = await groups.get(guild_id, group_id)
            if ref is None:
                raise NotFound(N_("That group no longer exists."))
            current = await self.required(guild_id, group_id)
        else:
            current = [await self.server_text(guild_id)]
        if not set(text_ids) <= {t.id for t in current}:
            return Accepted(stale=True, guild_id=guild_id, groups=[])
        targets = {ref.id for ref in await groups.groups_of(guild_id, user_id)}
        joining = False
        if group_id != SERVER:
            targets.add(group_id)
            joining = await groups.join_source(guild_id, group_id, user_id) is not None
        now = self.now()
        async with self.db.transaction() as tx:
            if joining:
                await self.repo.drop_join_prompt(tx, group_id, user_id)  # answered
            if joining and self._events is not None:
                # The groups feature lets them in once this commits, even if the bot stops
                # before the answer below reaches `bot.groups.complete_join` (bot/events.py).
                await self._events.append(
                    tx,
                    JOIN_GATE_PASSED,
                    {"guild_id": guild_id, "group_id": group_id, "user_id": user_id},
                    expires_at=now + JOIN_EVENT_HOURS * 3600,
                )
            for text in texts:
                if text.group_id is None:
                    # The server's text is one promise for all of the member's groups.
                    for target in sorted(targets):
                        await self.repo.accept(tx, guild_id, user_id, target, text.id, now)
                else:
                    await self.repo.accept(tx, guild_id, user_id, group_id, text.id, now)
        log.info("confidentiality: texts %s accepted (group %d)", text_ids, group_id)
        log.debug("confidentiality: accepted by user %d", user_id)
        return Accepted(stale=False, guild_id=guild_id, groups=sorted(targets), joining=joining)

    async def acceptances(self, guild_id: int, user_id: int) -> list[Acceptance]:
        return await self.repo.acceptances_of(guild_id, user_id)

    # ------------------------------------------------------------------ grace periods

    async def grace_days(self, guild_id: int) -> int:
        days = await self.repo.grace_days(guild_id)
        return DEFAULT_GRACE_DAYS if days is None else days

    async def set_grace_days(self, guild_id: int, days: int, by: int) -> int:
        days = check_grace_days(days)
        async with self.db.transaction() as tx:
            await self.repo.set_grace_days(tx, guild_id, days, by, self.now())
        return days

    async def graces_to_enforce(self) -> list[Text]:
        return await self.repo.graces_to_enforce()

    async def enforce_grace(self, text_id: int) -> list[tuple[int, int]]:
        """The grace period of a version ended: members (not leaders) who have not accepted it
        lose the group's access until they do. Idempotent, then marked done: a crash half way
        runs it again at start, and holding twice changes nothing. Returns who was held."""
        text = await self.repo.text(text_id)
        if text is None or text.enforced_at is not None:
            return []
        if text.grace_ends_at is None or text.grace_ends_at > self.now():
            return []
        held: list[tuple[int, int]] = []
        current = await self.repo.current(text.guild_id, text.group_id)
        groups = self._groups()
        ref = await groups.get(text.guild_id, text.group_id) if text.group_id else None
        # A newer version replaced this one: its own grace period applies instead. (A group's
        # text whose group is gone concerns nobody: never every group's members.)
        if current is not None and current.id == text.id and (ref or text.group_id is None):
            accepted = await self.repo.accepted_by(text.id)
            for group_id, user_id in await self._memberships(text.guild_id, ref):
                if (group_id, user_id) in accepted:
                    continue
                if user_id in await groups.leader_ids(text.guild_id, group_id):
                    continue  # leaders are asked and listed in /confidentiality status
                if user_id in await groups.held_ids(text.guild_id, group_id):
                    continue  # held already (and told then), e.g. by the group's own text
                # Told first, then held: a crash between the two tells them twice at worst,
                # never takes their access away without a word.
                texts = await self.required(text.guild_id, group_id)
                await self.ask_privately(text.guild_id, group_id, user_id, texts, "held")
                if await groups.hold_access(text.guild_id, group_id, user_id):
                    held.append((group_id, user_id))
        async with self.db.transaction() as tx:
            await self.repo.mark_enforced(tx, text.id, self.now())
        if held:
            log.info("confidentiality: text %d: access held for %d memberships", text.id, len(held))
        return held

    # ------------------------------------------------------------------ a former leader

    async def leader_stepped_down(
        self, guild_id: int, group_id: int, user_id: int, *, once: Once | None = None
    ) -> int | None:
        """A leader who stops leading stays as a member and from now on passes what members
        pass: without an acceptance on record they are asked privately and keep access for the
        grace period, as for a new version. Returns when it ends (None: nothing to accept, or
        `once` says the event was acted on already)."""
        if not await self.missing(guild_id, group_id, user_id):
            return None
        texts = await self.required(guild_id, group_id)
        ends_at = self.now() + await self.grace_days(guild_id) * 86400
        async with self.db.transaction() as tx:
            if once is not None and not await once(tx):
                return None
            await self.repo.set_member_grace(tx, guild_id, group_id, user_id, ends_at)
            await self._prompt(
                tx,
                guild_id,
                user_id,
                group_id,
                [t.id for t in texts],
                "demoted",
                grace_ends_at=ends_at,
            )
            for listener in self._member_grace_listeners:
                tx.after_commit(functools.partial(listener, group_id, user_id, ends_at))
        return ends_at

    def on_member_grace(self, listener: MemberGraceListener) -> None:
        """Called after a member's own grace period is recorded (to schedule its end)."""
        self._member_grace_listeners.append(listener)

    async def member_graces_to_enforce(self) -> list[MemberGrace]:
        return await self.repo.member_graces_to_enforce()

    async def enforce_member_grace(self, group_id: int, user_id: int) -> bool:
        """A former leader's grace period ended: still a member, still not a leader, still
        without the acceptance? Told, then held until they accept (as after a new version).
        Once per grace (a crash half way runs it again: holding twice changes nothing)."""
        grace = await self.repo.member_grace(group_id, user_id)
        if grace is None or grace.enforced_at is not None or grace.ends_at > self.now():
            return False
        guild_id, groups, held = grace.guild_id, self._groups(), False
        if (
            await groups.is_member(guild_id, group_id, user_id)
            and user_id not in await groups.leader_ids(guild_id, group_id)
            and user_id not in await groups.held_ids(guild_id, group_id)
            and await self.missing(guild_id, group_id, user_id)
        ):
            texts = await self.required(guild_id, group_id)
            await self.ask_privately(guild_id, group_id, user_id, texts, "held")
            held = await groups.hold_access(guild_id, group_id, user_id)
        async with self.db.transaction() as tx:
            await self.repo.member_grace_enforced(tx, group_id, user_id, self.now())
        return held

    async def pending(self, guild_id: int, group: GroupRef) -> list[Pending]:
        """/confidentiality status: who in the group has not accepted what applies yet."""
        groups = self._groups()
        leaders = set(await groups.leader_ids(guild_id, group.id))
        held = await groups.held_ids(guild_id, group.id)
        texts = await self.required(guild_id, group.id)
        result: list[Pending] = []
        for user_id in await groups.member_ids(guild_id, group.id):
            done = await self.repo.accepted(user_id, group.id, [t.id for t in texts])
            missing = [t for t in texts if t.id not in done]
            if missing:
                result.append(Pending(user_id, user_id in leaders, user_id in held, missing))
        return result
