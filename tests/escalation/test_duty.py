"""Who is on duty (issue 17): /duty on, off and who; a weekly rota in the moderator's own time
zone, across a daylight-saving change; alerts that mention exactly the moderators on duty;
unclaimed alerts that page again, widening from them to the role and the admins, until claimed
(and no more than a few times); and the check-in reminder a day after a case is resolved, once,
across restarts. Everything through the loopback Discord, on the test's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from bot.clock import epoch
from bot.errors import UserError
from cogs.escalation.duty import DutyService
from tests.escalation.conftest import Community
from tests.escalation.helpers import assert_nobody_pinged_by_accident, assert_nothing_public, live
from tests.fakediscord.models import Message, User

ONLY_MODERATORS = "Only moderators can do this. Please ask one of them for help."


async def slash(c: Community, who: User, command: str, **options: Any):
    return await c.fake.slash(
        who, command, guild=c.server.guild, channel=c.server.general, options=options
    )


async def open_case(c: Community, who: User | None = None, text: str = "I want to die") -> Message:
    await c.fake.send_message(who or c.server.member, c.group_channel, text)
    alerts = await c.wait_for_alerts(len(c.alerts()) + 1)
    await c.settle()
    return alerts[-1]


def duty(c: Community) -> DutyService:
    cog = c.bot.get_cog("Escalation duty")
    assert cog is not None
    return cast(DutyService, cog.duty)  # type: ignore[attr-defined]


def add_moderator(c: Community, name: str) -> User:
    user = c.fake.create_user(name)
    c.fake.add_member(c.server.guild, user, roles=[c.server.moderator_role])
    return user


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def checkin(c: Community, case_id: int) -> tuple[str | None, int | None]:
    row = await c.bot.db.fetchone(
        "SELECT checkin, checkin_at FROM escalation_cases WHERE id = :id", {"id": case_id}
    )
    assert row is not None
    return row["checkin"], row["checkin_at"]


# ---------------------------------------------------------------------------- on, off, who


async def test_on_off_and_who(community: Community) -> None:
    c, mod = community, community.server.moderator
    res = await slash(c, mod, "duty who")
    assert res.ephemeral and "Nobody is on duty right now" in res.text
    assert "A new alert pages the moderator role after 5 minutes" in res.text

    res = await slash(c, mod, "duty on", **{"for": "soon"})
    assert res.ephemeral and "couldn't read “soon” as a length of time" in res.text
    res = await slash(c, mod, "duty on", **{"for": "2 minutes"})
    assert res.ephemeral and "between 10m and 7d" in res.text
    assert await duty(c).who(c.server.guild.id) == []  # nothing half-written

    res = await slash(c, mod, "duty on", **{"for": "2h"})
    until = epoch(c.clock()) + 2 * 3600
    assert res.ephemeral and f"You're on duty until <t:{until}:f>" in res.text
    res = await slash(c, c.server.admin, "duty who")
    assert res.ephemeral
    assert f"<@{mod.id}> until <t:{until}:f> (<t:{until}:R>) · by hand" in res.text
    assert res.message.mentions == []
    assert await duty(c).on_duty_now(c.server.guild.id) == [mod.id]

    res = await slash(c, mod, "duty on")  # again, without a length: eight hours from now
    assert f"until <t:{epoch(c.clock()) + 8 * 3600}:f>" in res.text

    res = await slash(c, mod, "duty off")
    assert res.ephemeral and "You're off duty" in res.text
    assert await duty(c).on_duty_now(c.server.guild.id) == []
    res = await slash(c, mod, "duty off")
    assert "You weren't on duty" in res.text
    res = await slash(c, mod, "duty who")
    assert "Nobody is on duty right now" in res.text

    # on duty by hand ends by itself
    await slash(c, mod, "duty on", **{"for": "30m"})
    c.clock.advance(minutes=31)
    assert await duty(c).on_duty_now(c.server.guild.id) == []
    await c.run_job("escalation:duty")
    assert await c.bot.db.fetchall("SELECT * FROM escalation_duty") == []


async def test_members_cannot_use_duty_and_moderators_cannot_change_check_ins(
    community: Community,
) -> None:
    c, member, mod = community, community.server.member, community.server.moderator
    for command, options in (
        ("duty on", {}),
        ("duty off", {}),
        ("duty who", {}),
        ("duty timezone", {"zone": "Europe/London"}),
        ("duty rota add", {"day": 0, "start": "09:00", "end": "17:00"}),
        ("duty rota show", {}),
        ("duty rota remove", {"shift": 1}),
    ):
        res = await slash(c, member, command, **options)
        assert res.ephemeral and res.text == ONLY_MODERATORS, command
    res = await slash(c, mod, "duty check-in", after="48h")
    assert res.ephemeral and "Only server admins" in res.text
    choices = await c.fake.autocomplete(
        member,
        "duty rota remove",
        focused="shift",
        value="",
        guild=c.server.guild,
        channel=c.server.general,
    )
    assert choices == []
    for table in ("escalation_duty", "escalation_duty_rota", "escalation_duty_zones"):
        assert await c.bot.db.fetchall(f"SELECT * FROM {table}") == [], table
    assert await c.bot.db.fetchall("SELECT * FROM escalation_duty_settings") == []


# ---------------------------------------------------------------------------- the rota


async def test_rota_in_the_moderators_zone_across_a_daylight_saving_change(
    community: Community,
) -> None:
    """Mondays 09:00 to 17:00 in New York: 14:00 to 22:00 UTC in winter, 13:00 to 21:00 UTC
    once the clocks went forward (14 March 2027). The clock starts Monday 1 March, 12:00 UTC."""
    c, mod, guild = community, community.server.moderator, community.server.guild.id
    res = await slash(c, mod, "duty rota add", day=0, start="9am", end="17:00")
    assert "the server's time zone; set your own with /duty timezone" in res.text
    [first] = await duty(c).rota(guild)
    choices = await c.fake.autocomplete(
        mod,
        "duty rota remove",
        focused="shift",
        value="mon",
        guild=c.server.guild,
        channel=c.server.general,
    )
    assert choices == [{"name": "Monday 09:00–17:00 (UTC)", "value": first.entry.id}]
    res = await slash(c, c.server.admin, "duty rota remove", shift=first.entry.id)
    assert res.ephemeral and "couldn't find that shift among yours" in res.text
    res = await slash(c, mod, "duty rota remove", shift=first.entry.id)
    assert res.ephemeral and "Removed" in res.text

    res = await slash(c, mod, "duty timezone", zone="america/new_york")
    assert res.ephemeral and "America/New_York" in res.text
    res = await slash(c, mod, "duty rota add", day=0, start="09:00", end="5pm")
    assert res.ephemeral
    assert "Added Monday 09:00–17:00 (America/New_York, your time zone)" in res.text
    assert f"starts <t:{epoch(at(2027, 3, 1, 14))}:f>" in res.text

    for start, end, expected in (
        ("25:00", "26:00", "couldn't read “25:00” as a time of day"),
        ("10:00", "12:00", "overlaps a shift you already have"),
        ("08:00", "08:00", "For a whole day, write 00:00 to 24:00"),
    ):
        res = await slash(c, mod, "duty rota add", day=0, start=start, end=end)
        assert res.ephemeral and expected in res.text, (start, res.text)
    # an overnight shift: Sunday 22:00 to Monday 02:00 (local)
    res = await slash(c, mod, "duty rota add", day=6, start="22:00", end="02:00")
    assert "Added Sunday 22:00–02:00" in res.text
    assert len(await duty(c).rota(guild)) == 2

    async def on_at(moment: datetime) -> list[int]:
        c.clock.now = moment
        return await duty(c).on_duty_now(guild)

    assert await on_at(at(2027, 3, 1, 13, 59)) == []  # 08:59 EST
    assert await on_at(at(2027, 3, 1, 14, 0)) == [mod.id]  # 09:00 EST
    assert await on_at(at(2027, 3, 1, 21, 59)) == [mod.id]
    assert await on_at(at(2027, 3, 1, 22, 0)) == []  # 17:00 EST
    assert await on_at(at(2027, 3, 8, 4, 30)) == [mod.id]  # Sunday 23:30 EST: overnight
    assert await on_at(at(2027, 3, 8, 7, 0)) == []  # Monday 02:00 EST
    # after the change, the same wall times are an hour earlier in UTC
    assert await on_at(at(2027, 3, 15, 12, 59)) == []  # 08:59 EDT
    assert await on_at(at(2027, 3, 15, 13, 0)) == [mod.id]  # 09:00 EDT
    res = await slash(c, c.server.admin, "duty who")
    ends = epoch(at(2027, 3, 15, 21))
    assert f"<@{mod.id}> until <t:{ends}:f>" in res.text and "· rota" in res.text
    assert await on_at(at(2027, 3, 15, 21, 0)) == []  # 17:00 EDT

    # /duty off in the middle of a shift: off for the rest of it, back on the next
    c.clock.now = at(2027, 3, 22, 15)
    assert await duty(c).on_duty_now(guild) == [mod.id]
    res = await slash(c, mod, "duty off")
    assert "You're off duty" in res.text
    assert f"again from <t:{epoch(at(2027, 3, 29, 2))}:f>" in res.text  # Sunday 22:00 EDT
    assert await duty(c).on_duty_now(guild) == []
    assert await on_at(at(2027, 3, 29, 13)) == [mod.id]  # next Monday 09:00 EDT

    res = await slash(c, c.server.admin, "duty rota show")
    assert f"<@{mod.id}> (America/New_York)" in res.text
    assert "Monday 09:00–17:00" in res.text and "Sunday 22:00–02:00" in res.text


async def test_a_moderator_who_leaves_or_loses_the_role_is_no_longer_on_duty(
    community: Community,
) -> None:
    c, guild = community, community.server.guild
    ana, ben = add_moderator(c, "ana"), add_moderator(c, "ben")
    await c.settle()
    for who in (ana, ben):
        res = await slash(c, who, "duty on", **{"for": "4h"})
        assert "You're on duty" in res.text
    await slash(c, ben, "duty rota add", day=0, start="00:00", end="24:00")
    assert await duty(c).on_duty_now(guild.id) == sorted([ana.id, ben.id])

    c.fake.set_member_roles(guild, ana, [])
    await c.settle()
    assert await duty(c).on_duty_now(guild.id) == [ben.id]
    res = await slash(c, c.server.admin, "duty who")
    assert f"<@{ana.id}>" not in res.text and f"<@{ben.id}>" in res.text

    await c.fake.member_leave(guild, ben)
    await c.settle()
    assert await duty(c).on_duty_now(guild.id) == []
    rows = await c.bot.db.fetchall(
        "SELECT user_id FROM escalation_duty UNION ALL SELECT user_id FROM escalation_duty_rota"
    )
    assert [r[0] for r in rows] == [ana.id]  # ben's duty and rota are gone; ana may get it back


# ---------------------------------------------------------------------------- alerts and pages


async def test_an_alert_mentions_exactly_the_moderators_on_duty(community: Community) -> None:
    c, mod, role = community, community.server.moderator, community.server.moderator_role
    quiet = await open_case(c)
    assert quiet.content == "" and quiet.mentions == []  # nobody on duty: as before

    ana = add_moderator(c, "ana")
    await c.settle()
    for who in (mod, ana):
        await slash(c, who, "duty on", **{"for": "3h"})
    alert = await open_case(c, who=c.peer)
    on = sorted([mod.id, ana.id])
    assert alert.content.startswith(" ".join(f"<@{u}>" for u in on) + ": you're on duty")
    assert alert.allowed_mentions == {"parse": [], "users": on}
    assert sorted(u.id for u in alert.mentions) == on
    assert alert.mention_roles == [] and not alert.mention_everyone

    # a moderator on duty who is in crisis themselves is never pinged about it
    own = await open_case(c, who=ana, text="I want to kill myself")
    assert own.allowed_mentions == {"parse": [], "users": [mod.id]}
    assert [u.id for u in own.mentions] == [mod.id]
    assert_nobody_pinged_by_accident(c, allowed_roles={role.id}, allowed_users=set(on))
    assert_nothing_public(c)


async def test_unclaimed_alerts_page_again_widening_until_claimed(community: Community) -> None:
    c, mod, admin = community, community.server.moderator, community.server.admin
    role = c.server.moderator_role
    res = await slash(
        c, admin, "escalation paging", **{"moderators-after": 2, "admins-after": 4, "every": 0}
    )
    assert res.ephemeral and "every 1 to 60 minutes" in res.text
    res = await slash(
        c, admin, "escalation paging", **{"moderators-after": 2, "admins-after": 4, "every": 3}
    )
    assert "after 2 minutes and the admins after 4 minutes" in res.text
    assert "the role 3 minutes later" in res.text
    await slash(c, mod, "duty on", **{"for": "8h"})
    alert = await open_case(c)
    assert alert.allowed_mentions == {"parse": [], "users": [mod.id]}

    async def tick(minutes: float) -> list[Message]:
        c.clock.advance(minutes=minutes)
        await c.run_job("escalation:tick")
        return c.pages()

    assert await tick(1.9) == []
    [duty_page] = await tick(0.1)  # 2 minutes: the moderators on duty, by name
    assert duty_page.content.startswith(f"<@{mod.id}> Alert #1 has waited 2 minutes")
    assert "You're on duty" in duty_page.content and f"/{alert.id}" in duty_page.content
    assert duty_page.allowed_mentions == {"parse": [], "users": [mod.id]}
    assert len(await tick(2.9)) == 1
    pages = await tick(0.1)  # 5 minutes: the moderator role
    assert len(pages) == 2 and pages[1].content.startswith(f"<@&{role.id}> Alert #1")
    assert pages[1].allowed_mentions == {"parse": [], "roles": [role.id]}
    assert len(await tick(2.9)) == 2
    pages = await tick(0.1)  # 8 minutes: the admins (not before 4, 3 after the role)
    assert len(pages) == 3 and pages[2].content.startswith(f"<@{admin.id}> Alert #1 is still")
    assert len(await tick(29.9)) == 3
    pages = await tick(0.1)  # half an hour later: the admins again
    assert len(pages) == 4 and pages[3].content.startswith(f"<@{admin.id}> Alert #1 is still")

    await c.fake.click(mod, live(c, alert), "escalation:claim:1")
    await c.settle()
    assert len(await tick(600)) == 4  # claimed: quiet
    log = [line for line in c.mod_log_lines() if line.startswith("Alert #1")]
    assert any(f"the moderators on duty were paged (<@{mod.id}>)" in line for line in log)
    assert sum("the server admins were paged" in line for line in log) == 2
    assert_nobody_pinged_by_accident(c, allowed_roles={role.id}, allowed_users={mod.id, admin.id})
    assert_nothing_public(c)


async def test_paging_stops_after_a_few_repeats_of_the_widest_page(community: Community) -> None:
    c, admin = community, community.server.admin
    await open_case(c)
    for _ in range(40):  # five hours, a tick every 7.5 minutes
        c.clock.advance(minutes=7.5)
        job = c.bot.scheduler.get_job("escalation:tick")
        assert job is not None
        await job.func()
        await c.bot.dispatcher.drain()
    await c.settle()
    pages = c.pages()
    admin_pages = [p for p in pages if p.content.startswith(f"<@{admin.id}>")]
    assert len(admin_pages) == 5  # the admins, then four more times half an hour apart
    [stopped] = [p for p in pages if "will stop pinging now" in p.content]
    assert stopped is pages[-1] and stopped.allowed_mentions == {"parse": []}
    case = await c.cog.service.case(1)
    assert case is not None and case.status == "open" and case.next_page_at is None


# ---------------------------------------------------------------------------- check-ins


async def resolve(c: Community, alert: Message, case_id: int, by: User) -> None:
    await c.fake.click(by, live(c, alert), f"escalation:claim:{case_id}")
    modal = await c.fake.click(by, live(c, alert), f"escalation:resolve:{case_id}")
    await c.fake.submit_modal(by, modal, {"note": "Talked by phone; she has a plan for tonight."})
    await c.settle()


async def test_check_in_a_day_after_resolving_once_across_restarts(community: Community) -> None:
    c, mod, member = community, community.server.moderator, community.server.member
    alert = await open_case(c)
    await resolve(c, alert, 1, mod)
    closed_at = epoch(c.clock())

    c.clock.advance(hours=23, minutes=59)
    await c.run_job("escalation:duty")
    assert c.dms(mod) == [] and await checkin(c, 1) == (None, None)

    await c.runner.stop()  # the bot is away when the reminder falls due
    c.clock.advance(hours=2)
    await c.runner.start(sync=False)
    assert c.bot.scheduler.get_job("escalation:duty") is not None  # rebuilt from the database
    await c.run_job("escalation:duty")
    await c.settle()
    [dm] = c.dms(mod)
    assert "You resolved alert #1" in dm.content and f"<@{member.id}>" in dm.content
    assert f"<t:{closed_at}:R>" in dm.content and "check in with them" in dm.content
    assert f"/{c.alerts_channel.id}/{alert.id}" in dm.content  # the link to the case
    assert dm.allowed_mentions == {"parse": []}
    assert await checkin(c, 1) == ("sent", epoch(c.clock()))

    await c.run_job("escalation:duty")
    await c.runner.stop()
    await c.runner.start(sync=False)
    await c.run_job("escalation:duty")
    assert len(c.dms(mod)) == 1  # once
    assert c.dms(member) and all("alert #1" not in m.content for m in c.dms(member))


async def test_no_check_in_when_the_member_has_a_newer_case_or_for_a_false_alarm(
    community: Community,
) -> None:
    c, mod, admin = community, community.server.moderator, community.server.admin
    res = await slash(c, admin, "duty check-in", after="whenever")
    assert res.ephemeral and "couldn't read “whenever”" in res.text
    res = await slash(c, admin, "duty check-in", after="2d")
    assert res.ephemeral and "48 hours later" in res.text

    first = await open_case(c)
    await resolve(c, first, 1, mod)
    c.clock.advance(hours=1)
    await open_case(c)  # the member needs help again: case 2 is open
    other = await open_case(c, who=c.peer, text="I'm going to kill myself if the wifi drops")
    modal = await c.fake.click(mod, other, "escalation:false:3")
    await c.fake.submit_modal(mod, modal, {"note": "A joke about the wifi."})
    await c.settle()

    c.clock.advance(hours=47)
    await c.run_job("escalation:duty")
    assert c.dms(mod) == []  # not yet: two days
    c.clock.advance(hours=1)
    await c.run_job("escalation:duty")
    assert c.dms(mod) == []
    assert (await checkin(c, 1))[0] == "superseded"
    assert (await checkin(c, 3))[0] is None  # a false alarm gets none

    res = await slash(c, admin, "duty check-in", after="off")
    assert "Check-in reminders are off" in res.text


async def test_a_check_in_the_moderators_dms_refuse_is_recorded_and_told(
    community: Community,
) -> None:
    c, mod = community, community.server.moderator
    alert = await open_case(c)
    await resolve(c, alert, 1, mod)
    c.fake.close_dms(mod)
    c.clock.advance(hours=24)
    await c.run_job("escalation:duty")
    assert c.dms(mod) == []
    assert (await checkin(c, 1))[0] == "failed"
    [line] = [x for x in c.mod_log_lines() if "check-in reminder" in x]
    assert line.startswith(f"Alert #1: I couldn't send the check-in reminder to <@{mod.id}>")
    assert_nobody_pinged_by_accident(c)


# ---------------------------------------------------------------------------- rota arithmetic


def test_rota_times_join_up_and_overlap_across_the_week() -> None:
    from cogs.escalation.models_duty import RotaEntry
    from cogs.escalation.rota import overlaps, parse_clock, shift_until, span, zone_of

    london = zone_of("Europe/London")
    evening = RotaEntry(1, 1, 9, 0, 22 * 60, 1440)  # Monday 22:00-24:00
    night = RotaEntry(2, 1, 9, 1, 0, 6 * 60)  # Tuesday 00:00-06:00
    monday_23h = epoch(at(2027, 3, 1, 23))
    assert shift_until([evening, night], london, monday_23h) == epoch(at(2027, 3, 2, 6))
    assert shift_until([evening], london, monday_23h) == epoch(at(2027, 3, 2, 0))
    assert shift_until([night], london, monday_23h) is None

    sunday_late = span(6, 23 * 60, 60)  # Sunday 23:00 to Monday 01:00
    assert overlaps(sunday_late, span(0, 30, 120))
    assert not overlaps(sunday_late, span(0, 60, 120))
    assert not overlaps(span(0, 9 * 60, 17 * 60), span(0, 17 * 60, 18 * 60))

    assert [parse_clock(x) for x in ("9", "09:30", "6pm", "6:30 p.m.", "noon", "12am")] == [
        540,
        570,
        1080,
        1110,
        720,
        0,
    ]
    assert parse_clock("24:00", end=True) == 1440 and parse_clock("midnight", end=True) == 1440
    for bad in ("24:00", "13pm", "9:75", "soon"):
        try:
            parse_clock(bad)
        except UserError as error:
            assert "as a time of day" in error.message
        else:
            raise AssertionError(bad)
