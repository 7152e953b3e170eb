"""`create_app()`: the FastAPI app. Models are loaded in the lifespan, never at import time.

`uvicorn segmenter_api.main:app` serves the app built from the environment's settings.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segmenter import Segmenter, __version__, configure_process, freeze_heap, resolve, usable_cores

from .batching import Batcher, Kind, ShuttingDownError
from .deps import AppState, require_api_key
from .errors import STATUS, answer_for, detail_of
from .logs import REQUEST_ID, RequestIdMiddleware
from .metrics import Metrics
from .routes import demo, docs, health, models, segment, tag
from .schemas import MAX_PROBLEMS
from .settings import Settings

log = logging.getLogger(__name__)

WARM_UP = "预热：今天是2026年11月22日，模型已经准备好了。"


def error_response(status: int, kind: str, message: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse({"error": body}, status_code=status, headers=headers)


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


async def _refresh_gauges(state: AppState, every: float = 1.0) -> None:
    """Keep this worker's gauges current: in multiprocess mode a scrape reads every worker's
    values from files, not by asking the other workers."""
    while True:
        state.metrics.observe_queues(state.batchers)
        state.metrics.refresh_process()
        await asyncio.sleep(every)


def _drain_on_sigterm(state: AppState, timeout: float) -> None:
    """On SIGTERM (before uvicorn's own handler stops accepting): take no new requests, and answer
    what is still queued `timeout` seconds later with 503, so that uvicorn's graceful shutdown
    ends with every client answered. Only where the app runs in the main thread (uvicorn)."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)

    def drop_rest() -> None:
        for b in state.batchers.values():
            b.drop_all(ShuttingDownError("the server is shutting down; retry on another instance"))

    def on_term(signum: int, frame: Any) -> None:
        log.info("SIGTERM: draining the queues (at most %g s)", timeout)
        state.ready = False
        for b in state.batchers.values():
            b.closing = True
        loop.call_soon_threadsafe(loop.call_later, timeout, drop_rest)
        if callable(previous):
            previous(signum, frame)

    try:
        signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread (e.g. the test client): no signals to handle
        pass


def _validation_message(errors: list[dict[str, Any]], total: int) -> tuple[str, list[dict[str, Any]]]:
    """The message and detail of a 422: the first `MAX_PROBLEMS` problems (names and messages cut
    to 100 and 200 characters), and how many there are in all: an answer of at most a few KB."""
    detail = [{"loc": [p[:100] if isinstance(p, str) else p for p in e.get("loc", ())],
               "msg": str(e.get("msg", ""))[:200], "type": e.get("type", "")} for e in errors[:MAX_PROBLEMS]]
    text = "; ".join(f"{'.'.join(str(p) for p in d['loc'] if p != 'body') or 'body'}: {d['msg']}" for d in detail)
    if total > len(detail):
        text += f"; and {total - len(detail):,} more problems ({total:,} in all)"
    return text or "invalid request", detail


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service's app, configured by `settings` (default: from the environment); the models load
    in its lifespan."""
    settings = settings if settings is not None else Settings()
    state = AppState(settings=settings, metrics=Metrics())
    # FastAPI's native OpenTelemetry hooks look up the tracer provider on every request; this
    # service exports Prometheus metrics instead, so they are switched off where they exist.
    extra: dict[str, Any] = {}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        extra["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(title="segmenter", version=__version__, lifespan=_lifespan(state), **extra,
                  description="Chinese word segmentation with a character-level BiLSTM tagger.",
                  docs_url=None, redoc_url=None)
    app.state.segmenter = state
    _include_routers(app)
    _add_middleware(app, state)
    _add_error_handlers(app, state)
    return app


def _lifespan(state: AppState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: load the models before the first request; on shutdown stop taking
    requests and let the batchers finish what is queued."""
    settings = state.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threads = settings.torch_threads or max(1, usable_cores() // settings.workers)
        configure_process(threads)
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
        await _load_models(state)
        log.info("serving models %s (names %s) with %d inference threads", sorted(state.models), sorted(state.names),
                 threads)
        # Everything loaded so far (models, vocabularies, the app) lives as long as the process:
        # moved out of the collector's reach, full collections no longer walk it on every pass
        # (pauses in the tail latency under load, BENCHMARKS.md: service under load).
        gc.collect()
        freeze_heap()
        _drain_on_sigterm(state, settings.shutdown_timeout_s)
        gauges = asyncio.get_running_loop().create_task(_refresh_gauges(state), name="metrics")
        state.ready = True
        try:
            yield
        finally:
            gauges.cancel()
            state.ready = False
            for b in state.batchers.values():
                await b.close(settings.shutdown_timeout_s)
            state.parser.shutdown(wait=True)

    return lifespan


async def _load_models(state: AppState) -> None:
    """Load, warm up and start a batcher for every configured model (the default model first
    unless listed), and register every name a request may give."""
    settings = state.settings
    names = settings.models if settings.models is not None else Segmenter.available(settings.models_dir)
    if settings.default_model not in names:
        names = [settings.default_model, *names]
    for name in names:
        path, standard = resolve(name, settings.models_dir)
        key = path.name
        state.add_name(name, key, standard)
        if key in state.models:  # another standard of a model already loaded: no second copy
            continue
        seg = await run_in_threadpool(partial(Segmenter.load, path, precision=settings.precision,
                                              user_dict=settings.user_dict,
                                              max_user_word_chars=settings.max_user_word_chars,
                                              threads=1))  # torch's threads as set by the lifespan
        await run_in_threadpool(seg.cut, WARM_UP)
        batcher = _start_batcher(state, key, seg)
        state.models[key] = seg
        state.batchers[key] = batcher
    # every model by its own name, every standard by its name: the default model's standards first,
    # as the library resolves a bare standard name (`resolve`)
    default_key = resolve(settings.default_model, settings.models_dir)[0].name
    for key, seg in sorted(state.models.items(), key=lambda item: item[0] != default_key):
        state.add_name(key, key, None)
        for std in seg.standards:
            state.add_name(std, key, std)


def _start_batcher(state: AppState, key: str, seg: Segmenter) -> Batcher:
    """A running batcher for the model `key`, counting its batches and characters in the metrics."""
    settings = state.settings

    def on_batch(n_texts: int, n_chars: int, kind: Kind, name: str = key) -> None:
        state.metrics.batch_texts.labels(name).observe(n_texts)
        state.metrics.chars.labels(name, kind.value).inc(n_chars)

    batcher = Batcher(seg, max_texts=settings.batch_max_texts, max_wait=settings.batch_max_wait_ms / 1000,
                      queue_size=settings.queue_size, max_queued_chars=settings.max_queued_chars,
                      max_batch_chars=settings.max_batch_chars, on_batch=on_batch)
    batcher.start()
    return batcher


def _include_routers(app: FastAPI) -> None:
    """The API's routes behind the API key; health, the documentation and the demo page open to all."""
    secured = [Depends(require_api_key)]
    app.include_router(segment.router, dependencies=secured)
    app.include_router(tag.router, dependencies=secured)
    app.include_router(models.router, dependencies=secured)
    app.include_router(health.router)
    app.include_router(docs.router(app))
    app.include_router(demo.router(app))


def _add_middleware(app: FastAPI, state: AppState) -> None:
    """The middleware stack; the one added last runs first (metrics, then request ids)."""
    settings = state.settings
    app.add_middleware(BodyLimitMiddleware, state=state)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", REQUEST_ID])
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)


def _add_error_handlers(app: FastAPI, state: AppState) -> None:
    """One JSON error shape for every failure, each counted by its kind."""

    def fail(status: int, kind: str, message: str, detail: Any = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
        state.metrics.errors.labels(kind).inc()
        return error_response(status, kind, message, detail, headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        message, detail = _validation_message(errors, getattr(exc, "total", len(errors)))
        return fail(422, "validation_error", message, detail)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        kinds = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 408: "body_timeout",
                 413: "body_too_large", 415: "unsupported_media_type"}
        message = str(exc.detail)
        if exc.status_code == 400:  # starlette could not decode the body at all (e.g. not UTF-8)
            message = f"the request body cannot be parsed as UTF-8 JSON ({message})"
        return fail(exc.status_code, kinds.get(exc.status_code, "http_error"), message,
                    headers=getattr(exc, "headers", None))

    async def on_known_error(request: Request, exc: Exception) -> JSONResponse:
        a = answer_for(exc)
        return fail(a.status, a.kind, str(exc), detail_of(exc, sorted(state.names)), a.headers)

    for cls in STATUS:  # one table (api/errors.py) decides the answer to every known error
        app.add_exception_handler(cls, on_known_error)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return fail(500, "internal_error", "internal error; the server log has the details")


_APP: list[FastAPI] = []


def __getattr__(name: str) -> Any:
    """`segmenter_api.main:app` for uvicorn, built on first access from the environment's settings."""
    if name == "app":
        if not _APP:
            _APP.append(create_app())
        return _APP[0]
    raise AttributeError(name)
