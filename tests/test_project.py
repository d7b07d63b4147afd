"""House rules that keep the project honest (DESIGN.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
