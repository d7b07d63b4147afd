"""Links that open a message or a channel in Discord ("jump links").

Replaces `message_url()` in cogs/moderation/render.py, `message_link()` in
cogs/escalation/render.py and `jump_url()` in cogs/feedback/cog.py. No discord import.
"""

from __future__ import annotations

BASE = "https://discord.com/channels"


def _where(guild_id: int | None) -> str:
    return "@me" if guild_id is None else str(guild_id)  # None: a direct message


def channel_url(guild_id: int | None, channel_id: int) -> str:
    return f"{BASE}/{_where(guild_id)}/{channel_id}"


def message_url(guild_id: int | None, channel_id: int, message_id: int) -> str:
    """The link to one message (guild None: a message in direct messages)."""
    return f"{BASE}/{_where(guild_id)}/{channel_id}/{message_id}"


def jump_url(guild_id: int | None, channel_id: int | None, message_id: int | None) -> str | None:
    """`message_url`, or None while the message is not posted yet (an id is missing)."""
    if channel_id is None or message_id is None:
        return None
    return message_url(guild_id, channel_id, message_id)
