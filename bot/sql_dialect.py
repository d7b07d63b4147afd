"""SQLite's SQL, as the repositories and migrations write it, translated for PostgreSQL.

Feature repositories write one SQL text with named parameters (`:guild_id`) and SQLite's few
habits; `translate()` turns it into what PostgreSQL runs through asyncpg:

- parameters: `:name` (a mapping) or `?` (a tuple) become `$1, $2, ...` (a name used twice is
  one parameter), never inside a quoted string, a quoted name or a comment;
- `INSERT OR IGNORE INTO ...` becomes `INSERT INTO ... ON CONFLICT DO NOTHING`;
- `a IS b` / `a IS NOT b` (b not NULL, TRUE or FALSE) become `IS [NOT] DISTINCT FROM`;
- the two-argument scalar `MAX(a, b)` / `MIN(a, b)` become `GREATEST` / `LEAST`;
- `CAST(x AS INTEGER)` becomes `CAST(x AS BIGINT)` (Discord ids do not fit 32 bits);
- `GROUP_CONCAT(x, sep)` becomes `string_agg(CAST(x AS TEXT), sep)`;
- `random()` is a random signed 64-bit integer, as in SQLite (not a float in [0, 1));
- `WHERE flags & 2` (an integer as a condition) becomes `WHERE (flags & 2) <> 0`;
- a bare column in `ON CONFLICT ... DO UPDATE SET a = a + 1` is qualified with its table;
- `insert()` appends `RETURNING id` (SQLite's lastrowid);
- the comment `/* FOR UPDATE SKIP LOCKED */` becomes that clause (a queue's claim: SQLite has
  one writer and reads it as a comment; PostgreSQL locks the rows it picks and skips those
  another transaction holds).

DDL (the migrations and the migrations' own bookkeeping table) is translated too: INTEGER
becomes BIGINT (every integer here may be a snowflake or an epoch), `id INTEGER PRIMARY KEY`
an identity column, BLOB BYTEA, `WITHOUT ROWID` goes, and SQLite's `RAISE(ABORT, ...)`
triggers become a plpgsql function and a trigger (`DROP TRIGGER name` finds its table).
Each translation is cached: a statement is parsed once per process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MASK = "\x00{}\x00"
_MASKED = re.compile("\x00(\\d+)\x00")


class TranslationError(ValueError):
    """SQL this layer cannot carry to PostgreSQL (it says what to write instead)."""


_NULL_TEST = re.compile("\x01(\\d+)\x01")
_SKIP_LOCKED = re.compile(r"/\*\s*FOR\s+UPDATE\s+SKIP\s+LOCKED\s*\*/", re.IGNORECASE)
_NULL_TEST_PROBE = re.compile("\x01\\d+\x01\\s+IS\\s+(NOT\\s+)?NULL\\b", re.IGNORECASE)


@dataclass(frozen=True)
class Translated:
    """A statement for PostgreSQL. A parameter tested with `IS [NOT] NULL` before any other use
    gives PostgreSQL no type ("could not determine data type of parameter $1"): those places
    are marked (\\x01n\\x01) in `marked`, `probe` leaves the tests out so PostgreSQL names
    the other uses' types, and `typed(types)` casts the tests to them."""

    marked: str
    names: tuple[str, ...]  # the named parameters, in $n order
    positional: int  # how many `?` placeholders (a statement uses one style or the other)

    @property
    def text(self) -> str:
        return _NULL_TEST.sub(lambda m: f"${m.group(1)}", self.marked)

    @property
    def null_tests(self) -> bool:
        return "\x01" in self.marked

    @property
    def probe(self) -> str:
        return _NULL_TEST_PROBE.sub("TRUE", self.marked)

    def cast_all(self, types: Mapping[int, str]) -> str:
        """Every use of a parameter cast to its type in `types` (the others left as they are):
        for a statement whose uses disagree (`CASE WHEN :flag THEN :now END` beside `:now`)."""
        text = self.text
        return re.sub(
            r"\$(\d+)\b",
            lambda m: (
                f"{m.group(0)}::{types[int(m.group(1))]}"
                if int(m.group(1)) in types
                else m.group(0)
            ),
            text,
        )

    def typed(self, types: Mapping[int, str]) -> str:
        return _NULL_TEST.sub(
            lambda m: f"${m.group(1)}::{types.get(int(m.group(1)), 'text')}", self.marked
        )

    def bind(self, params: Mapping[str, Any] | Sequence[Any] | None) -> list[Any]:
        """The arguments for asyncpg, in $n order."""
        if self.names:
            if not isinstance(params, Mapping):
                raise TranslationError("named parameters need a mapping of values")
            try:
                return [params[name] for name in self.names]
            except KeyError as missing:
                raise TranslationError(f"no value for the parameter :{missing.args[0]}") from None
        if self.positional:
            values = list(params or ())
            if isinstance(params, Mapping) or len(values) != self.positional:
                raise TranslationError(f"the statement takes {self.positional} values")
            return values
        return []


def _mask(sql: str) -> tuple[str, list[str]]:
    """Literals and quoted names set aside (as \\0N\\0), comments dropped: rewrites see code."""
    out: list[str] = []
    kept: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        end = -1
        if c in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:  # '' inside a string
                        end += 2
                        continue
                    break
                end += 1
            end += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
        if end > i:
            if c in "'\"":
                out.append(_MASK.format(len(kept)))
                kept.append(sql[i:end])
            elif _SKIP_LOCKED.fullmatch(sql, i, end):
                out.append(" FOR UPDATE SKIP LOCKED ")
            else:
                out.append(" ")  # a comment: nothing PostgreSQL needs
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out), kept


def _unmask(text: str, kept: list[str]) -> str:
    return _MASKED.sub(lambda m: kept[int(m.group(1))], text)


def _parameters(code: str) -> tuple[str, tuple[str, ...], int]:
    names: list[str] = []
    positional = 0
    out: list[str] = []
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == ":" and i + 1 < n and code[i + 1] == ":":  # a PostgreSQL cast
            out.append("::")
            i += 2
            continue
        if c == ":" and (match := _NAME.match(code, i + 1)):
            name = match.group(0)
            if name not in names:
                names.append(name)
            number = names.index(name) + 1
            tested = _IS_NULL.match(code, match.end())
            out.append(f"\x01{number}\x01" if tested else f"${number}")
            i = match.end()
            continue
        if c == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
            continue
        out.append(c)
        i += 1
    if names and positional:
        raise TranslationError("a statement uses either :name or ? parameters, not both")
    return "".join(out), tuple(names), positional


_IS_NULL = re.compile(r"\s+IS\s+(NOT\s+)?NULL\b", re.IGNORECASE)
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE)
_IS = re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE)
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_OR_REPLACE = re.compile(r"\b(INSERT\s+OR\s+REPLACE|REPLACE)\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_AS_INTEGER = re.compile(r"\bAS\s+INTEGER\b", re.IGNORECASE)
_MINMAX = re.compile(r"\b(MAX|MIN)\s*\(", re.IGNORECASE)


def _close(code: str, start: int) -> tuple[int, bool]:
    """The index of the parenthesis closing the one before `start`, and whether a comma at
    its own depth separates arguments."""
    depth, comma = 1, False
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i, comma
        elif code[i] == "," and depth == 1:
            comma = True
    raise TranslationError("unbalanced parentheses")


def _scalar_minmax(code: str) -> str:
    pos = 0
    while match := _MINMAX.search(code, pos):
        _, comma = _close(code, match.end())
        if comma:
            word = "GREATEST" if match.group(1).upper() == "MAX" else "LEAST"
            code = code[: match.start()] + word + "(" + code[match.end() :]
        pos = match.start() + 1
    return code


_UPSERT_TABLE = re.compile(r"\bINSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_DO_UPDATE = re.compile(r"\bDO\s+UPDATE\s+SET\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_COLUMNS = frozenset(
    "and or not null is in like between distinct from true false case when then else end "
    "where returning as cast bigint integer text excluded exists".split()
)


def _qualify_upsert(code: str) -> str:
    """In `ON CONFLICT ... DO UPDATE SET a = a + 1`, SQLite reads a bare column as the table's
    row; PostgreSQL calls it ambiguous (the table's or `excluded`'s): name the table."""
    table, update = _UPSERT_TABLE.search(code), _DO_UPDATE.search(code)
    if not table or not update or re.search(r"\bSELECT\b", code[update.end() :], re.I):
        return code
    out, i, depth, left = [code[: update.end()]], update.end(), 0, True
    while i < len(code):
        c = code[i]
        word = _WORD.match(code, i) if (c.isalpha() or c == "_") else None
        if word:
            name, after = word.group(0), word.end()
            lowered = name.lower()
            if depth == 0 and lowered in ("where", "returning"):
                left = False
                if lowered == "returning":
                    out.append(code[i:])
                    break
            qualified = code[i - 1 : i] == "." or code[after : after + 1] == "."
            function = code[after:].lstrip().startswith("(")
            if left or qualified or function or lowered in _NOT_COLUMNS:
                out.append(name)
            else:
                out.append(f"{table.group(1)}.{name}")
            i = after
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0 and not _in_where(out):
            left = True
        elif c == "=" and depth == 0 and left:
            left = False
        out.append(c)
        i += 1
    return "".join(out)


def _in_where(out: list[str]) -> bool:
    return any(piece.lower() == "where" for piece in out[1:])


_BITS_AS_CONDITION = re.compile(
    r"\b(WHERE|AND|OR|WHEN|NOT)\s+([\w.$\x01]+\s*&\s*[\w.$\x01]+)"
    r"(?=\s+(?:AND|OR|THEN|ORDER|GROUP|LIMIT|RETURNING)\b|\s*\)|\s*;?\s*$)",
    re.IGNORECASE,
)


_RANDOM = re.compile(r"\bRANDOM\s*\(\s*\)", re.IGNORECASE)
# SQLite's random() is a signed 64-bit integer; PostgreSQL's a float in [0, 1).
_RANDOM_BIGINT = "('x' || substr(md5(gen_random_uuid()::text), 1, 16))::bit(64)::bigint"


_GROUP_CONCAT = re.compile(r"\bGROUP_CONCAT\s*\(", re.IGNORECASE)


def _group_concat(code: str) -> str:
    """`GROUP_CONCAT(x[, sep])` is `string_agg(CAST(x AS TEXT), sep)` (',' by default)."""
    while match := _GROUP_CONCAT.search(code):
        end, _ = _close(code, match.end())
        inner, depth, split = code[match.end() : end], 0, -1
        for i, c in enumerate(inner):
            depth += (c == "(") - (c == ")")
            if c == "," and depth == 0:
                split = i
                break
        value, separator = (inner, "','") if split < 0 else (inner[:split], inner[split + 1 :])
        replacement = f"string_agg(CAST({value.strip()} AS TEXT), {separator.strip()})"
        code = code[: match.start()] + replacement + code[end + 1 :]
    return code


def _rewrite(code: str) -> str:
    if _OR_REPLACE.search(code):
        raise TranslationError("INSERT OR REPLACE: write INSERT ... ON CONFLICT DO UPDATE")
    if _OR_IGNORE.search(code):
        code = _OR_IGNORE.sub("INSERT INTO", code)
        returning = _RETURNING.search(code)
        at = returning.start() if returning else len(code.rstrip().rstrip(";").rstrip())
        rest = code[at:].strip()
        code = code[:at].rstrip() + " ON CONFLICT DO NOTHING" + (" " + rest if rest else "")
    code = _IS_NOT.sub("IS DISTINCT FROM ", code)
    code = _IS.sub("IS NOT DISTINCT FROM ", code)
    code = _AS_INTEGER.sub("AS BIGINT", code)
    code = _RANDOM.sub(lambda _: _RANDOM_BIGINT, code)
    code = _group_concat(code)
    # SQLite takes an integer as a condition; PostgreSQL wants a boolean: `flags & 2 <> 0`
    code = _BITS_AS_CONDITION.sub(r"\1 (\2) <> 0", code)
    return _qualify_upsert(_scalar_minmax(code))


@lru_cache(maxsize=4096)
def translate(sql: str, returning_id: bool = False) -> Translated:
    """A statement as PostgreSQL runs it (see the module's docstring)."""
    code, kept = _mask(sql)
    if _DDL.match(code):
        return Translated(translate_ddl(sql), (), 0)
    code, names, positional = _parameters(code)
    code = _rewrite(code)
    if returning_id and not _RETURNING.search(code):
        code = code.rstrip().rstrip(";").rstrip() + " RETURNING id"
    return Translated(_unmask(code, kept), names, positional)


# ---- DDL ------------------------------------------------------------------------------------

_DDL = re.compile(r"\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)
_ID_KEY = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b", re.IGNORECASE)
_TYPES = (
    (re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
    (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"),
    (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
    (re.compile(r"\bAUTOINCREMENT\b", re.IGNORECASE), ""),
    (re.compile(r"\)\s*WITHOUT\s+ROWID\b", re.IGNORECASE), ")"),
)
_TRIGGER = re.compile(
    r"\s*CREATE\s+TRIGGER\s+(?P<name>\w+)\s+(?P<when>BEFORE|AFTER)\s+(?P<event>INSERT|UPDATE|"
    r"DELETE)\s+ON\s+(?P<table>\w+)\s+(?:FOR\s+EACH\s+ROW\s+)?(?:WHEN\s+(?P<cond>.*?))?\s*"
    r"BEGIN\s+SELECT\s+RAISE\s*\(\s*ABORT\s*,\s*(?P<message>\x00\d+\x00)\s*\)\s*;\s*END\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_DROP_TRIGGER = re.compile(r"\s*DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?(?P<name>\w+)\s*;?\s*$", re.I)


def translate_ddl(statement: str) -> str:
    """A migration's statement for PostgreSQL; it may become several (one script)."""
    code, kept = _mask(statement)
    if trigger := _TRIGGER.match(code):
        return _unmask(_trigger(trigger), kept)
    if drop := _DROP_TRIGGER.match(code):
        return _drop_trigger(drop.group("name"))
    if re.match(r"\s*CREATE\s+TRIGGER\b", code, re.IGNORECASE):
        raise TranslationError(
            "only SQLite triggers of the form BEGIN SELECT RAISE(ABORT, '...'); END translate"
        )
    code = _ID_KEY.sub("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", code)
    for pattern, replacement in _TYPES:
        code = pattern.sub(replacement, code)
    return _unmask(code, kept)


def _trigger(match: re.Match[str]) -> str:
    name, table, event = match.group("name"), match.group("table"), match.group("event").upper()
    condition = match.group("cond")
    keep = "OLD" if event == "DELETE" else "NEW"
    # SQLite's RAISE(ABORT) is a constraint error (sqlite3.IntegrityError): the same class here
    raised = (
        f"RAISE EXCEPTION {match.group('message')} USING ERRCODE = 'integrity_constraint_violation'"
    )
    body = f"{raised}; RETURN {keep};"
    if condition:
        condition = _rewrite(condition)
        body = f"IF {condition} THEN {body} END IF; RETURN {keep};"
    function = f"{name}_fn"
    return (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$ "
        f"BEGIN {body} END $body$; "
        f"CREATE TRIGGER {name} {match.group('when').upper()} {event} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )


def _drop_trigger(name: str) -> str:
    # SQLite names a trigger alone; PostgreSQL needs its table, found in the catalogue.
    return (
        "DO $body$ DECLARE found_table text; BEGIN "
        "SELECT c.relname INTO found_table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        f"WHERE t.tgname = '{name}' AND NOT t.tgisinternal; "
        "IF found_table IS NULL THEN "
        f"RAISE EXCEPTION 'no trigger named {name}'; END IF; "
        f"EXECUTE format('DROP TRIGGER %I ON %I', '{name}', found_table); "
        f"EXECUTE 'DROP FUNCTION IF EXISTS {name}_fn()'; END $body$"
    )
