"""Checks shared by the escalation tests: nothing public, nobody pinged by accident."""

from __future__ import annotations

from typing import Any

from tests.escalation.conftest import Community
from tests.fakediscord.models import Message

SEND = r"^/channels/\d+/messages$"


def bot_posts(c: Community) -> list[Any]:
    """Every message body the bot sent (channels, threads, DMs)."""
    return [r.json for r in c.fake.requests_to("POST", SEND) if isinstance(r.json, dict)]


def assert_nobody_pinged_by_accident(c: Community, *, allowed_roles=(), allowed_users=()) -> None:
    """Every message the bot sent pings nobody, except deliberate pages of the moderator role or
    the admins; the member is never pinged."""
    for body in bot_posts(c):
        mentions = body.get("allowed_mentions")
        assert mentions is not None, body
        assert mentions.get("parse") == [], body
        for role in mentions.get("roles", []):
            assert int(role) in allowed_roles, body
        for user in mentions.get("users", []):
            assert int(user) in allowed_users, body
            assert int(user) != c.server.member.id, body
    for request in c.fake.requests_to("PATCH", r"^/channels/\d+/messages/\d+$"):
        mentions = (request.json or {}).get("allowed_mentions")
        assert mentions is None or mentions.get("parse") == [], request.json


def assert_nothing_public(c: Community) -> None:
    """The bot never said anything where members can read it, and never deleted a message."""
    assert c.public_messages_by_bot() == []
    assert c.fake.requests_to("DELETE", r"^/channels/\d+/messages/\d+$") == []
    assert c.fake.requests_to("POST", r"^/channels/\d+/messages/bulk-delete$") == []
    public_threads = [
        t
        for t in c.server.guild.channels.values()
        if t.type == 11 and t.owner_id == c.fake.bot_user.id
    ]
    assert public_threads == []


def field(message: Message, name: str) -> str:
    for embed in message.embeds:
        for f in embed.get("fields") or []:
            if f.get("name") == name:
                return str(f.get("value"))
    raise AssertionError(f"no field {name!r} in {message.embeds}")


def live(c: Community, message: Message) -> Message:
    """The message as it is now (after the bot's edits)."""
    return c.fake.message_index[message.id]
