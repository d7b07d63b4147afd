"""/setup and /help, driven as people would through the loopback Discord."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.harness import BotRunner, Server, wait_until


def bot_messages(fake: FakeDiscord, channel_id: int) -> list:
    return [m for m in fake.messages_in(channel_id) if m.author.id == fake.bot_user.id]


async def test_bot_starts_and_registers_its_commands(
    runner: BotRunner, fake_discord: FakeDiscord
) -> None:
    names = fake_discord.command_names()
    assert {"setup", "help"} <= set(names)
    setup = next(c for c in fake_discord.commands() if c["name"] == "setup")
    subcommands = {o["name"] for o in setup["options"]}
    assert {
        "show",
        "moderator-role",
        "escalation-channel",
        "mod-log-channel",
        "region",
        "timezone",
        "language",
        "test-alert",
    } <= subcommands
    # Discord's own gate for the UI; our code checks again (see the refusal tests).
    assert setup["default_member_permissions"] == str(1 << 5)


async def test_admin_configures_the_server(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, admin = fake_discord, server.admin
    g, channel = server.guild, server.general

    res = await fake.slash(
        admin,
        "setup moderator-role",
        guild=g,
        channel=channel,
        options={"role": server.moderator_role.id},
    )
    assert res.ephemeral and "Moderators are now the people with" in res.text

    res = await fake.slash(
        admin,
        "setup escalation-channel",
        guild=g,
        channel=channel,
        options={"channel": server.private.id},
    )
    assert res.ephemeral and "Distress alerts will go to" in res.text
    # The note in the channel proves the bot can post there; it goes through the outbox.
    await wait_until(lambda: len(bot_messages(fake, server.private.id)) == 1)
    note = bot_messages(fake, server.private.id)[0]
    assert "chose this channel for distress alerts" in note.content
    assert note.allowed_mentions == {"parse": []}

    res = await fake.slash(
        admin, "setup timezone", guild=g, channel=channel, options={"zone": "America/New_York"}
    )
    assert "America/New_York" in res.text
    res = await fake.slash(
        admin, "setup region", guild=g, channel=channel, options={"region": "GB"}
    )
    assert "United Kingdom" in res.text
    assert "not been confirmed" not in res.text  # the UK's lines were checked

    settings = await runner.bot.guild_settings.get(g.id)  # type: ignore[union-attr]
    assert settings.moderator_role_id == server.moderator_role.id
    assert settings.escalation_channel_id == server.private.id
    assert settings.timezone == "America/New_York" and settings.region == "GB"

    res = await fake.slash(admin, "setup show", guild=g, channel=channel)
    assert res.ephemeral
    assert "America/New_York" in res.text and "United Kingdom" in res.text
    assert "No mod-log channel" in res.text  # still missing, and said so
    assert "No escalation channel" not in res.text


async def test_setup_show_warns_about_what_is_missing_first(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    res = await fake_discord.slash(
        server.admin, "setup show", guild=server.guild, channel=server.general
    )
    assert res.ephemeral
    assert "No escalation channel" in res.text
    assert "No moderator role" in res.text
    assert "international helplines" in res.text


async def test_the_admin_is_asked_to_check_a_crisis_line_nobody_could_confirm(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    """Argentina's lines are marked needs_recheck in the helplines file (the team could not open
    their official pages): the admin who picks Argentina is told which, with the page to open,
    at once and again in /setup show, until the file says they were confirmed."""
    await start_bot(("settings", "escalation"))  # the escalation feature knows the lines
    fake, admin, g = fake_discord, server.admin, server.guild
    res = await fake.slash(
        admin, "setup region", guild=g, channel=server.general, options={"region": "AR"}
    )
    assert res.ephemeral and "Argentina" in res.text
    assert "0800" not in res.text  # names the line, never reads out an unconfirmed number
    assert "Centro de Asistencia al Suicida (CAS)" in res.text
    assert "has not been confirmed against its official page" in res.text
    assert "<https://www.asistenciaalsuicida.org.ar/>" in res.text

    res = await fake.slash(admin, "setup show", guild=g, channel=server.general)
    assert "Centro de Asistencia al Suicida (CAS)" in res.text
    assert "has not been confirmed" in res.text

    res = await fake.slash(
        admin, "setup region", guild=g, channel=server.general, options={"region": "CL"}
    )
    assert "Chile" in res.text and "not been confirmed" not in res.text
    res = await fake.slash(admin, "setup show", guild=g, channel=server.general)
    assert "not been confirmed" not in res.text


async def test_a_public_channel_is_refused_for_alerts(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    res = await fake_discord.slash(
        server.admin,
        "setup escalation-channel",
        guild=server.guild,
        channel=server.general,
        options={"channel": server.general.id},
    )
    assert res.ephemeral
    assert "can be read by everyone" in res.text
    settings = await runner.bot.guild_settings.get(server.guild.id)  # type: ignore[union-attr]
    assert settings.escalation_channel_id is None
    assert fake_discord.messages_in(server.general.id) == []


def allow_everyone_to_use_setup(fake: FakeDiscord, server: Server) -> None:
    """An admin opened Server Settings > Integrations and let @everyone use /setup: Discord no
    longer hides it, so only the bot's own check stands between members and the settings."""
    fake.set_command_permissions(
        server.guild, "setup", [{"id": server.guild.id, "type": 1, "permission": True}]
    )


@pytest.mark.parametrize("who", ["member", "moderator"])
async def test_non_admins_are_refused_setup_changes(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server, who: str
) -> None:
    allow_everyone_to_use_setup(fake_discord, server)
    await fake_discord.slash(
        server.admin,
        "setup moderator-role",
        guild=server.guild,
        channel=server.general,
        options={"role": server.moderator_role.id},
    )
    user = server.member if who == "member" else server.moderator
    for command, options in [
        ("setup timezone", {"zone": "Europe/London"}),
        ("setup mod-log-channel", {"channel": server.general.id}),
        ("setup show", {}),
        ("setup test-alert", {}),
    ]:
        res = await fake_discord.slash(
            user, command, guild=server.guild, channel=server.general, options=options
        )
        assert res.ephemeral, command
        assert "Only server admins" in res.text, command
    settings = await runner.bot.guild_settings.get(server.guild.id)  # type: ignore[union-attr]
    assert settings.timezone is None and settings.mod_log_channel_id is None
    assert fake_discord.messages_in(server.general.id) == []


async def test_discord_hides_setup_from_members_by_default(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    with pytest.raises(InteractionRefused):
        await fake_discord.slash(
            server.member, "setup show", guild=server.guild, channel=server.general
        )


async def test_help_differs_by_role(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    await fake.slash(
        server.admin,
        "setup moderator-role",
        guild=g,
        channel=ch,
        options={"role": server.moderator_role.id},
    )

    member = await fake.slash(server.member, "help", guild=g, channel=ch)
    moderator = await fake.slash(server.moderator, "help", guild=g, channel=ch)
    admin = await fake.slash(server.admin, "help", guild=g, channel=ch)

    assert member.ephemeral and moderator.ephemeral and admin.ephemeral
    assert "/help" in member.text and "/setup" not in member.text
    assert "You are a" not in member.text
    assert "You are a moderator here." in moderator.text and "/setup" not in moderator.text
    assert "You are a server admin here." in admin.text
    assert "/setup timezone" in admin.text and "/setup test-alert" in admin.text


async def test_timezone_autocomplete_and_a_kind_refusal(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    choices = await fake.autocomplete(
        server.admin, "setup timezone", focused="zone", value="new_y", guild=g, channel=ch
    )
    assert {"name": "America/New York", "value": "America/New_York"} in [
        {"name": c["name"], "value": c["value"]} for c in choices
    ]
    res = await fake.slash(
        server.admin, "setup timezone", guild=g, channel=ch, options={"zone": "EST"}
    )
    assert res.ephemeral and "not a time zone name I know" in res.text


async def test_test_alert_from_the_settings_panel(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    res = await fake.slash(server.admin, "setup test-alert", guild=g, channel=ch)
    assert res.ephemeral and "There is no escalation channel yet" in res.text

    await fake.slash(
        server.admin,
        "setup escalation-channel",
        guild=g,
        channel=ch,
        options={"channel": server.private.id},
    )
    panel = await fake.slash(server.admin, "setup show", guild=g, channel=ch)
    clicked = await fake.click(server.admin, panel.message, "settings:test_alert")
    assert clicked.ephemeral and "A test alert is on its way" in clicked.text
    await wait_until(lambda: len(bot_messages(fake, server.private.id)) == 2)
    alert = bot_messages(fake, server.private.id)[1]
    assert alert.embeds[0]["title"] == "Test alert"


async def test_an_unexpected_error_gets_an_apology_with_a_reference(
    runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert runner.db is not None
    # The database breaks under the bot (a disk problem, a bad manual edit...).
    async with runner.db.transaction() as tx:
        await tx.execute("DROP TABLE guild_settings")
    with caplog.at_level(logging.DEBUG, logger="bot.tree"):
        res = await fake_discord.slash(
            server.admin, "setup show", guild=server.guild, channel=server.general
        )
    assert res.ephemeral
    assert "Sorry, something went wrong on my side" in res.text
    ref = res.text.split("reference ")[1].rstrip(".")
    record = next(r for r in caplog.records if ref in r.getMessage() and r.levelno == logging.ERROR)
    text = record.getMessage()
    for part in (str(server.guild.id), str(server.general.id), "/setup show"):
        assert part in text
    assert record.exc_info is not None
    # Who it was goes on a DEBUG line with the same reference, never above (issue 18).
    assert str(server.admin.id) not in text
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(ref in line and str(server.admin.id) in line for line in debug), debug


async def test_mentions_in_typed_text_never_ping(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    res = await fake_discord.slash(
        server.admin,
        "setup timezone",
        guild=server.guild,
        channel=server.general,
        options={"zone": "@everyone"},
    )
    assert "@everyone" in res.text
    assert res.last is not None and res.last.allowed_mentions == {"parse": []}


async def test_errors_in_buttons_reach_the_same_handler(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch = fake_discord, server.guild, server.general
    await fake.slash(
        server.admin,
        "setup escalation-channel",
        guild=g,
        channel=ch,
        options={"channel": server.private.id},
    )
    panel = await fake.slash(server.admin, "setup show", guild=g, channel=ch)
    assert runner.db is not None
    async with runner.db.transaction() as tx:
        await tx.execute("DROP TABLE outbox")
    clicked = await fake.click(server.admin, panel.message, "settings:test_alert")
    assert clicked.ephemeral
    assert "Sorry, something went wrong on my side" in clicked.text
    assert "Nothing was changed" in clicked.text
