"""Request IDs and (opt-in) JSON logs.

Every request carries an `X-Request-ID`: the client's (if it sent a reasonable one) or a new
one; it is echoed in the response and attached to every log record written while the request
runs (`request_id`). `log_config(json_logs)` is uvicorn's logging configuration, with one JSON
object per line when `SEGMENTER_LOG_FORMAT=json`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "X-Request-ID"
_ID_OK = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID.lower().encode(), b"").decode("latin-1")
        rid = given if _ID_OK.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REQUEST_ID.lower().encode(), rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                               + f".{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name,
                               "message": record.getMessage(), "request_id": getattr(record, "request_id", "-")}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_config(json_logs: bool) -> dict[str, Any]:
    """uvicorn's `log_config`: its loggers and the app's, with the request ID on every line."""
    if json_logs:
        formatter: dict[str, Any] = {"()": "segmenter_api.logs.JsonFormatter"}
    else:
        formatter = {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    def handler(stream: str) -> dict[str, Any]:
        return {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"],
                "stream": f"ext://sys.{stream}"}

    # as uvicorn's own configuration: the access log on standard output, the rest on standard error
    loggers: dict[str, Any] = {name: {"handlers": ["default"], "level": "INFO", "propagate": False}
                               for name in ("uvicorn", "uvicorn.error", "segmenter_api", "segmenter")}
    loggers["uvicorn.access"] = {"handlers": ["access"], "level": "INFO", "propagate": False}
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "segmenter_api.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler("stderr"), "access": handler("stdout")},
        "loggers": loggers,
    }
