"""Core registries (bot/registry.py) and mod-log action kinds (bot/modlog.py): declared by the
features that own them, removed when they unload."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.db import Database
from bot.modlog import CORE_ACTIONS, SETTING, ActionText, ModLog
from bot.outbox import Outbox
from bot.registry import DataDeletion, JoinGates
from tests.conftest import FakeClock


class Gate:
    def __init__(self, name: str, answer: bool, calls: list[str]) -> None:
        self.name, self.answer, self.calls = name, answer, calls

    async def admit(self, guild_id: int, group_id: int, user_id: int, interaction: Any) -> bool:
        self.calls.append(self.name)
        return self.answer


async def test_join_gates_are_asked_in_order_until_one_asks_the_member() -> None:
    calls: list[str] = []
    gates = JoinGates()
    first, second, third = Gate("a", True, calls), Gate("b", False, calls), Gate("c", True, calls)
    for gate in (first, second, third, first):  # the same gate twice is held once
        gates.add(gate)
    assert len(gates) == 3
    assert await gates.admit(1, 2, 3, None) is False
    assert calls == ["a", "b"]
    gates.remove(second)
    calls.clear()
    assert await gates.admit(1, 2, 3, None) is True
    assert calls == ["a", "c"]


async def test_deletion_hooks_run_even_when_one_fails(caplog: pytest.LogCaptureFixture) -> None:
    done: list[tuple[str, int, int]] = []

    async def forget(guild_id: int, user_id: int) -> None:
        done.append(("meetings", guild_id, user_id))

    async def broken(guild_id: int, user_id: int) -> None:
        raise RuntimeError("disk full")

    deletion = DataDeletion()
    deletion.add("Groups", broken)
    deletion.add("Meetings", forget)
    with caplog.at_level(logging.ERROR, logger="bot.registry"):
        report = await deletion.delete_user(5, 6)
    assert (report.done, report.failed) == (("Meetings",), ("Groups",))
    assert done == [("meetings", 5, 6)]
    assert "failed in Groups" in caplog.text
    deletion.remove("Groups")
    assert deletion.features() == ["Meetings"]


async def test_action_kinds_are_declared_by_their_owner(db: Database, clock: FakeClock) -> None:
    modlog = ModLog(db, clock, Outbox(db, clock))
    assert modlog.actions.declared() == {SETTING: CORE_ACTIONS[SETTING]}  # all core records itself
    with pytest.raises(ValueError, match="unknown mod-log action"):
        await modlog.record(guild_id=1, action="poll_closed", actor_id=1)

    closed = ActionText("Poll closed", "{actor} closed a poll.", colour=0x00FF00)
    modlog.declare("poll_closed", closed)
    modlog.declare("poll_closed", closed)  # again, the same: harmless
    assert modlog.action_text("poll_closed") == closed
    assert await modlog.record(guild_id=1, action="poll_closed", actor_id=1) == 1
    with pytest.raises(ValueError, match="declared differently"):
        modlog.declare("poll_closed", ActionText("Other", "{actor} did something."))

    modlog.undeclare("poll_closed")
    assert modlog.action_text("poll_closed") is None
    entry = await modlog.case(1, 1)
    assert entry is not None and entry.action == "poll_closed"  # the row stays
