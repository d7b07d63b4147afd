"""What each test's bot would build again and again, the same every time, built once per process.

A test starts the real bot, and stopping it unloads its features: discord.py drops their modules
(`cogs.*`) from `sys.modules`, so the next bot imports each feature anew, module-level state and
all. That stays so (a test's changes to a feature's module die with its bot). What is the same
for every bot is kept instead of being made again:

- `compiled_once()`: the compiled code of the project's modules. With PYTHONDONTWRITEBYTECODE
  (set here, and in many CI images) Python keeps no `.pyc`, and each bot's imports compiled
  every feature's source again (about half a second for all of them). Code objects are
  immutable: executing the same one again is what importing from a `.pyc` does.
- `shared_detector_data()`: the distress detector's lexicon and its compiled automaton (over a
  second to build). The detection package (`cogs.escalation.detection`, pure computation over
  the shipped word lists, no discord, no database) stays imported for the whole process, so
  its classes are the same for every bot; `Lexicon.load()` of the shipped lexicon, in a bot
  the harness starts (`for_bots()`), returns the one already read, and the built-in phrases'
  automaton is compiled once. Each bot still makes its own `Detector` (its own learned model
  and word cache). Outside a bot's start (a test timing or building a detector itself),
  loading is what it always was.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the checkout: bot/, cogs/, tests/

_CODE: dict[str, tuple[bytes, CodeType]] = {}


def compiled_once() -> None:
    """Compile each source file of the checkout once per process (installed by conftest)."""
    loader = importlib.machinery.SourceFileLoader
    if getattr(loader.source_to_code, "compiled_once", False):
        return
    compile_source = loader.source_to_code
    root = str(ROOT) + "/"

    def source_to_code(self: Any, data: Any, path: Any, *, _optimize: int = -1) -> Any:
        if not isinstance(path, str) or not path.startswith(root) or _optimize != -1:
            return compile_source(self, data, path, _optimize=_optimize)
        source = bytes(data)
        known = _CODE.get(path)
        if known is not None and known[0] == source:
            return known[1]
        code = compile_source(self, data, path, _optimize=_optimize)
        _CODE[path] = (source, code)
        return code

    source_to_code.compiled_once = True  # type: ignore[attr-defined]
    loader.source_to_code = source_to_code  # type: ignore[method-assign]


# Set in the context a bot's task is created in (tests/harness.py): its features' set-up.
_IN_BOTS: ContextVar[bool] = ContextVar("reuse_in_bots", default=False)


@contextmanager
def for_bots() -> Iterator[None]:
    """Tasks created inside (a bot's `start`) share what is built once."""
    token = _IN_BOTS.set(True)
    try:
        yield
    finally:
        _IN_BOTS.reset(token)


DETECTION = "cogs.escalation.detection"
_DETECTION_MODULES: dict[str, ModuleType] = {}


def shared_detector_data() -> None:
    """Before a bot loads its features: the detection package as first imported in this
    process, with its shipped lexicon read once and its automaton compiled once."""
    if not _DETECTION_MODULES:
        import cogs.escalation.detection as detection

        _DETECTION_MODULES.update(
            (name, module)
            for name, module in sys.modules.items()
            if name == DETECTION or name.startswith(DETECTION + ".")
        )
        _share(detection)
    sys.modules.update(_DETECTION_MODULES)


def _share(detection: Any) -> None:
    lexicon_class = detection.Lexicon
    read = lexicon_class.load.__func__
    default_directory = detection.DATA_DIR
    lexicons: dict[Path, Any] = {}

    def load(cls: Any, directory: Path = default_directory) -> Any:
        if (
            not _IN_BOTS.get()
            or cls is not lexicon_class
            or Path(directory) != Path(default_directory)
        ):
            return read(cls, directory)
        if directory not in lexicons:
            lexicons[directory] = read(cls, directory)
        return lexicons[directory]

    lexicon_class.load = classmethod(load)

    compile_automaton = detection.compile_automaton
    automata: list[tuple[Any, Any, Any]] = []  # (entries, normaliser, compiled)

    def compiled(entries: Any, normaliser: Any) -> Any:
        """The shipped lexicon's automaton (its entries and normaliser, the very objects) once;
        a server's own phrases (new entries each time) are compiled as before."""
        shipped = any(entries is lexicon.entries for lexicon in lexicons.values())
        if not shipped:
            return compile_automaton(entries, normaliser)
        for known_entries, known_normaliser, result in automata:
            if known_entries is entries and known_normaliser is normaliser:
                return result
        result = compile_automaton(entries, normaliser)
        automata.append((entries, normaliser, result))
        return result

    detection.compile_automaton = compiled


RAM_DISK = Path("/dev/shm")


def temporary_files_in_memory() -> None:
    """Python's temporary folder (pytest's tmp_path under it) on the RAM disk, when the system
    has one with room (Linux: /dev/shm), or TEST_TMPDIR. Set before pytest makes its folder
    (conftest import); xdist's workers get theirs inside the controller's."""
    chosen = os.environ.get("TEST_TMPDIR")
    if chosen:
        tempfile.tempdir = chosen
        return
    try:
        room = os.statvfs(RAM_DISK)
    except OSError:
        return
    if room.f_bavail * room.f_frsize >= 2 * 1024**3 and os.access(RAM_DISK, os.W_OK | os.X_OK):
        tempfile.tempdir = str(RAM_DISK)
