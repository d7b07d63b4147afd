"""The permissions the bot asks for when it is invited: what its features need, nothing more.

Not asked for on purpose: Administrator, Mention Everyone (the bot must never be able to ping
@everyone; make the moderator role mentionable instead), Kick/Ban Members, Manage Server.
"""

from __future__ import annotations

import discord

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
