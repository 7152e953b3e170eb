from __future__ import annotations

from fastapi import APIRouter

from api.batching import Kind
from api.deps import StateDep, checked
from api.schemas import SegmentResponse, SegmentResult, TextsRequest, TokenOut

router = APIRouter()


@router.post("/v1/segment", response_model=SegmentResponse)
async def segment(req: TextsRequest, state: StateDep) -> SegmentResponse:
    """Split each text into words, with character offsets into the text."""
    name, batcher, texts = checked(req, state)
    results = await batcher.submit(Kind.SEGMENT, texts)
    return SegmentResponse(model=name, results=[
        SegmentResult(tokens=[TokenOut(text=t.text, start=t.start, end=t.end) for t in toks]) for toks in results])
