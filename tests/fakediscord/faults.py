"""Faults on demand and the request record."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Fault:
    method: str | None
    path: re.Pattern[str]
    status: int | None = None
    retry_after: float = 1.0
    delay: float = 0.0
    apply_then_delay: bool = False
    count: int | None = 1  # None: until removed
    via: bool = False  # 429 with a Via header: discord.py then retries by itself
    global_: bool = False
    body: Any = None
    after: int = 0  # let this many matching requests through first
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path.search(path) is not None


class Faults:
    """`fake.faults.add(method="POST", path=r"^/channels/\\d+/messages$", status=500, count=3)`."""

    def __init__(self) -> None:
        self.active: list[Fault] = []
        # Consulted before the faults above for every request the fake routes: it returns a
        # Fault to answer with (e.g. a refusal: the bot "died" before this request), or None
        # to go on. tests/crashpoints.py counts the bot's steps and kills it at step N with it.
        self.gate: Callable[[str, str], Fault | None] | None = None

    def add(
        self,
        method: str | None = None,
        path: str = ".*",
        *,
        status: int | None = None,
        retry_after: float = 1.0,
        delay: float = 0.0,
        apply_then_delay: bool = False,
        count: int | None = 1,
        via: bool = False,
        global_: bool = False,
        body: Any = None,
        after: int = 0,
    ) -> Fault:
        if status is None and delay <= 0:
            raise ValueError("a fault needs a status or a delay")
        fault = Fault(
            method=method,
            path=re.compile(path),
            status=status,
            retry_after=retry_after,
            delay=delay,
            apply_then_delay=apply_then_delay,
            count=count,
            via=via,
            global_=global_,
            body=body,
            after=after,
        )
        self.active.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        if fault in self.active:
            self.active.remove(fault)

    def clear(self) -> None:
        self.active.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, its count consumed."""
        if self.gate is not None:
            gated = self.gate(method, path)
            if gated is not None:
                return gated
        for f in self.active:
            if f.matches(method, path):
                if f.after > 0:
                    f.after -= 1
                    continue
                f.hits += 1
                if f.count is not None:
                    f.count -= 1
                return f
        return None


@dataclass
class Recorded:
    method: str
    path: str  # without /api/v10
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    time: float = 0.0
    route: str | None = None  # spec template, when known
    files: list[str] = field(default_factory=list)
    file_data: dict[str, bytes] = field(default_factory=dict)  # what each uploaded file held
    response: Any = None
    limits: dict[str, str] | None = None  # its rate-limit headers, when they are enforced

    @property
    def reason(self) -> str | None:
        """The X-Audit-Log-Reason header, unquoted."""
        from urllib.parse import unquote

        r = self.headers.get("X-Audit-Log-Reason")
        return unquote(r) if r is not None else None
