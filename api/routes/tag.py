from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..batching import Kind
from ..deps import StateDep, TextsDep
from ..schemas import TEXTS_BODY, TagResponse, error_responses
from ..service import answer

router = APIRouter()


@router.post("/v1/tag", response_model=TagResponse,
             responses=error_responses(400, 401, 404, 408, 413, 422, 503, 504),
             openapi_extra=TEXTS_BODY)
async def tag(req: TextsDep, state: StateDep, request: Request) -> Response:
    """Label each non-whitespace character B/M/E/S, with the label's probability."""
    return await answer(Kind.TAG, "chars", req, state, request)
