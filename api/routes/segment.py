from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..batching import Kind
from ..deps import StateDep, TextsDep
from ..schemas import TEXTS_BODY, SegmentResponse, error_responses
from ..service import answer

router = APIRouter()


@router.post("/v1/segment", response_model=SegmentResponse,
             responses=error_responses(400, 401, 404, 408, 413, 422, 503, 504),
             openapi_extra=TEXTS_BODY)
async def segment(req: TextsDep, state: StateDep, request: Request) -> Response:
    """Split each text into words, with character offsets into the text."""
    return await answer(Kind.SEGMENT, "tokens", req, state, request)
