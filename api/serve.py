"""`segmenter serve`: run the app under uvicorn."""

from __future__ import annotations

import json
import os
import tempfile

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError as PydanticSettingsError

from segmenter import SegmenterError

from .logs import log_config
from .protocol import JsonErrorH11Protocol
from .settings import Settings


def run(host: str | None = None, port: int | None = None, workers: int | None = None,
        model: str | None = None) -> None:
    """Serve on uvicorn; `model` (the CLI's --model) becomes the default model and, unless
    SEGMENTER_MODELS lists others, the only one loaded."""
    if model is not None:
        os.environ["SEGMENTER_DEFAULT_MODEL"] = model
        os.environ.setdefault("SEGMENTER_MODELS", json.dumps([model]))
    settings = load_settings()
    workers = workers or settings.workers
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # every worker writes its metrics under one folder, so a scrape of any worker shows all
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="segmenter-metrics-")
    # every worker process builds its app from the environment: pass the worker count on
    os.environ["SEGMENTER_WORKERS"] = str(workers)
    # h11 rather than httptools: its parser enforces a limit on the request line and headers
    # (uvicorn's httptools protocol sets none). Slow headers are not timed out by uvicorn: put a reverse
    # proxy in front where that matters (README: Service limits).
    uvicorn.run("segmenter_api.main:app", host=host or settings.host, port=port or settings.port, workers=workers,
                http=JsonErrorH11Protocol, h11_max_incomplete_event_size=settings.max_header_bytes,
                timeout_keep_alive=int(settings.keep_alive_s),
                # after the drain's end every request is answered at once: 2 s more is for writing the answers
                timeout_graceful_shutdown=int(settings.shutdown_timeout_s) + 2,
                log_config=log_config(settings.log_format == "json"), log_level="info")


def load_settings() -> Settings:
    """The settings from the environment; a bad value is a `SettingsError` naming the variable
    and what it expects."""
    try:
        return Settings()
    except ValidationError as e:
        problems = []
        for err in e.errors():
            field = err["loc"][0] if err["loc"] else None
            message = err["msg"].removeprefix("Value error, ")
            if field is None:  # a check of several settings: its input is all of them, the API key too
                problems.append(f"settings: {message}")
            elif field == "api_key":
                problems.append(f"SEGMENTER_API_KEY: {message}")
            else:
                name = str(field).upper()  # a field's name, or the variable its alias names (SEGMENTER_THREADS)
                name = name if name.startswith("SEGMENTER_") else f"SEGMENTER_{name}"
                problems.append(f"{name}: {message} (got {err.get('input')!r})")
        raise SettingsError("invalid service settings: " + "; ".join(problems)) from None
    except PydanticSettingsError as e:
        raise SettingsError(f"invalid service settings: {e}") from None


class SettingsError(SegmenterError):
    """The service's settings cannot start it (the CLI prints this and exits 2)."""
