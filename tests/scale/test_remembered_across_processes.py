"""What a process remembers (bot/directory.py `Remembered`: a server's settings, who leads
which group, a member's groups, the group of a channel, the do-not-contact list) follows the
writes of every process sharing one PostgreSQL database, not only its own (bot/db.py `Changes`,
bot/db_changes.py): a removed leader keeps no leader's rights in another process, a moved
escalation channel is seen everywhere, and a lost listening connection never leaves a stale
answer. Two `Database` objects on one real PostgreSQL server play two bot processes, each with
its own repositories, as `python -m bot` builds them."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

import bot.db_changes
from bot.db import Database
from bot.db_postgres import PostgresDatabase
from bot.directory import GroupRef
from bot.do_not_contact import DoNotContact
from bot.guild_settings import GuildSettingsRepository
from cogs.groups.repository import GroupRepository
from tests.conftest import FakeClock

GUILD = 1_579_562_243_727_556_784
LEADER = GUILD + 11
MODERATOR = GUILD + 12
CHANNEL, MOVED, THIRD = GUILD + 21, GUILD + 22, GUILD + 23
HEARD_WITHIN = 2.0  # seconds: a notification, or a lost connection noticed and answers read anew
SETTLE = 0.2  # seconds for notifications on their way to arrive


async def eventually(read: Callable[[], Awaitable[Any]], expected: Any) -> None:
    """`read()` answers `expected` within HEARD_WITHIN seconds (a notification travels)."""
    answer = None
    try:
        async with asyncio.timeout(HEARD_WITHIN):
            while (answer := await read()) != expected:
                await asyncio.sleep(0.01)
    except TimeoutError:
        pytest.fail(f"still {answer!r} after {HEARD_WITHIN} s, expected {expected!r}")


async def set_escalation_channel(repo: GuildSettingsRepository, channel: int) -> None:
    async with repo.db.transaction() as tx:
        await repo.upsert(tx, GUILD, "escalation_channel_id", channel, MODERATOR, 1)


async def by_hand(url: str, sql: str, *args: Any) -> None:
    """A write nobody announces (SQL by hand): the way to see that an answer is remembered."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


def escalation(repo: GuildSettingsRepository) -> Callable[[], Awaitable[int | None]]:
    async def read() -> int | None:
        settings = await repo.get(GUILD)
        return None if settings is None else settings.escalation_channel_id

    return read


async def test_settings_changed_by_one_process_are_seen_by_the_other(
    two: tuple[Database, Database], pg_url: str
) -> None:
    first, second = GuildSettingsRepository(two[0]), GuildSettingsRepository(two[1])
    await set_escalation_channel(first, CHANNEL)
    await asyncio.sleep(SETTLE)  # its notification arrived: what is read now stays
    read = escalation(second)
    assert await read() == CHANNEL
    # Remembered: a change nobody announces is not read again (so the test below means it).
    await by_hand(pg_url, "UPDATE guild_settings SET escalation_channel_id = $1", THIRD)
    await asyncio.sleep(SETTLE)
    assert await read() == CHANNEL
    # A write that rolls back tells nobody: the remembered answer stays.
    with pytest.raises(RuntimeError):
        async with first.db.transaction() as tx:
            await first.upsert(tx, GUILD, "escalation_channel_id", MOVED, MODERATOR, 2)
            raise RuntimeError("the command failed after writing")
    await asyncio.sleep(SETTLE)
    assert await read() == CHANNEL
    # /setup in the other process moves the alerts: seen here.
    await set_escalation_channel(first, MOVED)
    await eventually(read, MOVED)
    # And the other way round.
    await set_escalation_channel(second, CHANNEL)
    await eventually(escalation(first), CHANNEL)


async def test_a_removed_leader_loses_leader_rights_in_every_process(
    two: tuple[Database, Database],
) -> None:
    clock = FakeClock()
    now = int(clock().timestamp())
    writer, other = GroupRepository(two[0]), GroupRepository(two[1])
    async with writer.db.transaction() as tx:
        group_id = await writer.insert(
            tx,
            {
                "guild_id": GUILD, "name": "Caregivers", "name_key": "caregivers",
                "timezone": "Europe/London", "channel_id": CHANNEL, "created_at": now,
                "created_by": MODERATOR, "updated_at": now,
            },
        )  # fmt: skip
        group = await writer.get_in(tx, group_id, now)
        assert group is not None
        await writer.add_member(tx, group, LEADER, "leader", now)

    async def leads() -> bool:
        return await other.leads(GUILD, LEADER, group_id)

    async def groups() -> list[int]:
        return [ref.id for ref in await other.refs_of(GUILD, LEADER, None)]

    async def channel_group() -> str | None:
        async def read() -> GroupRef | None:  # as GroupService.channel_ref reads it
            found = await other.for_channel(GUILD, CHANNEL, now)
            return None if found is None else found.ref()

        ref = await other.channel_refs.get((GUILD, CHANNEL), read)
        return None if ref is None else ref.name

    assert await leads() and await groups() == [group_id]
    assert await channel_group() == "Caregivers"
    # The leader is removed by the process that handles direct messages (/privacy delete).
    async with writer.db.transaction() as tx:
        assert await writer.remove_member(tx, group_id, LEADER)
    await eventually(leads, False)
    await eventually(groups, [])
    # The group renamed there: the group of its channel here follows.
    async with writer.db.transaction() as tx:
        await writer.update(tx, group_id, {"name": "Carers", "name_key": "carers"})
    await eventually(channel_group, "Carers")


async def test_the_do_not_contact_list_is_the_same_in_every_process(
    two: tuple[Database, Database],
) -> None:
    clock = FakeClock()
    first, second = DoNotContact(two[0], clock), DoNotContact(two[1], clock)
    assert not await second.barred(GUILD, LEADER) and not await second.barred(None, LEADER)
    async with two[0].transaction() as tx:
        assert await first.add_in(tx, GUILD, LEADER)

    async def barred() -> tuple[bool, bool]:
        return await second.barred(GUILD, LEADER), await second.barred(None, LEADER)

    await eventually(barred, (True, True))
    async with two[0].transaction() as tx:
        assert await first.remove_in(tx, GUILD, LEADER)
    await eventually(barred, (False, False))


async def test_a_lost_listening_connection_leaves_no_stale_answer(
    two: tuple[Database, Database], pg_url: str
) -> None:
    first, second = GuildSettingsRepository(two[0]), GuildSettingsRepository(two[1])
    assert isinstance(two[1], PostgresDatabase) and two[1].listener is not None
    listener = two[1].listener
    await set_escalation_channel(first, CHANNEL)
    await asyncio.sleep(SETTLE)
    read = escalation(second)
    assert await read() == CHANNEL
    pid = listener.server_pid
    assert pid is not None and listener.connections == 1
    # The listening connection is killed, and the other process changes the settings at once:
    # its notification has nobody to hear it.
    await by_hand(pg_url, "SELECT pg_terminate_backend($1)", pid)
    await set_escalation_channel(first, MOVED)
    await eventually(read, MOVED)
    # It listens again, on a new connection, and remembers again (a change by hand, which
    # nobody announces, is not seen: the answer is kept) ...
    async with asyncio.timeout(HEARD_WITHIN * 5):
        while listener.connections < 2 or not two[1].changes.listening:
            await asyncio.sleep(0.01)
    assert listener.server_pid not in (None, pid)
    assert await read() == MOVED
    await by_hand(pg_url, "UPDATE guild_settings SET escalation_channel_id = $1", THIRD)
    await asyncio.sleep(SETTLE)
    assert await read() == MOVED
    # ... and hears the other process's changes again.
    await set_escalation_channel(first, CHANNEL)
    await eventually(read, CHANNEL)
    # An administrator who edited by hand tells every process to forget everything.
    await by_hand(pg_url, "UPDATE guild_settings SET escalation_channel_id = $1", THIRD)
    await by_hand(pg_url, "NOTIFY remembered, '*'")
    await eventually(read, THIRD)


async def test_while_nobody_listens_nothing_is_remembered(
    two: tuple[Database, Database], pg_url: str
) -> None:
    """The listening connection cannot be opened again (the server refuses it for now): every
    lookup reads the database until it can, so a change meanwhile is seen at once."""
    first, second = GuildSettingsRepository(two[0]), GuildSettingsRepository(two[1])
    assert isinstance(two[1], PostgresDatabase) and two[1].listener is not None
    listener = two[1].listener
    await set_escalation_channel(first, CHANNEL)
    read = escalation(second)
    assert await read() == CHANNEL
    listener.url = pg_url.replace("/test_", "/no_such_database_")  # reopening it fails
    pid = listener.server_pid
    await by_hand(pg_url, "SELECT pg_terminate_backend($1)", pid)
    async with asyncio.timeout(HEARD_WITHIN):
        while two[1].changes.listening:
            await asyncio.sleep(0.01)
    for channel in (MOVED, THIRD, CHANNEL):
        await by_hand(pg_url, "UPDATE guild_settings SET escalation_channel_id = $1", channel)
        assert await read() == channel  # read now, not remembered
    assert not two[1].changes.listening


@pytest.fixture
def quick_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The listening connection asked every 0.2 s, and given up after 0.2 s without answer."""
    monkeypatch.setattr(bot.db_changes, "LISTEN_PING_SECONDS", 0.2)
    monkeypatch.setattr(bot.db_changes, "LISTEN_PING_TIMEOUT", 0.2)


@pytest.mark.usefixtures("quick_pings")
async def test_a_listening_connection_that_stops_answering_is_given_up(
    two: tuple[Database, Database], pg_url: str
) -> None:
    """The connection stays open but nothing comes through it (its server process frozen, as
    behind a network that drops packets): the ping that gets no answer gives it up, and the
    change made meanwhile, whose notification is stuck there, is seen all the same."""
    first, second = GuildSettingsRepository(two[0]), GuildSettingsRepository(two[1])
    assert isinstance(two[1], PostgresDatabase) and two[1].listener is not None
    listener = two[1].listener
    assert listener.ping_seconds == 0.2
    await set_escalation_channel(first, CHANNEL)
    await asyncio.sleep(SETTLE)
    read = escalation(second)
    assert await read() == CHANNEL
    pid = listener.server_pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        await set_escalation_channel(first, MOVED)
        await eventually(read, MOVED)
        async with asyncio.timeout(HEARD_WITHIN * 5):
            while listener.connections < 2 or not two[1].changes.listening:
                await asyncio.sleep(0.01)
        await set_escalation_channel(first, THIRD)  # heard on the new connection
        await eventually(read, THIRD)
        # The new connection stays: the end of the one given up does not drop it too (it once
        # did, and every connection after it, opening one after another without pause).
        await asyncio.sleep(1)
        assert listener.connections == 2 and two[1].changes.listening
    finally:
        os.kill(pid, signal.SIGCONT)
