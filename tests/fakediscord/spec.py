"""Discord's OpenAPI description: locating, loading (once per process), route matching and
request-body validation with Discord-shaped error objects."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .fastcheck import Check, Compiler, Unsupported

SPEC_ENV = "DISCORD_API_SPEC"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent  # the parent of tests/
SPEC_URI = "urn:discord-api-spec"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

# Property names whose integer-typed schema is widened to also accept digit strings
# (discord.py sends permission bitfields as strings).
PERMISSION_FIELDS = frozenset({"permissions", "allow", "deny", "default_member_permissions"})


class SpecNotFound(FileNotFoundError):
    """The OpenAPI description could not be found."""


def find_spec_path(spec_path: str | os.PathLike[str] | None = None) -> Path:
    """Explicit path, else $DISCORD_API_SPEC, else
    <repo root>/../shared/discord-api-spec/openapi.json."""
    candidates: list[Path] = []
    if spec_path is not None:
        candidates.append(Path(spec_path))
    else:
        env = os.environ.get(SPEC_ENV)
        if env:
            candidates.append(Path(env))
        candidates.append(REPO_ROOT.parent / "shared" / "discord-api-spec" / "openapi.json")
    for c in candidates:
        if c.is_file():
            return c
    raise SpecNotFound(
        "Discord OpenAPI description not found (looked at: "
        + ", ".join(str(c) for c in candidates)
        + f"); set {SPEC_ENV} to the path of discord-api-spec's openapi.json"
    )


@dataclass(frozen=True)
class RouteMatch:
    template: str  # spec path template, e.g. /channels/{channel_id}/messages
    params: dict[str, str]
    operation: dict[str, Any] | None  # None when the path exists but not with this method


@dataclass(frozen=True)
class _Template:
    template: str
    segs: tuple[str | None, ...]  # literal segments; None where a parameter is
    params: tuple[tuple[str, int], ...]  # (name, position) of each parameter
    order: int  # position in the spec

    @classmethod
    def of(cls, template: str, order: int) -> _Template:
        parts = template.strip("/").split("/")
        segs = tuple(None if p.startswith("{") else p for p in parts)
        params = tuple(
            (name, i) for i, p in enumerate(parts) for name in re.findall(r"\{([^}]+)\}", p)
        )
        return cls(template, segs, params, order)


def _widen(node: Any) -> None:
    """Widen the spec in place: snowflakes may be ints, permission integers may be digit strings."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in list(props.items()):
                if name in PERMISSION_FIELDS and isinstance(sub, dict) and _allows_integer(sub):
                    props[name] = {"anyOf": [sub, {"type": "string", "pattern": "^[0-9]+$"}]}
        for v in node.values():
            _widen(v)
    elif isinstance(node, list):
        for v in node:
            _widen(v)


def _allows_integer(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    return t == "integer" or (isinstance(t, list) and "integer" in t)


def _escape_pointer(s: str) -> str:
    return s.replace("~", "~0").replace("/", "~1")


def _body_pointer(method: str, template: str) -> str:
    """The JSON pointer (without its leading "/") to the route's request body schema."""
    parts = ["paths", template, method.lower(), "requestBody", "content", "application/json"]
    return "/".join(_escape_pointer(p) for p in [*parts, "schema"])


class Spec:
    """The loaded, widened spec with a route index and cached validators."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as f:
            doc: dict[str, Any] = json.load(f)
        schemas = doc["components"]["schemas"]
        snow = schemas["SnowflakeType"]
        schemas["SnowflakeType"] = {"anyOf": [snow, {"type": "integer", "minimum": 0}]}
        _widen(doc["components"])
        _widen(doc["paths"])
        self.doc = doc
        self.registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        # Templates by segment count, then by first segment (None: a parameter), in the spec's
        # order: match() scores only those a path can match (its first segment is not one of
        # the other ~40 resources), in the same order as a scan of all of them would.
        self._routes: dict[int, dict[str | None, list[_Template]]] = {}
        for order, template in enumerate(doc["paths"]):
            t = _Template.of(template, order)
            self._routes.setdefault(len(t.segs), {}).setdefault(t.segs[0], []).append(t)
        for by_first in self._routes.values():
            anywhere = by_first.get(None, [])
            for first, ts in by_first.items():
                if first is not None and anywhere:
                    ts[:] = sorted(ts + anywhere, key=lambda t: t.order)
        self._validators: dict[tuple[str, str], jsonschema.Draft202012Validator | None] = {}
        self._compiler = Compiler(doc)
        self._checks: dict[tuple[str, str], Check | None] = {}

    def match(self, method: str, path: str) -> RouteMatch | None:
        parts = path.strip("/").split("/")
        by_first = self._routes.get(len(parts))
        if by_first is None:
            return None
        candidates = by_first.get(parts[0])
        if candidates is None:
            candidates = by_first.get(None, [])
        best: tuple[int, _Template] | None = None
        for t in candidates:
            score = 0
            for seg, part in zip(t.segs, parts, strict=True):
                if seg is None:
                    continue
                if seg != part:
                    score = -1
                    break
                score += 1
            if score >= 0 and (best is None or score > best[0]):
                best = (score, t)
        if best is None:
            return None
        t = best[1]
        params = {name: parts[i] for name, i in t.params}
        op = self.doc["paths"][t.template].get(method.lower())
        return RouteMatch(t.template, params, op)

    def validator(self, method: str, template: str) -> jsonschema.Draft202012Validator | None:
        key = (method.upper(), template)
        if key in self._validators:
            return self._validators[key]
        op = self.doc["paths"].get(template, {}).get(method.lower())
        validator = None
        if op is not None:
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                pointer = _body_pointer(method, template)
                schema = {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$ref": f"{SPEC_URI}#/{pointer}",
                }
                validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
        self._validators[key] = validator
        return validator

    def check(self, method: str, template: str) -> Check | None:
        """The compiled yes/no check of the route's body (fastcheck.py), None where the
        schema uses something it does not implement (jsonschema alone then)."""
        key = (method.upper(), template)
        if key in self._checks:
            return self._checks[key]
        check: Check | None = None
        validator = self.validator(method, template)
        if validator is not None and validator.format_checker is None:
            pointer = "/" + _body_pointer(method, template)
            try:
                check = self._compiler.compile(self._compiler.pointer(pointer))
            except (Unsupported, RecursionError):
                check = None
        self._checks[key] = check
        return check

    def has_body(self, method: str, template: str) -> bool:
        op = self.doc["paths"].get(template, {}).get(method.lower())
        return bool(op and "requestBody" in op)


_SPECS: dict[Path, Spec] = {}


def load_spec(spec_path: str | os.PathLike[str] | None = None) -> Spec:
    path = find_spec_path(spec_path).resolve()
    spec = _SPECS.get(path)
    if spec is None:
        spec = _SPECS[path] = Spec(path)
    return spec


_CODES = {
    "type": "BASE_TYPE_INVALID",
    "required": "BASE_TYPE_REQUIRED",
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "pattern": "STRING_TYPE_REGEX",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
    "oneOf": "UNION_TYPE_CHOICES",
    "anyOf": "UNION_TYPE_CHOICES",
}


def _deepest(error: ValidationError) -> ValidationError:
    while error.context:
        nxt = best_match(error.context)
        if nxt is None:
            break
        error = nxt
    return error


# Validation is a pure function of the schema and the body, and the same bodies come again and
# again (every test's bot syncs the same command tree: half a second to validate it each time).
# Remembered per validator and body text as sent (key order included: it orders the errors);
# each entry holds its validator, so no other validator can take its id meanwhile.
Verdict = list[tuple[list[str], str, str]]
_VERDICTS: dict[tuple[int, str], tuple[jsonschema.Draft202012Validator, Verdict]] = {}
_VERDICTS_KEPT = 2048  # entries; and at most about 32 MB of body text
_VERDICTS_TEXT = [0]


# FAKEDISCORD_CROSSCHECK=<file>: jsonschema checks every body too, and each body the compiled
# check accepted while jsonschema refused it is written to <file> (an audit; slower).
CROSSCHECK_ENV = "FAKEDISCORD_CROSSCHECK"


def validation_errors(
    validator: jsonschema.Draft202012Validator, body: Any, check: Check | None = None
) -> Verdict:
    """(path, code, message) per violation; the path as Discord spells it (indices as str).
    `check` (Spec.check) answers for the bodies it finds valid; jsonschema words the errors of
    the others (and has the last word on them)."""
    key = (id(validator), json.dumps(body))
    known = _VERDICTS.get(key)
    if known is not None and known[0] is validator:
        verdict = known[1]
    else:
        verdict = _verdict(validator, body, check)
        if len(_VERDICTS) >= _VERDICTS_KEPT or _VERDICTS_TEXT[0] > 32_000_000:
            _VERDICTS.clear()
            _VERDICTS_TEXT[0] = 0
        _VERDICTS[key] = (validator, verdict)
        _VERDICTS_TEXT[0] += len(key[1])
    return [(list(path), code, message) for path, code, message in verdict]


def _verdict(validator: jsonschema.Draft202012Validator, body: Any, check: Check | None) -> Verdict:
    audit = os.environ.get(CROSSCHECK_ENV)
    if audit:
        verdict = _validation_errors(validator, body)
        if verdict and check is not None and check(body):
            with open(audit, "a", encoding="utf-8") as f:
                f.write(json.dumps({"schema": validator.schema, "body": body}) + "\n")
        return verdict
    if check is not None and check(body):
        return []
    return _validation_errors(validator, body)


def _validation_errors(validator: jsonschema.Draft202012Validator, body: Any) -> Verdict:
    out: Verdict = []
    for err in validator.iter_errors(body):
        e = _deepest(err)
        path = [str(p) for p in e.absolute_path]
        if e.validator == "required" and isinstance(e.instance, dict):
            m = re.match(r"'([^']+)' is a required property", e.message)
            if m:
                path.append(m.group(1))
        code = _CODES.get(str(e.validator), "BASE_TYPE_INVALID")
        out.append((path, code, e.message[:300]))
    return out


def discord_errors(items: list[tuple[list[str], str, str]]) -> dict[str, Any]:
    """Nest (path, code, message) triples into Discord's `errors` object."""
    root: dict[str, Any] = {}
    for path, code, message in items:
        node = root
        for p in path:
            node = node.setdefault(p, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return root
