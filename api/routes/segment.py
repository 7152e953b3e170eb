from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..batching import Kind
from ..deps import StateDep, checked, client_gone
from ..schemas import SegmentResponse, TextsRequest, error_responses, json_response, tokens_json

router = APIRouter()


@router.post("/v1/segment", response_model=SegmentResponse,
             responses=error_responses(400, 401, 404, 408, 413, 422, 503, 504))
async def segment(req: TextsRequest, state: StateDep, request: Request) -> Response:
    """Split each text into words, with character offsets into the text."""
    c = checked(req, state)
    results = await c.batcher.submit(Kind.SEGMENT, c.texts, pos=req.pos, user_words=req.user_words or (),
                                     standard=c.standard, timeout=state.settings.request_timeout_s,
                                     disconnected=partial(client_gone, request))
    return json_response({"model": c.name, "standard": c.standard,
                          "results": [{"tokens": tokens_json(text, toks, req.offsets)}
                                      for text, toks in zip(c.texts, results)]})
