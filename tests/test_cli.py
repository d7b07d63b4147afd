"""`python -m bot` and its subcommands, run as a volunteer admin would run them."""

from __future__ import annotations

from pathlib import Path

from bot.migrate import discover
from bot.permissions import REQUIRED_PERMISSIONS
from tests.fakediscord import FakeDiscord
from tests.subprocesses import bot_env, run_cli


async def test_no_token_gets_a_friendly_explanation(tmp_path: Path) -> None:
    result = await run_cli(tmp_path, bot_env(tmp_path))
    assert result.code == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "README" in result.stderr
    assert "Traceback" not in result.stderr


async def test_settings_come_from_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=chatty\n")
    env = bot_env(tmp_path)
    del env["LOG_LEVEL"]  # the environment wins over .env
    result = await run_cli(tmp_path, env)
    assert result.code == 2
    assert "LOG_LEVEL must be one of" in result.stderr


async def test_a_wrong_token_says_so(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    fake_discord.faults.add("GET", r"^/users/@me$", status=401, count=None)
    result = await run_cli(tmp_path, bot_env(tmp_path, fake_discord))
    assert result.code == 2
    assert "Discord refused DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


async def test_migrate_then_check(tmp_path: Path) -> None:
    env = bot_env(tmp_path)
    del env["ANON_SECRET"]  # migrating needs no secret
    migrations = discover()
    result = await run_cli(tmp_path, env, "migrate")
    assert result.code == 0, result.stderr
    assert f"Applied {len(migrations)} migrations: 0001_core.sql" in result.stdout
    result = await run_cli(tmp_path, env, "migrate")
    assert "The database is up to date." in result.stdout

    result = await run_cli(tmp_path, env, "check")
    assert result.code == 1  # no token and no secret yet
    assert "DISCORD_TOKEN is not set" in result.stdout
    assert "[!!] ANON_SECRET is not set" in result.stdout
    assert f"schema version {migrations[-1].version}, 0 migrations pending" in result.stdout

    env = bot_env(tmp_path)

    env["DISCORD_TOKEN"] = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.token"
    result = await run_cli(tmp_path, env, "check")
    assert result.code == 0, result.stdout
    assert "All good." in result.stdout
    assert "[ok] ANON_SECRET is set (about 2" in result.stdout  # 200-odd bits


async def test_no_anon_secret_stops_the_bot_with_how_to_make_one(tmp_path: Path) -> None:
    env = bot_env(tmp_path, DISCORD_TOKEN="MTAwMDAwMDAwMDAwMDAwMDAw.fake.token")
    del env["ANON_SECRET"]
    result = await run_cli(tmp_path, env)
    assert result.code == 2
    assert "ANON_SECRET is not set" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before touching anything

    result = await run_cli(tmp_path, {**env, "ANON_SECRET": "too-short"})
    assert result.code == 2
    assert "ANON_SECRET is too short (9 characters; at least 32" in result.stderr


async def test_invite_link_has_the_scopes_and_exact_permissions(tmp_path: Path) -> None:
    env = bot_env(tmp_path, DISCORD_TOKEN="MTAwMDAwMDAwMDAwMDAwMDAw.fake.token")
    result = await run_cli(tmp_path, env, "invite")
    assert result.code == 0, result.stderr
    assert "client_id=100000000000000000" in result.stdout  # read from the token
    assert "scope=bot+applications.commands" in result.stdout
    assert f"permissions={REQUIRED_PERMISSIONS.value}" in result.stdout
    perms = REQUIRED_PERMISSIONS
    assert not perms.administrator and not perms.mention_everyone and not perms.ban_members
    result = await run_cli(
        tmp_path, bot_env(tmp_path), "invite", "--client-id", "123456789012345678"
    )
    assert "client_id=123456789012345678" in result.stdout


async def test_sync_registers_the_commands(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    result = await run_cli(tmp_path, bot_env(tmp_path, fake_discord), "sync")
    assert result.code == 0, result.stderr
    assert "Registered" in result.stdout and "globally" in result.stdout
    assert {"setup", "help"} <= set(fake_discord.command_names())


async def test_sync_to_a_dev_server(tmp_path: Path, fake_discord: FakeDiscord) -> None:
    guild = fake_discord.create_guild("Dev server")
    env = bot_env(tmp_path, fake_discord, DEV_GUILD_ID=str(guild.id))
    result = await run_cli(tmp_path, env, "sync")
    assert result.code == 0, result.stderr
    assert f"to server {guild.id}" in result.stdout
    assert {"setup", "help"} <= set(fake_discord.command_names(guild))
    assert fake_discord.command_names() == []


async def test_check_refuses_a_guessable_secret_and_says_how_to_make_one(tmp_path: Path) -> None:
    env = {**bot_env(tmp_path), "ANON_SECRET": "supportgroup" * 4}
    result = await run_cli(tmp_path, env, "check")
    assert result.code == 2
    assert "ANON_SECRET is too easy to guess" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in result.stderr
    assert "supportgroup" not in result.stderr and "Traceback" not in result.stderr
