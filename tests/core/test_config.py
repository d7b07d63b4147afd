from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_defaults_with_only_a_token() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert settings.discord_token == TOKEN
    assert settings.database_path == Path("data/peer-support-bot.sqlite3")
    assert settings.log_level == "INFO"
    assert settings.dev_guild_id is None
    assert settings.api_base is None and settings.gateway_url is None
    assert TOKEN not in repr(settings)


def test_all_settings_are_read() -> None:
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_PATH": "/var/lib/bot/db.sqlite3",
            "DEV_GUILD_ID": "123456789012345678",
            "LOG_LEVEL": "debug",
            "ANON_SECRET": "x" * 40,
            "DISCORD_API_BASE": "http://127.0.0.1:9000/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9000/",
        }
    )
    assert settings.database_path == Path("/var/lib/bot/db.sqlite3")
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"
    assert settings.api_base == "http://127.0.0.1:9000/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, ["DISCORD_TOKEN is not set"]),
        ({"DISCORD_TOKEN": "Bot " + TOKEN}, ["without the word 'Bot'"]),
        ({"DISCORD_TOKEN": "client-secret-not-a-token"}, ["does not look like a bot token"]),
        ({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "my server"}, ["DEV_GUILD_ID", "Copy Server ID"]),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, ["LOG_LEVEL must be one of"]),
        ({"DISCORD_TOKEN": TOKEN, "ANON_SECRET": "short"}, ["ANON_SECRET is too short", "secrets"]),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "localhost:80"}, ["DISCORD_API_BASE"]),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_GATEWAY_URL": "http://x/"}, ["DISCORD_GATEWAY_URL"]),
    ],
)
def test_bad_values_name_the_setting_and_the_fix(env: dict[str, str], names: list[str]) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    for name in names:
        assert name in message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"LOG_LEVEL": "loud", "DEV_GUILD_ID": "x"})
    assert len(caught.value.problems) == 3


def test_token_not_required_for_offline_commands() -> None:
    assert load_settings({}, require_token=False).discord_token == ""


def test_database_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="points at a folder"):
        load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path)})
