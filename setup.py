"""Build step: compile the translation catalogues (bot/locales/*/LC_MESSAGES/*.po) into the
`.mo` files gettext reads, with Babel, whenever the package is built or installed
(`pip install .`, a wheel, `pip install -e .`); and, for an installed (not editable) package,
copy the numbered migrations (migrations/*.sql) into it as `bot/migrations/`, where
bot/migrate.py finds them when there is no source checkout. Everything else is in pyproject.toml.

No `.mo` file is committed. A source checkout that was never installed (PYTHONPATH=.) compiles
the catalogues in memory at first use instead (bot/i18n.py), so either way the bot reads
translations that match its `.po` files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path("bot") / "locales"
MIGRATIONS = Path("migrations")


def compile_catalogues(target_root: Path) -> list[str]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        mo = target_root / po.with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        written.append(str(mo))
    return written


def copy_migrations(target: Path) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for sql in sorted(MIGRATIONS.glob("*.sql")):
        shutil.copyfile(sql, target / sql.name)
        copied.append(str(target / sql.name))
    return copied


class BuildWithCatalogues(build_py):
    """build_py, then the compiled catalogues beside the modules (in the source tree for an
    editable install, whose modules are read from there)."""

    def run(self) -> None:
        super().run()
        editable = getattr(self, "editable_mode", False)
        self._catalogues = compile_catalogues(Path(".") if editable else Path(self.build_lib))
        if not editable:  # an editable install reads migrations/ from the checkout
            self._catalogues += copy_migrations(Path(self.build_lib) / "bot" / "migrations")

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        return outputs + [m for m in getattr(self, "_catalogues", []) if m not in outputs]


setup(cmdclass={"build_py": BuildWithCatalogues})
