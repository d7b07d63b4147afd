"""New versions: members are asked privately, keep access for the grace period, then lose the
group's role (not their seat) until they accept; leaders and moderators see who is missing."""

from __future__ import annotations

import hashlib

from cogs.confidentiality.service import DEFAULT_TEXT
from tests.confidentiality.conftest import (
    agree,
    agree_id,
    conf,
    followup_text,
    not_now_id,
    the_bot,
)
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import User
from tests.groups.conftest import channel_of, create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, Server, wait_until

NEW_TEXT = "Version two. What is shared here stays here, and that includes the voice room."


async def member_of(
    fake: FakeDiscord, runner: BotRunner, s: Server, user: User, group_id: int
) -> None:
    res = await join(fake, s, user, group_id)
    await agree(fake, user, res.message)


async def set_text(
    fake: FakeDiscord, user: User, s: Server, text: str, group: int | None = None
) -> InteractionResult:
    options = {"group": str(group)} if group is not None else {}
    res = await fake.slash(
        user, "confidentiality set", guild=s.guild, channel=s.general, options=options
    )
    assert res.modal is not None, res
    return await fake.submit_modal(user, res, {res.modal.input_ids()[0]: text})


async def status(fake: FakeDiscord, user: User, s: Server, group_id: int) -> InteractionResult:
    return await fake.slash(
        user,
        "confidentiality status",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group_id)},
    )


async def test_a_new_server_version_and_its_grace_period(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    leader, anna, bea = people(fake, s, "lena", "anna", "bea")
    await create_group(fake, s, "Survivors", leader)
    group = await group_named(runner, s, "Survivors")
    for user in (anna, bea):
        await member_of(fake, runner, s, user, group.id)
    await runner.idle()
    before = {u.id: len(fake.dm_messages(u)) for u in (leader, anna, bea)}

    # Only moderators edit the server's text; the modal is prefilled with the current one.
    res = await fake.slash(leader, "confidentiality set", guild=s.guild, channel=s.general)
    assert "Only moderators" in res.text
    res = await fake.slash(s.moderator, "confidentiality set", guild=s.guild, channel=s.general)
    assert res.modal is not None
    prefilled = str(res.modal.inputs()[0].get("value"))
    assert "What is shared here stays here" in prefilled
    res = await fake.submit_modal(s.moderator, res, {res.modal.input_ids()[0]: prefilled})
    assert "nothing changed" in res.text
    res = await set_text(fake, s.moderator, s, NEW_TEXT)
    assert "Version 2 of the server's agreement is saved" in res.text
    assert "3 members were asked privately" in res.text
    await runner.idle()
    for user in (leader, anna, bea):
        assert len(fake.dm_messages(user)) == before[user.id] + 1
    asked = last_dm(fake, anna)
    assert "has been updated (version 2)" in asked.text and NEW_TEXT in asked.text
    assert "You keep access to your groups until <t:" in asked.text
    assert asked.allowed_mentions == {"parse": []}

    res = await agree(fake, anna, asked)
    assert "your agreement is recorded" in followup_text(res)

    # The leader sees who has not accepted yet, and until when they keep access.
    res = await status(fake, s.member, s, group.id)
    assert "Only this group's leaders and the moderators" in res.text
    res = await status(fake, leader, s, group.id)
    text = res.text
    grace_end = int(clock().timestamp()) + 7 * 86400
    assert f"<@{bea.id}>: keeps access until <t:{grace_end}:f>" in text
    assert f"<@{leader.id}> (leader)" in text and f"<@{anna.id}>" not in text

    bot = the_bot(runner)
    version = await conf(runner).service.server_text(s.guild.id)
    job = bot.scheduler.get_job(f"confidentiality:grace:{version.id}")
    assert job is not None and int(job.next_run_time.timestamp()) == grace_end
    clock.advance(days=7, seconds=1)
    await job.func(*job.args)
    await runner.idle()
    assert not has_role(fake, s, bea, group.role_id)
    assert has_role(fake, s, anna, group.role_id) and has_role(fake, s, leader, group.role_id)
    assert await bot.groups.is_member(s.guild.id, group.id, bea.id)  # her seat is kept
    paused = last_dm(fake, bea)
    assert "Your access to Survivors is paused" in paused.text
    assert "access paused" in (await status(fake, leader, s, group.id)).text
    # She can still read what she agreed to, and the new text, with the button to accept.
    res = await fake.slash(
        bea,
        "confidentiality show",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id)},
    )
    assert "You haven't accepted this version yet" in res.text and NEW_TEXT in res.text
    assert agree_id(res.message)
    await res.wait_for(lambda r: bool(r.followups))
    older = res.followups[-1].text
    assert "What you agreed to before" in older and "(version 1)" in older
    assert "What is shared here stays here" in older

    # Exactly once: running it again, or restarting, changes nothing.
    await job.func(*job.args)
    await runner.stop()
    bot = await runner.start(sync=False)
    assert bot.scheduler.get_job(f"confidentiality:grace:{version.id}") is None
    await runner.idle()
    assert not has_role(fake, s, bea, group.role_id)
    assert len(fake.dm_messages(bea)) == before[bea.id] + 2

    room = channel_of(fake, group.channel_id)
    room_posts = len(fake.messages_in(room))
    res = await agree(fake, bea, paused)
    assert "Your access to Survivors is back" in followup_text(res)
    assert has_role(fake, s, bea, group.role_id)
    await runner.idle()
    assert len(fake.messages_in(room)) == room_posts  # access back is not a new welcome
    assert (
        "Everyone in Survivors has accepted" not in (await status(fake, leader, s, group.id)).text
    )
    res = await agree(fake, leader, last_dm(fake, leader))
    assert "Everyone in Survivors has accepted" in (await status(fake, leader, s, group.id)).text


async def test_a_group_text_from_its_leader_and_a_replaced_version(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    leader, anna, cleo = people(fake, s, "lena", "anna", "cleo")
    await create_group(fake, s, "Survivors", leader)
    group = await group_named(runner, s, "Survivors")
    await member_of(fake, runner, s, anna, group.id)

    res = await fake.slash(
        anna,
        "confidentiality set",
        guild=s.guild,
        channel=s.general,
        options={"group": str(group.id)},
    )
    assert "Only this group's leaders" in res.text
    res = await set_text(fake, leader, s, "We also never name anyone's hospital.", group.id)
    assert "Version 1 of Survivors's own agreement is saved" in res.text
    await runner.idle()
    first = last_dm(fake, anna)
    assert "Survivors has updated its own confidentiality agreement" in first.text
    assert "never name anyone's hospital" in first.text

    # The leader changes it again before Anna answers: her old button shows the new text.
    await set_text(fake, leader, s, "We never name anyone's hospital or doctor.", group.id)
    res = await fake.click(anna, first, agree_id(first))
    assert "updated since I showed it to you" in res.text and "or doctor" in res.text
    res = await agree(fake, anna, res.message)
    assert await conf(runner).service.missing(s.guild.id, group.id, anna.id) == []

    # Someone new sees both texts, the server's and the group's, and accepts both at once.
    res = await join(fake, s, cleo, group.id)
    assert "Our confidentiality agreement (version 1)" in res.text
    assert "Survivors: the group's own agreement (version 2)" in res.text
    # (The leader edits the text while she reads: she is shown the new one, still joining.)
    await set_text(fake, leader, s, "We never name anyone's hospital, doctor or town.", group.id)
    res = await fake.click(cleo, res.message, agree_id(res.message))
    assert "updated since I showed it to you" in res.text and "or town" in res.text
    assert not_now_id(res.message)
    await agree(fake, cleo, res.message)
    assert has_role(fake, s, cleo, group.role_id)
    versions = [
        (a.text_group_id is None, a.version)
        for a in await conf(runner).service.acceptances(s.guild.id, cleo.id)
    ]
    assert sorted(versions) == [(False, 3), (True, 1)]


async def test_show_accept_and_the_grace_setting(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    fake, s = fake_discord, community
    leader, anna = people(fake, s, "lena", "anna")
    await create_group(fake, s, "Survivors", leader)
    group = await group_named(runner, s, "Survivors")
    await member_of(fake, runner, s, anna, group.id)
    room = channel_of(fake, group.channel_id)

    res = await fake.slash(anna, "confidentiality show", guild=s.guild, channel=room)
    assert "The agreement of Survivors. You accepted this version on <t:" in res.text
    assert "leaving a group with /group leave" in res.text
    res = await fake.slash(anna, "confidentiality show", guild=s.guild, channel=s.general)
    assert "What you agreed to" in res.text and "Survivors: server agreement version 1" in res.text

    res = await fake.slash(
        anna,
        "confidentiality settings grace-days",
        guild=s.guild,
        channel=s.general,
        options={"days": 0},
    )
    assert "Only moderators" in res.text
    res = await fake.slash(
        s.moderator,
        "confidentiality settings grace-days",
        guild=s.guild,
        channel=s.general,
        options={"days": 2},
    )
    assert "keep access for 2 days" in res.text

    # Anna's direct messages are closed: /confidentiality accept shows what is waiting.
    fake.close_dms(anna)
    res = await set_text(fake, s.moderator, s, NEW_TEXT)
    assert f"<t:{int(clock().timestamp()) + 2 * 86400}:f>" in res.text
    await runner.idle()
    res = await fake.slash(anna, "confidentiality accept", guild=s.guild, channel=s.general)
    assert "The agreement of Survivors is waiting for you" in res.text and NEW_TEXT in res.text
    await agree(fake, anna, res.message)
    res = await fake.slash(anna, "confidentiality accept", guild=s.guild, channel=s.general)
    assert "Nothing is waiting for you" in res.text
    res = await fake.slash(anna, "confidentiality show", guild=s.guild, channel=s.general)
    assert "server agreement version 2" in res.text


async def test_members_from_before_the_feature_are_asked_with_a_grace_period(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    """The bot is updated on a server whose groups already have members: they are asked, and
    keep access for the grace period, rather than being locked out at once."""
    fake, s = fake_discord, community
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    await member_of(fake, runner, s, anna, group.id)
    db = the_bot(runner).db
    async with db.transaction() as tx:  # as if the feature had never run on this server
        await tx.execute("DELETE FROM confidentiality_texts")
    await runner.idle()
    dms = len(fake.dm_messages(anna))
    await runner.stop()
    bot = await runner.start(sync=False)
    await wait_until(lambda: len(fake.dm_messages(anna)) > dms)
    asked = last_dm(fake, anna)
    assert "has been updated (version 1)" in asked.text
    assert has_role(fake, s, anna, group.role_id)
    text = await conf(runner).service.server_text(s.guild.id)
    assert text.grace_ends_at == int(clock().timestamp()) + 7 * 86400
    assert bot.scheduler.get_job(f"confidentiality:grace:{text.id}") is not None


async def test_held_access_with_closed_direct_messages_is_told_to_the_moderators(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server, clock
) -> None:
    """Bea's direct messages are closed: the new version can't reach her (she keeps access, so
    nobody is bothered yet), but when her access pauses the moderators are told, so a person
    lets her know; she accepts with /confidentiality accept and her access comes back."""
    fake, s = fake_discord, community
    (bea,) = people(fake, s, "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    await member_of(fake, runner, s, bea, group.id)
    await runner.idle()
    fake.close_dms(bea)

    def notes() -> list[str]:
        return [
            m.text
            for m in fake.messages_in(s.private)
            if m.author.id == fake.bot_user.id and "couldn't reach" in m.text
        ]

    await set_text(fake, s.moderator, s, NEW_TEXT)
    await runner.idle()
    assert notes() == []
    version = await conf(runner).service.server_text(s.guild.id)
    job = the_bot(runner).scheduler.get_job(f"confidentiality:grace:{version.id}")
    assert job is not None
    clock.advance(days=7, seconds=1)
    await job.func(*job.args)
    await runner.idle()
    assert not has_role(fake, s, bea, group.role_id)
    (note,) = notes()
    assert f"<@{bea.id}>" in note and "agreement of Survivors" in note

    res = await fake.slash(bea, "confidentiality accept", guild=s.guild, channel=s.general)
    assert "Your access to Survivors is paused" in res.text
    res = await agree(fake, bea, res.message)
    assert "Your access to Survivors is back" in followup_text(res)
    assert has_role(fake, s, bea, group.role_id)


def test_the_shipped_agreement_is_never_edited_in_place() -> None:
    """Members who accepted version 1 accepted these exact words (the default is not copied into
    the database). See the comment on DEFAULT_TEXT before changing this hash."""
    digest = hashlib.sha256(DEFAULT_TEXT.encode()).hexdigest()
    assert digest == "66902ccdeb317559eaaed3b33f6edd6d16c8208ab4763a56b6781f615f23e4e0"
