"""/help's pages are rendered once per language, role and place and kept (cogs/help/cog.py):
what a reader is shown still follows every change at once, their role (a role given or the
moderator role set or changed), a feature loaded or unloaded, and a server or a DM."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server


async def help_text(fake: FakeDiscord, server: Server, user) -> str:
    """The member's /help, asked twice: the second answer comes from what was kept."""
    said = [
        (await fake.slash(user, "help", guild=server.guild, channel=server.general)).text
        for _ in range(2)
    ]
    assert said[0] == said[1]
    return said[0]


async def test_help_follows_the_callers_role_at_once(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s = fake_discord, server
    before = await help_text(fake, s, s.moderator)  # no moderator role set up yet
    assert "You are a" not in before and "/setup" not in before
    assert before == await help_text(fake, s, s.member)

    said = await fake.slash(
        s.admin,
        "setup moderator-role",
        guild=s.guild,
        channel=s.general,
        options={"role": s.moderator_role.id},
    )
    assert said.ephemeral
    assert "You are a moderator here." in await help_text(fake, s, s.moderator)
    assert "You are a" not in await help_text(fake, s, s.member)

    fake.set_member_roles(s.guild, s.member, [s.moderator_role])  # given the role in Discord
    assert "You are a moderator here." in await help_text(fake, s, s.member)
    fake.set_member_roles(s.guild, s.member, [])
    assert "You are a" not in await help_text(fake, s, s.member)

    other = fake.create_role(s.guild, "Stewards")
    await fake.slash(
        s.admin,
        "setup moderator-role",
        guild=s.guild,
        channel=s.general,
        options={"role": other.id},
    )
    assert await help_text(fake, s, s.moderator) == before  # the old role no longer counts
    assert "You are a server admin here." in await help_text(fake, s, s.admin)


async def test_help_follows_features_loaded_and_unloaded(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s, bot = fake_discord, server, runner.bot
    assert bot is not None
    assert "/language" not in await help_text(fake, s, s.member)

    await bot.load_extension("cogs.language")
    assert "/language" in await help_text(fake, s, s.member)

    await bot.unload_extension("cogs.language")
    assert "/language" not in await help_text(fake, s, s.member)


async def test_help_in_a_dm_leaves_out_what_works_only_in_a_server(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, s, bot = fake_discord, server, runner.bot
    assert bot is not None
    await bot.load_extension("cogs.language")  # /language works in a server only
    in_server = await help_text(fake, s, s.member)
    in_dm = (await fake.slash(s.member, "help")).text
    assert "/language" in in_server and "/help" in in_dm and "/language" not in in_dm
    assert "/language" in await help_text(fake, s, s.member)
