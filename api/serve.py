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
    uvicorn.run("segmenter_api.main:app", host=host or settings.host, port=port or settings.port, workers=workers,
                timeout_graceful_shutdown=30, log_level="info")
