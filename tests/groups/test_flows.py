"""Flows that must not leave a member untold (issue 19): a group archived between a leader's
approval and the member's admission, and a waitlist offer to a member whose direct messages
are closed (a note without names, /group mine, the offer's expiry)."""

from __future__ import annotations

from cogs.groups.records import Group
from cogs.groups.service_seats import OFFER
from tests.confidentiality.conftest import agree
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.groups.conftest import cog, create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, Server

NOTE = "Someone here has a message waiting"


async def test_a_group_archived_between_approval_and_admission_tells_the_member_kindly(
    start_bot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    runner: BotRunner = await start_bot(
        features=("settings", "groups", "moderation", "confidentiality")
    )
    assert runner.bot is not None
    await runner.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    await runner.idle()
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator, access="restricted")
    group = await group_named(runner, s, "Survivors")
    res = await join(fake, s, anna, group.id)
    assert "sent your request" in res.text
    await runner.idle()
    assert group.leaders_channel_id is not None
    (request,) = fake.messages_in(group.leaders_channel_id)

    # Approved: her seat is held and the agreement goes to her privately.
    approve = next(c for c in request.custom_ids() if "approve" in c)
    res = await fake.click(s.moderator, request, approve)
    await runner.idle()
    assert "has been told" in res.text
    prompt = last_dm(fake, anna)
    assert "Survivors" in prompt.text and await cog(runner).service.join_source(group, anna.id)

    # The group closes before she answers: the seat goes, and she is told kindly, once.
    res = await fake.slash(
        s.moderator,
        "group archive",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id)},
    )
    assert "is archived" in res.text
    await runner.idle()
    closed = [m for m in fake.dm_messages(anna) if "has been closed for now" in m.text]
    assert len(closed) == 1 and "seat held for you" in closed[0].text
    assert await cog(runner).service.join_source(group, anna.id) is None

    # Her "I agree" afterwards lets her into nothing, and says so.
    res = await agree(fake, anna, prompt)
    assert "no longer available" in res.followups[-1].text
    assert not await cog(runner).service.is_member(group, anna.id)
    assert not has_role(fake, s, anna, group.role_id)
    await runner.idle()
    assert not [m for m in fake.dm_messages(anna) if "Welcome to Survivors" in m.text]


async def test_an_offer_to_closed_dms_is_noted_without_names_and_shown_by_group_mine(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    anna, bea, cleo = people(fake, s, "anna", "bea", "cleo")
    await create_group(fake, s, "Caregivers", s.moderator, capacity=1)
    group = await group_named(runner, s, "Caregivers")
    res = await fake.slash(
        s.admin, "group panel", guild=s.guild, channel=s.general, options={"channel": s.general.id}
    )
    assert "panel is in" in res.text
    for user in (anna, bea, cleo):
        await join(fake, s, user, group.id)
    fake.close_dms(bea)
    fake.close_dms(cleo)

    # Anna leaves: the seat is offered to Bea, whose DMs are closed.
    await fake.slash(
        anna, "group leave", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    await runner.idle()
    assert fake.dm_messages(bea) == []
    notes = [m for m in fake.messages_in(s.general.id) if NOTE in m.text]
    assert len(notes) == 1
    note = notes[0]
    # Nobody is named or pinged, and the group is not named: the channel is public.
    assert "Caregivers" not in note.text and "bea" not in note.text
    assert "<@" not in note.text and not note.mentions and "/group mine" in note.text

    # /group mine shows her the offer, privately, with its buttons.
    res = await fake.slash(bea, "group mine", guild=s.guild, channel=s.general)
    assert res.ephemeral and "Caregivers: a seat is held for you" in res.text
    assert any(c.startswith("groups:offer:accept") for c in res.message.custom_ids())
    # Cleo, still waiting, sees her place and no buttons.
    mine = await fake.slash(cleo, "group mine", guild=s.guild, channel=s.general)
    assert "number 1 on the waitlist" in mine.text and not mine.message.custom_ids()

    # Bea lets it go: the seat goes to Cleo (DMs closed too): one more note, none doubled.
    decline = next(c for c in res.message.custom_ids() if c.startswith("groups:offer:decline"))
    res = await fake.click(bea, res.message, decline)
    await runner.idle()
    assert "next person" in res.followups[-1].text
    assert len([m for m in fake.messages_in(s.general.id) if NOTE in m.text]) == 2

    # The offer still expires: Cleo never looks, the seat is free again, nothing is doubled.
    bot = runner.bot
    assert bot is not None
    (entry,) = await cog(runner).service.open_offers_of(s.guild.id, cleo.id)
    job = bot.scheduler.get_job(f"groups:offer:{entry.id}")
    assert job is not None
    clock.advance(hours=49)
    await job.func(*job.args)
    await runner.idle()
    assert await cog(runner).service.open_offers_of(s.guild.id, cleo.id) == []
    assert await cog(runner).service.waitlist(group) == []
    mine = await fake.slash(cleo, "group mine", guild=s.guild, channel=s.general)
    assert "not in any group yet" in mine.text
    assert len([m for m in fake.messages_in(s.general.id) if NOTE in m.text]) == 2


async def offer_to_closed_dms(
    runner: BotRunner, fake: FakeDiscord, s: Server
) -> tuple[User, User, Group]:
    """A full group of one; Anna in it, Bea waiting with her DMs closed; Anna leaves."""
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Caregivers", s.moderator, capacity=1)
    group = await group_named(runner, s, "Caregivers")
    for user in (anna, bea):
        await join(fake, s, user, group.id)
    fake.close_dms(bea)
    await fake.slash(
        anna, "group leave", guild=s.guild, channel=s.general, options={"group": str(group.id)}
    )
    await runner.idle()
    # Discord refused the offer's DM (50007): it failed for good and is not tried again.
    bot = runner.bot
    assert bot is not None
    (row,) = await bot.db.fetchall(
        "SELECT status, last_error FROM outbox WHERE kind = :k", {"k": OFFER}
    )
    assert row["status"] == "failed" and "50007" in row["last_error"], dict(row)
    assert fake.dm_messages(bea) == []
    return anna, bea, group


async def test_an_offer_to_closed_dms_with_only_a_system_channel_is_noted_there(
    start_bot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    fake.guilds[s.guild.id].system_channel_id = s.general.id  # no groups panel anywhere
    runner: BotRunner = await start_bot(features=("settings", "groups", "moderation"))
    assert runner.bot is not None
    await runner.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    await runner.bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)
    _, bea, _ = await offer_to_closed_dms(runner, fake, s)
    (note,) = [m for m in fake.messages_in(s.general.id) if NOTE in m.text]
    assert "Caregivers" not in note.text and "<@" not in note.text and not note.mentions
    assert not [m for m in fake.messages_in(s.private.id) if "/group mine" in m.text]
    res = await fake.slash(bea, "group mine", guild=s.guild, channel=s.general)
    assert res.ephemeral and "Caregivers: a seat is held for you" in res.text


async def test_an_offer_to_closed_dms_with_nowhere_for_a_note_is_told_to_the_moderators(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    """No groups panel and no system channel: a note without names has nowhere to go, so the
    moderators are told privately (naming her, pinging nobody), once, even across a restart;
    /group mine shows her the offer."""
    fake, s = fake_discord, community
    assert fake.guilds[s.guild.id].system_channel_id is None
    _, bea, group = await offer_to_closed_dms(runner, fake, s)
    told = [m for m in fake.messages_in(s.private.id) if "/group mine" in m.text]
    assert len(told) == 1 and f"<@{bea.id}>" in told[0].text and "Caregivers" in told[0].text
    assert not told[0].mentions  # named for the moderators, not pinged
    assert not [m for m in fake.messages_in(s.general.id) if NOTE in m.text]
    await runner.stop()
    await runner.start(sync=False)
    await runner.idle()
    assert len([m for m in fake.messages_in(s.private.id) if "/group mine" in m.text]) == 1
    res = await fake.slash(bea, "group mine", guild=s.guild, channel=s.general)
    assert res.ephemeral and "Caregivers: a seat is held for you" in res.text
    accept = next(c for c in res.message.custom_ids() if c.startswith("groups:offer:accept"))
    res = await fake.click(bea, res.message, accept)
    await runner.idle()
    assert has_role(fake, s, bea, group.role_id)
