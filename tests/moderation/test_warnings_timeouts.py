"""/warn, /warnings, /timeout and /untimeout: the member told privately and kindly, a case per
action, the timeout applied through Discord's own timeout (the PATCH the bot sends)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cogs.moderation.actions import TIMEOUT, UNTIMEOUT, WARN
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.harness import BotRunner, Server
from tests.moderation.conftest import Community


async def test_a_moderator_warns_and_the_member_is_told_kindly(community: Community) -> None:
    c, s = community, community.server
    res = await c.slash(
        s.moderator, "warn", member=c.peer.id, reason="Please don't present remedies as cures"
    )
    assert res.ephemeral
    assert "case #" in res.text and f"<@{c.peer.id}> was told privately" in res.text
    await c.settle()
    told = c.dms(c.peer)[-1]
    assert "Please don't present remedies as cures" in told.text
    assert "not a punishment" in told.text and str(s.moderator.id) not in told.text
    entry = c.mod_log_entries()[-1]
    assert entry.embeds[0]["title"].endswith("· Warning")
    assert f"<@{s.moderator.id}> warned <@{c.peer.id}>." in entry.text
    assert entry.allowed_mentions == {"parse": []}

    # DMs closed: the warning is recorded, and the moderator is told the member wasn't.
    c.fake.close_dms(s.member)
    res = await c.slash(s.moderator, "warn", member=s.member.id, reason="Off-topic again")
    assert "direct messages are closed" in res.text
    await c.settle()
    note = c.bot_messages(c.mod_log)[-1]
    assert f"I couldn't tell <@{s.member.id}> about case #" in note.text
    assert note.allowed_mentions == {"parse": []}

    listing = await c.slash(s.moderator, "warnings", member=c.peer.id)
    assert listing.ephemeral and "has 1 warning" in listing.text
    assert "Please don't present remedies as cures" in listing.text
    warnings = await c.moderation.service.warnings_of(s.guild.id, c.peer.id)
    assert [w.reason for w in warnings] == ["Please don't present remedies as cures"]


async def test_a_leader_warns_in_their_group_citing_its_guidelines(community: Community) -> None:
    c, s = community, community.server
    guideline = await c.guidelines.service.publish(
        s.guild.id, c.group_id, "1. Be kind.\n2. No medical advice as fact.", by=c.leader.id
    )
    choices = await c.fake.autocomplete(
        c.leader, "warn", focused="guideline", value="", guild=s.guild, channel=c.group_channel
    )
    assert {"name": "the guidelines of Survivors, version 1", "value": str(guideline.id)} in choices
    res = await c.slash(
        c.leader,
        "warn",
        c.group_channel,
        member=c.peer.id,
        reason="Medical advice",
        guideline=str(guideline.id),
    )
    assert "Warning recorded" in res.text, res
    await c.settle()
    told = c.dms(c.peer)[-1].text
    assert "the leaders of Survivors" in told and "the guidelines of Survivors, version 1" in told
    case = await c.bot.modlog.history(s.guild.id, c.peer.id)
    assert case[0].action == WARN and case[0].group_id == c.group_id
    assert case[0].details == {"guideline": guideline.id}

    # Another group's guidelines are not theirs to cite: refused, nothing recorded.
    others = await c.guidelines.service.publish(
        s.guild.id, c.other_group_id, "Caregivers look after themselves too.", by=c.other_leader.id
    )
    res = await c.slash(c.leader, "warn", member=c.peer.id, reason="x", guideline=str(others.id))
    assert res.ephemeral and "another group's guidelines" in res.text, res
    assert len(await c.bot.modlog.history(s.guild.id, c.peer.id)) == 1

    # Not in one of their groups: refused, nothing recorded.
    res = await c.slash(c.other_leader, "warn", member=c.peer.id, reason="x")
    assert res.ephemeral and "you don't lead any of their groups" in res.text
    assert len(await c.bot.modlog.history(s.guild.id, c.peer.id)) == 1


async def test_timeout_sends_discords_timeout_and_untimeout_lifts_it(community: Community) -> None:
    c, s = community, community.server
    choices = await c.fake.autocomplete(
        s.moderator, "timeout", focused="duration", value="", guild=s.guild, channel=s.general
    )
    assert {"name": "1 hour", "value": "1h"} in choices
    res = await c.slash(
        s.moderator, "timeout", member=c.peer.id, duration="1h", reason="Cooling off"
    )
    assert res.ephemeral and "is timed out until" in res.text, res
    patch = c.fake.requests_to("PATCH", rf"/guilds/{s.guild.id}/members/{c.peer.id}$")[-1]
    until = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert until == c.clock() + timedelta(hours=1)
    assert patch.reason == "Cooling off"
    assert c.fake.member(s.guild, c.peer).communication_disabled_until is not None
    await c.settle()
    assert "paused your messages" in c.dms(c.peer)[-1].text
    entry = c.mod_log_entries()[-1]
    assert "· Timeout" in entry.embeds[0]["title"]
    assert f"until <t:{int(until.timestamp())}:F>" in entry.text

    res = await c.slash(s.moderator, "untimeout", member=c.peer.id, reason="Talked it through")
    assert "timeout has ended" in res.text, res
    patch = c.fake.requests_to("PATCH", rf"/guilds/{s.guild.id}/members/{c.peer.id}$")[-1]
    assert patch.json["communication_disabled_until"] is None
    await c.settle()
    assert "has been lifted" in c.dms(c.peer)[-1].text
    actions = [e.action for e in await c.bot.modlog.history(s.guild.id, c.peer.id)]
    assert actions == [UNTIMEOUT, TIMEOUT]

    res = await c.slash(s.moderator, "untimeout", member=c.peer.id)
    assert "is not timed out" in res.text


async def test_timeouts_are_refused_kindly(community: Community) -> None:
    c, s = community, community.server
    patches = len(c.fake.requests_to("PATCH", r"/members/"))
    colleague = c.fake.create_user("max")
    c.fake.add_member(s.guild, colleague, roles=[s.moderator_role])
    cases = [
        (dict(member=colleague.id, duration="1h", reason="x"), "Moderators and admins"),
        (dict(member=s.admin.id, duration="1h", reason="x"), "Moderators and admins"),
        (dict(member=c.fake.bot_user.id, duration="1h", reason="x"), "Bots can't"),
        (dict(member=c.peer.id, duration="29d", reason="x"), "28 days"),
        (dict(member=c.peer.id, duration="soon", reason="x"), "couldn't read"),
    ]
    for options, words in cases:
        res = await c.slash(s.moderator, "timeout", **options)
        assert res.ephemeral and words in res.text, (options, res)
    res = await c.slash(s.moderator, "warn", member=s.moderator.id, reason="x")
    assert res.ephemeral and "yourself" in res.text
    res = await c.slash(s.moderator, "timeout", member=s.moderator.id, duration="1h", reason="x")
    assert res.ephemeral and "yourself" in res.text
    res = await c.slash(s.moderator, "timeout", member=c.peer.id, duration="1h", reason=" ")
    assert res.ephemeral and "reason" in res.text
    res = await c.slash(s.moderator, "timeout", member=c.peer.id, duration="1h", reason="x" * 501)
    assert res.ephemeral and "500 characters" in res.text

    # A member whose role is above the bot's, and a bot without Moderate Members.
    high = c.fake.create_role(s.guild, "Veterans")
    bot_role = c.fake.role(s.guild.bot_role_id)
    high.position, bot_role.position = bot_role.position + 1, bot_role.position
    for role in (high, bot_role):
        c.fake.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(s.guild.id), "role": role.payload()},
            guild_id=s.guild.id,
        )
    c.fake.set_member_roles(s.guild, c.peer, [high])
    await c.fake.wait_until(
        lambda: high.id in [r.id for r in c.bot.get_guild(s.guild.id).get_member(c.peer.id).roles]  # type: ignore[union-attr]
    )
    res = await c.slash(s.moderator, "timeout", member=c.peer.id, duration="1h", reason="x")
    assert "at or above mine" in res.text
    c.fake.set_role_permissions(bot_role, 0)
    await c.fake.wait_until(lambda: c.bot.get_guild(s.guild.id).me.top_role.permissions.value == 0)  # type: ignore[union-attr]
    res = await c.slash(s.moderator, "timeout", member=s.member.id, duration="1h", reason="x")
    assert "Moderate Members" in res.text
    assert len(c.fake.requests_to("PATCH", r"/members/")) == patches
    assert await c.bot.modlog.history(s.guild.id, c.peer.id) == []


async def test_without_a_mod_log_channel_nothing_breaks(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    """Only a moderator role is set up: actions still work and the database keeps every case;
    a report is refused kindly, since there is nowhere to send it."""
    fake, s = fake_discord, server
    bot = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, s.admin.id)
    peer = fake.create_user("pia")
    fake.add_member(s.guild, peer)
    await fake.wait_until(lambda: bot.get_guild(s.guild.id).get_member(peer.id) is not None)  # type: ignore[union-attr]

    async def slash(command: str, **options: object) -> InteractionResult:
        return await fake.slash(
            s.moderator, command, guild=s.guild, channel=s.general, options=options
        )

    res = await slash("warn", member=peer.id, reason="Please keep it kind")
    assert "Warning recorded" in res.text and "was told privately" in res.text, res
    res = await slash("timeout", member=peer.id, duration="10m", reason="A pause")
    assert "is timed out until" in res.text, res
    await fake.wait_until(
        lambda: bot.get_guild(s.guild.id).get_member(peer.id).timed_out_until is not None  # type: ignore[union-attr]
    )
    res = await slash("untimeout", member=peer.id)
    assert "timeout has ended" in res.text, res
    await runner.idle()
    history = await bot.modlog.history(s.guild.id, peer.id)
    assert [e.action for e in history] == [UNTIMEOUT, TIMEOUT, WARN]
    told = [m.text for m in fake.dm_messages(peer) if m.author.id == fake.bot_user.id]
    assert len(told) == 3 and "/support" in told[0]

    message = await fake.send_message(peer, s.general, "unkind words")
    res = await fake.message_command(s.member, "Report to moderators", message)
    assert res.modal is None and res.ephemeral and "contact a moderator" in res.text
    # Nothing was posted in any channel of the server.
    for channel in (s.general, s.private):
        assert not [
            m
            for m in fake.messages_in(channel, include_system=False)
            if m.author.id == fake.bot_user.id and m.embeds
        ]


async def test_a_warning_in_a_thread_belongs_to_the_groups_channel(community: Community) -> None:
    """A thread of a group's channel counts as that channel (the kit's group_here)."""
    c, s = community, community.server
    thread = c.fake.create_thread(c.group_channel, "tonight", c.peer)
    await c.settle()
    res = await c.slash(s.moderator, "warn", thread, member=c.peer.id, reason="Please be gentle")
    assert "Warning recorded" in res.text, res
    [case] = await c.bot.modlog.history(s.guild.id, c.peer.id)
    assert case.action == WARN and case.group_id == c.group_id
