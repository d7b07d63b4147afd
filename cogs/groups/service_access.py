"""Access follows the database: who may read a group, and access still to take away. No discord
import.

The database says who is entitled to what: the group's role goes to its members and leaders
(not while a member's access is held); the leaders' own permissions on its channels go to its
leaders; the moderator role (a guild setting) reads every group's channels. Anything else on a
group's channels (a member's or a role's permissions) or a group's role held by someone else
is taken away by the Discord side (access.py), which reports here.

When Discord refuses (the group's role above the bot's, a missing permission, an outage), the
access is marked "to remove" (`group_access_removals`), the moderators are told at once, the
removal is tried again, and nobody is told "removed" until it is done: a notice that waits for
it (the member's "you are no longer a member") goes out in the transaction that clears the
mark. The mod log says what the bot took away, and why.
"""

from __future__ import annotations

import logging

from bot.i18n import N_
from cogs.groups.records import AccessRemoval, Group
from cogs.groups.service_seats import NOTICE, SeatService

log = logging.getLogger(__name__)

# Mod-log action kinds (declared by the cog).
ACCESS_REMOVED = "group_access_removed"  # the group's role taken from a member
PERMISSIONS_REMOVED = "group_permissions_removed"  # a member's own permissions on its channels
ROLE_ACCESS_REMOVED = "group_role_access_removed"  # a role's permissions on a group's channels
MODERATOR_ROLE_MOVED = "group_moderator_role_moved"  # the moderator role changed: channels follow

ROLE, OVERWRITE = "role", "overwrite"  # kinds of access to take away
BOT = 0  # the mod log's actor for what the bot does by itself ("the bot")

# Why access is taken away: stored as the code, written in the mod log as the words.
REASONS: dict[str, str] = {
    "removed": "Removed from the group",
    "left": "Left the group",
    "held": "Access held until the member accepts the confidentiality agreement",
    "left_server": "Left the server",
    "not_member": "Not a member of the group",
    "not_leader": "No longer a leader of the group",
    "not_moderator_role": "Not the moderator role",
    "stray": "Permissions nobody is entitled to",
    "forgotten": "The member's data was deleted",
}

# What the member is told once their access is really gone (`notice` of a mark).
NOTICES: dict[str, str] = {
    "removed": N_(
        "You are no longer a member of the group {group}: its leaders or moderators removed "
        "you. If you think this is a mistake, or would like to talk about it, please reach out "
        "to a moderator."
    ),
}

FAILED_FORBIDDEN = N_(
    "I couldn't take away {who}'s access to the group {group} ({reason}): Discord refused. My "
    "role must be above the group's role, and I need the Manage Roles permission. Until it is "
    "done, they can still read the group: please fix my role (Server Settings > Roles) or "
    "remove it by hand. I'll keep trying, and nobody is told it's done before it is."
)
FAILED_OTHER = N_(
    "I couldn't take away {who}'s access to the group {group} ({reason}) because Discord had a "
    "problem. Until it is done, they can still read the group. I'll keep trying, and nobody is "
    "told it's done before it is."
)
OVER_CAPACITY = N_(
    "<@{user}> no longer leads {group} and stays in it as a member, so the group now has "
    "{taken} members for {capacity} seats. Nobody is asked to leave; the next free seat is "
    "offered only once the group is back within its limit."
)


def who(target_id: int, is_role: bool) -> str:
    """How a target reads in a message (never pings: the outbox sends without mentions)."""
    return f"<@&{target_id}>" if is_role else f"<@{target_id}>"


class AccessService(SeatService):
    """Entitlements, and the marks of access still to take away."""

    # ------------------------------------------------------------------ entitlements

    async def role_holders(self, group: Group) -> set[int]:
        """Who should hold the group's role: its members and leaders, not while held."""
        rows = await self.repo.members(group.id)
        held = await self.repo.held_ids(group.id)
        return {u for u, _, _ in rows} - held

    async def leader_ids(self, group: Group) -> set[int]:
        return {u for u, r, _ in await self.repo.members(group.id) if r == "leader"}

    async def marked(self, group: Group, kind: str) -> set[int]:
        """Targets whose access to this group is still to take away."""
        return await self.repo.removal_targets(group.id, kind)

    async def removals(self, guild_id: int | None = None) -> list[AccessRemoval]:
        return await self.repo.removals(guild_id)

    # ------------------------------------------------------------------ marks

    async def mark_removal(
        self, group: Group, target_id: int, kind: str, reason: str, notice: str | None = None
    ) -> None:
        """Before trying: access to take away (kept until it is gone)."""
        async with self.db.transaction() as tx:
            await self.repo.mark_removal(
                tx,
                group_id=group.id,
                guild_id=group.guild_id,
                target_id=target_id,
                kind=kind,
                reason=reason,
                notice=notice,
                now=self.now(),
            )

    async def removal_done(
        self,
        group: Group,
        target_id: int,
        kind: str,
        reason: str,
        *,
        target_is_role: bool = False,
        announce: bool = True,
    ) -> None:
        """The access is gone: the mark goes, the member is told what waited for it, and the
        mod log says so (`announce`; always when the moderators were told it had failed)."""
        async with self.db.transaction() as tx:
            mark = await self.repo.removal_in(tx, group.id, target_id, kind)
            if mark is not None:
                await self.repo.drop_removal(tx, group.id, target_id, kind)
                reason = mark.reason
                if mark.notice in NOTICES:
                    await self._notice(
                        tx, group.guild_id, target_id, NOTICES[mark.notice], group=group.name
                    )
            if announce or (mark is not None and mark.told_at is not None):
                details: dict[str, str | int] = {}
                if target_is_role:
                    details["role"] = who(target_id, True)
                await self._modlog.record_in(
                    tx,
                    guild_id=group.guild_id,
                    action=(
                        ROLE_ACCESS_REMOVED
                        if target_is_role
                        else ACCESS_REMOVED
                        if kind == ROLE
                        else PERMISSIONS_REMOVED
                    ),
                    actor_id=BOT,
                    target_id=None if target_is_role else target_id,
                    group_id=group.id,
                    reason=REASONS.get(reason, reason),
                    details=details,
                )
        log.info("group %d: access (%s) taken away", group.id, kind)
        log.debug("group %d: access of %d taken away", group.id, target_id)

    async def removal_failed(
        self,
        group: Group,
        target_id: int,
        kind: str,
        reason: str,
        *,
        forbidden: bool,
        target_is_role: bool = False,
    ) -> bool:
        """Discord refused: the mark stays (made now if needed) and, the first time, the
        moderators are told at once. True if they were told now."""
        settings = await self._settings.get(group.guild_id)
        channel_id = settings.mod_log_channel_id or settings.escalation_channel_id
        now = self.now()
        async with self.db.transaction() as tx:
            mark = await self.repo.removal_in(tx, group.id, target_id, kind)
            if mark is None:
                await self.repo.mark_removal(
                    tx,
                    group_id=group.id,
                    guild_id=group.guild_id,
                    target_id=target_id,
                    kind=kind,
                    reason=reason,
                    notice=None,
                    now=now,
                )
            tell = (mark is None or mark.told_at is None) and channel_id is not None
            await self.repo.removal_failed(tx, group.id, target_id, kind, now, tell)
            if tell:
                assert channel_id is not None
                await self._outbox.enqueue(
                    tx,
                    kind=NOTICE,
                    guild_id=group.guild_id,
                    channel_id=channel_id,
                    payload={
                        "msg": FAILED_FORBIDDEN if forbidden else FAILED_OTHER,
                        "params": {
                            "who": who(target_id, target_is_role),
                            "group": group.name,
                            "reason": REASONS.get(reason, reason),
                        },
                    },
                )
        log.warning(
            "group %d: could not take away an access (%s, %s)",
            group.id,
            kind,
            "forbidden" if forbidden else "error",
        )
        return tell

    async def drop_mark(self, group: Group, target_id: int, kind: str) -> bool:
        """They are entitled again (e.g. they rejoined): nothing to take away any more."""
        async with self.db.transaction() as tx:
            return await self.repo.drop_removal(tx, group.id, target_id, kind)

    async def moderator_role_moved(
        self, guild_id: int, old_role_id: int | None, new_role_id: int | None, groups: int
    ) -> None:
        """The moderator role changed and the groups' channels follow it: one mod-log line."""
        await self._modlog.record(
            guild_id=guild_id,
            action=MODERATOR_ROLE_MOVED,
            actor_id=BOT,
            details={
                "role": f"<@&{new_role_id}>" if new_role_id else "-",
                "old": f"<@&{old_role_id}>" if old_role_id else "-",
                "count": groups,
            },
        )

    async def over_capacity_notice(self, group: Group, user_id: int) -> bool:
        """A leader became a member past the group's capacity: tell its leaders (they stay)."""
        current = await self.repo.get(group.guild_id, group.id, self.now())
        if current is None or current.capacity is None:
            return False
        if current.seats_taken <= current.capacity or current.leaders_channel_id is None:
            return False
        await self.notify_channel(
            group.guild_id,
            current.leaders_channel_id,
            OVER_CAPACITY,
            user=user_id,
            group=current.name,
            taken=current.seats_taken,
            capacity=current.capacity,
        )
        return True
