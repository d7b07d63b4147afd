"""The confidentiality feature on the feature contract: its join gate whatever order the features
load in, its buttons already posted in Discord, and the deletion of a member's data."""

from __future__ import annotations

from cogs.confidentiality.views import AgreeButton, NotNowButton
from tests.confidentiality.conftest import agree, conf, followup_text
from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.groups.conftest import channel_of, create_group, group_named, has_role
from tests.groups.test_membership import join, people
from tests.harness import BotRunner, Server


async def test_the_gate_holds_when_confidentiality_loads_before_groups(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    runner = await start_bot(features=("confidentiality", "groups"))
    (anna,) = people(fake, s, "anna")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")

    res = await join(fake, s, anna, group.id)
    assert "confidentiality agreement" in res.text and res.ephemeral, res
    assert not has_role(fake, s, anna, group.role_id)
    res = await agree(fake, anna, res.message)
    assert "Welcome to Survivors" in followup_text(res)
    assert has_role(fake, s, anna, group.role_id)


def test_agreement_buttons_already_posted_keep_working() -> None:
    """Prompts sent before the kit (in direct messages, days ago) still parse: same ids."""
    assert AgreeButton.parse("confidentiality:agree:5:7:1-2") == {
        "user": 5,
        "group": 7,
        "texts": [1, 2],
    }
    assert AgreeButton.parse("confidentiality:agree:5:0:3") == {"user": 5, "group": 0, "texts": [3]}
    assert NotNowButton.parse("confidentiality:notnow:1:5:7") == {"guild": 1, "user": 5, "group": 7}
    assert AgreeButton.custom_id_for(user=5, group=7, texts=[1, 2]) == (
        "confidentiality:agree:5:7:1-2"
    )
    assert NotNowButton.parse("confidentiality:notnow:1:5") is None


async def test_deleting_a_members_data_forgets_their_acceptances_at_once(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    """What the retention deletes after a member left (PRIVACY.md), deleted at once on
    request: acceptances and first posts, in that server only."""
    fake, s = fake_discord, community
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator)
    group = await group_named(runner, s, "Survivors")
    room = channel_of(fake, group.channel_id)
    for user in (anna, bea):
        res = await join(fake, s, user, group.id)
        await agree(fake, user, res.message)
    await fake.send_message(anna, room, "Hello")
    await runner.idle()
    service = conf(runner).service
    assert await service.repo.has_posted(anna.id, group.id)

    assert runner.bot is not None
    report = await runner.bot.data_deletion.delete_user(s.guild.id, anna.id)
    assert "Confidentiality" in report.done and report.failed == ()
    assert await service.acceptances(s.guild.id, anna.id) == []
    assert not await service.repo.has_posted(anna.id, group.id)
    assert len(await service.acceptances(s.guild.id, bea.id)) == 1  # nobody else's
    # Running it again is harmless.
    again = await runner.bot.data_deletion.delete_user(s.guild.id, anna.id)
    assert "Confidentiality" in again.done
