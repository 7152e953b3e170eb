from __future__ import annotations

from fastapi import APIRouter

from api.batching import Kind
from api.deps import StateDep, checked
from api.schemas import CharOut, TagResponse, TagResult, TextsRequest

router = APIRouter()


@router.post("/v1/tag", response_model=TagResponse)
async def tag(req: TextsRequest, state: StateDep) -> TagResponse:
    """Label each non-whitespace character B/M/E/S, with the label's probability."""
    name, batcher, texts = checked(req, state)
    results = await batcher.submit(Kind.TAG, texts)
    return TagResponse(model=name, results=[
        TagResult(chars=[CharOut(char=c.char, offset=c.offset, label=c.label, prob=c.prob) for c in rows])
        for rows in results])
