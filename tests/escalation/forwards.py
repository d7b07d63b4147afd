"""Forwarded messages for the escalation tests. The loopback Discord (tests/fakediscord) has no
way for a person to forward a message yet; this helper plays Discord's part as it does for a
post, with the forward's shape from the API: a message of type 0 with no content of its own, a
`message_reference` of type 1 (FORWARD), the HAS_SNAPSHOT flag, and the forwarded message's
content in `message_snapshots[0].message`. discord.py reads it as `message.message_snapshots`.
"""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.fakediscord.messaging import message_payload, store_message
from tests.fakediscord.models import Channel, Message, User, iso, new_id

FORWARD = 1  # message_reference.type
HAS_SNAPSHOT = 1 << 14  # message flag


async def forward_message(
    fake: FakeDiscord, user: User, channel: Channel | None, original: Message
) -> Message:
    """`user` forwards `original` (from anywhere) to `channel`, or to the bot by DM (None)."""
    if channel is None:
        channel = fake.get_or_create_dm(user)
    msg = Message(
        id=new_id(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author=user,
        content="",
        flags=HAS_SNAPSHOT,
        message_reference={
            "type": FORWARD,
            "message_id": str(original.id),
            "channel_id": str(original.channel_id),
            **({"guild_id": str(original.guild_id)} if original.guild_id else {}),
        },
    )
    store_message(fake, msg, dispatch=False)
    payload = message_payload(fake, msg)
    payload["message_snapshots"] = [
        {
            "message": {
                "type": original.type,
                "content": original.content,
                "embeds": [],
                "attachments": [],
                "timestamp": original.timestamp,
                "edited_timestamp": None,
                "flags": 0,
                "mentions": [],
                "mention_roles": [],
            }
        }
    ]
    fake.dispatch("MESSAGE_CREATE", payload, guild_id=msg.guild_id)
    return msg


def elsewhere(author: User, content: str) -> Message:
    """A message somewhere the bot cannot see (another server), to be forwarded."""
    return Message(
        id=new_id(),
        channel_id=new_id(),
        guild_id=new_id(),
        author=author,
        content=content,
        timestamp=iso(),
    )
