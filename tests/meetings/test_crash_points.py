"""Crash points of the meetings feature's multi-step flows (issue 19): each flow is run once to
count its steps (every request to Discord, every commit), then killed at its steps, restarted on
the same database and checked (tests/crashpoints.py) on what members see (the announcement and
its RSVP buttons, the server's scheduled event, reminders, notices) and on the database: nothing
half-done, nothing lost, nothing doubled, each person told once.

The flows: /meeting schedule of a one-off session and of a weekly series, /meeting edit moving
one session (after its 24-hour reminder went out), /meeting cancel of one session of a series
and of a whole series, and a session's start (the guideline and confidentiality reminders, the
event goes active) and end (the feedback poll, the event completed).

The everyday slow run samples each flow's crash points deterministically (`after_each_kind`):
0 and the point just after the first step of each kind that changes something (a commit, an
interaction's answer, a message posted, a DM channel opened, an event created or edited, a
message edited; a read changes nothing), so every kind of step is the last one done before a
crash at least once; the suite's time budget allows no more. `CRASH_POINTS=all` sweeps every
point (about five minutes on two busy cores; every point passed when this was written). Each
test prints how many of its points it ran.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest

from cogs.meetings.cog import MeetingsCog
from cogs.meetings.models import Session
from tests.crashpoints import Flow, SweepReport, World, sweep
from tests.fakediscord.models import Message, ScheduledEvent, User
from tests.groups.conftest import create_group
from tests.meetings.conftest import announcements, meetings, reminders, run_until, settle

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

ZONE = "America/New_York"
BASE = ("settings", "groups", "meetings")
HOOKS = (*BASE, "moderation", "confidentiality", "feedback")
SCHEDULED, ACTIVE, COMPLETED, CANCELLED = 1, 2, 3, 4
APOLOGY = "Something went wrong"
GUIDELINES, CONFIDENTIALITY = "reminder of this group's guidelines", "a gentle reminder"
POLL = "How helpful was today's session?"


# ---------------------------------------------------------------------- sampling


def kind_of(step: str) -> str:
    """A step's kind: its route without ids nor tokens (`POST /channels/{id}/messages`)."""
    step = re.sub(r"/(interactions|webhooks)/[^/]+/[^/?]+", r"/\1/{id}/{token}", step)
    return re.sub(r"/\d+", "/{id}", step)


def sampled(steps: list[str]) -> Iterable[int]:
    """The crash points a sweep runs: those after each kind of step, or every one of them
    with CRASH_POINTS=all in the environment."""
    if os.environ.get("CRASH_POINTS") == "all":
        return range(len(steps) + 1)
    return after_each_kind(steps)


def after_each_kind(steps: list[str]) -> list[int]:
    """Crash point 0 (nothing happened) and the point just after the first step of each kind:
    it happened and nothing after it did (killed before a step is killed after the one before
    it). Point K (all of it, then killed) is left out: the counting run, stopped after the
    whole flow and restarted, is checked the same way; so is the point after a read (a GET
    changes nothing: killed after it is killed before it)."""
    points = {0}
    seen: set[str] = set()
    for i, step in enumerate(steps):
        if kind_of(step) not in seen and not step.startswith("GET "):
            seen.add(kind_of(step))
            points.add(i + 1)
    return sorted(points - {len(steps)})


def report(result: SweepReport) -> None:
    kinds = sorted({kind_of(s) for s in result.kinds})
    line = (
        f"{result.flow}: {result.steps} steps of {len(kinds)} kinds, {result.points} of "
        f"{result.steps + 2} crash points, {result.seconds:.1f} s"
    )
    log.warning("%s", line)
    print(line)


# ---------------------------------------------------------------------- the world


def cog(world: World) -> MeetingsCog:
    assert world.runner is not None
    return meetings(world.runner)


def person(world: World, name: str) -> User:
    user = world.fake.create_user(name)
    world.fake.add_member(world.server.guild, user)
    world.state[name] = user
    return user


def local_day(world: World, days: int, hour: int = 18) -> datetime:
    """`days` from the world's today, at `hour` in the group's zone."""
    here = world.clock.now.astimezone(ZoneInfo(ZONE))
    return (here + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def typed(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def at(moment: datetime) -> int:
    return int(moment.timestamp())


async def community(world: World, *, members: tuple[str, ...] = ("anna",)) -> None:
    """A server with a moderator role, a group led by lena in New York's time zone, and its
    members (they joined through the agreement when that feature is loaded)."""
    fake, s = world.fake, world.server
    await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    lena = person(world, "lena")
    res = await create_group(fake, s, "Caregivers", lena, timezone=ZONE)
    assert "is ready" in res.text, res
    groups = await world.bot.groups.search(s.guild.id, "Caregivers", limit=5)
    (group,) = [g for g in groups if g.name == "Caregivers"]
    world.state["group"] = group.id
    world.state["channel"] = group.channel_id
    world.state["role"] = group.role_id
    for name in members:
        user = person(world, name)
        res = await fake.slash(
            user, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
        )
        agree = [c for c in res.message.custom_ids() if ":agree:" in c]
        if agree:
            await fake.click(user, res.message, agree[0])
    await world.idle()
    for name in members:
        assert group.role_id in fake.member(s.guild, world.state[name]).roles


async def schedule(world: World, when: datetime, **options: object) -> None:
    """/meeting schedule, then Confirm on the preview (lena, the group's leader)."""
    fake, s = world.fake, world.server
    preview = await fake.slash(
        world.state["lena"],
        "meeting schedule",
        guild=s.guild,
        channel=s.general,
        options={"group": str(world.state["group"]), "when": typed(when), **options},
    )
    confirm = preview.message.custom_ids()[0]
    await fake.click(world.state["lena"], preview.message, confirm)


def replies_to(world: World, user: User) -> list[str]:
    """Every message the bot showed `user` in answer to their interactions, once each."""
    shown: dict[int, list[str]] = {}
    for pending in world.fake.pending.values():
        if pending.result.user.id == user.id:
            for m in pending.result.messages:
                shown.setdefault(m.id, []).append(m.text)
    return ["\n".join(texts) for texts in shown.values()]


def count(texts: Iterable[str], words: str) -> int:
    return sum(words in t for t in texts)


def dms(world: World, user: User, words: str) -> int:
    return count((m.text for m in world.fake.dm_messages(user)), words)


def posts(world: World, words: str) -> list[Message]:
    assert world.runner is not None and world.bot.user is not None
    me = world.bot.user.id
    return [
        m
        for m in world.fake.messages_in(world.state["channel"], include_system=False)
        if m.author.id == me and words in m.text
    ]


def events(world: World, *statuses: int) -> list[ScheduledEvent]:
    return [e for e in world.fake.scheduled_events(world.server.guild) if e.status in statuses]


def event_start(event: ScheduledEvent) -> int:
    return at(datetime.fromisoformat(event.scheduled_start_time))


async def sessions(world: World) -> list[Session]:
    rows = await cog(world).service.repo.db.fetchall(
        "SELECT id FROM meeting_occurrences ORDER BY id"
    )
    found = await cog(world).service.repo.sessions([r["id"] for r in rows])
    return [found[r["id"]] for r in rows]


async def series_count(world: World) -> int:
    return await cog(world).service.repo.db.fetchval("SELECT COUNT(*) FROM meeting_series")


def shows(message: Message, moment: int) -> bool:
    return f"<t:{moment}:" in message.text


async def rsvp(world: World, user: User, post: Message, answer: str) -> str:
    """Press an RSVP button of `post` (as it is now) and return what the bot answered."""
    live = world.fake.message(post.id)
    button = next(c for c in live.custom_ids() if c.endswith(f":{answer}"))
    res = await world.fake.click(user, live, button)
    await world.idle()
    return " ".join(m.text for m in res.messages)


async def reminders_until(world: World, until: datetime) -> list[Message]:
    """Let the due job fire everything up to `until`, as the scheduler would; the reminders
    posted in the group's channel."""
    assert world.runner is not None
    await run_until(world.runner, world.clock, until.astimezone(UTC))
    return reminders(world.fake, world.state["channel"])


async def answer_works(world: World, user: User, post: Message, occurrence: int) -> None:
    """The announcement's buttons work after the restart: the answer is recorded and shown."""
    said = await rsvp(world, user, post, "going")
    assert "you're down as going" in said and APOLOGY not in said, said
    assert await cog(world).service.repo.rsvps(occurrence) == {user.id: "going"}
    assert "Going: 1" in world.fake.message(post.id).text


# ---------------------------------------------------------------------- /meeting schedule


class ScheduleOnce(Flow):
    """A leader schedules a one-off session: preview, Confirm; the series and its session are
    saved, the announcement goes out with RSVP buttons, the server's event is created. Killed
    anywhere: nothing of it (the leader was not told it is scheduled), or all of it, once."""

    features = BASE
    sync_once = True
    options: ClassVar[dict[str, object]] = {"title": "Evening circle", "minutes": 90}

    async def prepare(self, world: World) -> None:
        await community(world)
        world.state["when"] = local_day(world, 3)

    async def act(self, world: World) -> None:
        await schedule(world, world.state["when"], **self.options)

    async def check(self, world: World, point: int | None) -> None:
        lena, anna = world.state["lena"], world.state["anna"]
        start = at(world.state["when"])
        told = count(replies_to(world, lena), "is scheduled")
        posted = announcements(world.fake, world.state["channel"])
        if await series_count(world) == 0:
            assert posted == [] and events(world, SCHEDULED, ACTIVE) == [] and told == 0
            assert await sessions(world) == []
            return
        (session,) = await sessions(world)
        assert session.starts_at == start
        assert told <= 1 and (told == 1 or point is not None)
        # One announcement, showing the session's time, with its buttons; one event.
        (post,) = posted
        assert shows(post, start)
        (event,) = events(world, SCHEDULED, ACTIVE, COMPLETED, CANCELLED)
        assert event.status == SCHEDULED and event_start(event) == start
        await answer_works(world, anna, post, session.id)
        # Its reminders (24 hours and 1 hour before) go out once each.
        sent = await reminders_until(world, world.state["when"] - timedelta(minutes=30))
        assert len(sent) == 2 and all(shows(m, start) for m in sent), [m.text for m in sent]


class ScheduleWeekly(ScheduleOnce):
    """The same for a weekly series (its first session materialised, the rule kept)."""

    options: ClassVar[dict[str, object]] = {"title": "Weekly circle", "repeat": "weekly"}

    async def check(self, world: World, point: int | None) -> None:
        await super().check(world, point)
        if await series_count(world):
            series = await cog(world).service.repo.db.fetchone("SELECT rrule FROM meeting_series")
            assert series is not None and "WEEKLY" in series["rrule"]


async def test_scheduling_a_session_survives_a_crash(tmp_path) -> None:
    result = await sweep(ScheduleOnce(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 6  # preview, confirm, commit, announcement, event, ...


async def test_scheduling_a_series_survives_a_crash(tmp_path) -> None:
    result = await sweep(ScheduleWeekly(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 6


# ---------------------------------------------------------------------- /meeting edit, cancel


async def weekly_with_anna_going(world: World) -> None:
    """A weekly series whose first session is in three days; anna said she is going."""
    await community(world)
    first = world.state["when"] = local_day(world, 3)
    await schedule(world, first, title="Weekly circle", repeat="weekly")
    await world.idle()
    (post,) = announcements(world.fake, world.state["channel"])
    world.state["post"] = post
    said = await rsvp(world, world.state["anna"], post, "going")
    assert "you're down as going" in said, said
    (series,) = await cog(world).service.repo.series_of_group(
        world.server.guild.id, world.state["group"]
    )
    world.state["series"] = series.id
    world.state["key"] = first.replace(tzinfo=None).isoformat()


async def leader_runs(world: World, command: str, **options: object) -> None:
    s = world.server
    await world.fake.slash(
        world.state["lena"], command, guild=s.guild, channel=s.general, options=options
    )


class MoveSession(Flow):
    """A leader moves a session a day later, after its 24-hour reminder went out. Killed
    anywhere: the session is where it was, or it moved and everything follows it once (its
    announcement and the server's event show the new time, anna who is going is told once, the
    channel once, and the new time gets its reminders)."""

    features = BASE
    sync_once = True

    async def prepare(self, world: World) -> None:
        await weekly_with_anna_going(world)
        first = world.state["when"]
        world.state["new"] = first + timedelta(days=1)
        sent = await reminders_until(world, first - timedelta(hours=23))
        assert len(sent) == 1  # the 24-hour one, for the old time

    async def act(self, world: World) -> None:
        await leader_runs(
            world,
            "meeting edit",
            series=str(world.state["series"]),
            session=world.state["key"],
            when=typed(world.state["new"]),
        )

    async def check(self, world: World, point: int | None) -> None:
        lena, anna = world.state["lena"], world.state["anna"]
        old, new = at(world.state["when"]), at(world.state["new"])
        (session,) = await sessions(world)
        moved = session.starts_at == new
        assert moved or session.starts_at == old
        told = count(replies_to(world, lena), "is moved to")
        assert told <= 1 and (told == 1 or point is not None or not moved)
        assert dms(world, anna, "has moved") == int(moved)
        assert len(posts(world, "has moved from")) == int(moved)
        # The announcement and the server's event show where the session is now.
        (post,) = announcements(world.fake, world.state["channel"])
        assert shows(post, session.starts_at) and not shows(post, new if not moved else old)
        (event,) = events(world, SCHEDULED, ACTIVE, COMPLETED, CANCELLED)
        assert event.status == SCHEDULED
        assert event_start(event) == session.starts_at
        # Its buttons still work.
        said = await rsvp(world, anna, post, "maybe")
        assert "Noted: maybe" in said and APOLOGY not in said, said
        # Reminders: the one that went out for the old time, then each of the current time's
        # once (a moved session's reminders follow it, even the one already sent).
        now = world.state["new"] if moved else world.state["when"]
        sent = await reminders_until(world, now - timedelta(minutes=30))
        expected = [old, new, new] if moved else [old, old]
        assert [new if shows(m, new) else old for m in sent] == expected, [m.text for m in sent]


class CancelSession(Flow):
    """A leader cancels the next session of a weekly series. Killed anywhere: it still takes
    place, or it is cancelled once (anna who is going told once, the channel once) and the
    series goes on: the next session's announcement and the server's event, once each."""

    features = BASE
    sync_once = True

    async def prepare(self, world: World) -> None:
        await weekly_with_anna_going(world)

    async def act(self, world: World) -> None:
        await leader_runs(
            world,
            "meeting cancel",
            series=str(world.state["series"]),
            session=world.state["key"],
        )

    async def check(self, world: World, point: int | None) -> None:
        lena, anna = world.state["lena"], world.state["anna"]
        first = at(world.state["when"])
        next_one = at(world.state["when"] + timedelta(days=7))
        found = await sessions(world)
        cancelled = found[0].status == "cancelled"
        told = count(replies_to(world, lena), "is cancelled")
        assert told <= 1 and (told == 1 or point is not None or not cancelled)
        assert dms(world, anna, "is cancelled") == int(cancelled)
        assert len(posts(world, "is cancelled.")) == int(cancelled)
        posted = announcements(world.fake, world.state["channel"])
        live = events(world, SCHEDULED, ACTIVE)
        if not cancelled:
            assert [s.starts_at for s in found] == [first]
            assert len(posted) == 1 and len(live) == 1 and event_start(live[0]) == first
            sent = await reminders_until(world, world.state["when"] - timedelta(minutes=30))
            assert len(sent) == 2 and all(shows(m, first) for m in sent)
            return
        # The series goes on: its next session, announced once, shown as the server's event.
        (upcoming,) = [s for s in found if s.status == "scheduled"]
        assert upcoming.starts_at == next_one
        old_post, new_post = posted
        assert shows(old_post, first) and shows(new_post, next_one)
        assert len(live) == 1 and event_start(live[0]) == next_one
        # The old announcement's buttons say so kindly; the new one's work.
        said = await rsvp(world, anna, old_post, "maybe")
        assert "cancelled" in said and APOLOGY not in said, said
        await answer_works(world, anna, new_post, upcoming.id)
        # Nothing is reminded of the cancelled session.
        assert await reminders_until(world, world.state["when"] + timedelta(hours=2)) == []


class CancelSeries(Flow):
    """A leader cancels the whole weekly series. Killed anywhere: it goes on as before, or it
    is cancelled once (anna told once, the channel once), the server's event cancelled, and
    nothing of it is reminded or started again."""

    features = BASE
    sync_once = True

    async def prepare(self, world: World) -> None:
        await weekly_with_anna_going(world)

    async def act(self, world: World) -> None:
        await leader_runs(world, "meeting cancel", series=str(world.state["series"]))

    async def check(self, world: World, point: int | None) -> None:
        lena, anna = world.state["lena"], world.state["anna"]
        first = at(world.state["when"])
        series = await cog(world).service.repo.series(world.state["series"])
        assert series is not None
        cancelled = series.cancelled_at is not None
        (session,) = await sessions(world)
        assert (session.status == "cancelled") == cancelled
        told = count(replies_to(world, lena), "is cancelled")
        assert told <= 1 and (told == 1 or point is not None or not cancelled)
        assert dms(world, anna, "is cancelled") == int(cancelled)
        assert len(posts(world, "is cancelled.")) == int(cancelled)
        (post,) = announcements(world.fake, world.state["channel"])
        live = events(world, SCHEDULED, ACTIVE)
        sent = await reminders_until(world, world.state["when"] + timedelta(hours=2))
        if cancelled:
            assert live == [] and sent == [], (live, [m.text for m in sent])
            said = await rsvp(world, anna, post, "maybe")
            assert "cancelled" in said and APOLOGY not in said, said
        else:
            assert len(live) == 1 and event_start(live[0]) == first
            # It goes on: this session's reminders, once each.
            assert [shows(m, first) for m in sent] == [True, True], [m.text for m in sent]


async def test_moving_a_session_survives_a_crash(tmp_path) -> None:
    result = await sweep(MoveSession(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 4


async def test_cancelling_a_session_survives_a_crash(tmp_path) -> None:
    result = await sweep(CancelSession(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 4


async def test_cancelling_a_series_survives_a_crash(tmp_path) -> None:
    result = await sweep(CancelSeries(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 4


# ---------------------------------------------------------------------- a session's start and end


async def with_hooks(world: World) -> None:
    """A one-off session in three days of a group whose leaders turned on the guideline
    reminder at each session's start and the feedback poll after it; its reminders sent."""
    await community(world)
    for command, options in (
        ("guidelines reminders", {"schedule": "off", "at-session-start": True}),
        ("poll settings session-poll", {"enabled": True, "hours": 12}),
    ):
        await leader_runs(world, command, group=str(world.state["group"]), **options)
    start = world.state["when"] = local_day(world, 3)
    world.state["end"] = start + timedelta(minutes=90)
    await schedule(world, start, title="Evening circle", minutes=90)
    await world.idle()
    assert len(await reminders_until(world, start - timedelta(minutes=1))) == 2


async def fire(world: World, moment: datetime) -> None:
    """The due job at `moment`, as the scheduler runs it."""
    world.clock.now = moment.astimezone(UTC)
    await cog(world).run_due()


class SessionStarts(Flow):
    """A session starts: the guideline and confidentiality reminders in the group's channel and
    the server's event goes active. Killed anywhere, after the restart (the due job runs again
    as the scheduler would): each reminder once, the event active, nothing sent twice."""

    features = HOOKS
    sync_once = True

    async def prepare(self, world: World) -> None:
        await with_hooks(world)

    async def act(self, world: World) -> None:
        await fire(world, world.state["when"])

    async def check(self, world: World, point: int | None) -> None:
        await reminders_until(world, world.state["when"] + timedelta(minutes=1))
        assert world.runner is not None
        await settle(world.runner)
        (session,) = await sessions(world)
        assert session.status == "started"
        counts = [len(posts(world, w)) for w in (GUIDELINES, CONFIDENTIALITY, POLL)]
        assert counts == [1, 1, 0], counts
        assert len(reminders(world.fake, world.state["channel"])) == 2
        (event,) = events(world, SCHEDULED, ACTIVE, COMPLETED, CANCELLED)
        assert event.status == ACTIVE


class SessionEnds(Flow):
    """The session ends: the anonymous feedback poll, its buttons working, and the server's
    event completed. Killed anywhere: after the restart, the poll once, the event completed."""

    features = HOOKS
    sync_once = True

    async def prepare(self, world: World) -> None:
        await with_hooks(world)
        await reminders_until(world, world.state["when"] + timedelta(minutes=1))
        assert world.runner is not None
        await settle(world.runner)
        assert len(posts(world, CONFIDENTIALITY)) == 1

    async def act(self, world: World) -> None:
        await fire(world, world.state["end"])

    async def check(self, world: World, point: int | None) -> None:
        await reminders_until(world, world.state["end"] + timedelta(minutes=1))
        assert world.runner is not None
        await settle(world.runner)
        (session,) = await sessions(world)
        assert session.status == "ended"
        counts = [len(posts(world, w)) for w in (GUIDELINES, CONFIDENTIALITY, POLL)]
        assert counts == [1, 1, 1], counts
        (event,) = events(world, SCHEDULED, ACTIVE, COMPLETED, CANCELLED)
        assert event.status == COMPLETED
        # The poll's buttons work (a vote asks to confirm, privately).
        (poll,) = posts(world, POLL)
        vote = next(c for c in poll.custom_ids() if c.startswith("feedback:vote:"))
        res = await world.fake.click(world.state["anna"], poll, vote)
        assert res.ephemeral and res.text and APOLOGY not in res.text, res


async def test_a_session_start_survives_a_crash(tmp_path) -> None:
    result = await sweep(SessionStarts(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 4


async def test_a_session_end_survives_a_crash(tmp_path) -> None:
    result = await sweep(SessionEnds(), tmp_path, points=sampled)
    report(result)
    assert result.steps >= 4
