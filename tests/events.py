"""What the meetings feature writes when a session starts or ends, written by a test: a durable
event (bot/event_log.py) in a transaction of its own, delivered to the features that listen."""

from __future__ import annotations

from bot.client import Bot


async def announce(bot: Bot, name: str, guild_id: int, group_id: int, occurrence: str) -> int:
    payload = {"guild_id": guild_id, "group_id": group_id, "occurrence": occurrence}
    async with bot.db.transaction() as tx:
        return await bot.event_log.append(tx, name, payload)
