"""Joining and leaving a group, and join requests. No discord import.

Joining is a sequence of steps other features can extend: `request_join` decides whether the
member may join now (a seat and an open group, an approved request or an accepted offer) and
gives them a *ticket* that holds their seat; the cog then runs the join gates (e.g. the
confidentiality agreement) and, once every gate is passed, `complete_join` turns the ticket into
a membership. A full group puts the member on its waitlist; a restricted one sends their request
to its leaders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from bot.db import Transaction
from bot.errors import NotFound, UserError
from bot.events import GROUP_MEMBER_JOINED, GROUP_MEMBER_LEFT, GROUP_MEMBER_WAITLISTED
from bot.guild_settings import DEFAULT_RETENTION_DAYS
from bot.i18n import N_
from cogs.groups.records import Group, JoinRequest
from cogs.groups.rules import REASON_MAX, clean_text
from cogs.groups.service_access import ROLE, AccessService
from cogs.groups.service_seats import GROUP_REMOVAL, REQUEST

log = logging.getLogger(__name__)

WELCOME = N_(
    "Welcome to {group}! Your group's private channel is <#{channel}>. What is shared there "
    "stays there. You can leave at any time with /group leave."
)
SETUP_RECORD_DAYS = 7  # a finished /group create's record (group_provisionings) is kept
TICKET_HOURS = 48  # how long a join waits for its gates (e.g. the agreement) before the seat frees


@dataclass(frozen=True)
class JoinOutcome:
    """What happened when a member asked to join.

    ticket: they may join now (their seat is held); the cog runs the join gates.
    waitlisted: the group is full; `position` in the queue (`already` if they were waiting).
    requested: a restricted group; the leaders decide (`already` if a request was pending).
    member: they already belong to the group.
    """

    kind: Literal["ticket", "waitlisted", "requested", "member"]
    group: Group
    position: int = 0
    already: bool = False


@dataclass
class LeftGroups:
    """Groups a member left in one go (e.g. when they left the server)."""

    groups: list[int] = field(default_factory=list)
    led: list[int] = field(default_factory=list)  # those of `groups` they led
    waitlists: int = 0
    requests: int = 0


class JoiningService(AccessService):
    """Tickets, memberships, leaving and removals, offers taken up, and join requests."""

    # ------------------------------------------------------------------ joining

    async def request_join(
        self, group: Group, user_id: int, *, source: str = "join", asked: bool = False
    ) -> JoinOutcome:
        """Decide what a member's wish to join leads to. `source` is how they came: 'join' (a
        command or button), 'request' (leaders approved), 'offer' (accepted a waitlist offer),
        'added' (a moderator gave them the role by hand). `asked`: the member's own
        interaction goes on to the join gates (see `put_ticket`)."""
        async with self.db.transaction() as tx:
            return await self._decide_join(tx, group.id, user_id, source, self.now(), asked)

    async def _decide_join(
        self,
        tx: Transaction,
        group_id: int,
        user_id: int,
        source: str,
        now: int,
        asked: bool = False,
    ) -> JoinOutcome:
        """`request_join` inside a transaction (an approval decides and admits in one)."""
        group = await self.repo.get_in(tx, group_id, now)
        if group is None:
            raise NotFound(N_("That group no longer exists."))
        if group.archived:
            raise UserError(
                N_("{group} is closed for now and is not taking new members."),
                group=group.name,
            )
        if await self.repo.member_role_in(tx, group.id, user_id) is not None:
            return JoinOutcome("member", group)
        if await self.repo.ticket(tx, group.id, user_id, now) is not None:
            return JoinOutcome("ticket", group, already=True)
        if source == "join" and group.restricted:
            pending = await self.repo.pending_request_for(tx, group.id, user_id)
            if pending is not None:
                return JoinOutcome("requested", group, already=True)
            request_id = await self.repo.add_request(tx, group, user_id, now)
            if group.leaders_channel_id is not None:
                await self._outbox.enqueue(
                    tx,
                    kind=REQUEST,
                    guild_id=group.guild_id,
                    channel_id=group.leaders_channel_id,
                    payload={"request": request_id},
                )
            return JoinOutcome("requested", group)
        entry = await self.repo.waitlist_entry_for(tx, group.id, user_id)
        offered_to_them = (
            entry is not None
            and entry.offer_expires_at is not None
            and entry.offer_expires_at > now
        )
        others_waiting = group.waiting - (1 if entry is not None else 0) > 0
        seat_free = group.capacity is None or group.seats_taken < group.capacity
        if source in ("offer", "added") or offered_to_them:
            pass  # their seat was held for them, or a moderator decided
        elif not seat_free or (others_waiting and source != "request"):
            if entry is not None:
                position = await self.repo.waitlist_position(tx, entry)
                return JoinOutcome("waitlisted", group, position=position, already=True)
            entry_id = await self.repo.add_to_waitlist(tx, group, user_id, now)
            await self._announce(tx, GROUP_MEMBER_WAITLISTED, group.guild_id, group.id)
            entry = await self.repo.waitlist_entry(tx, entry_id)
            assert entry is not None
            position = await self.repo.waitlist_position(tx, entry)
            return JoinOutcome("waitlisted", group, position=position)
        if entry is not None:
            await self.repo.remove_from_waitlist(tx, entry.id)
        expires_at = now + TICKET_HOURS * 3600
        await self.repo.put_ticket(tx, group, user_id, source, now, expires_at, asked)
        group = await self.repo.get_in(tx, group.id, now) or group
        return JoinOutcome("ticket", group)

    async def complete_join(
        self, guild_id: int, group_id: int, user_id: int, *, welcome: bool = False
    ) -> Group | None:
        """Turn a ticket into a membership (every join gate was passed). None if the member
        holds no ticket (it expired, or they joined already). `welcome`: the welcome goes to
        them privately, in the same transaction (a crash cannot admit them untold)."""
        now = self.now()
        async with self.db.transaction() as tx:
            group = await self.repo.get_in(tx, group_id, now)
            if group is None or group.guild_id != guild_id or group.archived:
                return None
            if await self.repo.ticket(tx, group_id, user_id, now) is None:
                return None
            await self.repo.drop_ticket(tx, group_id, user_id)
            await self.repo.add_member(tx, group, user_id, "member", now)
            await self._announce(tx, GROUP_MEMBER_JOINED, guild_id, group_id, user_id)
            if welcome:
                await self._notice(
                    tx, guild_id, user_id, WELCOME, group=group.name, channel=group.channel_id
                )
        log.info("a member joined group %d", group_id)
        log.debug("user %d joined group %d", user_id, group_id)
        return group

    async def cancel_ticket(self, group: Group, user_id: int) -> None:
        """A gate said no (e.g. "Not now"): the held seat goes to the next person."""
        async with self.db.transaction() as tx:
            await self.repo.drop_ticket(tx, group.id, user_id)
            await self._offer_free_seats(tx, group.id, self.now())

    async def set_access_held(self, group: Group, user_id: int, held: bool) -> bool:
        """Hold a member's access (they keep their seat, the role is taken back) or release it.
        True if that changed anything (False: not a member, or already so)."""
        async with self.db.transaction() as tx:
            return await self.repo.set_access_held(
                tx, group.id, user_id, self.now() if held else None
            )

    async def leave(
        self, group: Group, user_id: int, *, mark: bool = False, reason: str = "left"
    ) -> bool:
        """The member leaves (or the role could not be granted). Frees the seat. `mark`: the
        role is marked "to remove" in the same transaction (the cog takes it next), so a crash
        in between is not read at start-up as a role given by hand. `reason`: that of the
        `group_member_left` event ("left", "removed" by hand, "left_server")."""
        now = self.now()
        async with self.db.transaction() as tx:
            removed = await self.repo.remove_member(tx, group.id, user_id)
            if removed:
                await self._announce(
                    tx, GROUP_MEMBER_LEFT, group.guild_id, group.id, user_id, reason
                )
            if removed and mark:
                await self.repo.mark_removal(
                    tx,
                    group_id=group.id,
                    guild_id=group.guild_id,
                    target_id=user_id,
                    kind=ROLE,
                    reason="left",
                    notice=None,
                    now=now,
                )
            entry = await self.repo.waitlist_entry_for(tx, group.id, user_id)
            if entry is not None:
                await self.repo.remove_from_waitlist(tx, entry.id)
            await self.repo.drop_ticket(tx, group.id, user_id)
            await self._offer_free_seats(tx, group.id, now)
        return removed or entry is not None

    async def leave_waitlist(self, group: Group, user_id: int) -> bool:
        async with self.db.transaction() as tx:
            entry = await self.repo.waitlist_entry_for(tx, group.id, user_id)
            if entry is None:
                return False
            await self.repo.remove_from_waitlist(tx, entry.id)
            await self._offer_free_seats(tx, group.id, self.now())
        return True

    async def remove(self, group: Group, user_id: int, *, by: int, reason: str) -> None:
        reason = clean_text(reason, REASON_MAX, N_("reason"))
        if not reason:
            raise UserError(N_("Please give a reason: moderators will see it."))
        now = self.now()
        async with self.db.transaction() as tx:
            role = await self.repo.member_role_in(tx, group.id, user_id)
            if role is None:
                raise UserError(N_("They are not in {group}."), group=group.name)
            if role == "leader":
                raise UserError(
                    N_(
                        "They lead {group}. A moderator can first remove them as a leader with "
                        "/group leaders remove."
                    ),
                    group=group.name,
                )
            await self.repo.remove_member(tx, group.id, user_id)
            await self._announce(
                tx, GROUP_MEMBER_LEFT, group.guild_id, group.id, user_id, "removed"
            )
            await self.repo.record_removal(tx, group, user_id, by, reason, now)
            # "To remove" until the role is gone: they are told (by `removal_done`) only then.
            await self.repo.mark_removal(
                tx,
                group_id=group.id,
                guild_id=group.guild_id,
                target_id=user_id,
                kind=ROLE,
                reason="removed",
                notice="removed",
                now=now,
            )
            await self._modlog.record_in(
                tx,
                guild_id=group.guild_id,
                action=GROUP_REMOVAL,
                actor_id=by,
                target_id=user_id,
                group_id=group.id,
                reason=reason,
            )
            await self._offer_free_seats(tx, group.id, now)

    async def member_left_server(self, guild_id: int, user_id: int) -> LeftGroups:
        """They left, were kicked or banned: out of every group, waitlist and request (pending
        requests are withdrawn, then forgotten after the retention period like decided ones)."""
        return await self._leave_server(guild_id, user_id, forget=False)

    async def forget_member(self, guild_id: int, user_id: int) -> LeftGroups:
        """The data-deletion hook: what leaving the server deletes, at once, and their join
        requests with the reasons leaders gave (decided ones too), without waiting for the
        retention period. Removals stay: they are part of the mod log, which is kept. Running it
        again changes nothing."""
        return await self._leave_server(guild_id, user_id, forget=True)

    async def _leave_server(self, guild_id: int, user_id: int, *, forget: bool) -> LeftGroups:
        now = self.now()
        left = LeftGroups()
        async with self.db.transaction() as tx:
            touched = set()
            for group_id in await self.repo.memberships_in(tx, guild_id, user_id):
                if await self.repo.member_role_in(tx, group_id, user_id) == "leader":
                    left.led.append(group_id)
                await self.repo.remove_member(tx, group_id, user_id)
                await self._announce(
                    tx, GROUP_MEMBER_LEFT, guild_id, group_id, user_id, "left_server"
                )
                left.groups.append(group_id)
                touched.add(group_id)
            for entry in await self.repo.waitlists_of_user_in(tx, guild_id, user_id):
                await self.repo.remove_from_waitlist(tx, entry.id)
                left.waitlists += 1
                touched.add(entry.group_id)
            await self.repo.drop_tickets_of_user(tx, guild_id, user_id)
            if forget:
                left.requests = await self.repo.delete_requests_of_user(tx, guild_id, user_id)
            else:
                left.requests = await self.repo.withdraw_requests_of_user(
                    tx, guild_id, user_id, now
                )
            for group_id in sorted(touched):
                await self._offer_free_seats(tx, group_id, now)
        return left

    async def accept_offer(self, entry_id: int, user_id: int) -> JoinOutcome:
        """A waitlist seat offer taken up: the member joins through the seat held for them."""
        now = self.now()
        async with self.db.transaction() as tx:
            entry = await self.repo.waitlist_entry(tx, entry_id)
            if entry is None or entry.user_id != user_id or entry.offer_expires_at is None:
                raise UserError(
                    N_("This offer is no longer open. You can ask to join again with /group join.")
                )
            if entry.offer_expires_at <= now:
                raise UserError(
                    N_(
                        "Sorry, this offer has expired and the seat went to the next person. "
                        "You can join the waitlist again with /group join."
                    )
                )
            group = await self.repo.get_in(tx, entry.group_id, now)
        assert group is not None
        return await self.request_join(group, user_id, source="offer", asked=True)

    # ------------------------------------------------------------------ join requests

    async def purge(self) -> int:
        """Daily: forget decided join requests (and the reasons given) after the retention,
        and the records of finished group setups (who created which group) after a week."""
        now = self.now()
        async with self.db.transaction() as tx:
            await self.repo.purge_finished_provisionings(tx, now - SETUP_RECORD_DAYS * 86400)
            return await self.repo.purge_decided_requests(tx, now, DEFAULT_RETENTION_DAYS)

    async def _pending_request(
        self, tx: Transaction, request_id: int, guild_id: int
    ) -> tuple[JoinRequest, Group]:
        request = await self.repo.request(tx, request_id)
        if request is None or request.guild_id != guild_id:
            raise NotFound(N_("I couldn't find that join request."))
        group = await self.repo.get_in(tx, request.group_id, self.now())
        if group is None:
            raise NotFound(N_("That group no longer exists."))
        if request.status != "pending":
            raise UserError(
                N_("This request was already handled ({status})."), status=request.status
            )
        return request, group

    async def request_group(self, guild_id: int, request_id: int) -> tuple[JoinRequest, Group]:
        async with self.db.transaction() as tx:
            request = await self.repo.request(tx, request_id)
            if request is None or request.guild_id != guild_id:
                raise NotFound(N_("I couldn't find that join request."))
            group = await self.repo.get_in(tx, request.group_id, self.now())
        if group is None:
            raise NotFound(N_("That group no longer exists."))
        return request, group

    async def approve_request(
        self, guild_id: int, request_id: int, by: int
    ) -> tuple[JoinRequest, JoinOutcome]:
        """The approval and what it leads to (a ticket, or a place on the waitlist) are one
        transaction: archiving the group cannot come between them (it withdraws a pending
        request and drops a ticket, telling the member either way)."""
        now = self.now()
        async with self.db.transaction() as tx:
            request, group = await self._pending_request(tx, request_id, guild_id)
            await self.repo.decide_request(tx, request.id, "approved", by, None, now)
            outcome = await self._decide_join(tx, group.id, request.user_id, "request", now)
            if outcome.kind == "waitlisted":
                await self._notice(
                    tx,
                    guild_id,
                    request.user_id,
                    N_(
                        "Good news: the leaders of {group} approved your request. The group is "
                        "full right now, so you are number {position} on its waitlist; you'll "
                        "get a message here when a seat frees up."
                    ),
                    group=group.name,
                    position=outcome.position,
                )
        return request, outcome

    async def decline_request(
        self, guild_id: int, request_id: int, by: int, reason: str | None
    ) -> JoinRequest:
        reason = clean_text(reason, REASON_MAX, N_("reason")) or None
        async with self.db.transaction() as tx:
            request, group = await self._pending_request(tx, request_id, guild_id)
            await self.repo.decide_request(tx, request.id, "declined", by, reason, self.now())
            if reason:
                await self._notice(
                    tx,
                    guild_id,
                    request.user_id,
                    N_(
                        "Thank you for your interest in {group}. Its leaders weren't able to "
                        "accept your request this time. They said: “{reason}”. You're welcome "
                        "to look at other groups with /group list, or talk to a moderator."
                    ),
                    group=group.name,
                    reason=reason,
                )
            else:
                await self._notice(
                    tx,
                    guild_id,
                    request.user_id,
                    N_(
                        "Thank you for your interest in {group}. Its leaders weren't able to "
                        "accept your request this time. You're welcome to look at other groups "
                        "with /group list, or talk to a moderator."
                    ),
                    group=group.name,
                )
        return request
