from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..batching import Kind
from ..deps import StateDep, checked, client_gone
from ..schemas import TagResponse, TextsRequest, error_responses, json_response, tokens_json

router = APIRouter()


@router.post("/v1/tag", response_model=TagResponse,
             responses=error_responses(400, 401, 404, 408, 413, 422, 503, 504))
async def tag(req: TextsRequest, state: StateDep, request: Request) -> Response:
    """Label each non-whitespace character B/M/E/S, with the label's probability."""
    c = checked(req, state)
    results = await c.batcher.submit(Kind.TAG, c.texts, pos=req.pos, user_words=req.user_words or (),
                                     standard=c.standard, timeout=state.settings.request_timeout_s,
                                     disconnected=partial(client_gone, request))
    return json_response({"model": c.name, "standard": c.standard,
                          "results": [{"chars": tokens_json(text, rows, req.offsets)}
                                      for text, rows in zip(c.texts, results)]})
