"""The app's error handlers: one JSON error shape for every failure, each counted by its kind
(`add_error_handlers`); what each known error answers is the table of `errors.py`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .errors import STATUS, answer_for, detail_of
from .schemas import MAX_PROBLEMS
from .state import AppState

log = logging.getLogger(__name__)


def error_response(status: int, kind: str, message: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def validation_message(errors: list[dict[str, Any]], total: int) -> tuple[str, list[dict[str, Any]]]:
    """The message and detail of a 422: the first `MAX_PROBLEMS` problems (names and messages cut
    to 100 and 200 characters), and how many there are in all: an answer of at most a few KB."""
    detail = [{"loc": [p[:100] if isinstance(p, str) else p for p in e.get("loc", ())],
               "msg": str(e.get("msg", ""))[:200], "type": e.get("type", "")} for e in errors[:MAX_PROBLEMS]]
    text = "; ".join(f"{'.'.join(str(p) for p in d['loc'] if p != 'body') or 'body'}: {d['msg']}" for d in detail)
    if total > len(detail):
        text += f"; and {total - len(detail):,} more problems ({total:,} in all)"
    return text or "invalid request", detail


def add_error_handlers(app: FastAPI, state: AppState) -> None:
    """One JSON error shape for every failure, each counted by its kind."""

    def fail(status: int, kind: str, message: str, detail: Any = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
        state.metrics.errors.labels(kind).inc()
        return error_response(status, kind, message, detail, headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        message, detail = validation_message(errors, getattr(exc, "total", len(errors)))
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
