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


# ------------------------------------------------------------------ the shape of the code

FEATURES = sorted(p.name for p in (REPO / "cogs").iterdir() if (p / "__init__.py").exists())
SOURCE = [*sorted(REPO.glob("bot/**/*.py")), *sorted(REPO.glob("cogs/**/*.py"))]
MAX_LINES = 500
# An SQL statement: its keyword in capitals, then a clause keyword in capitals; or a
# transaction statement.
_SQL = re.compile(
    r"^\s*(?:(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH)\b"
    r".*\b(?:FROM|INTO|SET|TABLE|INDEX|TRIGGER|VALUES|WHERE)\b"
    r"|(?:BEGIN|COMMIT|ROLLBACK)\b|(?:SAVEPOINT|RELEASE)\s+\w+)",
    re.S,
)


def _imports_discord(path: Path) -> bool:
    return any(m == "discord" or m.startswith("discord.") for m in imported_modules(path))


def _is_repository_module(path: Path) -> bool:
    return "repository" in path.stem or path.parent.name == "repository"


def test_no_file_over_500_lines_outside_tests_and_data() -> None:
    sources = [*SOURCE, *sorted(REPO.glob("benchmarks/*.py"))]
    long = {
        str(p.relative_to(REPO)): n
        for p in sources
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_feature_imports_another() -> None:
    offenders = []
    for path in REPO.glob("cogs/*/**/*.py"):
        feature = path.relative_to(REPO / "cogs").parts[0]
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "cogs" and len(parts) > 1 and parts[1] != feature:
                offenders.append(f"{path.relative_to(REPO)} imports {module}")
    assert FEATURES and offenders == []


def test_core_knows_no_feature() -> None:
    offenders = [
        f"{path.relative_to(REPO)} imports {module}"
        for path in REPO.glob("bot/**/*.py")
        for module in imported_modules(path)
        if module == "cogs" or module.startswith("cogs.")
    ]
    assert offenders == []


def test_service_modules_never_import_discord() -> None:
    """Every module of a feature that is neither discord glue by name nor data is a service or a
    repository, and holds rules only: the glue modules are the ones that import discord."""
    services = [
        p
        for p in REPO.glob("cogs/*/**/*.py")
        if p.stem.startswith(("service", "repository")) or p.parent.name == "repository"
    ]
    offenders = [str(p.relative_to(REPO)) for p in services if _imports_discord(p)]
    assert services and offenders == []


def _sql_outside(node: ast.AST, inside_repository: bool, found: list[int]) -> None:
    if isinstance(node, ast.ClassDef):
        inside_repository = inside_repository or node.name.endswith("Repository")
    if (
        not inside_repository
        and isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _SQL.match(node.value)
    ):
        found.append(getattr(node, "lineno", 0))
    for child in ast.iter_child_nodes(node):
        _sql_outside(child, inside_repository, found)


def test_sql_only_in_repositories() -> None:
    """SQL strings live in repository modules or in classes named ...Repository; the database
    layer itself (bot/db.py, bot/migrate.py, and PostgreSQL's bot/db_postgres.py and
    bot/sql_dialect.py) is the one exception."""
    exempt = {
        REPO / "bot" / name for name in ("db.py", "migrate.py", "db_postgres.py", "sql_dialect.py")
    }
    offenders = []
    for path in SOURCE:
        if path in exempt or _is_repository_module(path):
            continue
        found: list[int] = []
        _sql_outside(ast.parse(path.read_text(encoding="utf-8")), False, found)
        offenders += [f"{path.relative_to(REPO)}:{line}" for line in found]
    assert offenders == []


def _touches_repository(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = [
        f"imports {m}"
        for m in imported_modules(path)
        if "repository" in m.rsplit(".", 1)[-1] or m.endswith(".repository")
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("repository", "repo"):
            hits.append(f"line {node.lineno}: .{node.attr}")
        if isinstance(node, ast.Name) and node.id.endswith("Repository"):
            hits.append(f"line {node.lineno}: {node.id}")
    return hits


def test_discord_glue_never_touches_a_repository() -> None:
    """Cogs, views and renderers call their service; only services hold a repository."""
    glue = [p for p in REPO.glob("cogs/*/**/*.py") if _imports_discord(p)]
    offenders = {str(p.relative_to(REPO)): hits for p in glue if (hits := _touches_repository(p))}
    assert glue and offenders == {}


def test_features_register_only_through_the_contract() -> None:
    """A feature declares its renderers, buttons and jobs on its Feature (bot/feature.py), which
    registers them on load and removes them on unload; it never registers them by hand."""
    by_hand = re.compile(
        r"\.(?:dispatcher\.register|add_dynamic_items|add_rebuilder|modals\.add)\("
    )
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in REPO.glob("cogs/**/*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert offenders == []
