"""The rules of groups: names, seats, the waitlist, join requests, leaders. No discord import.

The database says who belongs to a group; the Discord role follows it. Joining is a sequence of
steps other features can extend: `request_join` decides whether the member may join now (a seat
and an open group, an approved request or an accepted offer) and gives them a *ticket* that holds
their seat; the cog then runs the join gates (the confidentiality agreement, once that feature
lands) and, once every gate is passed, `complete_join` turns the ticket into a membership.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.clock import Clock, epoch
from bot.db import Database, Transaction
from bot.directory import GroupRef
from bot.errors import NotFound, UserError
from bot.guild_settings import (
    DEFAULT_RETENTION_DAYS,
    GuildSettingsService,
    validate_timezone,
)
from bot.i18n import N_
from bot.modlog import GROUP_REMOVAL, ModLog
from bot.outbox import Outbox
from cogs.groups.repository import Group, GroupRepository, JoinRequest, WaitlistEntry

log = logging.getLogger(__name__)

# Outbox kinds, rendered by the cog.
NOTICE = "groups:notice"  # a short text (msgid + params) to a member or a channel
OFFER = "groups:offer"  # a waitlist seat offer with Accept / Decline buttons
REQUEST = "groups:request"  # a join request in the leaders' channel with Approve / Decline
MISSING = "groups:missing"  # a group's role or channel was deleted: offer to recreate it

NAME_MAX = 60
DESCRIPTION_MAX = 1000
TOPIC_MAX = 100
LANGUAGE_MAX = 40
CAPACITY_MAX = 1000
REASON_MAX = 500
TICKET_HOURS = 48  # how long a join waits for its gates (e.g. the agreement) before the seat frees

Access = Literal["open", "restricted"]


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def channel_name(name: str) -> str:
    """Discord's text-channel name rules: lowercase, no spaces, letters, digits, - and _ only,
    at most 100 characters. Unicode letters are allowed."""
    text = unicodedata.normalize("NFKC", name).lower().strip()
    text = re.sub(r"[\s]+", "-", text)
    text = re.sub(r"[^\w-]", "", text)
    text = re.sub(r"-{2,}", "-", text).strip("-_")
    return text[:100]


def clean_text(value: str | None, limit: int, what: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise UserError(
            N_("The {what} is too long: please keep it under {limit} characters."),
            what=what,
            limit=limit,
        )
    return text


@dataclass(frozen=True)
class GroupSpec:
    """What an admin typed for a new group, checked."""

    name: str
    description: str
    topic: str
    language: str
    capacity: int | None
    access: Access
    timezone: str

    @property
    def channel_name(self) -> str:
        return channel_name(self.name)


def check_spec(
    *,
    name: str,
    description: str | None,
    topic: str | None,
    language: str | None,
    capacity: int | None,
    access: str,
    timezone: str,
) -> GroupSpec:
    name = " ".join(name.split())
    if not name:
        raise UserError(N_("Please give the group a name."))
    if len(name) > NAME_MAX:
        raise UserError(
            N_("That name is too long: please keep it under {limit} characters."), limit=NAME_MAX
        )
    if not channel_name(name):
        raise UserError(
            N_(
                "The name needs at least one letter or number, so the group's channel can be "
                "named after it."
            )
        )
    check_capacity(capacity)
    if access not in ("open", "restricted"):
        raise UserError(N_("Access is either open or restricted (leaders approve each member)."))
    return GroupSpec(
        name=name,
        description=clean_text(description, DESCRIPTION_MAX, N_("description")),
        topic=clean_text(topic, TOPIC_MAX, N_("topic")),
        language=clean_text(language, LANGUAGE_MAX, N_("language")),
        capacity=capacity,
        access=access,  # type: ignore[arg-type]  # checked just above
        timezone=validate_timezone(timezone),
    )


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
        raise UserError(
            N_(
                "Capacity is the number of members' seats, from 1 to {limit}. Leave it empty "
                "for no limit."
            ),
            limit=CAPACITY_MAX,
        )


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
    waitlists: int = 0
    requests: int = 0


OfferListener = Callable[[int, int], None]  # (waitlist entry id, offer expires at)


class GroupService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        settings: GuildSettingsService,
        modlog: ModLog,
    ) -> None:
        self.db = db
        self.repo = GroupRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._settings = settings
        self._modlog = modlog
        self._offer_listeners: list[OfferListener] = []

    def now(self) -> int:
        return epoch(self._clock())

    def on_offer(self, listener: OfferListener) -> None:
        """Called after a transaction that offered a seat commits (to schedule its expiry)."""
        self._offer_listeners.append(listener)

    # ------------------------------------------------------------------ reading

    async def get(self, guild_id: int, group_id: int) -> Group:
        group = await self.repo.get(guild_id, group_id, self.now())
        if group is None:
            raise NotFound(N_("I couldn't find that group. Please pick one from the list."))
        return group

    async def find(self, guild_id: int, value: str) -> Group:
        """A group from an autocomplete value (its id) or a typed name."""
        value = value.strip()
        if value.isdigit():
            group = await self.repo.get(guild_id, int(value), self.now())
            if group is not None:
                return group
        group = await self.repo.by_name(guild_id, name_key(value), self.now())
        if group is None:
            raise NotFound(
                N_("I couldn't find a group called “{name}”. Please pick one from the list."),
                name=value[:80],
            )
        return group

    async def list(self, guild_id: int, *, include_archived: bool = False) -> list[Group]:
        return await self.repo.list(guild_id, self.now(), include_archived=include_archived)

    async def groups_of(self, guild_id: int, user_id: int) -> list[Group]:
        return await self.repo.groups_of(guild_id, user_id, self.now())

    async def is_leader(self, guild_id: int, user_id: int, group_id: int | None) -> bool:
        if group_id is None:
            return bool(await self.repo.groups_of(guild_id, user_id, self.now(), role="leader"))
        group = await self.repo.get(guild_id, group_id, self.now())
        return group is not None and await self.repo.member_role(group.id, user_id) == "leader"

    async def members(self, group: Group) -> list[tuple[int, str, int]]:
        return await self.repo.members(group.id)

    async def waitlist(self, group: Group) -> list[WaitlistEntry]:
        return await self.repo.waitlist(group.id)

    # ------------------------------------------------------------------ creating and editing

    async def check_name_free(self, guild_id: int, name: str) -> None:
        if await self.repo.by_name(guild_id, name_key(name), self.now()) is not None:
            raise UserError(
                N_("There is already a group called “{name}”. Please choose another name."),
                name=name,
            )

    async def create(
        self,
        guild_id: int,
        spec: GroupSpec,
        *,
        by: int,
        leader_id: int | None,
        role_id: int,
        channel_id: int,
        voice_channel_id: int | None,
        leaders_channel_id: int,
    ) -> Group:
        now = self.now()
        async with self.db.transaction() as tx:
            if await self.repo.name_taken(tx, guild_id, name_key(spec.name)):
                raise UserError(
                    N_("There is already a group called “{name}”. Please choose another name."),
                    name=spec.name,
                )
            group_id = await self.repo.insert(
                tx,
                {
                    "guild_id": guild_id,
                    "name": spec.name,
                    "name_key": name_key(spec.name),
                    "description": spec.description,
                    "topic": spec.topic,
                    "language": spec.language,
                    "capacity": spec.capacity,
                    "access": spec.access,
                    "timezone": spec.timezone,
                    "role_id": role_id,
                    "channel_id": channel_id,
                    "voice_channel_id": voice_channel_id,
                    "leaders_channel_id": leaders_channel_id,
                    "created_at": now,
                    "created_by": by,
                    "updated_at": now,
                },
            )
            group = await self.repo.get_in(tx, group_id, now)
            assert group is not None
            if leader_id is not None:
                await self.repo.add_member(tx, group, leader_id, "leader", now)
        log.info("group %d created in guild %d by %d", group_id, guild_id, by)
        return await self.get(guild_id, group_id)

    async def edit(
        self,
        group: Group,
        *,
        name: str | None = None,
        description: str | None = None,
        topic: str | None = None,
        language: str | None = None,
        capacity: int | None = None,
        clear_capacity: bool = False,
        access: str | None = None,
        timezone: str | None = None,
    ) -> Group:
        values: dict[str, object] = {}
        if name is not None:
            spec = check_spec(
                name=name,
                description=None,
                topic=None,
                language=None,
                capacity=None,
                access="open",
                timezone=group.timezone,
            )
            values["name"], values["name_key"] = spec.name, name_key(spec.name)
        if description is not None:
            values["description"] = clean_text(description, DESCRIPTION_MAX, N_("description"))
        if topic is not None:
            values["topic"] = clean_text(topic, TOPIC_MAX, N_("topic"))
        if language is not None:
            values["language"] = clean_text(language, LANGUAGE_MAX, N_("language"))
        if clear_capacity:
            values["capacity"] = None
        elif capacity is not None:
            check_capacity(capacity)
            values["capacity"] = capacity
        if access is not None:
            if access not in ("open", "restricted"):
                raise UserError(N_("Access is either open or restricted."))
            values["access"] = access
        if timezone is not None:
            values["timezone"] = validate_timezone(timezone)
        if not values:
            raise UserError(N_("Nothing to change: choose at least one field to edit."))
        now = self.now()
        values["updated_at"] = now
        async with self.db.transaction() as tx:
            if "name_key" in values and await self.repo.name_taken(
                tx, group.guild_id, str(values["name_key"]), except_id=group.id
            ):
                raise UserError(
                    N_("There is already a group called “{name}”. Please choose another name."),
                    name=values["name"],
                )
            await self.repo.update(tx, group.id, values)
            await self._offer_free_seats(tx, group.id, now)
        return await self.get(group.guild_id, group.id)

    async def set_resource(self, group: Group, **values: int | None) -> Group:
        """Record a recreated (or deleted) role or channel."""
        allowed = {"role_id", "channel_id", "voice_channel_id", "leaders_channel_id"}
        if not set(values) <= allowed:
            raise ValueError(f"not a group resource: {set(values) - allowed}")
        async with self.db.transaction() as tx:
            await self.repo.update(tx, group.id, {**values, "updated_at": self.now()})
        return await self.get(group.guild_id, group.id)

    async def set_archived(self, group: Group, archived: bool, by: int) -> Group:
        if archived == group.archived:
            raise UserError(
                N_("{group} is already archived.") if archived else N_("{group} is not archived."),
                group=group.name,
            )
        now = self.now()
        async with self.db.transaction() as tx:
            await self.repo.update(
                tx, group.id, {"archived_at": now if archived else None, "updated_at": now}
            )
            if archived:
                # Nobody waits for a seat in an archived group: tell them kindly.
                for user_id in await self.repo.withdraw_requests_of_group(tx, group.id, now):
                    await self._notice(
                        tx,
                        group.guild_id,
                        user_id,
                        N_(
                            "The group {group} has been closed for now, so your request to join "
                            "it was withdrawn. You can find other groups with /group list."
                        ),
                        group=group.name,
                    )
                for entry in await self.repo.waitlist_of_group_in(tx, group.id):
                    await self.repo.remove_from_waitlist(tx, entry.id)
                    await self._notice(
                        tx,
                        group.guild_id,
                        entry.user_id,
                        N_(
                            "The group {group} has been closed for now, so you are no longer on "
                            "its waitlist. You can find other groups with /group list."
                        ),
                        group=group.name,
                    )
        log.info("group %d %s by %d", group.id, "archived" if archived else "unarchived", by)
        return await self.get(group.guild_id, group.id)

    async def set_leader(self, group: Group, user_id: int, leader: bool) -> None:
        now = self.now()
        async with self.db.transaction() as tx:
            role = await self.repo.member_role_in(tx, group.id, user_id)
            if leader:
                if role == "leader":
                    raise UserError(N_("They already lead {group}."), group=group.name)
                await self.repo.add_member(tx, group, user_id, "leader", now)
                await self.repo.drop_ticket(tx, group.id, user_id)
                entry = await self.repo.waitlist_entry_for(tx, group.id, user_id)
                if entry is not None:
                    await self.repo.remove_from_waitlist(tx, entry.id)
                request = await self.repo.pending_request_for(tx, group.id, user_id)
                if request is not None:
                    await self.repo.decide_request(tx, request.id, "approved", None, None, now)
                # A member who becomes a leader gives their seat back.
                await self._offer_free_seats(tx, group.id, now)
            else:
                if role != "leader":
                    raise UserError(N_("They are not a leader of {group}."), group=group.name)
                # They stay in the group as a member: removing them is a separate decision.
                await self.repo.add_member(tx, group, user_id, "member", now)

    # ------------------------------------------------------------------ joining

    async def request_join(
        self, group: Group, user_id: int, *, source: str = "join"
    ) -> JoinOutcome:
        """Decide what a member's wish to join leads to. `source` is how they came: 'join' (a
        command or button), 'request' (leaders approved), 'offer' (accepted a waitlist offer),
        'added' (a moderator gave them the role by hand)."""
        now = self.now()
        async with self.db.transaction() as tx:
            current = await self.repo.get_in(tx, group.id, now)
            if current is None:
                raise NotFound(N_("That group no longer exists."))
            group = current
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
                entry = await self.repo.waitlist_entry(tx, entry_id)
                assert entry is not None
                position = await self.repo.waitlist_position(tx, entry)
                return JoinOutcome("waitlisted", group, position=position)
            if entry is not None:
                await self.repo.remove_from_waitlist(tx, entry.id)
            await self.repo.put_ticket(tx, group, user_id, source, now, now + TICKET_HOURS * 3600)
            group = await self.repo.get_in(tx, group.id, now) or group
        return JoinOutcome("ticket", group)

    async def complete_join(self, guild_id: int, group_id: int, user_id: int) -> Group | None:
        """Turn a ticket into a membership (every join gate was passed). None if the member
        holds no ticket (it expired, or they joined already)."""
        now = self.now()
        async with self.db.transaction() as tx:
            group = await self.repo.get_in(tx, group_id, now)
            if group is None or group.guild_id != guild_id or group.archived:
                return None
            if await self.repo.ticket(tx, group_id, user_id, now) is None:
                return None
            await self.repo.drop_ticket(tx, group_id, user_id)
            await self.repo.add_member(tx, group, user_id, "member", now)
        log.info("user %d joined group %d", user_id, group_id)
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

    async def leave(self, group: Group, user_id: int) -> bool:
        """The member leaves (or the role could not be granted). Frees the seat."""
        now = self.now()
        async with self.db.transaction() as tx:
            removed = await self.repo.remove_member(tx, group.id, user_id)
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
            await self.repo.record_removal(tx, group, user_id, by, reason, now)
            await self._notice(
                tx,
                group.guild_id,
                user_id,
                N_(
                    "You are no longer a member of the group {group}: its leaders or moderators "
                    "removed you. If you think this is a mistake, or would like to talk about "
                    "it, please reach out to a moderator."
                ),
                group=group.name,
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
        """They left, were kicked or banned: out of every group, waitlist and request."""
        now = self.now()
        left = LeftGroups()
        async with self.db.transaction() as tx:
            touched = set()
            for group_id in await self.repo.memberships_in(tx, guild_id, user_id):
                await self.repo.remove_member(tx, group_id, user_id)
                left.groups.append(group_id)
                touched.add(group_id)
            for entry in await self.repo.waitlists_of_user_in(tx, guild_id, user_id):
                await self.repo.remove_from_waitlist(tx, entry.id)
                left.waitlists += 1
                touched.add(entry.group_id)
            await tx.execute(
                "DELETE FROM group_join_tickets WHERE guild_id = :guild AND user_id = :u",
                {"guild": guild_id, "u": user_id},
            )
            left.requests = await self.repo.withdraw_requests_of_user(tx, guild_id, user_id, now)
            for group_id in sorted(touched):
                await self._offer_free_seats(tx, group_id, now)
        return left

    # ------------------------------------------------------------------ waitlist offers

    async def _offer_free_seats(self, tx: Transaction, group_id: int, now: int) -> None:
        """Offer each free seat to the next person waiting, in order."""
        while True:
            group = await self.repo.get_in(tx, group_id, now)
            if group is None or group.archived:
                return
            if group.capacity is not None and group.seats_taken >= group.capacity:
                return
            entry = await self.repo.next_waiting(tx, group_id)
            if entry is None:
                return
            expires_at = now + group.offer_hours * 3600
            await self.repo.mark_offered(tx, entry.id, now, expires_at)
            await self._outbox.enqueue(
                tx,
                kind=OFFER,
                guild_id=group.guild_id,
                user_id=entry.user_id,
                payload={"entry": entry.id, "group": group.name, "expires_at": expires_at},
            )
            for listener in self._offer_listeners:
                tx.after_commit(functools.partial(listener, entry.id, expires_at))

    async def accept_offer(self, entry_id: int, user_id: int) -> JoinOutcome:
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
        return await self.request_join(group, user_id, source="offer")

    async def decline_offer(self, entry_id: int, user_id: int) -> Group | None:
        now = self.now()
        async with self.db.transaction() as tx:
            entry = await self.repo.waitlist_entry(tx, entry_id)
            if entry is None or entry.user_id != user_id:
                return None
            await self.repo.remove_from_waitlist(tx, entry.id)
            await self._offer_free_seats(tx, entry.group_id, now)
            return await self.repo.get_in(tx, entry.group_id, now)

    async def expire_offer(self, entry_id: int) -> bool:
        """The offer ran out: the member leaves the waitlist, the seat goes to the next."""
        now = self.now()
        async with self.db.transaction() as tx:
            entry = await self.repo.waitlist_entry(tx, entry_id)
            if entry is None or entry.offer_expires_at is None or entry.offer_expires_at > now:
                return False
            group = await self.repo.get_in(tx, entry.group_id, now)
            await self.repo.remove_from_waitlist(tx, entry.id)
            if group is not None:
                await self._notice(
                    tx,
                    group.guild_id,
                    entry.user_id,
                    N_(
                        "The seat offered to you in {group} has gone to the next person, as the "
                        "offer was not accepted in time. You're welcome to join the waitlist "
                        "again with /group join."
                    ),
                    group=group.name,
                )
            await self._offer_free_seats(tx, entry.group_id, now)
        return True

    async def open_offers(self) -> list[WaitlistEntry]:
        return await self.repo.open_offers()

    async def expire_tickets(self) -> None:
        """Tickets whose gates were never passed free their seats."""
        now = self.now()
        async with self.db.transaction() as tx:
            for group_id in await self.repo.drop_expired_tickets(tx, now):
                await self._offer_free_seats(tx, group_id, now)

    async def purge(self) -> int:
        """Daily: forget decided join requests (and the reasons given) after the retention."""
        async with self.db.transaction() as tx:
            return await self.repo.purge_decided_requests(tx, self.now(), DEFAULT_RETENTION_DAYS)

    # ------------------------------------------------------------------ join requests

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
        async with self.db.transaction() as tx:
            request, group = await self._pending_request(tx, request_id, guild_id)
            await self.repo.decide_request(tx, request.id, "approved", by, None, self.now())
        outcome = await self.request_join(group, request.user_id, source="request")
        if outcome.kind == "waitlisted":
            async with self.db.transaction() as tx:
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

    # ------------------------------------------------------------------ helpers

    async def add_panel(self, guild_id: int, channel_id: int, by: int) -> int:
        async with self.db.transaction() as tx:
            return await self.repo.add_panel(tx, guild_id, channel_id, by, self.now())

    async def notify(self, guild_id: int, user_id: int, message: str, **params: object) -> None:
        async with self.db.transaction() as tx:
            await self._notice(tx, guild_id, user_id, message, **params)

    async def notify_channel(
        self, guild_id: int, channel_id: int, message: str, **params: object
    ) -> None:
        async with self.db.transaction() as tx:
            await self._outbox.enqueue(
                tx,
                kind=NOTICE,
                guild_id=guild_id,
                channel_id=channel_id,
                payload={"msg": message, "params": params},
            )

    async def _notice(
        self, tx: Transaction, guild_id: int, user_id: int, message: str, **params: object
    ) -> None:
        await self._outbox.enqueue(
            tx,
            kind=NOTICE,
            guild_id=guild_id,
            user_id=user_id,
            payload={"msg": message, "params": params},
        )

    async def report_missing(self, group: Group, what: str, field_name: str) -> bool:
        """A group's role or channel was deleted by hand: forget it and tell the moderators,
        with a button to recreate it. False when there is nowhere to tell them."""
        settings = await self._settings.get(group.guild_id)
        target = settings.mod_log_channel_id or settings.escalation_channel_id
        async with self.db.transaction() as tx:
            await self.repo.update(tx, group.id, {field_name: None, "updated_at": self.now()})
            if target is None:
                return False
            await self._outbox.enqueue(
                tx,
                kind=MISSING,
                guild_id=group.guild_id,
                channel_id=target,
                payload={"group": group.id, "what": what},
            )
        return True


class Directory:
    """`bot.groups` for other features (see bot/directory.py)."""

    def __init__(self, service: GroupService) -> None:
        self._service = service

    async def get(self, guild_id: int, group_id: int) -> GroupRef | None:
        group = await self._service.repo.get(guild_id, group_id, self._service.now())
        return group.ref() if group else None

    async def for_channel(self, guild_id: int, channel_id: int) -> GroupRef | None:
        group = await self._service.repo.for_channel(guild_id, channel_id, self._service.now())
        return group.ref() if group else None

    async def is_member(self, guild_id: int, group_id: int, user_id: int) -> bool:
        group = await self._service.repo.get(guild_id, group_id, self._service.now())
        return group is not None and await self._service.repo.member_role(group_id, user_id) in (
            "member",
            "leader",
        )

    async def member_ids(self, guild_id: int, group_id: int) -> list[int]:
        group = await self._service.repo.get(guild_id, group_id, self._service.now())
        return [] if group is None else [u for u, _, _ in await self._service.members(group)]

    async def leader_ids(self, guild_id: int, group_id: int) -> list[int]:
        group = await self._service.repo.get(guild_id, group_id, self._service.now())
        if group is None:
            return []
        return [u for u, role, _ in await self._service.members(group) if role == "leader"]

    async def groups_of(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return [g.ref() for g in await self._service.groups_of(guild_id, user_id)]

    async def led_by(self, guild_id: int, user_id: int) -> list[GroupRef]:
        groups = await self._service.repo.groups_of(
            guild_id, user_id, self._service.now(), role="leader"
        )
        return [g.ref() for g in groups]

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        needle = name_key(query)
        groups = await self._service.list(guild_id, include_archived=include_archived)
        return [g.ref() for g in groups if needle in name_key(g.name)][:limit]

    async def join_source(self, guild_id: int, group_id: int, user_id: int) -> str | None:
        group = await self._service.repo.get(guild_id, group_id, self._service.now())
        if group is None:
            return None
        return await self._service.repo.ticket_source(group_id, user_id, self._service.now())

    async def held_ids(self, guild_id: int, group_id: int) -> set[int]:
        group = await self._service.repo.get(guild_id, group_id, self._service.now())
        return set() if group is None else await self._service.repo.held_ids(group_id)
