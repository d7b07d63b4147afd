"""The loopback Discord made cheaper refuses exactly what it refused before.

- The compiled check of request bodies (fastcheck.py) gives jsonschema's verdict on real bodies
  the bot sent (strictness_corpus.json, from the suite) and on mutations of them: each value
  replaced by one of another type, too long or too large, each key dropped, an unknown key
  added, list items dropped, doubled and multiplied.
- Malformed requests are still refused through the whole pipeline (400 50035 with Discord's
  nested errors, nothing stored): a message, a modal, a component update, a command set.
- Route matching (indexed by first segment) still refuses unknown routes and methods.
- The copies that replaced copy.deepcopy still isolate: a snapshot does not follow later
  edits, and an edit refused half-way leaves the message as it was.
"""

from __future__ import annotations

import copy
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord import interactions as I
from tests.fakediscord.models import Message
from tests.fakediscord.pytest_plugin import spec_or_skip
from tests.fakediscord.spec import HTTP_METHODS, Spec, load_spec, validation_errors

CORPUS = json.loads((Path(__file__).parent / "strictness_corpus.json").read_text("utf-8"))
Path_ = tuple[str | int, ...]


def _spec() -> Spec:
    spec_or_skip()
    return load_spec()


def _nodes(value: Any, at: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield at, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nodes(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*at, i))


def _replace(body: Any, at: Path_, new: Any) -> Any:
    if not at:
        return new
    out = copy.deepcopy(body)
    node = out
    for p in at[:-1]:
        node = node[p]
    node[at[-1]] = new
    return out


OTHERS: list[Any] = [None, True, False, 0, -1, 2.5, 2**70, "", "x", "123", "x" * 4001, [], {}]


def mutations(body: Any) -> Iterator[Any]:
    """Every small way of getting the body wrong (and some of getting it right)."""
    for at, value in _nodes(body):
        for other in OTHERS:
            if other is not value:
                yield _replace(body, at, other)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            for other in (value + 1, value - 1, value * 1000, float(value)):
                yield _replace(body, at, other)
        elif isinstance(value, str):
            yield _replace(body, at, value * 40 + "!")
        elif isinstance(value, dict):
            for k in value:
                yield _replace(body, at, {kk: vv for kk, vv in value.items() if kk != k})
            yield _replace(body, at, {**value, "not_in_the_spec": 1})
        elif isinstance(value, list) and value:
            yield _replace(body, at, value[1:])
            yield _replace(body, at, [value[0], *value])
            yield _replace(body, at, value * 30)


def _same_verdict(spec: Spec, method: str, route: str, body: Any) -> None:
    validator = spec.validator(method, route)
    check = spec.check(method, route)
    assert validator is not None and check is not None, (method, route)
    expected = validator.is_valid(body)
    assert check(body) == expected, (method, route, json.dumps(body)[:2000])
    # and through the cache and the error wording: jsonschema's errors, or none
    assert bool(validation_errors(validator, body, check)) == (not expected)


def _mutation_sample(limit: int, max_size: int) -> Iterator[tuple[str, str, Any]]:
    rng = random.Random(20261208)
    for entry in CORPUS:
        body = entry["body"]
        if len(json.dumps(body)) > max_size:
            continue
        every = list(mutations(body))
        for m in rng.sample(every, min(limit, len(every))):
            yield entry["method"], entry["route"], m


def test_compiled_check_agrees_with_jsonschema_on_the_bodies_the_bot_sends() -> None:
    spec = _spec()
    for entry in CORPUS:
        _same_verdict(spec, entry["method"], entry["route"], entry["body"])


def test_compiled_check_agrees_with_jsonschema_on_mutated_bodies() -> None:
    spec = _spec()
    seen = refused = 0
    for method, route, body in _mutation_sample(limit=12, max_size=3000):
        _same_verdict(spec, method, route, body)
        seen += 1
        refused += not spec.check(method, route)(body)  # pyright: ignore[reportOptionalCall]
    assert seen > 300 and refused > seen // 2  # mostly wrong bodies, some right ones


@pytest.mark.slow
def test_compiled_check_agrees_with_jsonschema_at_length() -> None:
    """150 mutations of every body (STRICTNESS_SLOW_MUTATIONS: fewer within CI's ten minutes)."""
    spec = _spec()
    limit = int(os.environ.get("STRICTNESS_SLOW_MUTATIONS", "150"))
    for method, route, body in _mutation_sample(limit=limit, max_size=30000):
        _same_verdict(spec, method, route, body)


def test_every_route_with_a_body_is_compiled() -> None:
    """No route silently falls back to jsonschema alone (slow, but as strict)."""
    spec = _spec()
    for template, ops in spec.doc["paths"].items():
        for method in HTTP_METHODS:
            if method in ops and spec.validator(method, template) is not None:
                assert spec.check(method, template) is not None, (method, template)


# Every keyword the compiler implements, on values chosen to sit on each side of it.
KEYWORD_SCHEMAS: list[Any] = [
    True,
    False,
    {"type": "integer"},
    {"type": "number"},
    {"type": ["string", "null"]},
    {"type": "boolean"},
    {"type": "array"},
    {"type": "object"},
    {"const": 1},
    {"const": True},
    {"const": "a"},
    {"const": None},
    {"const": [1, "a"]},
    {"const": {"a": 1}},
    {"enum": [1, 2]},
    {"enum": ["a", "b"]},
    {"enum": [None, 1, "a", True]},
    {"enum": [[1], {"a": 1}]},
    {"minimum": 1},
    {"maximum": 1},
    {"type": "integer", "minimum": 0, "maximum": 10},
    {"minLength": 2},
    {"maxLength": 2},
    {"pattern": "^[0-9]+$"},
    {"pattern": "[0-9]"},
    {"minItems": 1},
    {"maxItems": 1},
    {"uniqueItems": True},
    {"items": {"type": "integer"}},
    {"items": False},
    {"required": ["a"]},
    {"properties": {"a": {"type": "integer"}, "b": False}},
    {"properties": {"a": {}}, "additionalProperties": False},
    {"properties": {"a": {}}, "additionalProperties": {"type": "string"}},
    {"maxProperties": 1},
    {"minProperties": 1},
    {"allOf": [{"type": "integer"}, {"minimum": 2}]},
    {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
    {"oneOf": [{"type": "string"}, {"maxLength": 1}]},
    {
        "oneOf": [
            {"type": "object", "properties": {"t": {"const": 1}}, "required": ["t"]},
            {"type": "object", "properties": {"t": {"const": 2}, "x": {"type": "string"}}},
            {"type": "object", "properties": {"t": {"enum": [2, 3]}}, "required": ["t"]},
        ]
    },
    {
        "oneOf": [  # branches through $ref, overlapping on t == 2
            {"type": "object", "properties": {"t": {"const": 1}}, "required": ["t"]},
            {"$ref": "#/tagged"},
            {"type": "object", "properties": {"t": {"enum": [2, 3]}}, "required": ["t"]},
        ]
    },
    {"anyOf": [{"$ref": "#/tagged"}, {"$ref": "#/tagged_text"}]},
    {"type": "string", "format": "date-time", "title": "t", "description": "d", "x-extra": 1},
    {"$ref": "#/tree"},
]
NAN = float("nan")
VALUES: list[Any] = [
    None, True, False, 0, 1, 1.0, 2, 2.5, -1, 10**20, NAN, float("inf"),
    "", "a", "ab", "abc", "12", "1a", "2020-13-45",
    [], [1], [1, 1], [1, 1.0], [1, True], [True, True], [NAN, NAN], [[1], [1]], [[1], [True]],
    [{"a": 1}, {"a": 1}], ["a", "b"], [1, "1"], [1, "a"],
    {}, {"a": 1}, {"a": 1.0}, {"a": True}, {"a": "x"}, {"a": 1, "b": "s"}, {"a": 1, "c": 2},
    {"b": "s"}, {"t": 1}, {"t": 2}, {"t": 2, "x": "s"}, {"t": 2, "x": 1}, {"t": 3}, {"t": True},
    {"t": 2.0}, {"t": "2"}, {"x": "s"},
    {"kids": [{"v": 1}, {"kids": [{"v": "x"}]}]}, {"kids": [{"v": 1}, {"kids": []}]},
]  # fmt: skip
TAGGED = {
    "type": "object",
    "properties": {"t": {"$ref": "#/two"}, "x": {"type": "string"}},
    "required": ["t", "x"],
}
TAGGED_TEXT = {"type": "object", "properties": {"t": {"const": "2"}}, "required": ["t"]}
TREE = {
    "type": "object",
    "properties": {"v": {"type": "integer"}, "kids": {"items": {"$ref": "#/tree"}}},
}


def test_compiled_check_agrees_with_jsonschema_keyword_by_keyword() -> None:
    """Values on each side of every keyword (True is not 1, 1.0 is an integer, NaN passes
    minimum as in jsonschema, a body valid under two branches of a oneOf is refused)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from tests.fakediscord.fastcheck import Compiler

    for schema in KEYWORD_SCHEMAS:
        doc = {
            "schema": schema,
            "tree": TREE,
            "tagged": TAGGED,
            "tagged_text": TAGGED_TEXT,
            "two": {"const": 2},
        }
        registry: Registry[Any] = Registry().with_resource(
            "urn:t", Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        reference = jsonschema.Draft202012Validator({"$ref": "urn:t#/schema"}, registry=registry)
        check = Compiler(doc).compile(schema)
        for value in VALUES:
            assert check(value) == reference.is_valid(value), (schema, value)


# ---------------------------------------------------------------------- through the pipeline
async def _send(
    fake: FakeDiscord, method: str, path: str, body: Any, *, auth: bool = True
) -> tuple[int, Any]:
    headers = {"Authorization": "Bot fake-token"} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, json=body, headers=headers) as r,
    ):
        text = await r.text()
        return r.status, json.loads(text) if text else None


def _world(fake: FakeDiscord) -> tuple[Any, Any, Any]:
    admin = fake.create_user("ada")
    guild = fake.create_guild("Hope Circle", owner=admin)
    member = fake.create_user("mia")
    fake.add_member(guild, member)
    general = fake.create_text_channel(guild, "general")
    return guild, member, general


async def test_malformed_bodies_are_still_refused(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    _guild, _member, general = _world(fake)
    bad_message = {
        "content": "hello",
        "components": [{"type": 1, "components": [{"type": 2, "style": "primary", "label": "x"}]}],
    }
    status, answer = await _send(fake, "POST", f"/channels/{general.id}/messages", bad_message)
    assert (status, answer["code"]) == (400, 50035)
    assert "components" in answer["errors"]
    status, answer = await _send(
        fake, "POST", f"/channels/{general.id}/messages", {"content": "x" * 2001}
    )
    assert (status, answer["code"]) == (400, 50035)
    assert answer["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    status, answer = await _send(
        fake, "POST", f"/channels/{general.id}/messages", {"content": "hi", "embeds": [{}] * 11}
    )
    assert (status, answer["code"]) == (400, 50035)
    assert answer["errors"]["embeds"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert fake.messages_in(general) == []
    bad_commands = [{"name": "ping", "description": "Answer", "type": 1, "options": [{"type": 99}]}]
    status, answer = await _send(
        fake, "PUT", f"/applications/{fake.application_id}/commands", bad_commands
    )
    assert (status, answer["code"]) == (400, 50035)
    assert fake.commands() == []
    # and a valid body still passes
    status, _ = await _send(fake, "POST", f"/channels/{general.id}/messages", {"content": "hi"})
    assert status == 200 and [m.content for m in fake.messages_in(general)] == ["hi"]
    assert len(fake.take_problems()) == 4  # each refusal is the bot's mistake, recorded


async def test_malformed_interaction_answers_are_still_refused(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild, member, general = _world(fake)
    p = fake._start_interaction(  # pyright: ignore[reportPrivateUsage]
        I.APPLICATION_COMMAND, member, guild, general, {"id": "1", "name": "x", "type": 1}
    )
    url = f"/interactions/{p.id}/{p.token}/callback"
    modal_without_ids = {
        "type": I.MODAL,
        "data": {
            "custom_id": "m",
            "title": "Poll options",
            "components": [{"type": 1, "components": [{"type": 4, "style": 1, "label": "Q"}]}],
        },
    }
    status, answer = await _send(fake, "POST", url, modal_without_ids, auth=False)
    assert (status, answer["code"]) == (400, 50035)
    status, answer = await _send(
        fake, "POST", url, {"type": I.CHANNEL_MESSAGE, "data": {"flags": "64"}}, auth=False
    )
    assert (status, answer["code"]) == (400, 50035)
    status, answer = await _send(fake, "POST", url, {"type": 42}, auth=False)
    assert (status, answer["code"]) == (400, 50035)
    assert not p.acked and p.result.type is None and p.result.modal is None
    status, _ = await _send(
        fake, "POST", url, {"type": I.CHANNEL_MESSAGE, "data": {"content": "ok"}}, auth=False
    )
    assert status == 204 and p.result.text == "ok"
    assert len(fake.take_problems()) == 3


async def test_routes_and_methods_are_still_matched_strictly(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    _guild, _member, general = _world(fake)
    assert (await _send(fake, "GET", "/no/such/route", None))[0] == 404
    assert (await _send(fake, "GET", f"/channels/{general.id}/no-such-thing", None))[0] == 404
    assert (await _send(fake, "PUT", f"/channels/{general.id}/messages", {}))[0] == 405
    status, answer = await _send(fake, "GET", "/channels/not-a-snowflake", None)
    assert status == 400 and answer["code"] == 50035
    assert (await _send(fake, "GET", f"/channels/{general.id}", None, auth=False))[0] == 401
    status, answer = await _send(fake, "GET", f"/channels/{general.id}", None)
    assert status == 200 and answer["id"] == str(general.id)
    # the literal segment wins over a parameter in the same place (@me is not a user id)
    status, answer = await _send(fake, "GET", "/users/@me", None)
    assert status == 200 and answer["id"] == str(fake.bot_user.id)
    assert fake.requests_to("GET", "/users/@me")[-1].route == "/users/@me"
    fake.take_problems()


async def test_copies_still_isolate(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    _guild, _member, general = _world(fake)
    body = {
        "content": "first",
        "embeds": [{"title": "T", "fields": [{"name": "a", "value": "b"}]}],
        "components": [
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]}
        ],
    }
    status, answer = await _send(fake, "POST", f"/channels/{general.id}/messages", body)
    assert status == 200
    msg: Message = fake.message_index[int(answer["id"])]
    body["components"][0]["components"][0]["label"] = "changed by the sender"
    assert msg.components[0]["components"][0]["label"] == "Go"  # stored as sent
    snap = msg.snapshot()
    payload = msg.payload()
    payload["embeds"][0]["fields"][0]["value"] = "changed by a reader"
    assert msg.embeds[0]["fields"][0]["value"] == "b"
    refused = {"content": "second", "flags": 1 << 20}  # an edit that fails half-way
    path = f"/channels/{general.id}/messages/{msg.id}"
    status, _ = await _send(fake, "PATCH", path, refused)
    assert status == 400
    assert msg.content == "first" and msg.edited_timestamp is None
    assert msg.author is fake.bot_user  # the world's user, not a copy of it
    status, _ = await _send(fake, "PATCH", path, {"content": "second", "embeds": []})
    assert status == 200 and msg.content == "second" and msg.embeds == []
    assert snap.content == "first" and snap.embeds[0]["fields"][0]["value"] == "b"
    assert snap.author is not msg.author and snap.author.id == msg.author.id
    fake.take_problems()
