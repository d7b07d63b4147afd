"""Joining a group through the panel, in two languages at once: the panel in the channel is in
the server's language; the agreement shown to each member, their answer to "I agree" and the
welcome sent to them afterwards are in each member's own language.

Spanish here is the pseudo-translation of tests/i18n/conftest.py (`ES·` + the English)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.confidentiality.conftest import agree
from tests.conftest import FakeClock
from tests.fakediscord import FakeDiscord
from tests.groups.conftest import create_group, group_named, has_role
from tests.harness import BotRunner, Server
from tests.i18n.conftest import assert_english, assert_spanish

pytestmark = pytest.mark.usefixtures("pseudo_spanish")

FEATURES = ("settings", "groups", "moderation", "confidentiality", "language")


@pytest.mark.parametrize("server_language", ["en", "es"])
async def test_two_members_join_through_the_panel_each_in_their_language(
    fake_discord: FakeDiscord,
    server: Server,
    tmp_path: Path,
    clock: FakeClock,
    server_language: str,
) -> None:
    fake, s = fake_discord, server
    ana = fake.create_user("ana", locale="es-419")
    fake.add_member(s.guild, ana)
    ben = s.member  # en-US
    runner = BotRunner(fake, tmp_path / "bot.sqlite3", clock, features=FEATURES)
    bot = await runner.start()
    try:
        await bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
        await bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)
        await bot.guild_settings.set_language(s.guild.id, server_language, 0)
        await runner.idle()
        await create_group(fake, s, "Survivors", s.moderator)
        group = await group_named(runner, s, "Survivors")
        res = await fake.slash(
            s.admin,
            "group panel",
            guild=s.guild,
            channel=s.general,
            options={"channel": s.general.id},
        )
        assert res.ephemeral
        await runner.idle()
        panel = next(m for m in fake.messages_in(s.general.id) if m.author.id == fake.bot_user.id)
        if server_language == "es":
            assert_spanish(panel)
        else:
            assert_english(panel)

        for who, check in ((ana, assert_spanish), (ben, assert_english)):
            shown = await fake.click(who, panel, f"groups:join:{group.id}")
            assert shown.ephemeral and not has_role(fake, s, who, group.role_id)
            check(shown.message)  # the agreement, privately
            answered = await agree(fake, who, shown.message)
            assert has_role(fake, s, who, group.role_id)
            for followup in answered.followups:
                check(followup)
        await runner.idle()
        assert fake.dm_messages(ana) and fake.dm_messages(ben)
        for dm in fake.dm_messages(ana):
            assert_spanish(dm)  # the welcome, by direct message
        for dm in fake.dm_messages(ben):
            assert_english(dm)
    finally:
        await runner.stop()
