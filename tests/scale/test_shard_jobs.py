"""Each process arms the jobs, fires the due actions and delivers the durable events of its own
servers only (issue 23, bot/feature.py, docs/DESIGN.md "Several processes").

A community that outgrows one process splits its servers over two Discord shards: first one
process runs every server (people set up their groups, sessions and reminders), then the
process of shard 0 of 2 starts on the same database, then the process of shard 1. Each hears
only its own shard's servers; it must neither fire nor swallow the other's: a reminder, a job
or an event of the other shard's server stays in the database for its process."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import Bot
from bot.clock import epoch
from bot.db import Database
from bot.event_log import EventLog, EventLogRepository
from bot.events import GROUP_MEMBER_JOINED
from bot.shards import ShardSet
from cogs.confidentiality.repository import ConfidentialityRepository
from cogs.feedback.repository import FeedbackRepository
from cogs.groups.repository import GroupRepository
from cogs.meetings.cog import DUE_JOB
from cogs.meetings.repository import MeetingRepository
from cogs.moderation.guidelines_cog import REMINDER_JOB
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server, wait_until
from tests.meetings.conftest import fire_due, join, make_group, person, reminders, schedule
from tests.scale.conftest import spread_servers
from tests.scale.test_shard_claims import FIRST, ON_SHARD_0, ON_SHARD_1, SECOND

START = datetime(2027, 2, 20, 15, 0, tzinfo=UTC)
ZONE = "Europe/London"  # UTC in February
SETUP_FEATURES = ("groups", "meetings", "moderation")
# The confidentiality feature comes with the shard processes: the members' welcomes (durable
# `group_member_joined` events written while it was not loaded) are theirs to deliver.
SHARD_FEATURES = ("groups", "meetings", "moderation", "confidentiality")
WELCOME = "Please welcome"


class Community:
    """One server of the test, on a known shard, with its group once made."""

    def __init__(self, fake: FakeDiscord, server: Server, shard: int) -> None:
        self.fake, self.server, self.shard = fake, server, shard
        self.leader: User = person(fake, server, f"lena{shard}")
        self.newcomer: User = person(fake, server, f"nia{shard}")
        self.group_id = 0
        self.room: int | None = None

    @property
    def guild_id(self) -> int:
        return self.server.guild.id

    def welcomes(self) -> list[Message]:
        assert self.room is not None
        posted = self.fake.messages_in(self.room, include_system=False)
        return [m for m in posted if WELCOME in m.content]

    def reminders(self) -> list[Message]:
        return reminders(self.fake, self.room)


def runner_for(fake: FakeDiscord, tmp_path: Path, clock: FakeClock, shard: int | None) -> BotRunner:
    """A bot on the test's database: every server (shard None), or shard `shard` of 2 only."""
    features = SETUP_FEATURES if shard is None else SHARD_FEATURES
    running = BotRunner(fake, tmp_path / "bot.sqlite3", clock, features=features)
    if shard is not None:
        running.settings = replace(running.settings, shard_count=2, shard_ids=(shard,))
    return running


async def set_up(fake: FakeDiscord, runner: BotRunner, c: Community, session: datetime) -> None:
    """As people do: a group, a newcomer who joins it, weekly guideline reminders, a session
    with a reminder an hour before."""
    s = c.server
    group = await make_group(runner, fake, s, f"Circle {c.shard}", c.leader, timezone=ZONE)
    c.group_id, c.room = group.id, group.channel_id
    await join(fake, s, c.newcomer, group.id)
    done = await fake.slash(
        c.leader,
        "guidelines reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "schedule": "weekly"},
    )
    assert "Guideline reminders for" in done.text, done.text
    done = await fake.slash(
        c.leader,
        "meeting settings reminders",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id), "times": "1h"},
    )
    assert done.ephemeral, done.text
    scheduled = await schedule(
        fake, s, c.leader, group.id, title="Circle", when=session.strftime("%Y-%m-%d %H:%M")
    )
    assert "is scheduled" in scheduled.text, scheduled.text


async def pending_reminders(runner: BotRunner, c: Community) -> list[dict[str, Any]]:
    assert runner.db is not None
    rows = await runner.db.fetchall(
        "SELECT a.action, a.due_at FROM meeting_actions a JOIN meeting_occurrences o "
        "ON o.id = a.occurrence_id WHERE o.guild_id = :guild AND a.done_at IS NULL "
        "AND a.action LIKE 'reminder:%'",
        {"guild": c.guild_id},
    )
    return [dict(r) for r in rows]


async def welcomes_heard(runner: BotRunner, c: Community) -> list[str]:
    """The confidentiality feature's deliveries of the community's `group_member_joined`."""
    assert runner.db is not None
    rows = await runner.db.fetchall(
        "SELECT d.outcome FROM events e JOIN event_deliveries d ON d.event_id = e.id "
        "WHERE e.name = :name AND e.guild_id = :guild AND d.listener = 'Confidentiality'",
        {"name": GROUP_MEMBER_JOINED, "guild": c.guild_id},
    )
    return [r["outcome"] for r in rows]


def bot_of(runner: BotRunner) -> Bot:
    assert runner.bot is not None
    return runner.bot


async def test_each_shard_process_arms_fires_and_delivers_only_its_own_servers(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    clock = FakeClock(START)
    spread = spread_servers(fake, 2, each=1)
    ours, theirs = (Community(fake, spread[shard][0], shard) for shard in (0, 1))
    # The other shard's session is the earlier one: a process that looked at every server
    # would arm its due job for that reminder (16:00) and fire it.
    sessions = {0: START + timedelta(hours=2, minutes=30), 1: START + timedelta(hours=2)}

    # One process for every server, as before the split: people set everything up.
    everyone = runner_for(fake, tmp_path, clock, None)
    await everyone.start()
    try:
        for c in (ours, theirs):
            await bot_of(everyone).guild_settings.set_moderator_role(
                c.guild_id, c.server.moderator_role.id, 0
            )
            await set_up(fake, everyone, c, sessions[c.shard])
        await everyone.idle()
        assert [len(await pending_reminders(everyone, c)) for c in (ours, theirs)] == [1, 1]
    finally:
        await everyone.stop()

    # The process of shard 0 of 2: it hears only its own server.
    first = runner_for(fake, tmp_path, clock, 0)
    bot = await first.start()
    try:
        await first.idle()
        assert bot.get_guild(ours.guild_id) is not None and bot.get_guild(theirs.guild_id) is None
        # Jobs: its server's guideline reminder; the due job at its server's session reminder.
        assert bot.scheduler.get_job(REMINDER_JOB.format(ours.group_id)) is not None
        assert bot.scheduler.get_job(REMINDER_JOB.format(theirs.group_id)) is None
        ours_due = sessions[0] - timedelta(hours=1)
        due_job = bot.scheduler.get_job(DUE_JOB)
        assert due_job is not None and due_job.next_run_time == ours_due
        # Durable events at start: its newcomer welcomed; the other's event left for its process.
        assert await welcomes_heard(first, ours) == ["done"]
        assert await welcomes_heard(first, theirs) == []
        assert len(ours.welcomes()) == 1 and theirs.welcomes() == []

        # Both reminders are due: only its own server's fires here.
        clock.now = ours_due + timedelta(minutes=1)
        await fire_due(first)
        assert len(ours.reminders()) == 1 and theirs.reminders() == []
        assert await pending_reminders(first, ours) == []
        [left] = await pending_reminders(first, theirs)
        assert left["due_at"] == (sessions[1] - timedelta(hours=1)).timestamp()

        # Another process writes an event about this process's server (a button pressed in a
        # direct message reaches shard 0's process, whatever the server): heard within seconds.
        assert first.db is not None
        other = EventLog(first.db, clock, shards=ShardSet(2, (1,)))
        async with first.db.transaction() as tx:
            await other.append(
                tx,
                GROUP_MEMBER_JOINED,
                {"guild_id": ours.guild_id, "group_id": ours.group_id, "user_id": ours.newcomer.id},
            )
        await wait_until(lambda: len(ours.welcomes()) == 2, timeout=10)
    finally:
        await first.stop()

    # The process of shard 1 of 2: what was left is its own, and it does it, once.
    second = runner_for(fake, tmp_path, clock, 1)
    bot = await second.start()
    try:
        await second.idle()
        assert bot.get_guild(theirs.guild_id) is not None and bot.get_guild(ours.guild_id) is None
        assert bot.scheduler.get_job(REMINDER_JOB.format(theirs.group_id)) is not None
        assert bot.scheduler.get_job(REMINDER_JOB.format(ours.group_id)) is None
        assert await welcomes_heard(second, theirs) == ["done"]
        assert len(theirs.welcomes()) == 1
        await fire_due(second)
        assert len(theirs.reminders()) == 1 and len(ours.reminders()) == 1
        assert await pending_reminders(second, theirs) == []
        assert await pending_reminders(second, ours) == []
    finally:
        await second.stop()
    assert len(ours.welcomes()) == 2 and len(theirs.welcomes()) == 1


async def test_an_event_another_process_wrote_is_delivered_by_the_servers_own_process(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A process may write an event about a server it does not handle (a button pressed in a
    direct message reaches shard 0's process, whatever the server). The server's own process
    delivers it: within a second or two while it runs, at its start if it was away; the writer
    never does."""
    fake = fake_discord
    clock = FakeClock(START)
    spread = spread_servers(fake, 2, each=1)
    ours, theirs = (Community(fake, spread[shard][0], shard) for shard in (0, 1))
    everyone = runner_for(fake, tmp_path, clock, None)
    await everyone.start()
    try:
        for c in (ours, theirs):
            await bot_of(everyone).guild_settings.set_moderator_role(
                c.guild_id, c.server.moderator_role.id, 0
            )
            await set_up(fake, everyone, c, START + timedelta(hours=3))
        await everyone.idle()
    finally:
        await everyone.stop()

    async def joined_again(writer: BotRunner, c: Community) -> None:
        """What the writer's process records about community `c`'s newcomer, as a flow would."""
        assert writer.db is not None
        payload = {"guild_id": c.guild_id, "group_id": c.group_id, "user_id": c.newcomer.id}
        async with writer.db.transaction() as tx:
            await bot_of(writer).event_log.append(tx, GROUP_MEMBER_JOINED, payload)

    first, second = (runner_for(fake, tmp_path, clock, shard) for shard in (0, 1))
    await first.start(sync=False)
    try:
        await second.start(sync=False)
        try:
            await first.idle()
            await second.idle()
            assert len(ours.welcomes()) == 1 and len(theirs.welcomes()) == 1
            await joined_again(first, theirs)
            await wait_until(lambda: len(theirs.welcomes()) == 2, timeout=10)
        finally:
            await second.stop()
        # Shard 1's process is away: what the first writes about its server waits for it.
        await joined_again(first, theirs)
        await first.idle()
        assert await welcomes_heard(first, theirs) == ["done", "done"]
        assert len(theirs.welcomes()) == 2 and len(ours.welcomes()) == 1
    finally:
        await first.stop()
    second = runner_for(fake, tmp_path, clock, 1)
    await second.start(sync=False)
    try:
        await second.idle()
        assert await welcomes_heard(second, theirs) == ["done", "done", "done"]
        assert len(theirs.welcomes()) == 3 and len(ours.welcomes()) == 1
    finally:
        await second.stop()


async def test_old_events_get_their_server_and_each_process_takes_its_own(
    db: Database, clock: FakeClock
) -> None:
    """Events written before they kept their server (migration 0034) are given it, so the
    server's process delivers them; an event of no server is shard 0's."""
    now = epoch(clock())
    async with db.transaction() as tx:
        for guild_id in (ON_SHARD_0, ON_SHARD_1):
            await tx.insert(  # as the bot wrote them before migration 0034
                "INSERT INTO events (name, payload, created_at, expires_at) "
                "VALUES ('group_updated', :payload, :now, NULL)",
                {"payload": f'{{"group_id":1,"guild_id":{guild_id}}}', "now": now},
            )
        await EventLog(db, clock).append(tx, "group_updated", {"note": "of no server"})
    first, second = EventLogRepository(db, FIRST), EventLogRepository(db, SECOND)
    assert await first.give_servers() == 2
    assert await second.give_servers() == 0  # once is enough, whichever process starts first
    mine = await first.undelivered("group_updated", "Groups", 10)
    theirs = await second.undelivered("group_updated", "Groups", 10)
    assert [e.guild_id for e in mine] == [ON_SHARD_0, None]
    assert [e.guild_id for e in theirs] == [ON_SHARD_1]
    assert len(await EventLogRepository(db).undelivered("group_updated", "Groups", 10)) == 3


async def test_sweeps_that_act_in_a_server_keep_to_their_process(
    db: Database, clock: FakeClock
) -> None:
    """Meetings' Discord events are synced, and confidentiality's departed members forgotten,
    by the server's own process only: it holds the server's cache (and knows who came back)."""
    now = epoch(clock())
    async with db.transaction() as tx:
        for group_id, guild_id in ((1, ON_SHARD_0), (2, ON_SHARD_1)):
            await tx.execute(
                "INSERT INTO meeting_events (group_id, guild_id, dirty, next_try_at) "
                "VALUES (:group, :guild, 1, :now)",
                {"group": group_id, "guild": guild_id, "now": now},
            )
            await tx.execute(
                "INSERT INTO confidentiality_departures (guild_id, user_id, left_at) "
                "VALUES (:guild, 7, 0)",
                {"guild": guild_id},
            )
    for shards, group_id in ((FIRST, 1), (SECOND, 2)):
        meetings = MeetingRepository(db, shards)
        assert [e.group_id for e in await meetings.dirty_events(now)] == [group_id]
    assert await MeetingRepository(db).next_event_try_at() == now
    assert len(await MeetingRepository(db).dirty_events(now)) == 2  # one process: every one
    confidentiality = ConfidentialityRepository(db)
    async with db.transaction() as tx:
        assert await confidentiality.purge_departed(tx, now, 30, FIRST) == 1
    left = await db.fetchall("SELECT guild_id FROM confidentiality_departures")
    assert [r["guild_id"] for r in left] == [ON_SHARD_1]


async def test_expired_seats_are_freed_by_the_servers_own_process(
    db: Database, clock: FakeClock
) -> None:
    """A seat held for a member who never passed the gates is freed, and offered to the next
    on the waitlist with the offer's expiry armed, by the process of the group's server."""
    now = epoch(clock())
    async with db.transaction() as tx:
        for group_id, guild_id in ((1, ON_SHARD_0), (2, ON_SHARD_1)):
            await tx.execute(
                "INSERT INTO groups (id, guild_id, name, name_key, timezone, created_at, "
                "created_by, updated_at) VALUES (:id, :guild, 'Circle', 'circle', 'UTC', 0, 1, 0)",
                {"id": group_id, "guild": guild_id},
            )
            await tx.execute(
                "INSERT INTO group_join_tickets (group_id, guild_id, user_id, source, "
                "created_at, expires_at) VALUES (:id, :guild, 7, 'join', 0, :now)",
                {"id": group_id, "guild": guild_id, "now": now},
            )
    groups = GroupRepository(db)
    async with db.transaction() as tx:
        assert await groups.drop_expired_tickets(tx, now, SECOND) == [2]
    async with db.transaction() as tx:
        assert await groups.drop_expired_tickets(tx, now, FIRST) == [1]


async def test_a_start_marks_lost_only_the_votes_its_own_process_held(
    db: Database, clock: FakeClock
) -> None:
    """A vote's choice waits in the memory of the process that took it (cogs/feedback): a
    process that starts again lost its own servers' pending votes, not the other process's,
    which still holds them and counts them when the poll closes."""
    now = epoch(clock())
    async with db.transaction() as tx:
        for poll_id, guild_id in ((1, ON_SHARD_0), (2, ON_SHARD_1)):
            await tx.execute(
                "INSERT INTO polls (id, guild_id, channel_id, question, min_voters, voters, "
                "status, closes_at, created_by, created_at) "
                "VALUES (:id, :guild, 10, 'How was it?', 3, 1, 'open', :closes, 5, :now)",
                {"id": poll_id, "guild": guild_id, "closes": now + 3600, "now": now},
            )
            await tx.execute(
                "INSERT INTO poll_voters (token, poll_id, voted, pending) "
                "VALUES (:token, :id, 1, 1)",
                {"token": bytes([poll_id]) * 32, "id": poll_id},
            )
    async with db.transaction() as tx:
        assert await FeedbackRepository(db).mark_lost(tx, FIRST) == 1
    rows = await db.fetchall(
        "SELECT p.id, p.voters, v.voted FROM polls p JOIN poll_voters v ON v.poll_id = p.id "
        "ORDER BY p.id"
    )
    assert [(r["id"], r["voters"], r["voted"]) for r in rows] == [(1, 0, 0), (2, 1, 1)]
