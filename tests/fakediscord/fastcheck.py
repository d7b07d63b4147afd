"""A compiled yes/no check of a JSON value against a schema of the spec, equivalent to
`jsonschema.Draft202012Validator(...).is_valid` for what `json.loads` returns (dict, list, str,
int, float, bool, None) and for the keywords Discord's OpenAPI description uses.

jsonschema walks the schema anew for every body: every `$ref` goes through the registry and
every branch of a `oneOf` builds its whole list of errors. A modal's callback took 60-110 ms to
validate and a command tree 0.2-0.5 s. Compiled once into closures, the same verdict takes
a small fraction of that. Only the verdict "valid" is taken from here: a body found invalid is
checked again by jsonschema, which words the errors (spec.py). A schema with a keyword this
module does not know is not compiled at all (`Unsupported`): jsonschema then checks every body.
tests/fakediscord/test_strictness.py compares both on every body of a sample of the suite and
on mutations of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

Check = Callable[[Any], bool]

# Keywords that never make a value invalid (with no format checker, `format` is an annotation).
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "title",
        "description",
        "format",
        "contentEncoding",
        "contentMediaType",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
ASSERTIONS = frozenset(
    {
        "type",
        "const",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxLength",
        "minLength",
        "pattern",
        "minimum",
        "maximum",
        "maxProperties",
        "minProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "$ref",
    }
)


class Unsupported(ValueError):
    """The schema uses something this compiler does not implement: use jsonschema."""


# ---------------------------------------------------------------------- jsonschema's equality
_TRUE, _FALSE = object(), object()


def _unbool(x: Any) -> Any:
    return _TRUE if x is True else _FALSE if x is False else x


def equal(one: Any, two: Any) -> bool:
    """jsonschema._utils.equal for JSON values: True and 1 differ, 1 and 1.0 do not."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        a: list[Any] = one
        b: list[Any] = two
        return len(a) == len(b) and all(equal(i, j) for i, j in zip(a, b, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        c: dict[Any, Any] = one
        d: dict[Any, Any] = two
        return len(c) == len(d) and all(k in d and equal(v, d[k]) for k, v in c.items())
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return _unbool(one) == _unbool(two)


def unique(items: list[Any]) -> bool:
    """No two items `equal` (jsonschema's uniqueItems)."""
    return not any(equal(items[i], items[j]) for i in range(len(items)) for j in range(i))


# ---------------------------------------------------------------------- types
def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "integer": _is_integer,
    "number": _is_number,
}


def _type_check(types: Any) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    for n in names:
        if n not in _TYPES:
            raise Unsupported(f"type {n!r}")
    if len(names) == 1:
        return _TYPES[names[0]]
    checks = [_TYPES[n] for n in names]
    return lambda x: any(c(x) for c in checks)


def _const_check(c: Any) -> Check:
    if isinstance(c, str):
        return lambda x: isinstance(x, str) and x == c
    if c is True or c is False or c is None:
        return lambda x: x is c
    if _is_number(c):
        return lambda x: _is_number(x) and x == c
    return lambda x: equal(x, c)


def _enum_check(values: list[Any]) -> Check:
    if all(isinstance(v, str) for v in values):
        strings = frozenset(values)
        return lambda x: isinstance(x, str) and x in strings
    if all(_is_number(v) for v in values):
        numbers = frozenset(values)
        return lambda x: _is_number(x) and x in numbers
    return lambda x: any(equal(v, x) for v in values)


# ---------------------------------------------------------------------- the compiler
class Compiler:
    """Compiles the schemas of one document; a `$ref` is compiled once (recursion allowed)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._done: dict[int, Check] = {}  # id(schema node) -> its check
        self._keep: list[Any] = []  # the nodes whose ids key _done

    def pointer(self, pointer: str) -> Any:
        node: Any = self.doc
        for raw in pointer.split("/")[1:] if pointer else []:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise Unsupported(f"unresolvable pointer {pointer!r}")
        return node

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        known = self._done.get(id(schema))
        if known is not None:
            return known
        # Placeholder first, so that a schema reached again through its own $ref finds it.
        cell: list[Check] = []
        self._done[id(schema)] = lambda x: cell[0](x)
        self._keep.append(schema)
        check = self._compile_node(schema)
        cell.append(check)
        self._done[id(schema)] = check
        return check

    def _ref(self, ref: Any) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise Unsupported(f"$ref {ref!r}")
        return self.compile(self.pointer(ref[1:]))

    def _compile_node(self, s: dict[str, Any]) -> Check:
        for key in s:
            if key not in ASSERTIONS and key not in ANNOTATIONS and not key.startswith("x-"):
                raise Unsupported(f"keyword {key!r}")
        checks: list[Check] = []  # cheap ones first: the verdict does not depend on order
        if "type" in s:
            checks.append(_type_check(s["type"]))
        if "const" in s:
            checks.append(_const_check(s["const"]))
        if "enum" in s:
            checks.append(_enum_check(list(s["enum"])))
        checks.extend(self._string_checks(s))
        checks.extend(self._number_checks(s))
        obj = self._object_check(s)
        if obj is not None:
            checks.append(obj)
        arr = self._array_check(s)
        if arr is not None:
            checks.append(arr)
        if "$ref" in s:
            checks.append(self._ref(s["$ref"]))
        if "allOf" in s:
            checks.extend(self.compile(sub) for sub in s["allOf"])
        if "anyOf" in s:
            checks.append(_any_of([self.compile(sub) for sub in s["anyOf"]]))
        if "oneOf" in s:
            checks.append(_one_of([self.compile(sub) for sub in s["oneOf"]]))
        return _all_of(checks)

    @staticmethod
    def _string_checks(s: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        if "maxLength" in s:
            most = s["maxLength"]
            out.append(lambda x: not isinstance(x, str) or len(x) <= most)
        if "minLength" in s:
            least = s["minLength"]
            out.append(lambda x: not isinstance(x, str) or len(x) >= least)
        if "pattern" in s:
            rx = re.compile(s["pattern"])
            out.append(lambda x: not isinstance(x, str) or rx.search(x) is not None)
        return out

    @staticmethod
    def _number_checks(s: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        if "minimum" in s:
            low = s["minimum"]
            out.append(lambda x: not _is_number(x) or not x < low)  # as jsonschema: NaN passes
        if "maximum" in s:
            high = s["maximum"]
            out.append(lambda x: not _is_number(x) or not x > high)
        return out

    def _object_check(self, s: dict[str, Any]) -> Check | None:
        props: dict[str, Check] = {k: self.compile(v) for k, v in s.get("properties", {}).items()}
        required = list(s.get("required", []))
        extra: Check | None = None
        closed = False
        if "additionalProperties" in s:
            ap = s["additionalProperties"]
            if ap is False:
                closed = True
            elif ap is not True:
                extra = self.compile(ap)
        most = s.get("maxProperties")
        least = s.get("minProperties")
        if not (props or required or closed or extra or most is not None or least is not None):
            return None
        # Properties whose schema is a const or an enum (the discriminators of a oneOf) first.
        first = [
            (k, props[k])
            for k, v in s.get("properties", {}).items()
            if isinstance(v, dict) and ("const" in v or "enum" in v)
        ]

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for k in required:
                if k not in x:
                    return False
            if most is not None and len(x) > most:
                return False
            if least is not None and len(x) < least:
                return False
            for k, c in first:
                if k in x and not c(x[k]):
                    return False
            for k, v in x.items():
                c = props.get(k)
                if c is not None:
                    if not c(v):
                        return False
                elif closed or (extra is not None and not extra(v)):
                    return False
            return True

        return check

    def _array_check(self, s: dict[str, Any]) -> Check | None:
        if "prefixItems" in s:
            raise Unsupported("prefixItems")
        item: Check | None = self.compile(s["items"]) if "items" in s else None
        most = s.get("maxItems")
        least = s.get("minItems")
        distinct = bool(s.get("uniqueItems"))
        if item is None and most is None and least is None and not distinct:
            return None

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            if most is not None and len(x) > most:
                return False
            if least is not None and len(x) < least:
                return False
            if item is not None:
                for v in x:
                    if not item(v):
                        return False
            return not distinct or unique(x)

        return check


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks
        return lambda x: a(x) and b(x)

    def check(x: Any) -> bool:
        for c in checks:
            if not c(x):
                return False
        return True

    return check


def _any_of(branches: list[Check]) -> Check:
    if len(branches) == 1:
        return branches[0]

    def check(x: Any) -> bool:
        for c in branches:
            if c(x):
                return True
        return False

    return check


def _one_of(branches: list[Check]) -> Check:
    if len(branches) == 1:
        return branches[0]

    def check(x: Any) -> bool:
        found = False
        for c in branches:
            if c(x):
                if found:
                    return False
                found = True
        return found

    return check
