"""Application commands, interaction callbacks and interaction webhooks."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from . import interactions as I
from .commands import stored_command, validate_command, validate_command_set
from .errors import ApiError, invalid_form, unknown
from .interactions import Modal, PendingInteraction
from .messaging import (
    INTERACTION_FLAGS,
    apply_edit,
    build_message,
    check_content,
    dispatch_update,
    message_payload,
    store_message,
)
from .models import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    JSON,
    LOADING,
    SUPPRESS_EMBEDS,
    Message,
    json_copy,
)
from .routing import Reply, Req, route

if TYPE_CHECKING:
    from .core import Core

EDIT_FLAGS = SUPPRESS_EMBEDS | IS_COMPONENTS_V2


# ---------------------------------------------------------------------- application commands
def _scope(fake: Core, req: Req) -> tuple[dict[int, JSON], int | None]:
    if req.id("application_id") != fake.application_id:
        raise ApiError(403, 50001, "Missing Access", problem=True)
    if "guild_id" in req.params:
        g = fake.guilds.get(req.id("guild_id"))
        if g is None or fake.bot_user.id not in g.members:
            raise ApiError(403, 50001, "Missing Access", problem=True)
        return g.commands, g.id
    return fake.global_commands, None


def _find(store: dict[int, JSON], body: JSON) -> JSON | None:
    ctype = body.get("type", 1) or 1
    return next(
        (c for c in store.values() if c["name"] == body.get("name") and c["type"] == ctype), None
    )


@route("GET", "/applications/{application_id}/commands")
async def list_global(fake: Core, req: Req) -> Any:
    store, _ = _scope(fake, req)
    return list(store.values())


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
async def list_guild(fake: Core, req: Req) -> Any:
    store, _ = _scope(fake, req)
    return list(store.values())


async def _bulk(fake: Core, req: Req) -> Any:
    store, gid = _scope(fake, req)
    cmds: list[Any] = req.body if isinstance(req.body, list) else []
    errs = validate_command_set(cmds, is_global=gid is None)
    if errs:
        raise invalid_form(*errs)
    new: dict[int, JSON] = {}
    for body in cmds:
        cmd = stored_command(
            body, application_id=fake.application_id, guild_id=gid, existing=_find(store, body)
        )
        new[int(cmd["id"])] = cmd
    store.clear()
    store.update(new)
    return list(store.values())


@route("PUT", "/applications/{application_id}/commands")
async def bulk_global(fake: Core, req: Req) -> Any:
    return await _bulk(fake, req)


@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
async def bulk_guild(fake: Core, req: Req) -> Any:
    return await _bulk(fake, req)


async def _create(fake: Core, req: Req) -> Any:
    store, gid = _scope(fake, req)
    body = req.json()
    errs = validate_command(body, [])
    existing = _find(store, body)
    if not errs:
        others = [c for c in store.values() if c is not existing] + [body]
        errs = [e for e in validate_command_set(others, is_global=gid is None) if not e[0]]
    if errs:
        raise invalid_form(*errs)
    cmd = stored_command(body, application_id=fake.application_id, guild_id=gid, existing=existing)
    store[int(cmd["id"])] = cmd
    return cmd if existing else Reply(201, cmd)


@route("POST", "/applications/{application_id}/commands")
async def create_global(fake: Core, req: Req) -> Any:
    return await _create(fake, req)


@route("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
async def create_guild_cmd(fake: Core, req: Req) -> Any:
    return await _create(fake, req)


def _command(fake: Core, req: Req) -> tuple[dict[int, JSON], int | None, JSON]:
    store, gid = _scope(fake, req)
    cmd = store.get(req.id("command_id"))
    if cmd is None:
        raise unknown("command")
    return store, gid, cmd


@route("GET", "/applications/{application_id}/commands/{command_id}")
async def get_global(fake: Core, req: Req) -> Any:
    return _command(fake, req)[2]


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def get_guild_cmd(fake: Core, req: Req) -> Any:
    return _command(fake, req)[2]


async def _patch(fake: Core, req: Req) -> Any:
    store, gid, cmd = _command(fake, req)
    merged = {**cmd, **req.json()}
    errs = validate_command(merged, [])
    if errs:
        raise invalid_form(*errs)
    new = stored_command(merged, application_id=fake.application_id, guild_id=gid, existing=cmd)
    store[int(new["id"])] = new
    return new


@route("PATCH", "/applications/{application_id}/commands/{command_id}")
async def patch_global(fake: Core, req: Req) -> Any:
    return await _patch(fake, req)


@route("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def patch_guild_cmd(fake: Core, req: Req) -> Any:
    return await _patch(fake, req)


@route("DELETE", "/applications/{application_id}/commands/{command_id}")
async def delete_global(fake: Core, req: Req) -> Any:
    store, _, cmd = _command(fake, req)
    del store[int(cmd["id"])]


@route("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def delete_guild_cmd(fake: Core, req: Req) -> Any:
    store, _, cmd = _command(fake, req)
    del store[int(cmd["id"])]


def _permissions_entry(fake: Core, guild_id: int, cid: int, perms: list[JSON]) -> JSON:
    return {
        "id": str(cid),
        "application_id": str(fake.application_id),
        "guild_id": str(guild_id),
        "permissions": perms,
    }


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions")
async def guild_command_permissions(fake: Core, req: Req) -> Any:
    _, gid = _scope(fake, req)
    assert gid is not None
    g = fake.guilds[gid]
    return [_permissions_entry(fake, gid, cid, p) for cid, p in g.command_permissions.items()]


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions")
async def command_permissions(fake: Core, req: Req) -> Any:
    _, gid = _scope(fake, req)
    assert gid is not None
    cid = req.id("command_id")
    perms = fake.guilds[gid].command_permissions.get(cid)
    if perms is None:
        raise ApiError(404, 10066, "Unknown application command permissions")
    return _permissions_entry(fake, gid, cid, perms)


# ---------------------------------------------------------------------- interaction callback
def _type_error(t: int, kind: int) -> ApiError:
    return ApiError(
        400,
        50035,
        "Invalid Form Body",
        errors={
            "type": {
                "_errors": [
                    {
                        "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                        "message": f"Callback type {t} is not valid for interaction type {kind}",
                    }
                ]
            }
        },
    )


def _interaction_message(
    fake: Core, p: PendingInteraction, body: JSON, *, extra_flags: int = 0
) -> Message:
    msg = build_message(
        fake,
        p.channel,
        fake.bot_user,
        body,
        [],
        allowed_flags=INTERACTION_FLAGS,
        extra_flags=extra_flags,
    )
    msg.webhook_id = fake.application_id
    msg.application_id = fake.application_id
    msg.interaction_id = p.id
    if p.kind == I.APPLICATION_COMMAND and p.command is not None:
        msg.type = 20 if p.command.get("type", 1) == 1 else 23
    meta: JSON = {
        "id": str(p.id),
        "type": p.kind,
        "user": p.user.payload(),
        "authorizing_integration_owners": {"0": str(p.guild.id)}
        if p.guild
        else {"1": str(p.user.id)},
    }
    if p.kind == I.MESSAGE_COMPONENT and p.source_message is not None:
        meta["interacted_message_id"] = str(p.source_message.id)
    msg.interaction_metadata = meta
    return msg


def _stamp(result: I.InteractionResult, msg: Message) -> None:
    result.messages.append(msg.snapshot())
    result._notify()  # pyright: ignore[reportPrivateUsage]


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
async def callback(fake: Core, req: Req) -> Any:
    p = fake.pending.get(req.id("interaction_id"))
    if p is None or p.token != req.params["interaction_token"]:
        raise unknown("interaction")
    now = asyncio.get_running_loop().time()
    if p.acked:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    if now - p.created > fake.interaction_deadline:
        p.result.error_status = 10062
        p.result._notify()  # pyright: ignore[reportPrivateUsage]
        raise unknown("interaction")
    body = req.json()
    t = int(body["type"])
    data: JSON = body.get("data") or {}
    result = p.result
    from_component = p.source_message is not None
    resource: JSON = {"type": t}
    interaction_info: JSON = {"id": str(p.id), "type": p.kind}
    if t == I.CHANNEL_MESSAGE:
        if p.kind == I.AUTOCOMPLETE:
            raise _type_error(t, p.kind)
        check_content(data)
        msg = _interaction_message(fake, p, data)
        store_message(fake, msg)
        result.original = msg
        _stamp(result, msg)
        resource["message"] = message_payload(fake, msg)
        interaction_info.update(
            response_message_id=str(msg.id),
            response_message_loading=False,
            response_message_ephemeral=msg.ephemeral,
        )
    elif t == I.DEFERRED_CHANNEL_MESSAGE:
        if p.kind == I.AUTOCOMPLETE:
            raise _type_error(t, p.kind)
        flags = int(data.get("flags") or 0)
        if flags & ~EPHEMERAL:
            raise _type_error(t, p.kind)
        msg = _interaction_message(fake, p, {}, extra_flags=LOADING | flags)
        store_message(fake, msg)
        result.original = msg
        result.callback_flags = flags
        resource["message"] = message_payload(fake, msg)
        interaction_info.update(
            response_message_id=str(msg.id),
            response_message_loading=True,
            response_message_ephemeral=bool(flags & EPHEMERAL),
        )
    elif t == I.DEFERRED_UPDATE_MESSAGE:
        if not from_component:
            raise _type_error(t, p.kind)
        result.original = p.source_message
    elif t == I.UPDATE_MESSAGE:
        if not from_component or p.source_message is None:
            raise _type_error(t, p.kind)
        msg = p.source_message
        backup = msg.state()
        try:
            apply_edit(fake, msg, data, [], allowed_flags=EDIT_FLAGS)
        except ApiError:
            msg.restore(backup)
            raise
        dispatch_update(fake, msg)
        result.original = msg
        _stamp(result, msg)
        resource["message"] = message_payload(fake, msg)
    elif t == I.AUTOCOMPLETE_RESULT:
        if p.kind != I.AUTOCOMPLETE:
            raise _type_error(t, p.kind)
        choices = data.get("choices") or []
        if len(choices) > 25:
            raise invalid_form(
                (["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            )
        result.choices = list(choices)
    elif t == I.MODAL:
        if p.kind in (I.AUTOCOMPLETE, I.MODAL_SUBMIT):
            raise _type_error(t, p.kind)
        modal = Modal(
            str(data.get("custom_id")),
            str(data.get("title")),
            json_copy(data.get("components") or []),
        )
        result.modal = modal
        fake.open_modals[(p.user.id, modal.custom_id)] = p
    else:
        raise _type_error(t, p.kind)
    p.acked = True
    p.ack_time = now
    result.type = t
    result._notify()  # pyright: ignore[reportPrivateUsage]
    if req.flag("with_response"):
        return {"interaction": interaction_info, "resource": resource}
    return None


# ---------------------------------------------------------------------- interaction webhooks
def _pending(fake: Core, req: Req) -> PendingInteraction:
    if req.id("webhook_id") != fake.application_id:
        raise unknown("webhook")
    p = fake.pending_by_token.get(req.params["webhook_token"])
    if p is None:
        raise unknown("webhook")
    if asyncio.get_running_loop().time() - p.created > fake.followup_window:
        raise ApiError(401, 50027, "Invalid Webhook Token", problem=False)
    if not p.acked:
        raise unknown("webhook")
    return p


def _target(fake: Core, p: PendingInteraction, req: Req) -> Message:
    mid = req.params.get("message_id", "@original")
    if mid == "@original":
        if p.result.original is None or p.result.original.deleted:
            raise unknown("message")
        return p.result.original
    msg = fake.message_index.get(int(mid)) if mid.isdigit() else None
    ok = (
        msg is not None
        and not msg.deleted
        and (msg is p.result.original or msg.interaction_id == p.id)
    )
    if msg is None or not ok:
        raise unknown("message")
    return msg


@route("POST", "/webhooks/{webhook_id}/{webhook_token}")
async def followup(fake: Core, req: Req) -> Any:
    p = _pending(fake, req)
    body = req.json()
    result = p.result
    original = result.original
    if (
        original is not None
        and original.flags & LOADING
        and result.type == I.DEFERRED_CHANNEL_MESSAGE
    ):
        # The first follow-up after a "thinking" defer replaces the loading message.
        check_content(body, files=req.files)
        backup = original.state()
        try:
            apply_edit(fake, original, body, req.files, allowed_flags=EDIT_FLAGS)
        except ApiError:
            original.restore(backup)
            raise
        original.flags &= ~LOADING
        dispatch_update(fake, original)
        _stamp(result, original)
        msg = original
    else:
        check_content(body, files=req.files)
        msg = _interaction_message(fake, p, body)
        if req.files:
            from .messaging import attachments_from

            msg.attachments = attachments_from(body, req.files, p.channel.id)
        if msg.interaction_metadata is not None and original is not None:
            msg.interaction_metadata["original_response_message_id"] = str(original.id)
        store_message(fake, msg)
        result.followups.append(msg)
        _stamp(result, msg)
    if req.flag("wait"):
        return message_payload(fake, msg)
    return None


@route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
async def get_original(fake: Core, req: Req) -> Any:
    return message_payload(fake, _target(fake, _pending(fake, req), req))


@route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
async def get_webhook_message(fake: Core, req: Req) -> Any:
    return message_payload(fake, _target(fake, _pending(fake, req), req))


async def _edit(fake: Core, req: Req) -> Any:
    p = _pending(fake, req)
    msg = _target(fake, p, req)
    backup = msg.state()
    try:
        apply_edit(fake, msg, req.json(), req.files, allowed_flags=EDIT_FLAGS)
    except ApiError:
        msg.restore(backup)
        raise
    msg.flags &= ~LOADING
    dispatch_update(fake, msg)
    _stamp(p.result, msg)
    return message_payload(fake, msg)


@route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
async def edit_original(fake: Core, req: Req) -> Any:
    return await _edit(fake, req)


@route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
async def edit_webhook_message(fake: Core, req: Req) -> Any:
    return await _edit(fake, req)


async def _delete(fake: Core, req: Req) -> Any:
    from .rest_channels import delete_message_state

    p = _pending(fake, req)
    msg = _target(fake, p, req)
    delete_message_state(fake, msg)
    if msg is p.result.original:
        p.result.deleted_original = True
    p.result._notify()  # pyright: ignore[reportPrivateUsage]


@route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
async def delete_original(fake: Core, req: Req) -> Any:
    await _delete(fake, req)


@route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
async def delete_webhook_message(fake: Core, req: Req) -> Any:
    await _delete(fake, req)
