"""Two small features for the event log's tests (`tests.core.event_probe`): each declares a
durable listener of `probe_durable` and, on hearing it, posts one line through the outbox,
idempotently (`event_log.claim` in the transaction of its enqueue). Each records what it
heard; `fail` makes the next calls raise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from bot.client import Bot
from bot.dispatcher import Rendered, Renderer
from bot.event_log import DurableHandler, Event
from bot.feature import Feature, OutboxKind
from bot.outbox import OutboxMessage

EVENT = "probe_durable"  # payload {"channel": id, "text": ...}


class Listener(Feature, name="Alpha"):
    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.heard: list[int] = []
        self.fail = 0

    @property
    def kind(self) -> str:
        return f"eventprobe:{self.qualified_name}"

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {self.kind: self._render}

    def durable_listeners(self) -> Mapping[str, DurableHandler]:
        return {EVENT: self.on_probe}

    async def on_probe(self, event: Event) -> None:
        self.heard.append(event.id)
        if self.fail:
            self.fail -= 1
            raise RuntimeError("a flaky listener")
        async with self.bot.db.transaction() as tx:
            if not await self.bot.event_log.claim(tx, event):
                return  # told already
            await self.bot.outbox.enqueue(
                tx,
                kind=self.kind,
                guild_id=None,
                channel_id=int(event.payload["channel"]),
                payload={"text": f"{self.qualified_name} heard {event.payload['text']}"},
            )

    async def _render(self, message: OutboxMessage) -> Rendered:
        return Rendered(content=str(message.payload["text"]))


class OtherListener(Listener, name="Beta"):
    pass


def listener(bot: Bot, name: str) -> Listener:
    found = bot.get_cog(name)
    assert found is not None
    return cast(Listener, found)


async def setup(bot: Bot) -> None:
    await bot.add_cog(Listener(bot))
    await bot.add_cog(OtherListener(bot))
