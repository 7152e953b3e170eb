from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ..deps import StateDep

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "models not loaded yet"}})
async def readyz(state: StateDep) -> JSONResponse:
    """Models are loaded and a warm-up inference has run."""
    if not state.ready:
        return JSONResponse({"status": "starting"}, status_code=503)
    return JSONResponse({"status": "ready", "models": sorted(state.models)})


@router.get("/metrics", response_class=Response)
async def metrics(state: StateDep) -> Response:
    """Prometheus metrics in the text format."""
    state.metrics.observe_queues(state.batchers)
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
