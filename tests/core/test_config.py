import secrets
from pathlib import Path

import pytest

from bot.config import ANON_SECRET_MIN_BITS, SettingsError, load_settings, secret_bits

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
SECRET = "Qm9vdHN0cmFwLXNlY3JldC1mb3ItdGVzdHMtb25seS0xMjM0NTY"
REQUIRED = {"DISCORD_TOKEN": TOKEN, "ANON_SECRET": SECRET}
OTHER_SECRET = "9qkDkysvKSUjORpjVX1gkjCKFOOYJquaGweEAnn7Hgk"  # secrets.token_urlsafe(32)


def test_defaults_with_only_what_is_required() -> None:
    settings = load_settings(REQUIRED)
    assert settings.discord_token == TOKEN
    assert settings.anon_secret == SECRET
    assert settings.database_path == Path("data/peer-support-bot.sqlite3")
    assert settings.log_level == "INFO"
    assert settings.dev_guild_id is None
    assert settings.api_base is None and settings.gateway_url is None
    assert TOKEN not in repr(settings) and SECRET not in repr(settings)


def test_all_settings_are_read() -> None:
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_PATH": "/var/lib/bot/db.sqlite3",
            "DEV_GUILD_ID": "123456789012345678",
            "LOG_LEVEL": "debug",
            "ANON_SECRET": OTHER_SECRET,
            "DISCORD_API_BASE": "http://127.0.0.1:9000/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9000/",
        }
    )
    assert settings.database_path == Path("/var/lib/bot/db.sqlite3")
    assert settings.dev_guild_id == 123456789012345678
    assert settings.anon_secret == OTHER_SECRET
    assert settings.log_level == "DEBUG"
    assert settings.api_base == "http://127.0.0.1:9000/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"ANON_SECRET": SECRET}, ["DISCORD_TOKEN is not set"]),
        ({**REQUIRED, "DISCORD_TOKEN": "Bot " + TOKEN}, ["without the word 'Bot'"]),
        (
            {**REQUIRED, "DISCORD_TOKEN": "client-secret-not-a-token"},
            ["does not look like a bot token"],
        ),
        ({**REQUIRED, "DEV_GUILD_ID": "my server"}, ["DEV_GUILD_ID", "Copy Server ID"]),
        ({**REQUIRED, "LOG_LEVEL": "loud"}, ["LOG_LEVEL must be one of"]),
        (
            {"DISCORD_TOKEN": TOKEN},
            ["ANON_SECRET is not set", "secrets.token_urlsafe", ".env", "vote a second time"],
        ),
        ({"DISCORD_TOKEN": TOKEN, "ANON_SECRET": "   "}, ["ANON_SECRET is not set"]),
        ({**REQUIRED, "ANON_SECRET": "short"}, ["ANON_SECRET is too short", "secrets"]),
        ({**REQUIRED, "ANON_SECRET": "x" * 31}, ["ANON_SECRET is too short (31 characters"]),
        ({**REQUIRED, "DISCORD_API_BASE": "localhost:80"}, ["DISCORD_API_BASE"]),
        ({**REQUIRED, "DISCORD_GATEWAY_URL": "http://x/"}, ["DISCORD_GATEWAY_URL"]),
    ],
)
def test_bad_values_name_the_setting_and_the_fix(env: dict[str, str], names: list[str]) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    for name in names:
        assert name in message


@pytest.mark.parametrize(
    "secret",
    [
        "x" * 40,  # one character repeated
        "passwordpasswordpasswordpassword",  # a word, again and again
        "supportgroupsupportgroupsupport!!",
        "correcthorsebattery" * 2,  # a passphrase said twice
        "abcdefghijklmnopqrstuvwxyz0123456789",  # the alphabet, then the digits
        "qwertyuiopasdfghjkl1234567890zxcvbnm",  # keyboard rows
        "Summer2024!Summer2024!Summer2024!",
        "abababababababababababababababab12",  # too few different characters
        "test-anon-secret-0123456789-abcdefghijklmnopqrstuvwxyz",  # words and sequences
        "0a1b" * 9,  # a short pattern repeated
    ],
)
def test_a_guessable_secret_is_refused_with_how_to_make_one(secret: str) -> None:
    assert len(secret) >= 32  # long enough: what gives it away is its shape
    assert secret_bits(secret) < ANON_SECRET_MIN_BITS
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, "ANON_SECRET": secret})
    (problem,) = caught.value.problems
    assert "ANON_SECRET is too easy to guess" in problem
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in problem
    assert secret not in problem  # the secret itself is never repeated back


def test_random_secrets_are_accepted() -> None:
    for _ in range(50):
        for secret in (secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_hex(24)):
            assert secret_bits(secret) >= ANON_SECRET_MIN_BITS, secret
            assert load_settings({**REQUIRED, "ANON_SECRET": secret}).anon_secret == secret
    assert 200 <= secret_bits(OTHER_SECRET) <= 282  # 43 characters of base64, counted cautiously
    assert secret_bits("0123456789abcdef" * 2) < ANON_SECRET_MIN_BITS  # hex, but in order


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"LOG_LEVEL": "loud", "DEV_GUILD_ID": "x"})
    assert len(caught.value.problems) == 4  # token, secret, log level, server id


def test_token_and_secret_not_required_for_offline_commands() -> None:
    settings = load_settings({}, require_token=False, require_secret=False)
    assert settings.discord_token == "" and settings.anon_secret is None


def test_a_short_secret_is_refused_even_when_not_required() -> None:
    with pytest.raises(SettingsError, match="ANON_SECRET is too short"):
        load_settings({"ANON_SECRET": "short"}, require_token=False, require_secret=False)


def test_database_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="points at a folder"):
        load_settings({**REQUIRED, "DATABASE_PATH": str(tmp_path)})
