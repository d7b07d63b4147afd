"""Discord-shaped error answers."""

from __future__ import annotations

from typing import Any

from .spec import discord_errors


class ApiError(Exception):
    """Raised by a route handler: answered as Discord would answer it."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        problem: bool | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        # By default a 400 (the bot sent something Discord rejects) is a problem; 403/404 are not.
        self.problem = status in (400, 401, 405) if problem is None else problem

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


class InteractionRefused(Exception):
    """A person-helper was asked for something Discord's client would not let a person do."""


_UNKNOWN = {
    "guild": (10004, "Unknown Guild"),
    "channel": (10003, "Unknown Channel"),
    "message": (10008, "Unknown Message"),
    "role": (10011, "Unknown Role"),
    "member": (10007, "Unknown Member"),
    "user": (10013, "Unknown User"),
    "overwrite": (10009, "Unknown Overwrite"),
    "webhook": (10015, "Unknown Webhook"),
    "interaction": (10062, "Unknown interaction"),
    "command": (10063, "Unknown application command"),
    "ban": (10026, "Unknown Ban"),
    "event": (10070, "Unknown Guild Scheduled Event"),
}


def unknown(kind: str) -> ApiError:
    code, message = _UNKNOWN[kind]
    return ApiError(404, code, message)


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def invalid_form(*items: tuple[list[str], str, str]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors=discord_errors(list(items)))


def field_error(path: str, code: str, message: str) -> ApiError:
    return invalid_form(([p for p in path.split(".") if p], code, message))
