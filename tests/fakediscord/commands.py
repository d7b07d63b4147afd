"""Application-command registration rules (beyond the OpenAPI schema) and storage shape."""

from __future__ import annotations

from typing import Any

import regex

from .models import JSON, new_id

NAME_RE = regex.compile(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")

LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg"
    " ru uk hi th zh-CN ja zh-TW ko".split()
)

CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT = 1, 2, 3, 4
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
MAX_GLOBAL_CHAT_INPUT = 100
MAX_USER_OR_MESSAGE = 15

Err = tuple[list[str], str, str]


def _check_name(errs: list[Err], path: list[str], name: Any, *, lowercase: bool) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        errs.append(
            (path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")
        )
    elif lowercase and name != name.lower():
        errs.append(
            (path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name must be lowercase: {name!r}")
        )


def _check_description(errs: list[Err], path: list[str], desc: Any) -> None:
    if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
        errs.append((path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))


def _check_localizations(
    errs: list[Err], path: list[str], locs: Any, *, kind: str, lowercase: bool
) -> None:
    if not locs:
        return
    if not isinstance(locs, dict):
        errs.append((path, "BASE_TYPE_INVALID", "Must be a mapping of locales"))
        return
    for key, value in locs.items():
        if key not in LOCALES:
            errs.append(([*path, str(key)], "LOCALE_INVALID", f"Invalid locale {key!r}"))
        elif kind == "name":
            _check_name(errs, [*path, str(key)], value, lowercase=lowercase)
        elif kind == "menu name":  # user and message commands: any text of 1 to 32 characters
            if not isinstance(value, str) or not 1 <= len(value) <= 32:
                errs.append(
                    (
                        [*path, str(key)],
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 32 in length.",
                    )
                )
        else:
            _check_description(errs, [*path, str(key)], value)


def _check_both_localizations(
    errs: list[Err], path: list[str], obj: JSON, *, lowercase_names: bool, menu: bool = False
) -> None:
    """name_localizations and description_localizations of a command or an option."""
    _check_localizations(
        errs,
        [*path, "name_localizations"],
        obj.get("name_localizations"),
        kind="menu name" if menu else "name",
        lowercase=lowercase_names,
    )
    _check_localizations(
        errs,
        [*path, "description_localizations"],
        obj.get("description_localizations"),
        kind="description",
        lowercase=False,
    )


def _text_length(obj: JSON) -> int:
    n = len(str(obj.get("name") or "")) + len(str(obj.get("description") or ""))
    for c in obj.get("choices") or []:
        n += len(str(c.get("name") or "")) + len(str(c.get("value") or ""))
    for o in obj.get("options") or []:
        n += _text_length(o)
    return n


def _check_options(errs: list[Err], path: list[str], options: Any, depth: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        return
    if len(options) > 25:
        errs.append((path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    names: set[str] = set()
    seen_optional = False
    kinds = {
        o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options if isinstance(o, dict)
    }
    if len(kinds) > 1:
        errs.append(
            (
                path,
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-command and sub-command group option types are mutually exclusive"
                " to all other types",
            )
        )
    for i, opt in enumerate(options):
        p = [*path, str(i)]
        if not isinstance(opt, dict):
            continue
        _check_name(errs, [*p, "name"], opt.get("name"), lowercase=True)
        _check_description(errs, [*p, "description"], opt.get("description"))
        _check_both_localizations(errs, p, opt, lowercase_names=True)
        name = opt.get("name")
        if isinstance(name, str):
            if name in names:
                errs.append(
                    (
                        [*p, "name"],
                        "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                        "Option names must be unique",
                    )
                )
            names.add(name)
        otype = opt.get("type")
        if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if otype == SUB_COMMAND_GROUP and depth >= 1:
                errs.append(
                    (
                        [*p, "type"],
                        "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                        "Sub-command groups cannot be nested",
                    )
                )
            if otype == SUB_COMMAND and depth >= 2:
                errs.append(
                    ([*p, "type"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deeply nested")
                )
            sub = opt.get("options") or []
            if otype == SUB_COMMAND_GROUP and any(
                isinstance(o, dict) and o.get("type") != SUB_COMMAND for o in sub
            ):
                errs.append(
                    (
                        [*p, "options"],
                        "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                        "Groups may contain only sub-commands",
                    )
                )
            _check_options(errs, [*p, "options"], sub, depth + 1)
            continue
        required = bool(opt.get("required"))
        if required and seen_optional:
            errs.append(
                (
                    [*p, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
            )
        if not required:
            seen_optional = True
        choices = opt.get("choices")
        if choices:
            if len(choices) > 25:
                errs.append(
                    ([*p, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
                )
            if opt.get("autocomplete"):
                errs.append(
                    (
                        [*p, "autocomplete"],
                        "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                        "Autocomplete cannot be set with choices",
                    )
                )
            for j, ch in enumerate(choices):
                cp = [*p, "choices", str(j)]
                if not isinstance(ch, dict):
                    continue
                cname = ch.get("name")
                if not isinstance(cname, str) or not 1 <= len(cname) <= 100:
                    errs.append(
                        (
                            [*cp, "name"],
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 100 in length.",
                        )
                    )
                value = ch.get("value")
                if isinstance(value, str) and not 1 <= len(value) <= 100:
                    errs.append(
                        (
                            [*cp, "value"],
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 100 in length.",
                        )
                    )
                if otype == 3 and not isinstance(value, str):
                    errs.append(
                        ([*cp, "value"], "BASE_TYPE_INVALID", "Choice value must be a string")
                    )
                if otype == 4 and (not isinstance(value, int) or isinstance(value, bool)):
                    errs.append(
                        ([*cp, "value"], "BASE_TYPE_INVALID", "Choice value must be an integer")
                    )
                _check_localizations(
                    errs,
                    [*cp, "name_localizations"],
                    ch.get("name_localizations"),
                    kind="description",
                    lowercase=False,
                )


def validate_command(cmd: Any, path: list[str]) -> list[Err]:
    errs: list[Err] = []
    if not isinstance(cmd, dict):
        return errs
    ctype = cmd.get("type", CHAT_INPUT) or CHAT_INPUT
    chat = ctype == CHAT_INPUT
    if chat:
        _check_name(errs, [*path, "name"], cmd.get("name"), lowercase=True)
        _check_description(errs, [*path, "description"], cmd.get("description"))
    else:
        name = cmd.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            errs.append(
                ([*path, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
            )
        if cmd.get("description"):
            errs.append(
                (
                    [*path, "description"],
                    "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                    "User and message commands must have an empty description",
                )
            )
        if cmd.get("options"):
            errs.append(
                (
                    [*path, "options"],
                    "APPLICATION_COMMAND_OPTIONS_INVALID",
                    "User and message commands cannot have options",
                )
            )
    _check_both_localizations(errs, path, cmd, lowercase_names=chat, menu=not chat)
    _check_options(errs, [*path, "options"], cmd.get("options"), 0)
    if _text_length(cmd) > 8000:
        errs.append((path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)"))
    return errs


def validate_command_set(cmds: list[Any], *, is_global: bool) -> list[Err]:
    errs: list[Err] = []
    seen: dict[tuple[int, str], int] = {}
    counts = {CHAT_INPUT: 0, USER: 0, MESSAGE: 0}
    for i, cmd in enumerate(cmds):
        errs.extend(validate_command(cmd, [str(i)]))
        if not isinstance(cmd, dict):
            continue
        ctype = cmd.get("type", CHAT_INPUT) or CHAT_INPUT
        key = (ctype, str(cmd.get("name")))
        if key in seen:
            errs.append(
                (
                    [str(i), "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]!r}",
                )
            )
        seen[key] = i
        if ctype in counts:
            counts[ctype] += 1
    if counts[CHAT_INPUT] > MAX_GLOBAL_CHAT_INPUT:
        errs.append(
            (
                [],
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_GLOBAL_CHAT_INPUT} or fewer chat input commands.",
            )
        )
    for t in (USER, MESSAGE):
        if counts[t] > MAX_USER_OR_MESSAGE:
            errs.append(
                (
                    [],
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {MAX_USER_OR_MESSAGE} or fewer commands of type {t}.",
                )
            )
    _ = is_global
    return errs


def stored_command(
    body: JSON, *, application_id: int, guild_id: int | None, existing: JSON | None
) -> JSON:
    ctype = body.get("type", CHAT_INPUT) or CHAT_INPUT
    dmp = body.get("default_member_permissions")
    cmd: JSON = {
        "id": existing["id"] if existing else str(new_id()),
        "type": ctype,
        "application_id": str(application_id),
        "name": body["name"],
        "name_localizations": body.get("name_localizations"),
        "description": body.get("description") or "",
        "description_localizations": body.get("description_localizations"),
        "options": body.get("options") or [],
        "default_member_permissions": str(dmp) if dmp is not None else None,
        "nsfw": bool(body.get("nsfw", False)),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "version": str(new_id()),
    }
    if guild_id is not None:
        cmd["guild_id"] = str(guild_id)
    else:
        cmd["dm_permission"] = (
            body.get("dm_permission", True) if body.get("dm_permission") is not None else True
        )
    return cmd
