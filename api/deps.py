"""Dependencies shared by the routes: the app state, the model's batcher, the API key check."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from segmenter import Analysis, Entry, Segmenter, parse_entry

from .batching import Batcher, Kind
from .errors import AuthError, LimitError, UnknownModelError
from .metrics import Metrics
from .schemas import TextsRequest, json_response, tokens_json
from .settings import Settings


@dataclass
class AppState:
    settings: Settings
    metrics: Metrics
    models: dict[str, Segmenter] = field(default_factory=dict)  # by model directory name: one per file
    batchers: dict[str, Batcher] = field(default_factory=dict)  # likewise
    # Every name a request may give: the configured names and every standard of a loaded model,
    # each -> (model directory name, standard or None for the model's own default).
    names: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    ready: bool = False

    def add_name(self, name: str, model: str, standard: str | None) -> None:
        self.names.setdefault(name, (model, standard))


@dataclass(frozen=True)
class Checked:
    """A request after its checks: the name it gave, the model's batcher, its standard, its texts
    and its dictionary entries (parsed once, here)."""

    name: str
    batcher: Batcher
    standard: str | None
    texts: list[str]
    user_words: tuple[Entry, ...]


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.segmenter
    return state


StateDep = Annotated[AppState, Depends(get_state)]


bearer = HTTPBearer(auto_error=False, description="the API key, when the server has one (SEGMENTER_API_KEY)")


async def require_api_key(state: StateDep,
                          credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    key = state.settings.api_key
    if key is None:
        return
    given = credentials.credentials.strip() if credentials is not None else ""
    if not given or not secrets.compare_digest(given.encode(), key.get_secret_value().encode()):
        raise AuthError("this server needs 'Authorization: Bearer <API key>'")


def checked(req: TextsRequest, state: AppState) -> Checked:
    """The model and standard a request names, and its texts, after the configured limits."""
    s = state.settings
    name = req.model if req.model is not None else s.default_model
    if name not in state.names:
        raise UnknownModelError(f"unknown model {name!r}; available: {', '.join(sorted(state.names))}")
    key, standard = state.names[name]
    seg = state.models[key]
    if req.standard is not None:
        standard = req.standard
    if standard is not None:
        seg.check_standard(standard)  # InvalidInputError naming the model's standards
    texts = req.all_texts()
    if len(texts) > s.max_texts:
        raise LimitError(f"{len(texts)} texts in one request; the limit is {s.max_texts} (max_texts)",
                         "max_texts", s.max_texts)
    for i, t in enumerate(texts):
        if len(t) > s.max_chars_per_text:
            raise LimitError(f"text {i} has {len(t)} characters; the limit is {s.max_chars_per_text} "
                             "(max_chars_per_text)", "max_chars_per_text", s.max_chars_per_text)
    if req.pos:
        seg.require_pos(True)
    words = req.user_words or []
    if len(words) > s.max_user_words:
        raise LimitError(f"{len(words)} user words in one request; the limit is {s.max_user_words} "
                         "(max_user_words)", "max_user_words", s.max_user_words)
    entries = tuple(parse_entry(w, max_chars=s.max_user_word_chars) for w in words)  # InvalidInputError names it
    return Checked(name, state.batchers[key], standard or seg.standard, texts, entries)


async def client_gone(request: Request) -> None:
    """Returns when the client of `request` disconnects (its body has been read by then, so the
    next message is the disconnect)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


LARGE_ANSWER_CHARS = 20_000  # answers for more characters are serialised in a worker thread


async def answer(kind: Kind, field: str, req: TextsRequest, state: AppState, request: Request) -> Response:
    """The one path of /v1/segment and /v1/tag: checks, the batcher (with the request's deadline
    and its client's disconnect), and the JSON answer with the items of each text under `field`."""
    c = checked(req, state)
    results = await c.batcher.submit(kind, c.texts, user_words=c.user_words, standard=c.standard,
                                     timeout=state.settings.request_timeout_s,
                                     disconnected=partial(client_gone, request))

    def items(a: Analysis) -> list[dict[str, Any]]:
        return a.token_json(req.pos) if kind is Kind.SEGMENT else [c.to_json() for c in a.char_tags(req.pos)]

    def render() -> Response:
        return json_response({"model": c.name, "standard": c.standard,
                              "results": [{field: tokens_json(a.text, items(a), req.offsets)} for a in results]})

    if sum(map(len, c.texts)) <= LARGE_ANSWER_CHARS:
        return render()
    # a large answer is built off the event loop, so that small requests are not held behind it
    return await run_in_threadpool(render)
