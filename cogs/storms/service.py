"""Weathering storms: the rules. A member who died (or asked to be remembered) is recorded by a
leader of their group or a moderator; from then on the bot never writes to them privately
(bot/do_not_contact.py drops every DM at send time), other features forget what waits for them
(the durable `member_remembered` event), the group gets the leader's message with grief
resources once the leader posts it, and the moderators are asked to check in with the leaders
(a note now, a private reminder a day later if nobody has). A group that loses its last leader
is told to the moderators at once, and candidates to lead it are offered.

Everything a record changes is one transaction (the row, the do-not-contact entry, the mod-log
line, the event, the moderators' note): the Discord side is only outbox rows, so a crash leaves
all of it or none. Never imports discord.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.clock import Clock, epoch
from bot.db import Database
from bot.directory import GroupDirectory, GroupRef
from bot.do_not_contact import DoNotContact
from bot.errors import NotFound, UserError
from bot.event_log import EventLog
from bot.events import MEMBER_REMEMBERED
from bot.i18n import N_
from bot.modlog import ModLog
from bot.outbox import Outbox
from bot.participation import Participation
from cogs.storms.models import Remembrance
from cogs.storms.repository import StormsRepository

log = logging.getLogger(__name__)

# Outbox kinds
GROUP_MESSAGE = "storms:group_message"  # the leader's words and the resources, in the group
CHECKIN_NOTE = "storms:checkin_note"  # the moderators' channel: please check in with leaders
CHECKIN_REMINDER = "storms:checkin_reminder"  # a moderator, privately, a day later
# Mod-log actions
REMEMBERED = "storms:remembered"
CHECKED_IN = "storms:checked_in"
LEADERLESS = "storms:leaderless"
UNDONE = "storms:undone"

DIED, ASKED = "died", "asked"
WHY = (DIED, ASKED)
DAY = 24 * 3600
CHECKIN_AFTER_SECONDS = DAY
REGULARS_OVER_SECONDS = 90 * DAY
MESSAGE_MAX = 1800
CANDIDATES_MAX = 10

DRAFTS = {
    "died": N_(
        "It is with great sadness that we share that {name}, a member of our group, has died. "
        "We hold them, and everyone who loved them, in our thoughts. Grief comes in many ways; "
        "please be gentle with yourselves. The group's leaders and the moderators are here if "
        "you would like to talk."
    ),
    "asked": N_(
        "{name} has stepped away from our group and asked to be remembered. We are grateful "
        "for everything they shared with us, and we hold them in our thoughts. If this brings "
        "up difficult feelings, the group's leaders and the moderators are here if you would "
        "like to talk."
    ),
}


@dataclass(frozen=True)
class Recorded:
    remembrance: Remembrance
    new: bool  # False: they were already remembered in this group (the draft shown again)


@dataclass(frozen=True)
class Candidates:
    leaders: list[int]  # the group's other leaders (co-leaders), still here
    regulars: list[tuple[int, int]]  # else: members by sessions "going", most first


class StormsService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        modlog: ModLog,
        event_log: EventLog,
        do_not_contact: DoNotContact,
        participation: Participation,
        groups: Callable[[], GroupDirectory],
    ) -> None:
        self.db = db
        self.repository = StormsRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._modlog = modlog
        self._events = event_log
        self._dnc = do_not_contact
        self._participation = participation
        self._groups = groups

    def _now(self) -> int:
        return epoch(self._clock())

    # ------------------------------------------------------------------ remembering

    async def record(
        self,
        group: GroupRef,
        user_id: int,
        why: str,
        by: int,
        draft: str,
        notes_channel_id: int | None,
    ) -> Recorded:
        """Record that `user_id` is remembered in `group` (by a leader or moderator the caller
        checked). One transaction: the row with the leader's draft, the do-not-contact entry,
        the mod-log line (who recorded it; no words), the durable event, and the moderators'
        check-in note in `notes_channel_id` (the mod-log or duty channel)."""
        if why not in WHY:
            raise UserError(N_("Please choose one of the reasons offered."))
        if user_id == by:
            raise UserError(N_("This records someone else: a member of the group."))
        groups = self._groups()
        if not await groups.is_member(group.guild_id, group.id, user_id):
            known = await self.repository.find(group.guild_id, group.id, user_id)
            if known is None:
                raise NotFound(
                    N_("{member} isn't in {group}, so there is nothing to record there."),
                    member=f"<@{user_id}>",
                    group=group.name,
                )
        now = self._now()
        async with self.db.transaction() as tx:
            new_id = await self.repository.insert(
                tx,
                guild_id=group.guild_id,
                group_id=group.id,
                user_id=user_id,
                why=why,
                by=by,
                now=now,
                draft=draft[:MESSAGE_MAX],
                checkin_due_at=now + CHECKIN_AFTER_SECONDS,
            )
            if new_id is not None:
                await self._dnc.add_in(tx, group.guild_id, user_id)
                await self._modlog.record_in(
                    tx,
                    guild_id=group.guild_id,
                    action=REMEMBERED,
                    actor_id=by,
                    target_id=user_id,
                    group_id=group.id,
                )
                await self._events.append(
                    tx,
                    MEMBER_REMEMBERED,
                    {"guild_id": group.guild_id, "group_id": group.id, "user_id": user_id},
                )
                if notes_channel_id is not None:
                    await self._outbox.enqueue(
                        tx,
                        kind=CHECKIN_NOTE,
                        guild_id=group.guild_id,
                        channel_id=notes_channel_id,
                        payload={"remembrance": new_id},
                    )
        if new_id is not None:
            log.info("storms: a member of group %d is remembered (row %d)", group.id, new_id)
            found = await self.repository.get(new_id)
            assert found is not None
            return Recorded(found, True)
        found = await self.repository.find(group.guild_id, group.id, user_id)
        assert found is not None
        if found.message == "cancelled":  # the leader wants to write the message after all
            async with self.db.transaction() as tx:
                await self.repository.reopen(tx, found.id, draft[:MESSAGE_MAX])
            found = await self.repository.get(found.id)
            assert found is not None
        return Recorded(found, False)

    async def get(self, remembrance_id: int) -> Remembrance:
        found = await self.repository.get(remembrance_id)
        if found is None:
            raise NotFound(N_("I can't find that any more."))
        return found

    async def find(self, remembrance_id: int) -> Remembrance | None:
        return await self.repository.get(remembrance_id)

    async def edit(self, remembrance_id: int, text: str) -> Remembrance:
        """The leader's own words for the group's message (not posted yet)."""
        text = text.strip()
        if not text:
            raise UserError(N_("The message can't be empty. Please write a few words."))
        if len(text) > MESSAGE_MAX:
            raise UserError(
                N_("Please keep the message under {limit} characters."), limit=MESSAGE_MAX
            )
        async with self.db.transaction() as tx:
            if not await self.repository.set_draft(tx, remembrance_id, text):
                raise UserError(_SETTLED)
        return await self.get(remembrance_id)

    async def post(self, remembrance_id: int, channel_id: int | None) -> int:
        """The leader pressed Post: the message (their words and the resources) goes to the
        group's channel through the outbox, exactly once. Returns the outbox row."""
        found = await self.get(remembrance_id)
        if channel_id is None:
            raise UserError(N_("This group has no channel I can post in."))
        async with self.db.transaction() as tx:
            row = await self._outbox.enqueue(
                tx,
                kind=GROUP_MESSAGE,
                guild_id=found.guild_id,
                channel_id=channel_id,
                payload={"remembrance": found.id},
            )
            if not await self.repository.mark_posting(tx, found.id, row):
                raise UserError(_SETTLED)  # rolls the enqueue back too
        log.info("storms: the group message of row %d is on its way", found.id)
        return row

    async def cancel(self, remembrance_id: int) -> None:
        async with self.db.transaction() as tx:
            if not await self.repository.mark_cancelled(tx, remembrance_id):
                raise UserError(_SETTLED)

    async def delivered(self, remembrance_id: int, message_id: int) -> None:
        await self.repository.mark_delivered(remembrance_id, message_id)

    # ------------------------------------------------------------------ the moderators' check-in

    async def checked_in(self, remembrance_id: int, by: int) -> bool:
        """A moderator checked in with the leaders: no reminder follows. False if someone
        already had."""
        found = await self.get(remembrance_id)
        async with self.db.transaction() as tx:
            if not await self.repository.mark_checked_in(tx, found.id, by, self._now()):
                return False
            await self._modlog.record_in(
                tx,
                guild_id=found.guild_id,
                action=CHECKED_IN,
                actor_id=by,
                group_id=found.group_id,
            )
        return True

    async def due_reminders(self) -> list[Remembrance]:
        return await self.repository.due_reminders(self._now())

    async def remind(self, remembrance_id: int, moderator_ids: Sequence[int]) -> int:
        """A day passed and nobody checked in: each moderator gets a private reminder, once.
        Returns how many were written."""
        async with self.db.transaction() as tx:
            found = await self.repository.get_in(tx, remembrance_id)
            if found is None or not await self.repository.mark_reminded(
                tx, remembrance_id, self._now()
            ):
                return 0
            for user_id in moderator_ids:
                await self._outbox.enqueue(
                    tx,
                    kind=CHECKIN_REMINDER,
                    guild_id=found.guild_id,
                    user_id=user_id,
                    payload={"remembrance": found.id},
                )
        log.info("storms: row %d: %d moderators reminded", remembrance_id, len(moderator_ids))
        return len(moderator_ids)

    # ------------------------------------------------------------------ leaders

    async def leaders_here(self, guild_id: int, group_id: int) -> list[int]:
        """The group's leaders, without anyone remembered."""
        leaders = await self._groups().leader_ids(guild_id, group_id)
        return [u for u in leaders if not await self._dnc.barred(guild_id, u)]

    async def check_leaders(self, group: GroupRef, bot_id: int) -> bool:
        """After a leader left, was removed or is remembered: a group with no leader now is
        told to the moderators once (the mod log). True when it was told now."""
        if group.archived:
            return False
        if await self.leaders_here(group.guild_id, group.id):
            # A read first: the sweep asks this of every group, and most never lost a leader.
            if await self.repository.leaderless_since(group.guild_id, group.id) is not None:
                await self.repository.clear_leaderless(group.guild_id, group.id)
            return False
        async with self.db.transaction() as tx:
            if not await self.repository.mark_leaderless(tx, group.guild_id, group.id, self._now()):
                return False
            await self._modlog.record_in(
                tx, guild_id=group.guild_id, action=LEADERLESS, actor_id=bot_id, group_id=group.id
            )
        log.info("storms: group %d has no leader now; the moderators are told", group.id)
        return True

    async def leader_added(self, guild_id: int, group_id: int) -> None:
        await self.repository.clear_leaderless(guild_id, group_id)

    async def leaderless_since(self, guild_id: int, group_id: int) -> int | None:
        return await self.repository.leaderless_since(guild_id, group_id)

    async def candidates(
        self, guild_id: int, group_id: int, still_here: Callable[[int], Awaitable[bool]]
    ) -> Candidates:
        """Who might lead the group: its other leaders; else its most regular members (by
        RSVPs "going" over the last 90 days, as far as meetings still keeps them: a week after
        each session), still members, still here, not remembered."""
        leaders = [u for u in await self.leaders_here(guild_id, group_id) if await still_here(u)]
        if leaders:
            return Candidates(leaders, [])
        groups = self._groups()
        since = self._now() - REGULARS_OVER_SECONDS
        found: list[tuple[int, int]] = []
        for user_id, count in await self._participation.regulars(
            guild_id, group_id, since, CANDIDATES_MAX * 2
        ):
            if (
                await groups.is_member(guild_id, group_id, user_id)
                and not await self._dnc.barred(guild_id, user_id)
                and await still_here(user_id)
            ):
                found.append((user_id, count))
        return Candidates([], found[:CANDIDATES_MAX])

    async def undo(self, guild_id: int, user_id: int, by: int) -> int:
        """Recorded by mistake (a moderator): the member is off the do-not-contact list and
        their records go; the mod log keeps both lines. Returns how many records went."""
        async with self.db.transaction() as tx:
            listed = await self._dnc.remove_in(tx, guild_id, user_id)
            removed = await self.repository.delete_of_member_in(tx, guild_id, user_id)
            if not listed and not removed:
                raise UserError(N_("That member isn't remembered here: there is nothing to undo."))
            await self._modlog.record_in(
                tx, guild_id=guild_id, action=UNDONE, actor_id=by, target_id=user_id
            )
        log.info("storms: a remembrance in guild %d was undone", guild_id)
        return removed

    # ------------------------------------------------------------------ privacy

    async def export(
        self, guild_id: int, user_id: int
    ) -> tuple[list[Remembrance], list[Remembrance]]:
        """The records about the member, and those they recorded or checked in on."""
        return (
            await self.repository.of_member(guild_id, user_id),
            await self.repository.by_actor(guild_id, user_id),
        )

    async def forget(self, guild_id: int, user_id: int) -> None:
        await self.repository.delete_of_member(guild_id, user_id)
        await self.repository.forget_actor(guild_id, user_id)


_SETTLED = N_("This message was already posted or cancelled.")
