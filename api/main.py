"""The app's import path: `create_app()` (built in `app.py`), and `app`, which
`uvicorn segmenter_api.main:app` serves, built from the environment's settings.

The service's modules: `app.py` (the factory: lifespan, model loading, SIGTERM handling),
`middleware.py` (ASGI middleware), `handlers.py` (the error handlers), `errors.py` (errors and
the answer to each), `service.py` (the request pipeline), `deps.py` (FastAPI dependencies),
`state.py` (the running app's state), `routes/` (the routes).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from .app import create_app

__all__ = ["create_app"]

_APP: list[FastAPI] = []


def __getattr__(name: str) -> Any:
    """`segmenter_api.main:app` for uvicorn, built on first access from the environment's settings."""
    if name == "app":
        if not _APP:
            _APP.append(create_app())
        return _APP[0]
    raise AttributeError(name)
