"""The rules of groups: names, seats, the waitlist, join requests, leaders. No discord import.

The database says who belongs to a group; the Discord role follows it. `GroupService` is built in
layers, one module each: service_seats.py (dependencies, notices, free seats offered to the
waitlist), service_joining.py (joining, leaving, join requests) and this module (reading,
creating and editing groups, leaders, panels). `Directory` is `bot.groups` for other features.
"""

from __future__ import annotations

import logging

from bot.directory import GroupRef
from bot.errors import NotFound, UserError
from bot.events import GROUP_LEADER_ADDED, GROUP_LEADER_REMOVED, GROUP_UPDATED
from bot.guild_settings import validate_timezone
from bot.i18n import N_
from cogs.groups.records import Group, Panel, WaitlistEntry
from cogs.groups.rules import (
    DESCRIPTION_MAX,
    LANGUAGE_MAX,
    TOPIC_MAX,
    GroupSpec,
    check_capacity,
    check_spec,
    clean_text,
    name_key,
)
from cogs.groups.service_flows import FlowService
from cogs.groups.service_seats import MISSING

log = logging.getLogger(__name__)


class GroupService(FlowService):
    """Everything the groups feature decides; the cog and `Directory` call only this."""

    # ------------------------------------------------------------------ reading

    async def get(self, guild_id: int, group_id: int) -> Group:
        group = await self.repo.get(guild_id, group_id, self.now())
        if group is None:
            raise NotFound(N_("I couldn't find that group. Please pick one from the list."))
        return group

    async def find(self, guild_id: int, value: str) -> Group:
        """A group from an autocomplete value (its id) or a typed name."""
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) < 19:  # an id SQLite can hold
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

    async def refs_of(
        self, guild_id: int, user_id: int, *, role: str | None = None
    ) -> list[GroupRef]:
        """The active groups a member belongs to (or leads), as `bot.groups` answers; remembered."""
        return await self.repo.refs_of(guild_id, user_id, role)

    async def is_leader(self, guild_id: int, user_id: int, group_id: int | None) -> bool:
        """A leader of this group (None: of any active group of the server); remembered."""
        return await self.repo.leads(guild_id, user_id, group_id)

    async def members(self, group: Group) -> list[tuple[int, str, int]]:
        return await self.repo.members(group.id)

    async def waitlist(self, group: Group) -> list[WaitlistEntry]:
        return await self.repo.waitlist(group.id)

    async def lookup(self, guild_id: int, group_id: int) -> Group | None:
        """Like `get`, but None (not an error) when there is no such group."""
        return await self.repo.get(guild_id, group_id, self.now())

    async def for_role(self, guild_id: int, role_id: int) -> Group | None:
        return await self.repo.for_role(guild_id, role_id, self.now())

    async def for_channel(self, guild_id: int, channel_id: int) -> Group | None:
        """The group whose text, voice or leaders' channel this is."""
        return await self.repo.for_channel(guild_id, channel_id, self.now())

    async def channel_ref(self, guild_id: int, channel_id: int) -> GroupRef | None:
        """`for_channel` as other features see it (`bot.groups`), remembered until a group
        changes (GroupRepository.channel_refs)."""

        async def read() -> GroupRef | None:
            group = await self.for_channel(guild_id, channel_id)
            return group.ref() if group else None

        return await self.repo.channel_refs.get((guild_id, channel_id), read)

    async def led_by(self, guild_id: int, user_id: int) -> list[Group]:
        return await self.repo.groups_of(guild_id, user_id, self.now(), role="leader")

    async def is_member(self, group: Group, user_id: int) -> bool:
        """A member or a leader of the group."""
        return await self.repo.member_role(group.id, user_id) in ("member", "leader")

    async def held_ids(self, group: Group) -> set[int]:
        """Members whose access is held (they keep their seat, not the role)."""
        return await self.repo.held_ids(group.id)

    async def join_source(self, group: Group, user_id: int) -> str | None:
        """How a member whose join waits for the gates came (see `request_join`)."""
        return await self.repo.ticket_source(group.id, user_id, self.now())

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
        provisioning_id: int | None = None,
    ) -> Group:
        """The group, its leader and (with `provisioning_id`) its setup marked done: one
        transaction, so a crash leaves either a whole group or a setup start-up undoes."""
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
                await self._announce(tx, GROUP_LEADER_ADDED, guild_id, group_id, leader_id)
            if provisioning_id is not None:
                await self.repo.finish_provisioning(
                    tx, provisioning_id, "done", group_id, now, told=False
                )
        log.info("group %d created in guild %d", group_id, guild_id)
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
            await self._announce(tx, GROUP_UPDATED, group.guild_id, group.id)
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
                # Approved or offered, not through the agreement yet: the seat goes too.
                for user_id in await self.repo.drop_tickets_of_group(tx, group.id):
                    await self._notice(
                        tx,
                        group.guild_id,
                        user_id,
                        N_(
                            "The group {group} has been closed for now, so the seat held for "
                            "you there has gone, and I'm sorry for the trouble. You can find "
                            "other groups with /group list."
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
        log.info("group %d %s", group.id, "archived" if archived else "unarchived")
        return await self.get(group.guild_id, group.id)

    async def set_leader(
        self, group: Group, user_id: int, leader: bool, *, announce: bool = True
    ) -> None:
        """Make someone a leader, or a member again. `announce`: the `group_leader_added` or
        `group_leader_removed` event goes with it (not when a failed `/group leaders add` is
        undone: nothing happened that others must hear)."""
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
                if announce:
                    await self._announce(tx, GROUP_LEADER_ADDED, group.guild_id, group.id, user_id)
            else:
                if role != "leader":
                    raise UserError(N_("They are not a leader of {group}."), group=group.name)
                # They stay in the group as a member: removing them is a separate decision.
                await self.repo.add_member(tx, group, user_id, "member", now)
                if announce:
                    await self._announce(
                        tx, GROUP_LEADER_REMOVED, group.guild_id, group.id, user_id
                    )

    # ------------------------------------------------------------------ panels

    async def add_panel(self, guild_id: int, channel_id: int, by: int) -> int:
        async with self.db.transaction() as tx:
            return await self.repo.add_panel(tx, guild_id, channel_id, by, self.now())

    async def set_panel_message(self, panel_id: int, message_id: int) -> None:
        await self.repo.set_panel_message(panel_id, message_id)

    async def panels(self, guild_id: int) -> list[Panel]:
        return await self.repo.panels(guild_id)

    async def forget_panel(self, panel_id: int) -> None:
        """Its message was deleted in Discord."""
        await self.repo.delete_panel(panel_id)

    # ------------------------------------------------------------------ Discord changes

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
        group = await self._service.lookup(guild_id, group_id)
        return group.ref() if group else None

    async def for_channel(self, guild_id: int, channel_id: int) -> GroupRef | None:
        return await self._service.channel_ref(guild_id, channel_id)

    async def is_member(self, guild_id: int, group_id: int, user_id: int) -> bool:
        group = await self._service.lookup(guild_id, group_id)
        return group is not None and await self._service.is_member(group, user_id)

    async def member_ids(self, guild_id: int, group_id: int) -> list[int]:
        group = await self._service.lookup(guild_id, group_id)
        return [] if group is None else [u for u, _, _ in await self._service.members(group)]

    async def leader_ids(self, guild_id: int, group_id: int) -> list[int]:
        group = await self._service.lookup(guild_id, group_id)
        if group is None:
            return []
        return [u for u, role, _ in await self._service.members(group) if role == "leader"]

    async def groups_of(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return await self._service.refs_of(guild_id, user_id)

    async def led_by(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return await self._service.refs_of(guild_id, user_id, role="leader")

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        needle = name_key(query)
        groups = await self._service.list(guild_id, include_archived=include_archived)
        return [g.ref() for g in groups if needle in name_key(g.name)][:limit]

    async def join_source(self, guild_id: int, group_id: int, user_id: int) -> str | None:
        group = await self._service.lookup(guild_id, group_id)
        return None if group is None else await self._service.join_source(group, user_id)

    async def held_ids(self, guild_id: int, group_id: int) -> set[int]:
        group = await self._service.lookup(guild_id, group_id)
        return set() if group is None else await self._service.held_ids(group)
