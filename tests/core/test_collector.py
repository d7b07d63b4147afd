"""What the bot holds from start-up on is set aside from Python's garbage collector once it is
connected (bot/client.py: its full passes would walk all of it, stalling commands in flight),
given back at each new gateway session, so nothing set aside is kept for ever, and when it
stops."""

from __future__ import annotations

import gc
import weakref

from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.harness import wait_until


class Node:
    """An object in a cycle: only the garbage collector can free it."""

    def __init__(self) -> None:
        self.me = self


async def test_start_up_is_set_aside_until_a_new_session_and_given_back_at_stop(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    held = Node()  # alive when the bot connects, garbage soon after
    gone = weakref.ref(held)
    runner = await start_bot(features=(), sync=False)
    await wait_until(lambda: gc.get_freeze_count() > 0)  # connected: on_ready has run
    del held
    gc.collect()
    assert gone() is not None  # set aside: even a full pass leaves it alone

    await fake_discord.invalidate_session()  # a new session: the old one's objects are garbage
    await wait_until(lambda: gone() is None, timeout=20)
    assert gc.get_freeze_count() > 0  # and what is alive now is set aside again

    await runner.stop()
    assert gc.get_freeze_count() == 0  # another bot may start in this process
