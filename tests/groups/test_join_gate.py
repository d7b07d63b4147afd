"""The join gates other features declare (the confidentiality agreement is one), held by core
(`bot.join_gates`): no role until every gate agrees, and a refused gate gives the held seat to
the next person."""

from __future__ import annotations

from typing import Any

from tests.fakediscord import FakeDiscord
from tests.groups.conftest import create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, Server


class AskFirst:
    """A stand-in for a feature's gate (not the thing under test): it asks once, privately,
    and lets people through once `agreed` holds their id."""

    def __init__(self) -> None:
        self.agreed: set[int] = set()
        self.asked: list[int] = []

    async def admit(
        self, guild_id: int, group_id: int, user_id: int, interaction: Any | None
    ) -> bool:
        if user_id in self.agreed:
            return True
        self.asked.append(user_id)
        if interaction is not None:
            await interaction.followup.send("Please read and accept first.", ephemeral=True)
        return False


async def test_no_role_until_every_gate_agrees(
    runner: BotRunner, fake_discord: FakeDiscord, community: Server
) -> None:
    fake, s = fake_discord, community
    bot = runner.bot
    assert bot is not None
    gate = AskFirst()
    bot.join_gates.add(gate)
    anna, bea = people(fake, s, "anna", "bea")
    await create_group(fake, s, "Survivors", s.moderator, capacity=1)
    group = await group_named(runner, s, "Survivors")

    res = await join(fake, s, anna, group.id)
    assert "accept first" in res.text and gate.asked == [anna.id]
    assert not has_role(fake, s, anna, group.role_id)
    # Her seat is held while she reads: Bea goes on the waitlist.
    res = await join(fake, s, bea, group.id)
    assert "number 1" in res.text

    # Anna says "Not now": the seat goes to Bea, who accepts it and is asked in turn.
    await bot.groups.cancel_join(s.guild.id, group.id, anna.id)
    await runner.idle()
    assert fake.dm_messages(bea)
    offer = last_dm(fake, bea)
    res = await fake.click(bea, offer, next(c for c in offer.custom_ids() if "accept" in c))
    assert "accept first" in res.text and not has_role(fake, s, bea, group.role_id)

    gate.agreed.add(bea.id)
    assert await bot.groups.complete_join(s.guild.id, group.id, bea.id)
    assert has_role(fake, s, bea, group.role_id)
    await runner.idle()
    assert "Welcome to Survivors" in last_dm(fake, bea).text
    # Anna's ticket is gone: agreeing later does not let her past a full group.
    gate.agreed.add(anna.id)
    assert not await bot.groups.complete_join(s.guild.id, group.id, anna.id)
    assert not has_role(fake, s, anna, group.role_id)
