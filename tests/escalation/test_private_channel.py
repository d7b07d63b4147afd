"""Only moderators, admins and the bot may read an alert or mod-log channel: every role and
member overwrite counts, not only @everyone. Checked when an admin sets the channel and before
each alert: a channel that became readable by members never gets their words; the alert goes
down the chain and the admins are told."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FakeClock
from tests.escalation.conftest import start_community
from tests.escalation.helpers import assert_nobody_pinged_by_accident
from tests.fakediscord import FakeDiscord
from tests.harness import VIEW_CHANNEL, Server

TEXT = "I can't do this anymore, I'm going to end my life tonight"


async def test_a_channel_members_read_through_a_role_is_refused(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        fake, g = c.fake, c.server.guild
        members = fake.create_role(g, "Members")
        fake.set_member_roles(g, c.server.member, [members])
        lounge = fake.create_text_channel(
            g,
            "members-lounge",
            overwrites=[
                {"id": g.id, "type": 0, "deny": VIEW_CHANNEL},
                {"id": members.id, "type": 0, "allow": VIEW_CHANNEL},
                {"id": g.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
            ],
        )
        one_member = fake.create_text_channel(
            g,
            "almost-private",
            overwrites=[
                {"id": g.id, "type": 0, "deny": VIEW_CHANNEL},
                {"id": c.server.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
                {"id": c.peer.id, "type": 1, "allow": VIEW_CHANNEL},
                {"id": g.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
            ],
        )
        await c.settle()
        for channel, who in ((lounge, f"<@&{members.id}>"), (one_member, f"<@{c.peer.id}>")):
            for command in ("setup escalation-channel", "setup mod-log-channel"):
                res = await fake.slash(
                    c.server.admin,
                    command,
                    guild=g,
                    channel=c.server.general,
                    options={"channel": channel.id},
                )
                assert res.ephemeral and "can be read by people who are not moderators" in res.text
                assert who in res.text
        settings = await c.bot.guild_settings.get(g.id)
        assert settings.escalation_channel_id == c.alerts_channel.id  # unchanged
        assert settings.mod_log_channel_id == c.mod_log.id


async def test_an_alert_channel_that_became_public_never_gets_the_words(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    async with start_community(fake_discord, server, tmp_path, clock) as c:
        fake, g = c.fake, c.server.guild
        members = fake.create_role(g, "Members")
        fake.set_member_roles(g, c.peer, [members])
        # Someone lets the "Members" role into the escalation channel after /setup.
        fake.set_overwrites(
            c.alerts_channel,
            [
                {"id": g.id, "type": 0, "deny": VIEW_CHANNEL},
                {"id": c.server.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
                {"id": members.id, "type": 0, "allow": VIEW_CHANNEL},
                {"id": g.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
            ],
        )
        await c.settle()
        await fake.send_message(c.server.member, c.group_channel, TEXT)
        await c.settle()

        assert c.alerts() == []  # nothing posted where members read
        posted = [r.json for r in fake.requests_to("POST", rf"^/channels/{c.alerts_channel.id}/")]
        assert all("end my life" not in str(body) for body in posted)
        [alert] = [
            m
            for m in c.bot_messages(c.mod_log)
            if m.embeds and m.embeds[0].get("title") == "Alert #1: a member may need help"
        ]
        assert "end my life" in alert.text  # the moderators have the words, in the mod log
        [told] = [
            m
            for m in fake.dm_messages(c.server.admin)
            if m.author.id == fake.bot_user.id and "can now be read by people" in m.content
        ]
        assert f"<@&{members.id}>" in told.content and "end my life" not in told.content
        assert_nobody_pinged_by_accident(c)
        # /setup show says so too
        res = await fake.slash(c.server.admin, "setup show", guild=g, channel=c.server.general)
        assert "can be read by people who are not moderators" in res.text
