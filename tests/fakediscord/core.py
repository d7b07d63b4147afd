"""The HTTP server, request pipeline (record, faults, auth, spec validation, routing) and the
bookkeeping shared by the route modules."""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import ApiError
from .faults import Fault, Faults, Recorded
from .gateway import Gateway
from .interactions import PendingInteraction
from .models import JSON, Message
from .ratelimits import RateLimits
from .routing import ROUTES, Reply, Req, UploadedFile
from .spec import load_spec, validation_errors
from .world import World

API_PREFIX = "/api/v10"
LISTEN_BACKLOG = 1024  # pending connections the kernel keeps (capped by net.core.somaxconn)
_TOKEN_ROUTES = re.compile(r"^/(interactions/|webhooks/\{webhook_id\}/\{webhook_token\})")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    return web.Response(status=status, body=json.dumps(body).encode(), headers=h)


class Core(World):
    def __init__(
        self, spec_path: str | os.PathLike[str] | None = None, *, bot_name: str = "Support Bot"
    ) -> None:
        self.spec = load_spec(spec_path)  # raises SpecNotFound; cached per process
        super().__init__(bot_name=bot_name)
        self.faults = Faults()
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self.interaction_deadline = 3.0
        self.followup_window = 15 * 60.0
        self.helper_timeout = 5.0
        # How to wait until the bots in this process have nothing left to do (tests/harness.py
        # registers each bot it starts): a deferred answer's follow-up is then waited for only
        # as long as the bot still works, not the whole helper_timeout.
        self.bots_quiet: list[Callable[[float], Awaitable[None]]] = []
        self.nonce_window = 300.0
        # Discord's message history may leave out the nonce a message was sent with: a test sets
        # this False to make the bot recognise its own messages without it.
        self.history_nonces = True
        self.attachment_size_limit = 10 * 1024 * 1024
        # Off by default: `fake.rate_limits = RateLimits()` enforces Discord's rate limits
        # (ratelimits.py: 429s with Discord's headers; its `refused` lists them).
        self.rate_limits: RateLimits | None = None
        self.pending: dict[int, PendingInteraction] = {}
        self.pending_by_token: dict[str, PendingInteraction] = {}
        self.nonces: dict[tuple[int, str], tuple[float, Message]] = {}
        self.open_modals: dict[
            tuple[int, str], PendingInteraction
        ] = {}  # (user id, modal custom_id)
        self.gateway = Gateway(self, lambda: self.gateway_url)
        self.port = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    async def start(self, port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._outside_api)
        self._runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=0.5,
            handler_cancellation=True,
        )
        await self._runner.setup()
        # Hundreds of clients connect at once in the benchmarks (each concurrent request of
        # discord.py opens its own connection). With aiohttp's default listen backlog (128) the
        # kernel drops the connections past it and the client's SYN is retried a second later:
        # a third of 300 simultaneous /ping took 1.1-1.2 s for that alone.
        site = web.TCPSite(self._runner, "127.0.0.1", port, backlog=LISTEN_BACKLOG)
        await site.start()
        server = site._server  # pyright: ignore[reportPrivateUsage]
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Core:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ gateway
    def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> None:
        self.gateway.dispatch(event, data, guild_id)

    @property
    def connections(self) -> int:
        return self.gateway.connections

    async def wait_until_connected(self, timeout: float = 10) -> None:
        await self.gateway.wait_until_connected(timeout)

    async def drop_gateway(
        self, *, code: int = 4000, wait: bool = True, timeout: float = 10
    ) -> None:
        """Close the bot's socket with a resumable code; by default wait until it RESUMEd."""
        await self.gateway.drop(code)
        if wait:
            await self.gateway.wait_until_resumed(timeout)

    async def wait_until_resumed(self, timeout: float = 10) -> None:
        await self.gateway.wait_until_resumed(timeout)

    async def gateway_settled(self, timeout: float = 10) -> None:
        """Every connected bot has read (and dispatched) every gateway event sent so far."""
        await self.gateway.settle(timeout)

    def events_sent(self) -> int:
        return self.gateway.events_sent()

    async def invalidate_session(self) -> None:
        """Send op 9 (not resumable): discord.py IDENTIFYs again (after its own 5 s wait)."""
        await self.gateway.invalidate()

    # ------------------------------------------------------------------ problems & records
    def problem(self, message: str) -> None:
        self.problems.append(message)

    def take_problems(self) -> list[str]:
        out = list(self.problems)
        self.problems.clear()
        return out

    def requests_to(self, method: str | None = None, path_regex: str = ".*") -> list[Recorded]:
        rx = re.compile(path_regex)
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper()) and rx.search(r.path)
        ]

    # ------------------------------------------------------------------ pipeline
    async def _outside_api(self, request: web.Request) -> web.Response:
        self.problem(f"{request.method} {request.path}: outside {API_PREFIX}")
        return json_response(404, {"message": "404: Not Found", "code": 0})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        ctype = request.headers.get("Content-Type", "")
        files: list[UploadedFile] = []
        if not request.body_exists:
            return None, files
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part: Any = await reader.next()
                if part is None:
                    break
                name = part.name or ""
                data: bytes = await part.read(decode=False)
                if name == "payload_json":
                    body = self._parse_json(data)
                else:
                    files.append(
                        UploadedFile(
                            name,
                            part.filename or name,
                            part.headers.get("Content-Type", "application/octet-stream"),
                            data,
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        if ctype.split(";")[0].strip() != "application/json":
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self._parse_json(raw), files

    @staticmethod
    def _parse_json(raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.method.upper()
        path = "/" + request.match_info["tail"]
        rec = Recorded(
            method, path, dict(request.query), None, dict(request.headers), time=time.time()
        )
        self.requests.append(rec)
        try:
            body, files = await self._read_body(request)
        except ApiError as e:
            return self._error(rec, e)
        rec.json = body
        rec.files = [f.filename for f in files]
        rec.file_data = {f.filename: f.data for f in files}

        match = self.spec.match(method, path)
        if match is None:
            return self._error(
                rec,
                ApiError(404, 0, "404: Not Found", problem=True),
                note="route not in Discord's API",
            )
        rec.route = match.template
        if match.operation is None:
            return self._error(
                rec,
                ApiError(405, 0, "405: Method Not Allowed"),
                note=f"{match.template} has no {method}",
            )
        handler = ROUTES.get((method, match.template))
        if handler is None:
            return self._error(
                rec,
                ApiError(404, 0, "404: Not Found", problem=True),
                note=f"{method} {match.template} not implemented by the fake",
            )

        fault = self.faults.take(method, path)
        if fault is not None and not fault.apply_then_delay:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                return self._fault_response(rec, fault)

        if self.rate_limits is not None:
            verdict = self.rate_limits.take(method, path, match.template, match.params)
            rec.limits = verdict.headers
            if verdict.refused is not None:
                return self._rate_limited(rec, verdict.refused, verdict.retry_after)

        req = Req(
            method,
            path,
            match.template,
            match.params,
            dict(request.query),
            body,
            files,
            request.headers,
        )
        try:
            self._check_auth(req, request)
            self._validate(req)
            result = await handler(self, req)
            if isinstance(result, Reply):
                status, payload = result.status, result.body
            elif result is None:
                status, payload = 204, None
            else:
                status, payload = 200, result
            rec.status = status
            rec.response = payload
            response = (
                web.Response(status=204, headers=self._ratelimit_headers(rec))
                if status == 204
                else json_response(status, payload, self._ratelimit_headers(rec))
            )
        except ApiError as e:
            response = self._error(rec, e)
        except Exception:
            self.problem(f"{method} {path}: the fake crashed:\n{traceback.format_exc()}")
            rec.status = 500
            response = json_response(500, {"message": "500: Internal Server Error", "code": 0})

        if fault is not None and fault.apply_then_delay:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                return self._fault_response(rec, fault)
        return response

    def _check_auth(self, req: Req, request: web.Request) -> None:
        if _TOKEN_ROUTES.match(req.template):
            return
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot ") or len(auth) <= 4:
            raise ApiError(401, 0, "401: Unauthorized")

    def _validate(self, req: Req) -> None:
        if req.body is None:
            return
        validator = self.spec.validator(req.method, req.template)
        if validator is None:
            if not self.spec.has_body(req.method, req.template):
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    errors={
                        "_errors": [
                            {"code": "BASE_TYPE_INVALID", "message": "This route takes no body"}
                        ]
                    },
                )
            return
        errs = validation_errors(validator, req.body, self.spec.check(req.method, req.template))
        if errs:
            from .spec import discord_errors

            raise ApiError(400, 50035, "Invalid Form Body", errors=discord_errors(errs))

    def _error(self, rec: Recorded, e: ApiError, *, note: str | None = None) -> web.Response:
        rec.status = e.status
        rec.response = e.body()
        if e.problem:
            detail = f" ({note})" if note else ""
            errors = f" {json.dumps(e.errors)}" if e.errors else ""
            body = f" body={json.dumps(rec.json)[:500]}" if rec.json is not None else ""
            self.problem(
                f"{rec.method} {rec.path}: {e.status} {e.code} {e.message}{detail}{errors}{body}"
            )
        return json_response(
            e.status, e.body(), self._ratelimit_headers(rec) if e.status != 404 else None
        )

    def _ratelimit_headers(
        self, rec: Recorded, *, remaining: int | None = None, reset_after: float | None = None
    ) -> dict[str, str]:
        if rec.limits is not None and remaining is None:  # enforced: the request's own bucket
            return dict(rec.limits)
        remaining = 4 if remaining is None else remaining
        reset_after = 1.0 if reset_after is None else reset_after
        return {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"fake{abs(hash((rec.method, rec.route or rec.path))) % 10**9:x}",
        }

    def _rate_limited(self, rec: Recorded, scope: str, retry_after: float) -> web.Response:
        """A 429 of the enforced rate limits (ratelimits.py), as Discord words it."""
        rec.status = 429
        rec.response = {
            "message": "You are being rate limited.",
            "retry_after": math.ceil(retry_after * 1000) / 1000,
            "global": scope == "global",
        }
        headers = self._ratelimit_headers(rec)
        headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        headers["X-RateLimit-Scope"] = scope
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        headers["Via"] = "1.1 google"
        return json_response(429, rec.response, headers)

    def _fault_response(self, rec: Recorded, fault: Fault) -> web.Response:
        status = fault.status or 500
        rec.status = status
        if status == 429:
            body = fault.body or {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.global_,
            }
            headers = self._ratelimit_headers(rec, remaining=0, reset_after=fault.retry_after)
            headers["Retry-After"] = str(max(1, math.ceil(fault.retry_after)))
            headers["X-RateLimit-Scope"] = "global" if fault.global_ else "user"
            if fault.global_:
                headers["X-RateLimit-Global"] = "true"
            if fault.via:
                headers["Via"] = "1.1 google"
            rec.response = body
            return json_response(429, body, headers)
        body = fault.body or {"message": f"{status}: Fault injected by the fake", "code": 0}
        rec.response = body
        return json_response(status, body)
