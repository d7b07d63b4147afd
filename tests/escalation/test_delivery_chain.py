"""No alert reaches nobody: when the escalation channel does not work (never set, deleted, the
bot may not post, Discord answers 404), the alert goes down the chain: the mod-log channel, the
moderators by DM, then the admins and the server's owner by DM. While no channel can take alerts,
the admins are reminded by DM once a day, until it is fixed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import FakeClock
from tests.escalation.conftest import FEATURES, Community, start_community
from tests.escalation.helpers import assert_nobody_pinged_by_accident, assert_nothing_public
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message, User
from tests.harness import BotRunner, Server

TEXT = "I can't do this anymore, I'm going to end my life tonight"
TITLE = "Alert #1: a member may need help"


def alert_dms(fake: FakeDiscord, user: User) -> list[Message]:
    return [
        m
        for m in fake.dm_messages(user)
        if m.author.id == fake.bot_user.id and m.embeds and m.embeds[0].get("title") == TITLE
    ]


def reminders(fake: FakeDiscord, user: User) -> list[Message]:
    return [
        m
        for m in fake.dm_messages(user)
        if m.author.id == fake.bot_user.id and "can't receive alerts" in m.content
    ]


@asynccontextmanager
async def bare_server(
    fake: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    """A server whose admin chose a moderator role and a region, and no channel at all."""
    runner = BotRunner(fake, tmp_path / "bot.sqlite3", clock=clock, features=FEATURES)
    await runner.start()
    try:
        for command, options in (
            ("setup moderator-role", {"role": server.moderator_role.id}),
            ("setup region", {"region": "GB"}),
        ):
            res = await fake.slash(
                server.admin, command, guild=server.guild, channel=server.general, options=options
            )
            assert res.ephemeral
        await runner.idle()
        yield runner
    finally:
        await runner.stop()


async def test_no_channel_set_sends_the_alert_to_the_moderators_and_reminds_admins_daily(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    fake, member, mod, admin = fake_discord, server.member, server.moderator, server.admin
    async with bare_server(fake, server, tmp_path, clock) as runner:
        await fake.send_message(member, server.general, TEXT)
        await runner.idle()  # routed at once, not at the next tick

        [alert] = alert_dms(fake, mod)
        assert "no alert channel could take it" in alert.content
        assert "escalation channel: not set" in alert.content
        assert alert.custom_ids() == []  # buttons work in a channel only
        assert alert_dms(fake, admin) == []  # the moderators were enough
        assert alert_dms(fake, member) == []
        # the member is told the moderators know only once the alert reached one of them
        [resources] = [m for m in fake.dm_messages(member) if "Samaritans" in m.text]
        assert "only the server's moderators know" in resources.content
        bot = runner.bot
        assert bot is not None
        case = await bot.get_cog("Escalation").service.case(1)  # type: ignore[union-attr]
        assert case is not None and case.alert_link == "moderators" and case.alert_delivered

        # The admins (the owner) are told by DM at once, then daily by the tick until fixed.
        [reminder] = reminders(fake, admin)
        assert "/setup show" in reminder.content
        assert reminders(fake, mod) == []  # admins only
        job = bot.scheduler.get_job("escalation:tick")
        assert job is not None
        await job.func()
        await runner.idle()
        assert len(reminders(fake, admin)) == 1
        clock.advance(hours=12)
        await job.func()
        await runner.idle()
        assert len(reminders(fake, admin)) == 1  # not twice in a day
        clock.advance(hours=13)
        await job.func()
        await runner.idle()
        assert len(reminders(fake, admin)) == 2

        res = await fake.slash(
            admin,
            "setup escalation-channel",
            guild=server.guild,
            channel=server.general,
            options={"channel": server.private.id},
        )
        assert res.ephemeral
        clock.advance(hours=25)
        await job.func()
        await runner.idle()
        assert len(reminders(fake, admin)) == 2  # fixed: no more reminders
        assert len(alert_dms(fake, mod)) == 1  # and the alert was not sent twice by DM
        # the open case's alert now also stands in the channel, where it can be claimed
        [posted] = [m for m in fake.messages_in(server.private) if m.embeds]
        assert posted.embeds[0]["title"] == TITLE
        assert posted.custom_ids()[0] == "escalation:claim:1"
        await job.func()
        await runner.idle()
        assert len([m for m in fake.messages_in(server.private) if m.embeds]) == 1


async def test_an_alert_channel_failing_for_minutes_also_reaches_the_moderators_by_dm(
    community: Community,
) -> None:
    c, fake = community, community.fake
    limited = fake.faults.add(
        "POST",
        rf"^/channels/{c.alerts_channel.id}/messages$",
        status=429,
        retry_after=0.1,
        count=None,
    )
    await fake.send_message(c.server.member, c.group_channel, TEXT)
    await c.settle()
    assert limited.hits >= 1 and c.alerts() == []
    await c.run_job("escalation:tick")
    assert alert_dms(fake, c.server.moderator) == []  # a short hiccup: the outbox retries
    c.clock.advance(minutes=2)
    await c.run_job("escalation:tick")
    [alert] = alert_dms(fake, c.server.moderator)
    assert "hasn't let me post it in the alert channel" in alert.content
    [resources] = [m for m in c.dms(c.server.member) if "Samaritans" in m.text]
    assert "only the server's moderators know" in resources.content
    await c.run_job("escalation:tick")
    assert len(alert_dms(fake, c.server.moderator)) == 1  # once

    fake.faults.remove(limited)
    c.clock.advance(seconds=400)
    c.bot.dispatcher.wake()
    await c.settle()
    assert len(c.alerts()) == 1  # the channel alert still arrives, with its buttons
    assert any("also sent to the moderators" in line for line in c.mod_log_lines())


async def test_both_channels_deleted_go_to_the_moderators_by_dm(community: Community) -> None:
    c, fake = community, community.fake
    fake.delete_channel(c.alerts_channel)
    fake.delete_channel(c.mod_log)
    await c.settle()
    await fake.send_message(c.server.member, c.group_channel, TEXT)
    await c.settle()
    [alert] = alert_dms(fake, c.server.moderator)
    assert "was deleted" in alert.content
    assert alert_dms(fake, c.server.admin) == []
    assert_nothing_public(c)
    assert_nobody_pinged_by_accident(c)


async def test_no_permission_then_unknown_channel_then_closed_dms_reach_the_admins(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        fake = c.fake
        # Discord refuses: the bot may not post in the escalation channel (403, 50013), the
        # mod-log channel is unknown to Discord (404, 10003), the moderator's DMs are closed.
        fake.faults.add(
            "POST",
            rf"^/channels/{c.alerts_channel.id}/messages$",
            status=403,
            body={"message": "Missing Permissions", "code": 50013},
            count=None,
        )
        fake.faults.add(
            "POST",
            rf"^/channels/{c.mod_log.id}/messages$",
            status=404,
            body={"message": "Unknown Channel", "code": 10003},
            count=None,
        )
        fake.close_dms(c.server.moderator)
        await fake.send_message(c.server.member, c.group_channel, TEXT)
        await c.settle()

        assert c.alerts() == []
        assert alert_dms(fake, c.server.moderator) == []
        [alert] = alert_dms(fake, c.server.admin)  # the server's owner
        assert "one of the server's admins" in alert.content
        case = await c.cog.service.case(1)
        assert case is not None and case.alert_link == "admins" and case.alert_delivered
        resources = [m for m in c.dms(c.server.member) if "Samaritans" in m.text]
        assert len(resources) == 1 and "only the server's moderators know" in resources[0].content
        assert_nothing_public(c)


async def test_with_no_channel_the_alert_goes_to_the_moderators_on_duty_only(
    community: Community,
) -> None:
    """The DM link of the chain narrows to whoever is on duty (/duty on) when anyone is."""
    c, fake = community, community.fake
    on_call = fake.create_user("on-call")
    fake.add_member(c.server.guild, on_call, roles=[c.server.moderator_role])
    res = await fake.slash(
        on_call, "duty on", guild=c.server.guild, channel=c.server.general, options={"for": "2h"}
    )
    assert res.ephemeral
    fake.delete_channel(c.alerts_channel)
    fake.delete_channel(c.mod_log)
    await c.settle()
    await fake.send_message(c.server.member, c.group_channel, TEXT)
    await c.settle()
    [alert] = alert_dms(fake, on_call)
    assert "was deleted" in alert.content
    assert alert_dms(fake, c.server.moderator) == []  # off duty: not woken
    assert alert_dms(fake, c.server.admin) == []
    assert_nothing_public(c)
