"""The service's own errors and the one table that maps every error to an HTTP answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from segmenter import InvalidInputError, SegmenterError

from .batching import ClientGoneError, DeadlineError, QueueFullError, ShuttingDownError


class UnknownModelError(Exception):
    """The request names a model the server does not serve."""


class LimitError(Exception):
    """The request exceeds a configured limit."""

    def __init__(self, message: str, limit: str, value: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value


class TooLargeError(LimitError):
    """The request is larger than the server answers in one go (413)."""


class AuthError(Exception):
    """Missing or wrong API key."""


@dataclass(frozen=True)
class Answer:
    status: int
    kind: str
    headers: dict[str, str] | None = None


# Most specific first: the first class an error is an instance of decides its answer.
STATUS: dict[type[Exception], Answer] = {
    AuthError: Answer(401, "unauthorized", {"WWW-Authenticate": "Bearer"}),
    UnknownModelError: Answer(404, "unknown_model"),
    TooLargeError: Answer(413, "limit_exceeded"),
    LimitError: Answer(422, "limit_exceeded"),
    InvalidInputError: Answer(422, "invalid_input"),
    ClientGoneError: Answer(499, "client_gone"),  # nobody reads it; logged and counted
    QueueFullError: Answer(503, "busy", {"Retry-After": "1"}),
    ShuttingDownError: Answer(503, "shutting_down", {"Retry-After": "1"}),
    DeadlineError: Answer(504, "deadline_exceeded"),
    SegmenterError: Answer(400, "segmenter_error"),
}


def answer_for(exc: Exception) -> Answer:
    for cls, answer in STATUS.items():
        if isinstance(exc, cls):
            return answer
    raise LookupError(type(exc).__name__)


def detail_of(exc: Exception, available: list[str]) -> Any:
    if isinstance(exc, LimitError):  # TooLargeError too
        return {"limit": exc.limit, "value": exc.value}
    if isinstance(exc, UnknownModelError):
        return {"available": available}
    return None
