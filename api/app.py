"""`create_app()`: the FastAPI app. Models are loaded in its lifespan, never at import time;
on SIGTERM the queues drain before the server stops."""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from segmenter import Segmenter, __version__, configure_process, freeze_heap, resolve, usable_cores

from .batching import Batcher, Kind, ShuttingDownError
from .deps import require_api_key
from .handlers import add_error_handlers
from .metrics import Metrics
from .middleware import add_middleware
from .routes import demo, docs, health, models, segment, tag
from .settings import Settings
from .state import AppState

log = logging.getLogger(__name__)

WARM_UP = "预热：今天是2026年11月22日，模型已经准备好了。"


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
    add_middleware(app, state)
    add_error_handlers(app, state)
    return app


def _lifespan(state: AppState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: load the models before the first request; on shutdown stop taking
    requests and let the batchers finish what is queued."""
    settings = state.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threads = settings.threads or max(1, usable_cores() // settings.workers)
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


def _include_routers(app: FastAPI) -> None:
    """The API's routes behind the API key; health, the documentation and the demo page open to all."""
    secured = [Depends(require_api_key)]
    app.include_router(segment.router, dependencies=secured)
    app.include_router(tag.router, dependencies=secured)
    app.include_router(models.router, dependencies=secured)
    app.include_router(health.router)
    app.include_router(docs.router(app))
    app.include_router(demo.router(app))
