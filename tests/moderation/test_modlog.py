"""The core mod log: case numbers per server, append-only rows, one message format, no pings."""

from __future__ import annotations

import sqlite3

import pytest

from bot.db import Database
from bot.modlog import SETTING, ModLog
from bot.outbox import Outbox
from cogs.moderation.actions import ACTIONS, WARN
from tests.conftest import FakeClock, StartBot
from tests.moderation.conftest import Community

GROUP_REMOVAL = "group_removal"  # the groups feature's kind


def moderation_modlog(db: Database, clock: FakeClock) -> tuple[ModLog, Outbox]:
    """The core mod log with the moderation feature's kinds declared, as its cog does."""
    outbox = Outbox(db, clock)
    modlog = ModLog(db, clock, outbox)
    for kind, text in ACTIONS.items():
        modlog.declare(kind, text)
    return modlog, outbox


async def test_case_numbers_count_per_server_and_rows_are_append_only(
    db: Database, clock: FakeClock
) -> None:
    modlog, outbox = moderation_modlog(db, clock)
    first = await modlog.record(guild_id=1, action=WARN, actor_id=10, target_id=20, reason="x")
    second = await modlog.record(guild_id=1, action=WARN, actor_id=10, target_id=21)
    elsewhere = await modlog.record(guild_id=2, action=WARN, actor_id=10, target_id=20)
    assert (first, second, elsewhere) == (1, 2, 1)

    # No mod-log channel set: the rows are kept, nothing is queued for Discord.
    assert (await outbox.repository.counts()).pending == 0
    entry = await modlog.case(1, 1)
    assert entry is not None and entry.reason == "x" and entry.target_id == 20
    assert [e.case_number for e in await modlog.history(1, 20)] == [1]

    for statement in ("UPDATE mod_log SET reason = 'edited'", "DELETE FROM mod_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with db.transaction() as tx:
                await tx.execute(statement)
    assert (await modlog.case(1, 1)).reason == "x"  # type: ignore[union-attr]

    with pytest.raises(ValueError):
        await modlog.record(guild_id=1, action="made_up", actor_id=1)


async def test_a_failed_action_leaves_no_case_behind(db: Database, clock: FakeClock) -> None:
    modlog, _ = moderation_modlog(db, clock)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await modlog.record_in(tx, guild_id=1, action=WARN, actor_id=1, target_id=2)
            raise RuntimeError("the feature's own write failed")
    assert await modlog.case(1, 1) is None
    assert await modlog.record(guild_id=1, action=WARN, actor_id=1, target_id=2) == 1


async def test_settings_changes_and_group_removals_reach_the_mod_log(
    community: Community,
) -> None:
    c = community
    s = c.server
    # The fixture set the moderator role, then the mod-log channel: both are cases.
    entries = c.mod_log_entries()
    assert [e.embeds[0]["title"] for e in entries[:1]] == ["Case #2 · Setting changed"]
    first = await c.bot.modlog.case(s.guild.id, 1)
    assert first is not None and first.action == SETTING
    assert first.details == {"setting": "moderator_role", "value": s.moderator_role.id}

    res = await c.slash(s.admin, "setup timezone", zone="Europe/Madrid")
    assert res.ephemeral
    res = await c.slash(
        c.leader, "group remove", group=str(c.group_id), member=c.peer.id, reason="Kept arguing"
    )
    assert res.ephemeral and "no longer in Survivors" in res.text
    await c.settle()

    entries = c.mod_log_entries()
    setting, removal = entries[-2], entries[-1]
    assert "default time zone" in setting.text and "Europe/Madrid" in setting.text
    embed = removal.embeds[0]
    assert embed["title"].endswith("· Removed from a group")
    assert f"<@{c.leader.id}> removed <@{c.peer.id}> from the group Survivors." in removal.text
    assert "Kept arguing" in removal.text and "<t:" in removal.text
    row = await c.bot.modlog.case(s.guild.id, int(embed["title"].split("#")[1].split(" ")[0]))
    assert row is not None and row.action == GROUP_REMOVAL and row.group_id == c.group_id
    # One format, never a ping.
    for message in entries:
        assert message.allowed_mentions == {"parse": []}
        assert message.content in ("", None)


async def test_moderation_declares_its_action_kinds(start_bot: StartBot) -> None:
    """The moderation feature owns its kinds (words and colours); core only knows SETTING."""
    runner = await start_bot(features=("moderation",), sync=False)
    assert runner.bot is not None
    declared = runner.bot.modlog.actions.declared()
    assert {kind: declared.get(kind) for kind in ACTIONS} == ACTIONS
    assert ACTIONS[WARN].colour == 0xF1C40F  # the gold the mod log always showed warnings in
