"""`segmenter serve`: run the app under uvicorn."""

from __future__ import annotations

import json
import os

import uvicorn

from .settings import Settings


def run(host: str | None = None, port: int | None = None, workers: int | None = None,
        model: str | None = None) -> None:
    """Serve on uvicorn; `model` (the CLI's --model) becomes the default model and, unless
    SEGMENTER_MODELS lists others, the only one loaded."""
    if model is not None:
        os.environ["SEGMENTER_DEFAULT_MODEL"] = model
        os.environ.setdefault("SEGMENTER_MODELS", json.dumps([model]))
    settings = Settings()
    workers = workers or settings.workers
    # every worker process builds its app from the environment: pass the worker count on
    os.environ["SEGMENTER_WORKERS"] = str(workers)
    # h11 rather than httptools: its parser enforces a limit on the request line and headers
    # (httptools accepted a 64 MB header). Slow headers are not timed out by uvicorn: put a reverse
    # proxy in front where that matters (README: Service limits).
    uvicorn.run("segmenter_api.main:app", host=host or settings.host, port=port or settings.port, workers=workers,
                http="h11", h11_max_incomplete_event_size=settings.max_header_bytes,
                timeout_keep_alive=int(settings.keep_alive_s), timeout_graceful_shutdown=int(settings.shutdown_timeout_s) + 5,
                log_level="info")
