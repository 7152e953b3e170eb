from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ..batching import Kind
from ..deps import StateDep, checked
from ..schemas import SegmentResponse, TextsRequest, json_response

router = APIRouter()


@router.post("/v1/segment", response_model=SegmentResponse)
async def segment(req: TextsRequest, state: StateDep) -> Response:
    """Split each text into words, with character offsets into the text."""
    c = checked(req, state)
    results = await c.batcher.submit(Kind.SEGMENT, c.texts, pos=req.pos, user_words=req.user_words or (),
                                     standard=c.standard)
    return json_response({"model": c.name, "standard": c.standard,
                          "results": [{"tokens": [t.to_json() for t in toks]} for toks in results]})
