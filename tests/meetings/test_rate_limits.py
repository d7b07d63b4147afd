"""Many groups' reminders due at once, against a loopback Discord that enforces Discord's rate
limits (tests/fakediscord/ratelimits.py): every reminder is posted exactly once and Discord never
answers 429.

What keeps the bot under them: the outbox's send budget (bot/send_budget.py) paces the posts
and DMs under the global limit (50 requests a second), the meetings feature's own requests
(its servers' scheduled events, started with their sessions) take tokens from the same budget,
and discord.py keeps each route's limit (here 3 messages per channel in 2 seconds, so that a
group with six sessions at the same hour fills its channel's bucket) from the headers.

The groups are a stand-in directory and the series are scheduled through the service (what
`/meeting schedule`'s Confirm calls): the commands are tested elsewhere, and the loopback
Discord's limits would make a setup through them long. The members say they are going by
pressing the announcement's button, as people do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.directory import GroupRef
from tests.conftest import FakeClock, StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Guild
from tests.fakediscord.ratelimits import RateLimits
from tests.feedback.standin_groups import StandInGroups, install_groups
from tests.harness import BotRunner, Server
from tests.meetings.conftest import (
    announcements,
    meetings,
    reminders,
    run_until,
    settle,
)

SERVERS = 4
GROUPS_PER_SERVER = 8  # the first half meet at 17:00, the others at 18:00
BUSY_GROUP_SERIES = 6  # the first 18:00 group of the first server has six series at 18:00
MESSAGES_PER_CHANNEL = (3, 2.0)  # a small bucket, so that the busy group's channel fills it


async def test_many_groups_reminders_at_once_keep_to_discords_rate_limits(
    fake_discord: FakeDiscord, server: Server, clock: FakeClock, start_bot: StartBot
) -> None:
    fake = fake_discord
    limits = RateLimits(routes={("POST", "/channels/{channel_id}/messages"): MESSAGES_PER_CHANNEL})
    fake.rate_limits = limits
    guilds: list[Guild] = [server.guild] + [
        fake.create_guild(f"Circle {n}") for n in range(1, SERVERS)
    ]
    groups = StandInGroups()
    leader = server.admin
    early: list[GroupRef] = []  # sessions at 17:00: reminded at 16:00, started at 17:00
    late: list[GroupRef] = []  # sessions at 18:00: reminded at 17:00, as the others start
    for guild in guilds:
        if guild is not server.guild:
            fake.add_member(guild, leader)
        for n in range(GROUPS_PER_SERVER):
            channel = fake.create_text_channel(guild, f"group-{n}")
            group = groups.add(guild.id, f"Group {n}", channel_id=channel.id, leaders=[leader])
            (early if n < GROUPS_PER_SERVER // 2 else late).append(group)
    busy = late[0]
    going = {group.id: [] for group in late[1:4]}  # members who will say they are going
    for group_id in going:
        for n in range(2):
            member = fake.create_user(f"member-{group_id}-{n}")
            fake.add_member(server.guild, member)
            groups.members[group_id].add(member.id)
            going[group_id].append(member)

    runner: BotRunner = await start_bot(("meetings",), sync=False, prepare=install_groups(groups))
    service = meetings(runner).service
    series_of: dict[int, int] = {}
    for group in early + late:
        at = "2027-02-20 17:00" if group in early else "2027-02-20 18:00"
        for n in range(BUSY_GROUP_SERIES if group is busy else 1):
            draft = service.draft(
                group=group,
                title=f"Circle {n}",
                when=at,
                duration_minutes=60,
                repeat="weekly",
                nth=None,
                until=None,
                by=leader.id,
            )
            await service.confirm(draft)
        series_of[group.id] = BUSY_GROUP_SERIES if group is busy else 1
    for group_id in going:
        await service.set_reminders(
            groups.groups[group_id],
            offsets=None,
            ping_role=None,
            remind_going=True,
            by=leader.id,
        )
    await settle(runner)
    for group_id, members in going.items():
        [announcement] = announcements(fake, groups.groups[group_id].channel_id)
        going_button = next(c for c in announcement.custom_ids() if c.endswith(":going"))
        for member in members:
            await fake.click(member, announcement, going_button)
    await settle(runner)

    # 16:00: the early groups' reminders; 17:00: their sessions start (each server's scheduled
    # events are started) as the late groups' reminders, and their members' DMs, fall due.
    await run_until(runner, clock, datetime(2027, 2, 20, 17, 1, tzinfo=UTC))

    for group in early + late:
        posted = reminders(fake, group.channel_id)
        assert len(posted) == series_of[group.id], (group.name, [m.content for m in posted])
    for group_id, members in going.items():
        for member in members:
            dms = [m for m in fake.dm_messages(member) if m.content.startswith("A reminder:")]
            assert len(dms) == 1, (group_id, [m.content for m in fake.dm_messages(member)])
    for guild in guilds:
        started = [e for e in fake.scheduled_events(guild) if e.status == 2]
        assert len(started) == GROUPS_PER_SERVER // 2  # each early group's event is under way
    assert limits.refused == []
    busy_posts = [
        r
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{busy.channel_id}/messages"
    ]
    assert len(busy_posts) == 2 * BUSY_GROUP_SERIES  # its announcements, then its reminders
    assert limits.counted >= len(early + late) * 2  # the limits were counted all along

    # A restart changes nothing: no reminder goes twice.
    await runner.stop()
    await runner.start(sync=False, prepare=install_groups(groups))
    await settle(runner)
    for group in early + late:
        assert len(reminders(fake, group.channel_id)) == series_of[group.id]
    assert limits.refused == []
