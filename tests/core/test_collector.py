"""What the bot holds from start-up on is set aside from Python's garbage collector once it is
connected (bot/client.py: its full passes would walk all of it, stalling commands in flight),
given back at each new gateway session, so nothing set aside is kept for ever, and when it
stops."""

from __future__ import annotations

import gc
import weakref

from bot.client import set_aside_warm_up
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


async def test_a_warm_up_after_start_is_set_aside_and_its_garbage_collected(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    """The programme's chart warm-up imports matplotlib after on_ready (bot/client.py
    `set_aside_warm_up`): its objects are set aside once it is done, what was garbage then is
    not kept."""
    runner = await start_bot(features=("groups", "meetings", "programme"), sync=False)
    await wait_until(lambda: gc.get_freeze_count() > 0)
    await runner.idle()  # the warm-up (a `bot.spawn` task) has finished
    from matplotlib.figure import Figure

    assert all(o is not Figure for o in gc.get_objects())  # set aside: not walked by full passes

    kept, dropped = Node(), Node()
    gone = weakref.ref(dropped)
    del dropped
    set_aside_warm_up()
    assert gone() is None  # garbage of the moment: collected first
    assert all(o is not kept for o in gc.get_objects())  # alive: set aside
    await runner.stop()
    assert gc.get_freeze_count() == 0
