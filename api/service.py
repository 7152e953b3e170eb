"""The request service of /v1/segment and /v1/tag: the body read and validated at a bounded cost,
the model and standard a request names, the configured limits, the batcher, the JSON answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from segmenter import Analysis, Entry, parse_entry

from .batching import Batcher, Kind
from .errors import LimitError, TooLargeError, UnknownModelError
from .schemas import TextsRequest, json_response, read_texts_request, tokens_json
from .state import AppState


@dataclass(frozen=True)
class Checked:
    """A request after its checks: the name it gave, the model's batcher, its standard, its texts
    and its dictionary entries (parsed once, here)."""

    name: str
    batcher: Batcher
    standard: str | None
    texts: list[str]
    user_words: tuple[Entry, ...]


SMALL_BODY_BYTES = 32_768  # bodies up to this size are parsed on the event loop (well under a millisecond)


async def read_request(request: Request, state: AppState) -> TextsRequest:
    """The body of /v1/segment and /v1/tag, parsed and validated at a bounded cost
    (`read_texts_request`); a large body in the parser thread, so that small requests are not
    held behind it. A body declared as anything but JSON is a 415: the content types a browser
    sends cross-site without asking first (text/plain, forms) never reach the model."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind != "application/json" and not (kind.startswith("application/") and kind.endswith("+json")):
        raise HTTPException(415, f"the request body must be JSON (Content-Type: application/json), not {kind!r}")
    body = await request.body()
    limits = state.request_limits
    if len(body) <= SMALL_BODY_BYTES:
        return read_texts_request(body, limits)
    return await asyncio.get_running_loop().run_in_executor(state.parser, read_texts_request, body, limits)


def model_named(name: str, state: AppState) -> tuple[str, str | None]:
    """The model (directory name) and standard that `name` selects: a name the server registered,
    or `MODEL:STANDARD` (a standard of a served model, as in the library and the CLI)."""
    if name in state.names:
        return state.names[name]
    model, sep, standard = name.partition(":")
    if sep and standard and model in state.models:
        return model, standard
    raise UnknownModelError(f"unknown model {name!r}; available: {', '.join(sorted(state.names))} "
                            "(or MODEL:STANDARD)")


def checked(req: TextsRequest, state: AppState) -> Checked:
    """The model and standard a request names, and its texts, after the configured limits (the
    lengths of its lists were checked while it was read)."""
    s = state.settings
    name = req.model if req.model is not None else s.default_model
    key, standard = model_named(name, state)
    seg = state.models[key]
    if req.standard is not None:
        standard = req.standard
    if standard is not None:
        seg.check_standard(standard)  # InvalidInputError naming the model's standards
    texts = req.all_texts()
    for i, t in enumerate(texts):
        if len(t) > s.max_chars_per_text:
            raise LimitError(f"text {i} has {len(t)} characters; the limit is {s.max_chars_per_text} "
                             "(max_chars_per_text)", "max_chars_per_text", s.max_chars_per_text)
    total = sum(map(len, texts))
    if total > s.max_request_chars:
        raise TooLargeError(f"{total:,} characters in one request; the limit is {s.max_request_chars:,} "
                            "(max_request_chars): split the texts over several requests", "max_request_chars",
                            s.max_request_chars)
    if req.pos:
        seg.require_pos(True)
    words = req.user_words or []
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
                                     disconnected=partial(client_gone, request), pos=req.pos)

    def items(a: Analysis) -> list[dict[str, Any]]:
        return a.token_json(req.pos) if kind is Kind.SEGMENT else [c.to_json() for c in a.char_tags(req.pos)]

    def render() -> Response:
        return json_response({"model": c.name, "standard": c.standard,
                              "results": [{field: tokens_json(a.text, items(a), req.offsets)} for a in results]})

    if sum(map(len, c.texts)) <= LARGE_ANSWER_CHARS:
        return render()
    # a large answer is built off the event loop, so that small requests are not held behind it
    return await run_in_threadpool(render)
