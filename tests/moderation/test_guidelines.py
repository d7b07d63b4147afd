"""Guidelines: versioned texts edited in a modal, the group's pinned copy replaced by each new
version, and reminders on a schedule (the clock moved by the test) and at each session start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cogs.moderation.guidelines import next_due
from tests.events import announce
from tests.moderation.conftest import Community


async def edit_guidelines(c: Community, user, text: str, group: int | None = None, channel=None):
    options = {"group": str(group)} if group else {}
    opened = await c.slash(user, "guidelines set", channel, **options)
    assert opened.modal is not None, opened
    return opened, await c.fake.submit_modal(user, opened, {"body": text})


def pinned(c: Community) -> list:
    return [m for m in c.fake.messages_in(c.group_channel, include_system=False) if m.pinned]


async def test_server_and_group_guidelines_with_the_pin_replaced(community: Community) -> None:
    c, s = community, community.server
    res = await c.slash(s.member, "guidelines show")
    assert "no written guidelines yet" in res.text

    _, done = await edit_guidelines(c, s.moderator, "Be kind. @everyone is welcome.")
    assert "Version 1 of the server's guidelines is saved" in done.text
    opened, done = await edit_guidelines(c, s.moderator, "Be kind. Listen first.")
    assert opened.modal is not None
    assert opened.modal.inputs()[0]["value"] == "Be kind. @everyone is welcome."  # prefilled
    assert "Version 2" in done.text
    _, done = await edit_guidelines(c, s.moderator, "Be kind. Listen first.")
    assert "Nothing changed" in done.text

    _, done = await edit_guidelines(c, c.leader, "1. What is shared here stays here.", c.group_id)
    assert "posted and pinned" in done.text, done
    [first] = pinned(c)
    assert "What is shared here stays here" in first.text and "Version 1" in first.text
    assert first.allowed_mentions == {"parse": []}
    _, done = await edit_guidelines(
        c, c.leader, "1. What is shared here stays here.\n2. No medical advice as fact.", c.group_id
    )
    [second] = pinned(c)
    assert second.id != first.id and "No medical advice" in second.text
    assert not c.fake.message(first.id).pinned

    # Shown privately: the server's, and in the group's channel the group's too.
    res = await c.slash(s.member, "guidelines show", c.group_channel)
    await res.wait_messages(2)
    shown = [m.text for m in res.messages]
    assert res.ephemeral and "Listen first" in shown[0] and "No medical advice" in shown[1]
    res = await c.slash(s.member, "guidelines show")
    assert "Listen first" in res.text and "No medical advice" not in res.text

    # Every version is a case in the mod log.
    await c.settle()
    titles = [m.embeds[0]["title"] for m in c.mod_log_entries()]
    assert sum(t.endswith("Guidelines changed") for t in titles) == 4
    assert "published version 2 of the guidelines of Survivors" in c.mod_log_entries()[-1].text


async def test_a_half_done_pin_is_finished_by_the_sync_job(community: Community) -> None:
    c = community
    c.fake.faults.add("PUT", r"/pins/", status=403, count=None)  # e.g. Pin Messages missing
    _, done = await edit_guidelines(c, c.leader, "Be gentle.", c.group_id)
    assert "couldn't pin it" in done.text, done
    assert pinned(c) == []
    c.fake.faults.clear()
    job = c.bot.scheduler.get_job("moderation:guideline-pins")
    assert job is not None
    await job.func(*job.args)
    [pin] = pinned(c)
    assert "Be gentle." in pin.text
    posts = [m for m in c.bot_messages(c.group_channel) if "Be gentle." in m.text]
    assert len(posts) == 1  # posted once, pinned on the second try


async def test_scheduled_reminders_go_out_once_per_due_time(community: Community) -> None:
    c = community
    res = await c.slash(
        c.leader, "guidelines reminders", group=str(c.group_id), schedule="biweekly"
    )
    assert "every 2 weeks" in res.text and "The next one" in res.text, res
    job_id = f"moderation:reminder:{c.group_id}"
    job = c.bot.scheduler.get_job(job_id)
    assert job is not None
    group_id, due = job.args
    moment = datetime.fromtimestamp(due, UTC)
    assert moment.hour == 10 and moment.date() == (c.clock() + timedelta(days=14)).date()

    # Early (a restart fired it before its time): nothing goes out.
    await job.func(*job.args)
    await c.settle()
    assert not reminders(c)

    c.clock.now = moment + timedelta(seconds=1)
    await job.func(*job.args)
    await c.settle()
    [sent] = reminders(c)
    assert sent.allowed_mentions == {"parse": []} and sent.mentions == []
    assert "/guidelines show" in sent.text or "discord.com/channels" in sent.text
    following = c.bot.scheduler.get_job(job_id)
    assert following is not None and following.args[1] == due + 14 * 86400

    # The same due time again (a duplicate job): nothing more.
    await job.func(group_id, due)
    await c.settle()
    assert len(reminders(c)) == 1

    # After a restart the job is rebuilt from the database; after a long outage only one
    # reminder goes out for the missed times, and the next one is in the future.
    await c.runner.stop()
    await c.runner.start()
    rebuilt = c.bot.scheduler.get_job(job_id)
    assert rebuilt is not None and rebuilt.args[1] == due + 14 * 86400
    c.clock.advance(days=45)
    await rebuilt.func(*rebuilt.args)
    await c.settle()
    assert len(reminders(c)) == 2
    after = c.bot.scheduler.get_job(job_id)
    assert after is not None and after.args[1] > c.clock().timestamp()

    res = await c.slash(c.leader, "guidelines reminders", group=str(c.group_id), schedule="off")
    assert "are off" in res.text
    assert c.bot.scheduler.get_job(job_id) is None


async def test_an_archived_group_gets_no_more_reminders(community: Community) -> None:
    c, s = community, community.server
    await c.slash(c.leader, "guidelines reminders", group=str(c.group_id), schedule="weekly")
    job = c.bot.scheduler.get_job(f"moderation:reminder:{c.group_id}")
    assert job is not None
    res = await c.slash(s.moderator, "group archive", group=str(c.group_id))
    assert "is archived" in res.text, res
    c.clock.advance(days=8)
    await job.func(*job.args)
    await c.settle()
    assert reminders(c) == []
    stopped = await c.guidelines.service.reminder(c.group_id)
    assert stopped is not None and stopped.next_due is None


async def test_a_reminder_at_the_start_of_each_session(community: Community) -> None:
    c = community
    await announce(c.bot, "meeting_started", c.server.guild.id, c.group_id, "7:1800000000")
    await c.settle()
    assert not reminders(c)  # not asked for yet

    res = await c.slash(
        c.leader,
        "guidelines reminders",
        group=str(c.group_id),
        schedule="off",
        **{"at-session-start": True},
    )
    assert "at the start of each session" in res.text, res
    for occurrence in ("7:1800000000", "7:1800000000", "7:1800604800"):
        await announce(c.bot, "meeting_started", c.server.guild.id, c.group_id, occurrence)
        await c.settle()
    sent = reminders(c)
    assert len(sent) == 2 and all("today's session" in m.text for m in sent)
    # Another group's session does not remind this one.
    await announce(c.bot, "meeting_started", c.server.guild.id, c.other_group_id, "8:1800000000")
    await c.settle()
    assert len(reminders(c)) == 2

    # After a restart, a session that already had its reminder (a late, repeated event) gets
    # none again; the next session does. Never a ping.
    await c.runner.stop()
    await c.runner.start()
    await announce(c.bot, "meeting_started", c.server.guild.id, c.group_id, "7:1800604800")
    await announce(c.bot, "meeting_started", c.server.guild.id, c.group_id, "7:1801209600")
    await c.settle()
    sent = reminders(c)
    assert len(sent) == 3
    assert all(m.allowed_mentions == {"parse": []} and m.mentions == [] for m in sent)


def reminders(c: Community) -> list:
    return [
        m
        for m in c.bot_messages(c.group_channel)
        if "reminder of this group's guidelines" in m.text
    ]


def test_reminders_keep_their_local_hour_across_daylight_saving_and_month_ends() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    before_dst = int(datetime(2027, 3, 22, 10, 0, tzinfo=madrid).timestamp())
    due = next_due(before_dst, "weekly", "Europe/Madrid")
    assert due is not None
    local = datetime.fromtimestamp(due, madrid)
    assert (local.date().isoformat(), local.hour) == ("2027-03-29", 10)  # summer time by then
    assert due - before_dst == 7 * 86400 - 3600
    end_of_january = int(datetime(2027, 1, 31, 9, 0, tzinfo=UTC).timestamp())
    february = next_due(end_of_january, "monthly", "UTC")
    assert february is not None
    assert datetime.fromtimestamp(february, UTC) == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    assert next_due(end_of_january, "off", "UTC") is None
