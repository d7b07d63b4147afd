"""Start-up recovery of the groups feature's flows a crash cut short. A mixin of GroupsCog.

- A /group create still 'provisioning' (group_provisionings): what it recorded, and what it
  made but had no time to record (a role or channel of the name it meant to use, created after
  the setup started, owned by no group), is deleted; the moderator who ran it is told once.
  A create that finished but never replied tells the moderator the group is ready.
- A join ticket whose flow stopped before asking the join gates (an approval, an accepted
  offer): the gates are asked now (e.g. the agreement sent privately).
- A seat offer whose direct message failed for good (DMs closed) and whose note was not
  posted: the note is posted (`offer_failed` posts it when the failure happens while running),
  in the groups panel's channel or the system channel, without names; with neither, the
  moderators are told in theirs.
- (The durable `join_gate_passed`, heard by `JoinFlow.gate_passed`, lets in a member whose
  "I agree" a crash kept from the join.)

It runs once per server per process (the first time the server is available), and never
touches a setup or a join running in this process.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from discord.ext import commands

from bot.outbox import OutboxMessage
from cogs.groups.commands import GroupCommands
from cogs.groups.records import Provisioning
from cogs.groups.service_flows import READY, UNDONE

log = logging.getLogger(__name__)

# Seconds: Discord's clock and ours may differ a little.
CLOCK_MARGIN = 60
# An interaction's token lets the bot edit its reply for 15 minutes; keep a margin.
TOKEN_LIFE = 14 * 60
ORIGINAL = "@original"


class GroupsRecovery(GroupCommands):
    """Finish or undo, at start-up, what a crash left half-done."""

    live_setups: set[int]
    recovered_guilds: set[int]

    @commands.Cog.listener("on_guild_available")
    async def recover_flows(self, guild: discord.Guild) -> None:
        if guild.id in self.recovered_guilds:
            return
        self.recovered_guilds.add(guild.id)
        for setup in await self.service.unfinished_provisionings(guild.id):
            if setup.id in self.live_setups:
                continue
            if setup.status == "done":
                told = await self._edit_reply(guild, setup, READY)
                await self.service.tell_ready(setup, told=told)
            else:
                await self._undo_setup(guild, setup)
        for group_id, user_id in await self.service.unasked_tickets(guild.id):
            if not self.joining.is_live(guild.id, group_id, user_id):
                log.info("asking a member's join gates for group %d again", group_id)
                log.debug("asking the join gates of user %d for group %d again", user_id, group_id)
                await self.joining.admit(guild.id, group_id, user_id, None)
        for entry in await self.service.unnoted_offers(guild.id):
            assert entry.offer_row is not None
            if await self.bot.dispatcher.outcome(entry.offer_row, within=0) == "failed":
                await self.service.note_offer(
                    entry.offer_row, await self.note_channel(guild), await self.moderators(guild)
                )

    async def _undo_setup(self, guild: discord.Guild, setup: Provisioning) -> None:
        recorded = {
            i
            for i in (
                setup.role_id,
                setup.channel_id,
                setup.voice_channel_id,
                setup.leaders_channel_id,
            )
            if i is not None
        }
        owned = await self.service.owned_ids(guild.id)
        since = datetime.fromtimestamp(setup.started_at - CLOCK_MARGIN, UTC)
        names = {setup.channel_name, f"{setup.channel_name}-leaders"[:100]}

        def unrecorded(thing: discord.Role | discord.abc.GuildChannel) -> bool:
            return thing.id not in owned and thing.created_at >= since

        things: list[discord.Role | discord.abc.GuildChannel] = [
            c for c in guild.channels if c.id in recorded or (c.name in names and unrecorded(c))
        ]
        things += [
            r
            for r in guild.roles
            if r.id in recorded or (r.name == setup.name[:100] and unrecorded(r))
        ]
        for thing in things:
            try:
                await thing.delete(reason=f"Group setup “{setup.name}” interrupted: undoing")
            except discord.NotFound:
                pass
            except discord.HTTPException:
                log.warning(
                    "could not undo %s %d of setup %d", type(thing).__name__, thing.id, setup.id
                )
                return  # tried again at the next start; the moderator is told once it is done
        log.info(
            "undid the interrupted setup %d of group %r in guild %d", setup.id, setup.name, guild.id
        )
        told = await self._edit_reply(guild, setup, UNDONE)
        await self.service.undo_provisioning(setup, told=told)

    async def _edit_reply(self, guild: discord.Guild, setup: Provisioning, text: str) -> bool:
        """Tell the moderator in the command's own reply ("thinking…" until now), while its
        interaction token is valid: editing it again after a crash shows one message, not two.
        False when it cannot be edited (too late): a direct message tells them then."""
        app_id = self.bot.application_id
        token = setup.interaction_token
        if token is None or app_id is None or self.service.now() - setup.started_at > TOKEN_LIFE:
            return False
        t = await self.bot.guild_settings.translator(guild.id)
        reply = discord.Webhook.partial(app_id, token, client=self.bot)
        try:
            await reply.edit_message(
                ORIGINAL,  # type: ignore[arg-type]  # the route takes "@original" too
                content=t(text, group=setup.name),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.info("the reply of setup %d can no longer be edited", setup.id)
            return False
        return True

    async def note_channel(self, guild: discord.Guild) -> int | None:
        """Where the note for a member whose DMs are closed goes: the channel of the server's
        groups panel (where members join groups), else Discord's system channel."""
        for panel in reversed(await self.service.panels(guild.id)):
            if guild.get_channel(panel.channel_id) is not None:
                return panel.channel_id
        return guild.system_channel.id if guild.system_channel is not None else None

    async def moderators(self, guild: discord.Guild) -> int | None:
        """Where the moderators are told when there is no channel for the note."""
        settings = await self.bot.guild_settings.get(guild.id)
        return settings.mod_log_channel_id or settings.escalation_channel_id

    async def offer_failed(self, message: OutboxMessage, error: Exception) -> None:
        """The outbox gave up on a seat offer's DM (DMs closed): the member learns of it from
        a note without names, and /group mine shows the offer with its buttons."""
        guild = self.bot.get_guild(message.guild_id) if message.guild_id else None
        if guild is None:
            return
        channel, moderators = await self.note_channel(guild), await self.moderators(guild)
        if await self.service.note_offer(message.id, channel, moderators):
            log.info(
                "offer %s could not be sent privately; a note points to /group mine", message.id
            )
