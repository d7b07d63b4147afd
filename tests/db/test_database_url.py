"""DATABASE_URL: a postgresql:// address selects PostgreSQL; anything else is refused with a
sentence a volunteer can act on; the password never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.loopback-token-for-tests"


def test_no_database_url_keeps_the_sqlite_file() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN}, require_secret=False)
    assert settings.database_url is None
    assert settings.database == settings.database_path == Path("data/peer-support-bot.sqlite3")


def test_a_postgresql_url_is_what_the_bot_opens_and_its_password_never_shows() -> None:
    url = "postgresql://bot:s3cret-Pa55@db.internal:5432/peersupport"
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": url}, require_secret=False)
    assert settings.database == url
    assert "s3cret-Pa55" not in repr(settings) and "s3cret-Pa55" not in settings.database_shown
    assert settings.database_shown == "postgresql://bot:***@db.internal:5432/peersupport"
    query = "postgresql://bot@db/peersupport?password=hunter2&sslmode=require"
    shown = load_settings(
        {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": query}, require_secret=False
    ).database_shown
    assert "hunter2" not in shown and shown.endswith("password=***&sslmode=require")


def test_another_kind_of_url_is_refused_saying_what_to_write() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": "mysql://x"}, require_secret=False)
    assert "DATABASE_URL must be a PostgreSQL address starting with postgresql://" in str(
        refused.value
    )
