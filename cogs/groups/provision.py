"""The Discord side of a group: its role, its private channels and their permission overwrites.

Creating a group makes several Discord calls; if one fails, what was already created is deleted
again (in reverse order) and the admin is told why in words they can act on. Each object's id
is handed to `record` as soon as Discord returns it (the setup's row in the database), so a
crash half-way leaves nothing start-up cannot find and delete (recovery.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import discord

from bot.errors import UserError
from bot.i18n import N_
from cogs.groups import rules
from cogs.groups.records import Group

log = logging.getLogger(__name__)

Record = Callable[[str, int], Awaitable[None]]  # (column, e.g. "role_id"; the new object's id)

# Discord error codes worth explaining.
MAX_ROLES = 30005
MAX_CHANNELS = 30013

MEMBER_ALLOW = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    connect=True,
    speak=True,
)
# An archived group: members can still read the history, nobody writes.
ARCHIVED_DENY = discord.Permissions(
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
    add_reactions=True,
    connect=True,
)
LEADER_ALLOW = MEMBER_ALLOW | discord.Permissions(manage_messages=True)
MODERATOR_ALLOW = MEMBER_ALLOW | discord.Permissions(manage_messages=True)
BOT_ALLOW = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_private_threads=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    manage_messages=True,
    connect=True,
)


def _within(guild: discord.Guild, wanted: discord.Permissions) -> discord.Permissions:
    """Discord refuses overwrites that grant what the bot itself lacks."""
    return discord.Permissions(wanted.value & guild.me.guild_permissions.value)


def overwrite(allow: discord.Permissions, deny: discord.Permissions | None = None):
    return discord.PermissionOverwrite.from_pair(allow, deny or discord.Permissions.none())


def group_overwrites(
    guild: discord.Guild,
    role: discord.Role | None,
    moderator_role: discord.Role | None,
    leaders: Iterable[discord.abc.Snowflake],
    *,
    archived: bool = False,
    leaders_only: bool = False,
) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
    """Everyone denied; the group's role (unless leaders_only) and the moderators allowed;
    leaders allowed to manage messages; the bot allowed what it needs."""
    result: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
        guild.default_role: overwrite(
            discord.Permissions.none(), discord.Permissions(view_channel=True)
        ),
        guild.me: overwrite(_within(guild, BOT_ALLOW)),
    }
    deny = ARCHIVED_DENY if archived else None
    if role is not None and not leaders_only:
        result[role] = overwrite(_within(guild, MEMBER_ALLOW), deny)
    if moderator_role is not None:
        result[moderator_role] = overwrite(_within(guild, MODERATOR_ALLOW))
    for leader in leaders:
        target = guild.get_member(leader.id) or discord.Object(leader.id, type=discord.Member)
        result[target] = overwrite(_within(guild, LEADER_ALLOW), deny)
    return result


@dataclass
class Created:
    """What one provisioning step made, so a failure can undo it."""

    role: discord.Role | None = None
    channel: discord.TextChannel | None = None
    voice: discord.VoiceChannel | None = None
    leaders_channel: discord.TextChannel | None = None
    _undo: list[discord.Role | discord.abc.GuildChannel] = field(default_factory=list)

    async def rollback(self) -> None:
        for thing in reversed(self._undo):
            try:
                await thing.delete(reason="Group setup failed: undoing")
            except discord.HTTPException:
                log.warning(
                    "could not undo %s %s after a failed setup", type(thing).__name__, thing.id
                )
        self._undo.clear()


def explain(error: discord.HTTPException) -> UserError:
    if isinstance(error, discord.Forbidden):
        return UserError(
            N_(
                "Discord didn't let me set up the group: I'm missing a permission (I need Manage "
                "Roles and Manage Channels, and my role must be above the roles I manage). "
                "Nothing was created. Please ask a server admin to check my role, then try again."
            )
        )
    if error.code == MAX_ROLES:
        return UserError(
            N_(
                "This server has reached Discord's limit of 250 roles, so I couldn't create the "
                "group's role. Nothing was created. Remove an unused role, then try again."
            )
        )
    if error.code == MAX_CHANNELS:
        return UserError(
            N_(
                "This server has reached Discord's limit of 500 channels, so I couldn't create "
                "the group's channel. Nothing was created. Archive or delete an unused channel, "
                "then try again."
            )
        )
    return UserError(
        N_(
            "Discord had a problem while I was setting up the group ({status}), so I undid what "
            "I had created. Please try again in a minute."
        ),
        status=error.status,
    )


async def create_resources(
    guild: discord.Guild,
    *,
    name: str,
    channel_name: str,
    topic: str,
    moderator_role: discord.Role | None,
    leaders: list[discord.abc.Snowflake],
    voice: bool,
    need_role: bool = True,
    need_channel: bool = True,
    need_leaders_channel: bool = True,
    existing_role: discord.Role | None = None,
    archived: bool = False,
    record: Record | None = None,
) -> Created:
    """Create what is asked (all of it for a new group; the missing part when recreating).
    On any Discord error, undo and raise a UserError that says why."""
    created = Created(role=existing_role)
    reason = f"Peer support group “{name}”"

    async def made(column: str, thing: discord.Role | discord.abc.GuildChannel) -> None:
        created._undo.append(thing)
        if record is not None:
            await record(column, thing.id)

    try:
        if need_role:
            created.role = await guild.create_role(
                name=name[:100], mentionable=False, hoist=False, reason=reason
            )
            await made("role_id", created.role)
        if need_channel:
            created.channel = await guild.create_text_channel(
                channel_name,
                topic=topic[:1024] or None,  # type: ignore[arg-type]
                overwrites=group_overwrites(
                    guild, created.role, moderator_role, leaders, archived=archived
                ),
                reason=reason,
            )
            await made("channel_id", created.channel)
        if voice:
            created.voice = await guild.create_voice_channel(
                channel_name,
                overwrites=group_overwrites(
                    guild, created.role, moderator_role, leaders, archived=archived
                ),
                reason=reason,
            )
            await made("voice_channel_id", created.voice)
        if need_leaders_channel:
            created.leaders_channel = await guild.create_text_channel(
                f"{channel_name}-leaders"[:100],
                topic=f"Join requests for {name}"[:1024],
                overwrites=group_overwrites(
                    guild, created.role, moderator_role, leaders, leaders_only=True
                ),
                reason=reason,
            )
            await made("leaders_channel_id", created.leaders_channel)
    except discord.HTTPException as error:
        log.warning("group setup in guild %d failed: %s", guild.id, error)
        await created.rollback()
        raise explain(error) from error
    except Exception:
        await created.rollback()
        raise
    return created


async def set_channel_access(
    channel: discord.abc.GuildChannel | None,
    target: discord.Role | discord.Member,
    allow: discord.Permissions | None,
    *,
    archived: bool = False,
) -> None:
    """Give `target` member (or leader) access to a group channel, or take it away (None)."""
    if channel is None:
        return
    if allow is None:
        await channel.set_permissions(target, overwrite=None)
        return
    guild = channel.guild
    await channel.set_permissions(
        target,
        overwrite=overwrite(_within(guild, allow), ARCHIVED_DENY if archived else None),
    )


async def rename(guild: discord.Guild, group: Group) -> None:
    """The group was renamed: its role and text channels follow (logged, not raised, on
    failure: the group itself is renamed already)."""
    try:
        role = guild.get_role(group.role_id) if group.role_id else None
        if role is not None:
            await role.edit(name=group.name[:100], reason="Group renamed")
        for channel_id, suffix in (
            (group.channel_id, ""),
            (group.leaders_channel_id, "-leaders"),
        ):
            channel = guild.get_channel(channel_id) if channel_id else None
            if isinstance(channel, discord.TextChannel):
                await channel.edit(name=f"{rules.channel_name(group.name)}{suffix}"[:100])
    except discord.HTTPException:
        log.warning("could not rename the role or channels of group %d", group.id, exc_info=True)
