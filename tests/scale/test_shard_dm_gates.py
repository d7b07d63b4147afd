"""A join answered in a direct message, with the server on another process's shard (issue 23):
Discord sends direct messages, and the buttons pressed in them, to shard 0's process only. A
member offered a freed seat accepts it and agrees to the group's confidentiality in their DMs;
shard 0's process records the answer, and the server's own process (shard 1's) lets them in:
the group's role and one welcome, while both run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from tests.confidentiality.conftest import FEATURES, agree, followup_text, not_now_id
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.groups.conftest import create_group, group_named, has_role
from tests.groups.test_membership import join, last_dm, people
from tests.harness import BotRunner, wait_until
from tests.scale.conftest import spread_servers

START = datetime(2027, 2, 20, 15, 0, tzinfo=UTC)


def runner_for(fake: FakeDiscord, tmp_path: Path, clock: FakeClock, shard: int) -> BotRunner:
    running = BotRunner(fake, tmp_path / "bot.sqlite3", clock, features=FEATURES)
    running.settings = replace(running.settings, shard_count=2, shard_ids=(shard,))
    return running


async def test_a_seat_accepted_and_agreed_to_in_dms_is_granted_by_the_servers_process(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    clock = FakeClock(START)
    s = spread_servers(fake, 2, each=1)[1][0]  # the server is shard 1's
    anna, bea = people(fake, s, "anna", "bea")
    dms, home = runner_for(fake, tmp_path, clock, 0), runner_for(fake, tmp_path, clock, 1)
    await dms.start()
    try:
        await home.start()
        try:
            assert home.bot is not None
            await home.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
            await create_group(fake, s, "Survivors", s.moderator, capacity=1)
            group = await group_named(home, s, "Survivors")
            # Anna's seat is held while she reads the agreement; Bea waits.
            shown = (await join(fake, s, anna, group.id)).message
            assert "number 1" in (await join(fake, s, bea, group.id)).text
            res = await fake.click(anna, shown, not_now_id(shown))
            await res.wait_for(lambda r: bool(r.followups))
            # The seat is offered to Bea in her DMs: her answers reach shard 0's process.
            await wait_until(lambda: bool(fake.dm_messages(bea)), timeout=10)
            offer = last_dm(fake, bea)
            accept = next(c for c in offer.custom_ids() if "accept" in c)
            res = await fake.click(bea, offer, accept)
            prompt = res.message
            assert "Before you join Survivors" in prompt.text, prompt.text
            res = await agree(fake, bea, prompt)
            assert "Welcome to Survivors" in followup_text(res), followup_text(res)
            # Shard 1's process lets her in: the role, and her welcome in the group's room.
            await wait_until(lambda: has_role(fake, s, bea, group.role_id), timeout=10)
            await dms.idle()
            await home.idle()
            assert group.channel_id is not None
            welcomes = [
                m
                for m in fake.messages_in(group.channel_id, include_system=False)
                if "Please welcome" in m.content and str(bea.id) in m.content
            ]
            assert len(welcomes) == 1  # once, from the server's own process
            assert not has_role(fake, s, anna, group.role_id)
            assert await home.bot.groups.is_member(s.guild.id, group.id, bea.id)
        finally:
            await home.stop()
    finally:
        await dms.stop()
