"""Interaction bookkeeping: what the bot did in answer to one interaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import EPHEMERAL, JSON, Channel, Guild, Message, User, iter_components

# Interaction types
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Callback types
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9


@dataclass
class Modal:
    custom_id: str
    title: str
    components: list[JSON]

    def inputs(self) -> list[JSON]:
        """Every input component (text inputs, selects, ...) the person can fill."""
        return [c for c in iter_components(self.components) if "custom_id" in c]

    def input_ids(self) -> list[str]:
        return [str(c["custom_id"]) for c in self.inputs()]


class InteractionResult:
    """Everything the bot did for one interaction, in order. Updated live."""

    def __init__(
        self, interaction_id: int, kind: int, *, user: User, guild: Guild | None, channel: Channel
    ) -> None:
        self.interaction_id = interaction_id
        self.kind = kind  # interaction type (2, 3, 4, 5)
        self.user = user
        self.guild = guild
        self.channel = channel
        self.type: int | None = None  # callback type
        self.callback_flags = 0  # flags of a deferred (type 5) answer
        self.messages: list[Message] = []  # snapshots: initial response, edits, follow-ups
        self.original: Message | None = (
            None  # the live original-response message (edits apply here)
        )
        self.followups: list[Message] = []
        self.modal: Modal | None = None
        self.choices: list[JSON] | None = None
        self.error_status: int | None = None  # set when the bot never acknowledged in time (10062)
        self.deleted_original = False
        self.payload: JSON = {}  # the INTERACTION_CREATE payload sent to the bot
        self._event = asyncio.Event()

    def __repr__(self) -> str:
        return (
            f"<InteractionResult id={self.interaction_id} kind={self.kind} type={self.type} "
            f"messages={[m.content for m in self.messages]!r} modal={self.modal!r}"
            f" error={self.error_status}>"
        )

    # ------------------------------------------------------------------ views
    @property
    def last(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def message(self) -> Message:
        """The last message shown (raises if there is none)."""
        if not self.messages:
            raise AssertionError(f"the bot showed no message: {self!r}")
        return self.messages[-1]

    @property
    def ephemeral(self) -> bool:
        last = self.last
        if last is not None:
            return bool(last.flags & EPHEMERAL)
        return bool(self.callback_flags & EPHEMERAL)

    @property
    def text(self) -> str:
        last = self.last
        return "" if last is None else last.text

    @property
    def acknowledged(self) -> bool:
        return self.type is not None

    @property
    def deferred(self) -> bool:
        return self.type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    # ------------------------------------------------------------------ waiting
    def _notify(self) -> None:
        ev = self._event
        self._event = asyncio.Event()
        ev.set()

    async def wait_for(
        self, predicate: Callable[[InteractionResult], bool], timeout: float = 5
    ) -> InteractionResult:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s: {self!r}")
            ev = self._event
            try:
                await asyncio.wait_for(ev.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(f"condition not met within {timeout}s: {self!r}") from None
        return self

    async def wait_messages(self, n: int, timeout: float = 5) -> InteractionResult:
        return await self.wait_for(lambda r: len(r.messages) >= n, timeout)


@dataclass(eq=False)
class PendingInteraction:
    id: int
    token: str
    kind: int
    user: User
    guild: Guild | None
    channel: Channel
    created: float  # loop time
    result: InteractionResult
    source_message: Message | None = None  # component interactions: the message clicked
    acked: bool = False
    ack_time: float | None = None
    command: JSON | None = None
    extra: dict[str, Any] = field(default_factory=dict)
