"""Crash points of the moderation flows (issue 19): a report (the "Report to moderators" form
sent, then a moderator claiming and resolving it), /warn and /timeout. Each flow is run once to
count its steps (every request to Discord, every commit), then killed at a deterministic sample
of its steps (`every_kind`: before the first and the last step of each kind, and after the last;
the suite's time allows no more), restarted on the same database and checked
(tests/crashpoints.py).

What must hold after any crash, once the restarted bot is idle:
- the mod log: its case numbers run 1..N without a gap or a double, and each case shows in the
  mod-log channel once (a report as its own post, with its buttons while it is open);
- the member acted on is told once (a warning or a timeout by one DM), or not at all when
  nothing happened; a timeout in Discord has its case, and a case its timeout;
- whoever acted is answered at most once, and never with something untrue;
- a report's post shows what the database says (claimed, closed) without anyone pressing again.
"""

from __future__ import annotations

import pytest

from tests.crashpoints import Flow, World, every_kind, report, sweep
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User

pytestmark = pytest.mark.slow


FEATURES = ("settings", "moderation")
MENU = "Report to moderators"
WORDS = "Stop your chemo, turmeric cures it"


def replies_to(world: World, user: User) -> list[str]:
    """Every message the bot showed `user` in answer to their interactions (ephemeral ones
    included), once each, as it reads last (an edited message counts once)."""
    shown: dict[int, str] = {}
    for pending in world.fake.pending.values():
        if pending.result.user.id == user.id:
            for m in pending.result.messages:
                if m.ephemeral or m.id not in shown:
                    shown[m.id] = m.text
    return [text for text in shown.values() if text]


def bot_messages(world: World, channel_id: int) -> list[Message]:
    fake = world.fake
    return [
        m
        for m in fake.messages_in(channel_id, include_system=False)
        if m.author.id == fake.bot_user.id
    ]


def titled(world: World, prefix: str) -> list[Message]:
    """The bot's posts in the mod-log channel whose embed title starts with `prefix`."""
    return [
        m
        for m in bot_messages(world, world.server.private.id)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith(prefix)
    ]


def dms(world: World, user: User) -> list[Message]:
    fake = world.fake
    return [m for m in fake.dm_messages(user) if m.author.id == fake.bot_user.id]


async def community(world: World) -> None:
    s = world.server
    await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    await world.bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)
    await world.idle()
    world.state["cases_before"] = await world.bot.db.fetchval(
        "SELECT COUNT(*) FROM mod_log WHERE guild_id = :g", {"g": s.guild.id}
    )


async def cases_are_whole(world: World) -> list[tuple[int, str]]:
    """The server's mod log: case numbers 1..N, each once; every case but a report's (its own
    post stands for it) in the mod-log channel once. Returns (case, action) in order."""
    rows = await world.bot.db.fetchall(
        "SELECT case_number, action FROM mod_log WHERE guild_id = :g ORDER BY case_number",
        {"g": world.server.guild.id},
    )
    numbers = [r["case_number"] for r in rows]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    since = world.state["cases_before"]  # those of the preparation (before the mod log)
    rows = [r for r in rows if r["case_number"] > since]
    posted = [case_of(m) for m in titled(world, "Case #") if case_of(m) > since]
    reported = [case_of(m) for m in titled(world, "Report #")]
    announced = [r["case_number"] for r in rows if r["action"] != "report"]
    assert sorted(posted) == announced, (posted, announced)
    assert sorted(reported) == [r["case_number"] for r in rows if r["action"] == "report"]
    return [(r["case_number"], r["action"]) for r in rows]


def case_of(post: Message) -> int:
    """ "Case #12 · Warning" or "Report #3" -> 12, 3."""
    return int(str(post.embeds[0]["title"]).split("#")[1].split()[0])


# ---------------------------------------------------------------------- a report


class Report(Flow):
    """A member sends the "Report to moderators" form about another member's message (the
    form was opened before the sweep counts). Killed anywhere: the report is in the mod-log
    channel once with its buttons, or nothing of it exists; the reporter is thanked at most
    once, and only for a report that exists."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)
        fake, s = world.fake, world.server
        reporter = fake.create_user("pia")
        fake.add_member(s.guild, reporter)
        world.state["reporter"] = reporter
        bad = await fake.send_message(s.member, s.general, WORDS)
        opened = await fake.message_command(reporter, MENU, bad)
        assert opened.modal is not None, opened
        world.state["form"] = opened

    async def act(self, world: World) -> None:
        form: InteractionResult = world.state["form"]
        await world.fake.submit_modal(world.state["reporter"], form, {"reason": "Dangerous"})

    async def check(self, world: World, point: int | None) -> None:
        reporter = world.state["reporter"]
        reports = await world.bot.db.fetchall("SELECT id, case_number, status FROM reports")
        posts = titled(world, "Report #")
        thanked = [t for t in replies_to(world, reporter) if "Thank you" in t]
        await cases_are_whole(world)
        assert len(thanked) <= 1, (point, thanked)
        if not reports:
            assert posts == [] and thanked == [], (point, posts, thanked)
            return
        (row,) = reports
        (post,) = posts
        assert WORDS in post.text and row["status"] == "open"
        if not thanked:
            # Not answered (the bot died first), the reporter tries again: told the
            # moderators have it, and nothing doubles.
            bad = next(
                m for m in world.fake.messages_in(world.server.general.id) if m.text == WORDS
            )
            again = await world.fake.message_command(reporter, MENU, bad)
            done = await world.fake.submit_modal(reporter, again, {"reason": "Dangerous"})
            await world.idle()
            assert "already reported" in done.text, (point, done)
            assert len(titled(world, "Report #")) == 1
        assert [i.split(":")[2] for i in post.custom_ids()] == ["claim", "resolve", "dismiss"]
        # Nothing lost: a moderator can claim it (its buttons work after the restart).
        res = await world.fake.click(world.server.moderator, post, post.custom_ids()[0])
        assert f"claimed by <@{world.server.moderator.id}>" in res.text, res


async def test_a_report_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Report(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 4  # the report, the thanks, its post, the post recorded


class ClaimAndResolve(Flow):
    """A moderator claims a report, then resolves it. Killed anywhere: the post shows what
    the database holds (open, claimed, or resolved without buttons), the outcome is in the
    mod log once, and a press the crash cut short can be made again."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)
        fake, s = world.fake, world.server
        reporter = fake.create_user("pia")
        fake.add_member(s.guild, reporter)
        bad = await fake.send_message(s.member, s.general, WORDS)
        opened = await fake.message_command(reporter, MENU, bad)
        done = await fake.submit_modal(reporter, opened, {"reason": "Dangerous"})
        assert "Thank you" in done.text, done
        await world.idle()
        (post,) = titled(world, "Report #")
        world.state["post"] = post.id

    async def act(self, world: World) -> None:
        fake, moderator = world.fake, world.server.moderator
        post = fake.message(world.state["post"])
        await fake.click(moderator, post, post.custom_ids()[0])  # claim
        post = fake.message(world.state["post"])
        await fake.click(moderator, post, post.custom_ids()[1])  # resolve

    async def check(self, world: World, point: int | None) -> None:
        fake, moderator = world.fake, world.server.moderator
        (row,) = await world.bot.db.fetchall("SELECT status, claimed_by FROM reports")
        post = fake.message(world.state["post"])
        cases = await cases_are_whole(world)
        outcomes = [c for c in cases if c[1] == "report_resolved"]
        if row["status"] == "resolved":
            assert len(outcomes) == 1, (point, cases)
            assert post.custom_ids() == [] and "Resolved by" in post.text, (point, post.text)
            return
        assert outcomes == [], (point, cases)
        # Still open: the post says who claimed it, as the database does, and the moderator
        # can finish.
        if row["claimed_by"] is not None:
            assert f"claimed by <@{moderator.id}>" in post.text, (point, post.text)
        else:
            assert "nobody has claimed it" in post.text, (point, post.text)
        res = await fake.click(moderator, post, post.custom_ids()[1])
        await world.idle()
        assert "Resolved by" in res.text, res
        assert len([c for c in await cases_are_whole(world) if c[1] == "report_resolved"]) == 1


async def test_claiming_and_resolving_a_report_survive_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(ClaimAndResolve(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 4


# ---------------------------------------------------------------------- /warn

REASON = "Please don't present remedies as cures"


class Warn(Flow):
    """A moderator warns a member. Killed anywhere: the warning is a case in the mod log
    once and the member told once by DM, or nothing was recorded and nobody told."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)

    async def act(self, world: World) -> None:
        s = world.server
        await world.fake.slash(
            s.moderator,
            "warn",
            guild=s.guild,
            channel=s.general,
            options={"member": s.member.id, "reason": REASON},
        )

    async def check(self, world: World, point: int | None) -> None:
        s = world.server
        warnings = await world.bot.db.fetchall("SELECT case_number FROM warnings")
        cases = await cases_are_whole(world)
        told = [m for m in dms(world, s.member) if REASON in m.text]
        answers = replies_to(world, s.moderator)
        assert len(answers) <= 1, (point, answers)
        if not warnings:
            assert [c for c in cases if c[1] == "warn"] == [] and told == [], (point, cases)
            assert not any("recorded" in a for a in answers), (point, answers)
            return
        (warning,) = warnings
        case = warning["case_number"]
        assert [c for c in cases if c[1] == "warn"] == [(case, "warn")]
        assert len(told) == 1, (point, [m.text for m in dms(world, s.member)])
        for answer in answers:
            assert f"case #{case}" in answer, (point, answer)
        if not answers:
            # The moderator was not answered (the bot died first) and tries again: told it
            # was done, and nothing doubles.
            res = await world.fake.slash(
                s.moderator,
                "warn",
                guild=s.guild,
                channel=s.general,
                options={"member": s.member.id, "reason": REASON},
            )
            await world.idle()
            assert res.ephemeral and f"case #{case}" in res.text, (point, res)
            assert len(await world.bot.db.fetchall("SELECT id FROM warnings")) == 1
            assert len([m for m in dms(world, s.member) if REASON in m.text]) == 1


async def test_warn_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Warn(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 3


# ---------------------------------------------------------------------- /timeout


class Timeout(Flow):
    """A moderator times a member out. Killed anywhere: Discord shows the timeout and the
    mod log its case once, and the member is told once; or neither, and nobody is told; no
    intent is left behind."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)

    async def act(self, world: World) -> None:
        s = world.server
        await world.fake.slash(
            s.moderator,
            "timeout",
            guild=s.guild,
            channel=s.general,
            options={"member": s.member.id, "duration": "1h", "reason": "Cooling off"},
        )

    async def check(self, world: World, point: int | None) -> None:
        s = world.server
        timed_out = world.fake.member(s.guild, s.member).communication_disabled_until is not None
        cases = [c for c in await cases_are_whole(world) if c[1] == "timeout"]
        told = [m for m in dms(world, s.member) if "paused your messages" in m.text]
        answers = replies_to(world, s.moderator)
        intents = await world.bot.db.fetchval("SELECT COUNT(*) FROM pending_timeouts")
        assert intents == 0, point
        assert len(answers) <= 1, (point, answers)
        if not timed_out:
            assert cases == [] and told == [], (point, cases, told)
            assert not any("is timed out" in a for a in answers), (point, answers)
            return
        assert len(cases) == 1 and len(told) == 1, (point, cases, told)
        if not answers:
            # The moderator was not answered (the bot died first) and tries again: told it
            # was done, and nothing doubles.
            res = await world.fake.slash(
                s.moderator,
                "timeout",
                guild=s.guild,
                channel=s.general,
                options={"member": s.member.id, "duration": "1h", "reason": "Cooling off"},
            )
            await world.idle()
            assert res.ephemeral and f"case #{cases[0][0]}" in res.text, (point, res)
            assert len([c for c in await cases_are_whole(world) if c[1] == "timeout"]) == 1
            assert len([m for m in dms(world, s.member) if "paused" in m.text]) == 1


async def test_timeout_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Timeout(), tmp_path, points=every_kind)
    report(result)
    assert result.steps >= 4  # the intent, Discord's timeout, the case, the DM
