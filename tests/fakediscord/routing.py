"""Route registry shared by the REST modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .errors import ApiError

if TYPE_CHECKING:
    from .core import Core


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Req:
    method: str
    path: str
    template: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[UploadedFile] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def id(self, name: str) -> int:
        raw = self.params[name]
        if not raw.isdigit():
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors={
                    name: {
                        "_errors": [
                            {
                                "code": "NUMBER_TYPE_COERCE",
                                "message": f'Value "{raw}" is not snowflake.',
                            }
                        ]
                    }
                },
            )
        return int(raw)

    @property
    def reason(self) -> str | None:
        r = self.headers.get("X-Audit-Log-Reason")
        return unquote(r) if r is not None else None

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


@dataclass
class Reply:
    status: int
    body: Any


Handler = Callable[["Core", Req], Awaitable[Any]]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        key = (method.upper(), template)
        if key in ROUTES:
            raise RuntimeError(f"route registered twice: {key}")
        ROUTES[key] = fn
        return fn

    return deco
