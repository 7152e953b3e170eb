"""The app's ASGI middleware: the request body's size and time limits, the request metrics, and
the stack they form with gzip, CORS and request ids (`add_middleware`)."""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .handlers import error_response
from .logs import REQUEST_ID, RequestIdMiddleware
from .metrics import Metrics
from .state import AppState


class BodyLimitMiddleware:
    """Refuses request bodies over `settings.max_body_bytes` with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.state.settings.max_body_bytes
        message = f"request body over {limit} bytes (max_body_bytes)"
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            self.state.metrics.errors.labels("body_too_large").inc()
            await error_response(413, "body_too_large", message, {"limit": "max_body_bytes", "value": limit})(
                scope, receive, send)
            return
        received = 0
        complete = False
        timeout = self.state.settings.body_timeout_s
        deadline: float | None = None  # the whole body must arrive within `timeout`, not each piece

        async def limited() -> Message:
            nonlocal received, complete, deadline
            if complete:  # the body is read: what comes next is the disconnect, whenever it comes
                return await receive()
            now = time.monotonic()
            deadline = deadline if deadline is not None else now + timeout
            try:
                msg = await asyncio.wait_for(receive(), max(0.0, deadline - now))
            except TimeoutError:
                raise HTTPException(408, f"the request body did not arrive whole within {timeout:g} s "
                                         "(body_timeout_s; shorter than its Content-Length, or sent too slowly?)"
                                    ) from None
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise HTTPException(413, message)
                complete = not msg.get("more_body", False)
            return msg

        await self.app(scope, limited, send)


class MetricsMiddleware:
    """Counts requests by route and status and observes their latency (outermost middleware).

    A plain ASGI middleware: starlette's `BaseHTTPMiddleware` runs every request through extra
    tasks and memory streams on the event loop (replacing it is one of the service changes measured
    together with `bench/load.py`, BENCHMARKS.md: What each optimisation gave)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(path).observe(time.perf_counter() - t0)
            self.metrics.requests.labels(path, str(status)).inc()


def add_middleware(app: FastAPI, state: AppState) -> None:
    """The middleware stack; the one added last runs first (metrics, then request ids)."""
    settings = state.settings
    app.add_middleware(BodyLimitMiddleware, state=state)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", REQUEST_ID])
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
