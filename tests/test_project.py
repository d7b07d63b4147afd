"""House rules that keep the project honest (DESIGN.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import discord

REPO = Path(__file__).resolve().parent.parent

# Modules that hold rules or storage, never Discord glue.
DISCORD_FREE = [
    *sorted(REPO.glob("cogs/*/service.py")),
    *sorted(REPO.glob("cogs/*/repository.py")),
    *(
        REPO / "bot" / name
        for name in (
            "clock.py",
            "config.py",
            "db.py",
            "errors.py",
            "guild_settings.py",
            "i18n.py",
            "migrate.py",
            "modlog.py",
            "outbox.py",
        )
    ),
]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_and_repositories_never_import_discord() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in DISCORD_FREE
        if any(m == "discord" or m.startswith("discord.") for m in imported_modules(path))
    ]
    assert offenders == []


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    run_command = next(b for b in blocks if "python -m bot" in b and "pytest" not in b)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    assert "-e ." in run_command


def test_migrations_are_numbered_without_gaps() -> None:
    names = sorted(p.name for p in (REPO / "migrations").glob("*.sql"))
    numbers = [int(name[:4]) for name in names]
    assert numbers == list(range(1, len(numbers) + 1))


def test_no_secret_files_or_api_spec_in_the_repo() -> None:
    assert not (REPO / "openapi.json").exists()
    assert not list(REPO.glob("tests/**/openapi.json"))
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()


async def test_every_command_declares_who_may_run_it(tmp_path: Path) -> None:
    """/help lists commands by audience, and each command checks it in code: none may forget."""
    from bot.checks import Audience
    from bot.client import Bot
    from bot.config import Settings
    from bot.db import Database
    from bot.scheduler import create_scheduler

    settings = Settings("", tmp_path / "db.sqlite3", None, "INFO", None, None, None)
    async with await Database.open(settings.database_path) as db:
        bot = Bot(settings=settings, db=db, scheduler=create_scheduler(), mode="sync")
        await bot.setup_hook()  # loads every feature's commands; no network
        commands = [c for c in bot.tree.walk_commands() if not hasattr(c, "walk_commands")]
        commands += bot.tree.get_commands(type=discord.AppCommandType.message)
        commands += bot.tree.get_commands(type=discord.AppCommandType.user)
        missing = [c.qualified_name for c in commands if "audience" not in c.extras]
        assert commands and missing == []
        assert all(isinstance(c.extras["audience"], Audience) for c in commands)
        await bot.close()


# Calls that put text in front of people; their text must come from the translation layer.
_SHOWN = {
    "send",
    "send_message",
    "edit_message",
    "edit_original_response",
    "Embed",
    "Button",
    "add_field",
    "TextInput",
    "Modal",
    "SelectOption",
    "Choice",
    "UserError",
    "NotAllowed",
    "NotFound",
    "NotConfigured",
    "Rendered",
}
_TEXT_KEYWORDS = {
    "content",
    "title",
    "description",
    "label",
    "name",
    "value",
    "placeholder",
    "text",
}


def _literal_text(node: ast.expr) -> bool:
    """A string literal (or an f-string's literal parts) with words in it."""
    if isinstance(node, ast.JoinedStr):
        return any(_literal_text(part) for part in node.values)
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(ch.isalpha() for ch in node.value)
    )


def test_text_people_read_goes_through_the_translation_layer() -> None:
    """A string literal handed straight to Discord can never be translated: wrap it in t(...),
    N_(...) or locale_str(...). Exceptions (names of languages, ids) go in the allow list."""
    allowed = {"English"}
    offenders: list[str] = []
    for path in [*REPO.glob("bot/*.py"), *REPO.glob("cogs/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in _SHOWN:
                continue
            texts = [a for a in node.args[:1]] + [
                k.value for k in node.keywords if k.arg in _TEXT_KEYWORDS
            ]
            for text in texts:
                if _literal_text(text) and getattr(text, "value", None) not in allowed:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []
