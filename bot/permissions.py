"""The permissions the bot asks for when it is invited: what its features need, nothing more;
and who can read the private channels alerts go to (below).

Not asked for on purpose: Administrator, Mention Everyone (the bot must never be able to ping
@everyone; make the moderator role mentionable instead), Kick/Ban Members, Manage Server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import discord

from bot.guild_settings import GuildSettings
from bot.i18n import Translate

# (permission attribute, why the bot needs it)
_NEEDED: tuple[tuple[str, str], ...] = (
    ("view_channel", "see the channels it works in"),
    ("send_messages", "post reminders, alerts and answers"),
    ("send_messages_in_threads", "talk in private support threads"),
    ("create_private_threads", "open a private thread when a member's DMs are closed"),
    ("embed_links", "send alerts and summaries as embeds"),
    ("attach_files", "send calendar files and poll charts"),
    ("read_message_history", "find and link to messages that were reported"),
    ("manage_messages", "let group leaders manage messages in their group's channel"),
    ("pin_messages", "pin the current guidelines in each group's channel"),
    ("manage_channels", "create each group's private channels"),
    ("manage_roles", "create group roles and set who may see group channels"),
    ("moderate_members", "apply and lift timeouts that moderators ask for"),
    ("create_events", "publish sessions as Discord events"),
    ("manage_events", "update and cancel those events"),
    ("connect", "attach events to a group's voice channel"),
)

REQUIRED_PERMISSIONS = discord.Permissions(**{name: True for name, _ in _NEEDED})


def describe_permissions() -> list[tuple[str, str]]:
    return [(name.replace("_", " ").title(), why) for name, why in _NEEDED]


# ---------------------------------------------------------------------------- private channels
#
# Alerts and the mod log hold members' private words: only moderators, admins and the bot may
# read the channels they go to. Checked when an admin sets a channel (/setup), in /setup show,
# and by the escalation feature before it posts an alert.

# What the bot must be allowed to do in the escalation and mod-log channels.
CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links", "read_message_history")

ChannelProblem = Literal["not_set", "deleted", "public", "no_permission"]


@dataclass(frozen=True)
class Reader:
    """Someone who can read a private channel and is neither a moderator, an admin nor the bot:
    @everyone, a role (each member who has it), or one member through their own overwrite."""

    kind: Literal["everyone", "role", "member"]
    id: int

    @property
    def mention(self) -> str:
        if self.kind == "everyone":
            return "@everyone"
        return f"<@&{self.id}>" if self.kind == "role" else f"<@{self.id}>"


@dataclass(frozen=True)
class ChannelCheck:
    """Whether a private channel works now, and why not."""

    channel_id: int | None
    problem: ChannelProblem | None = None
    readers: tuple[Reader, ...] = ()
    missing: tuple[str, ...] = ()  # the bot's missing permissions there

    @property
    def works(self) -> bool:
        return self.problem is None


def is_admin_role(role: discord.Role) -> bool:
    """A role whose members are server admins (as `bot.checks.is_admin` counts them)."""
    return role.permissions.administrator or role.permissions.manage_guild


def is_moderator_member(member: discord.Member, moderator_role_id: int | None) -> bool:
    """A moderator or an admin, from the member's roles (no interaction needed)."""
    perms = member.guild_permissions
    if member.id == member.guild.owner_id or perms.administrator or perms.manage_guild:
        return True
    return moderator_role_id is not None and member.get_role(moderator_role_id) is not None


def unwanted_readers(
    channel: discord.abc.GuildChannel, moderator_role_id: int | None
) -> list[Reader]:
    """Everyone who can read `channel` but should not: every role, taken alone with @everyone
    (the guild's base permissions, Administrator, the @everyone and role overwrites; a member's
    roles together never see more than one of them alone would, once overwrites are applied),
    and every member overwrite that lets someone who is not a moderator or admin in. With no
    moderator role set, only @everyone and member overwrites can be judged."""
    guild = channel.guild
    me = guild.me
    own_roles = {r.id for r in me.roles} if me is not None else set()
    found: list[Reader] = []
    for role in guild.roles:
        if not role.is_default():
            if moderator_role_id is None:
                # No moderator role yet: nobody can tell the moderators' role from the others.
                # @everyone and member overwrites are still checked; /setup show says a
                # moderator role is missing, and every check after it is set counts them all.
                continue
            if role.id == moderator_role_id or is_admin_role(role):
                continue
            if role.id in own_roles and role.is_bot_managed():
                continue  # the bot's own role
        if channel.permissions_for(role).view_channel:
            found.append(Reader("everyone" if role.is_default() else "role", role.id))
    for target, overwrite in channel.overwrites.items():
        if isinstance(target, discord.Role) or overwrite.view_channel is not True:
            continue
        if isinstance(target, discord.Object) and target.type is discord.Role:
            continue  # a role that no longer exists
        if me is not None and target.id == me.id:
            continue
        member = target if isinstance(target, discord.Member) else guild.get_member(target.id)
        if member is not None and is_moderator_member(member, moderator_role_id):
            continue
        # A member overwrite stays when they leave and lets them in again if they come back.
        found.append(Reader("member", target.id))
    return found


def bot_missing(channel: discord.abc.GuildChannel) -> list[str]:
    me = channel.guild.me
    if me is None:
        return list(CHANNEL_NEEDS)
    perms = channel.permissions_for(me)
    return [p for p in CHANNEL_NEEDS if not getattr(perms, p)]


def check_private_channel(
    guild: discord.Guild, channel_id: int | None, moderator_role_id: int | None
) -> ChannelCheck:
    """The state of an escalation or mod-log channel now, from the bot's cache."""
    if channel_id is None:
        return ChannelCheck(None, "not_set")
    channel = guild.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        return ChannelCheck(channel_id, "deleted")
    readers = unwanted_readers(channel, moderator_role_id)
    if readers:
        return ChannelCheck(channel_id, "public", readers=tuple(readers))
    missing = bot_missing(channel)
    if missing:
        return ChannelCheck(channel_id, "no_permission", missing=tuple(missing))
    return ChannelCheck(channel_id)


def permission_names(names: Iterable[str]) -> str:
    return ", ".join(p.replace("_", " ").title() for p in names)


MAX_READERS_NAMED = 5


def channel_problem_text(check: ChannelCheck, t: Translate) -> str | None:
    """What is wrong with a private channel, for an admin; None when it works."""
    channel = f"<#{check.channel_id}>"
    if check.problem == "not_set":
        return t("not set")
    if check.problem == "deleted":
        return t("{channel} was deleted, or I can no longer see it", channel=channel)
    if check.problem == "public":
        named = [r.mention for r in check.readers[:MAX_READERS_NAMED]]
        if len(check.readers) > MAX_READERS_NAMED:
            named.append(t("and {n} more", n=len(check.readers) - MAX_READERS_NAMED))
        return t(
            "{channel} can be read by people who are not moderators ({readers}). Alerts and the "
            "mod log hold members' private words: only moderators, admins and the bot may read "
            "it",
            channel=channel,
            readers=", ".join(named),
        )
    if check.problem == "no_permission":
        return t(
            "I can't post in {channel}: I'm missing {permissions} there",
            channel=channel,
            permissions=permission_names(check.missing),
        )
    return None


# ---------------------------------------------------------------------------- who gets an alert
#
# An alert goes to the first link of this chain that works: the escalation channel, the mod-log
# channel, the moderators by DM, then the admins and the server's owner by DM.

LinkName = Literal["escalation", "mod_log", "moderators", "admins"]
CHAIN: tuple[LinkName, ...] = ("escalation", "mod_log", "moderators", "admins")
MAX_DM_RECIPIENTS = 10


def moderators(guild: discord.Guild, moderator_role_id: int | None) -> list[discord.Member]:
    """The people with the moderator role (not bots), oldest account first, at most ten."""
    role = guild.get_role(moderator_role_id) if moderator_role_id else None
    members = [m for m in role.members if not m.bot] if role is not None else []
    return sorted(members, key=lambda m: m.id)[:MAX_DM_RECIPIENTS]


def admins(guild: discord.Guild) -> list[discord.Member]:
    """The server's owner, then its admins (Administrator or Manage Server; not bots)."""
    owner = guild.get_member(guild.owner_id) if guild.owner_id else None
    others = sorted(
        (
            m
            for m in guild.members
            if not m.bot
            and m.id != guild.owner_id
            and (m.guild_permissions.administrator or m.guild_permissions.manage_guild)
        ),
        key=lambda m: m.id,
    )
    chosen = ([owner] if owner is not None and not owner.bot else []) + others
    return chosen[:MAX_DM_RECIPIENTS]


@dataclass(frozen=True)
class ChainLink:
    """One link of the alert chain as it is now: a channel (its check) or people to DM."""

    name: LinkName
    channel: ChannelCheck | None = None
    people: tuple[int, ...] = ()

    @property
    def works(self) -> bool:
        return self.channel.works if self.channel is not None else bool(self.people)


def alert_chain(
    guild: discord.Guild,
    settings: GuildSettings,
    *,
    exclude: int | None = None,
    moderators_to_dm: Callable[[discord.Guild, GuildSettings], list[discord.Member]] | None = None,
) -> list[ChainLink]:
    """Every link of the alert chain and whether it works now. `exclude`: a member never told
    (the one the alert is about); `moderators_to_dm`: who of the moderators to DM (a feature
    may narrow it, to those on duty); by default everyone with the moderator role."""
    role = settings.moderator_role_id
    pick = moderators_to_dm or (lambda g, s: moderators(g, s.moderator_role_id))

    def people(members: list[discord.Member]) -> tuple[int, ...]:
        return tuple(m.id for m in members if m.id != exclude and not m.bot)

    return [
        ChainLink(
            "escalation", channel=check_private_channel(guild, settings.escalation_channel_id, role)
        ),
        ChainLink(
            "mod_log", channel=check_private_channel(guild, settings.mod_log_channel_id, role)
        ),
        ChainLink("moderators", people=people(pick(guild, settings))),
        ChainLink("admins", people=people(admins(guild))),
    ]
