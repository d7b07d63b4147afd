"""The groups service's crash-safe flows. No discord import.

`/group create` records its intent first (`start_provisioning`), then each role and channel
as Discord returns it (`record_provisioned`), then the group and "done" in one transaction
(`GroupService.create`). Start-up finds what a crash cut short (`unfinished_provisionings`):
the cog deletes what was made and `undo_provisioning` tells the moderator, once.

A join ticket given by a flow that then stopped (an approval, an accepted offer) has not
asked its join gates yet: start-up asks them (`unasked_tickets`). A seat offer whose direct
message failed (DMs closed) is pointed to by a note without names (`note_offer`).
"""

from __future__ import annotations

from bot.errors import UserError
from bot.i18n import N_
from cogs.groups.records import Provisioning, WaitlistEntry
from cogs.groups.rules import GroupSpec, name_key
from cogs.groups.service_joining import JoiningService
from cogs.groups.service_seats import NOTICE

# The note in a server channel for a member whose DMs are closed. It names nobody and no
# group: a waitlist for a cancer group is nobody else's business.
OFFER_NOTE = N_(
    "Someone here has a message waiting from the groups bot, and I couldn't send it "
    "privately. If you're waiting for a seat in a group, please use /group mine: only you "
    "will see the answer."
)


# When the server has no channel for that note (no groups panel, no system channel): the
# moderators are told, privately, so a person can let the member know.
OFFER_NOTE_MODERATORS = N_(
    "A seat in {group} is offered to <@{user}>, but I couldn't send it to them privately "
    "(their direct messages are closed) and this server has no groups panel or system channel "
    "where I could leave a note. Could someone let them know, kindly, to use /group mine? "
    "The offer is open until <t:{expires}:f>."
)


UNDONE = N_(
    "Setting up the group {group} was interrupted (I restarted), so I removed the role and "
    "channels I had started to make. Nothing is left half-made. Please run /group create again."
)
READY = N_(
    "The group {group} you created is ready (I restarted before I could tell you). /group "
    "list shows it."
)


class FlowService(JoiningService):
    """Provisioning records, tickets whose gates wait, and notes for closed DMs."""

    # ------------------------------------------------------------------ provisioning

    async def start_provisioning(
        self, guild_id: int, spec: GroupSpec, *, by: int, token: str | None = None
    ) -> int:
        """The intent, before anything is made in Discord. `token`: the command's interaction,
        whose deferred reply start-up edits if the setup is cut short (valid 15 minutes)."""
        async with self.db.transaction() as tx:
            if await self.repo.name_taken(tx, guild_id, name_key(spec.name)):
                raise UserError(
                    N_("There is already a group called “{name}”. Please choose another name."),
                    name=spec.name,
                )
            return await self.repo.add_provisioning(
                tx, guild_id, by, spec.name, spec.channel_name, self.now(), token
            )

    async def record_provisioned(self, provisioning_id: int, column: str, object_id: int) -> None:
        async with self.db.transaction() as tx:
            await self.repo.set_provisioned(tx, provisioning_id, column, object_id)

    async def provisioning_failed(self, provisioning_id: int) -> None:
        """Discord refused and what was made is deleted; the moderator read why."""
        async with self.db.transaction() as tx:
            await self.repo.finish_provisioning(
                tx, provisioning_id, "undone", None, self.now(), told=True
            )

    async def provisioning_told(self, provisioning_id: int) -> None:
        async with self.db.transaction() as tx:
            await self.repo.mark_provisioning_told(tx, provisioning_id, self.now())

    async def unfinished_provisionings(self, guild_id: int) -> list[Provisioning]:
        return await self.repo.unfinished_provisionings(guild_id)

    async def owned_ids(self, guild_id: int) -> set[int]:
        return await self.repo.owned_ids(guild_id)

    async def undo_provisioning(self, provisioning: Provisioning, *, told: bool) -> bool:
        """What the interrupted setup made is deleted: say so to the moderator, once (`told`:
        they were, in the command's own reply; else by a direct message)."""
        now = self.now()
        async with self.db.transaction() as tx:
            if not await self.repo.finish_provisioning(
                tx, provisioning.id, "undone", None, now, told=True
            ):
                return False
            if told:
                return True
            await self._notice(
                tx,
                provisioning.guild_id,
                provisioning.created_by,
                UNDONE,
                group=provisioning.name,
            )
        return True

    async def tell_ready(self, provisioning: Provisioning, *, told: bool) -> bool:
        """The group was made but the reply was cut short: tell the moderator it is ready
        (`told`: the command's own reply said so now; else a direct message does)."""
        async with self.db.transaction() as tx:
            if not await self.repo.mark_provisioning_told(tx, provisioning.id, self.now()):
                return False
            if told:
                return True
            await self._notice(
                tx,
                provisioning.guild_id,
                provisioning.created_by,
                READY,
                group=provisioning.name,
            )
        return True

    # ------------------------------------------------------------------ tickets

    async def gates_asked(self, group_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await self.repo.mark_gates_asked(tx, group_id, user_id, self.now())

    async def unasked_tickets(self, guild_id: int) -> list[tuple[int, int]]:
        return await self.repo.unasked_tickets(guild_id, self.now())

    # ------------------------------------------------------------------ offers

    async def note_offer(
        self, offer_row: int, channel_id: int | None, moderators_channel_id: int | None = None
    ) -> bool:
        """The offer's DM failed for good: post the note without names (once) in `channel_id`,
        or, with no such channel, tell the moderators in theirs. False when the offer is gone,
        was noted already, or there is nowhere to post."""
        now = self.now()
        async with self.db.transaction() as tx:
            entry = await self.repo.entry_for_offer_row(tx, offer_row)
            if entry is None or entry.offer_expires_at is None or entry.offer_expires_at <= now:
                return False
            target = channel_id if channel_id is not None else moderators_channel_id
            if target is None or not await self.repo.mark_offer_noted(tx, entry.id, now):
                return False
            if channel_id is not None:
                payload: dict[str, object] = {"msg": OFFER_NOTE, "params": {}}
            else:
                group = await self.repo.get_in(tx, entry.group_id, now)
                params = {
                    "group": group.name if group else "",
                    "user": entry.user_id,
                    "expires": entry.offer_expires_at,
                }
                payload = {"msg": OFFER_NOTE_MODERATORS, "params": params}
            await self._outbox.enqueue(
                tx, kind=NOTICE, guild_id=entry.guild_id, channel_id=target, payload=payload
            )
        return True

    async def unnoted_offers(self, guild_id: int) -> list[WaitlistEntry]:
        return await self.repo.unnoted_offers(guild_id, self.now())

    async def open_offers_of(self, guild_id: int, user_id: int) -> list[WaitlistEntry]:
        now = self.now()
        async with self.db.transaction() as tx:
            entries = await self.repo.waitlists_of_user_in(tx, guild_id, user_id)
        return [e for e in entries if e.offer_expires_at is not None and e.offer_expires_at > now]
